/**
 * Loads the indicator catalog (`packages/reference/catalog/documents.json`,
 * `packages/reference/catalog/indicators.json`): every entry is decoded with `decodeCatalogEntry` (which also
 * checks its definition against the fact registry and the entity model), then the catalog as a whole is checked:
 * codes unique, every target citing a known document and a year within that document's span, units, operators and definition kinds consistent with the measure. Every problem
 * is collected, never only the first, and each names the file, the entry code and the JSON path
 * (`indicators.json: DE_GRDP: definition.numerator.field: GrdpReported has no field "digital"…`).
 * A loaded indicator carries its `definitionHash` and the fact types it depends on (`factsOf`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CatalogEntry,
  decodeCatalogEntry,
  definitionHash,
  type FactType,
  type FieldError,
  factsOf,
  fieldErrors,
  isFactType,
} from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { CATALOG_DIR, DOCUMENTS_FILE, INDICATORS_FILE } from "./catalogFiles.js";
import { documentYear, horizonEnd, PlanningDocument } from "./planningDocument.js";

export interface CatalogProblem {
  /** `documents.json` or `indicators.json`. */
  readonly file: string;
  /** The entry's code (or document id); `[i]` when the entry has none; absent for a problem with the whole file. */
  readonly entry?: string;
  /** Dotted JSON path inside the entry (`definition.numerator.field`), or inside the file. */
  readonly path: string;
  readonly reason: string;
}

export interface CatalogError {
  readonly _tag: "CatalogError";
  readonly problems: readonly CatalogProblem[];
}

export type CatalogIndicator = CatalogEntry & {
  /** SHA-256 of the canonical definition: a published figure names the definition it was computed with. */
  readonly definitionHash: string;
  /** The fact types the indicator's figures depend on. */
  readonly facts: readonly FactType[];
};

export interface Catalog {
  readonly documents: readonly PlanningDocument[];
  readonly indicators: readonly CatalogIndicator[];
}

type Measure = CatalogEntry["measure"];
type DefinitionKind = CatalogEntry["definition"]["kind"];

/** The unit each kind of measure is stated in. */
export const MEASURE_UNITS: Readonly<Record<Measure, CatalogEntry["unit"]>> = {
  share: "percent",
  value_ratio: "percent",
  rate_per_1000: "per_1000_people",
  count: "count",
  growth: "percent_yoy",
  rank: "rank",
};

/** The definition kinds that can compute each kind of measure (a survey share is a ratio of reported sums). */
export const MEASURE_DEFINITION_KINDS: Readonly<Record<Measure, readonly DefinitionKind[]>> = {
  share: ["share", "shareOfReported", "reportedRatio"],
  value_ratio: ["reportedRatio"],
  rate_per_1000: ["ratePer1000"],
  count: ["entityCount", "reportedCount"],
  growth: ["growth"],
  rank: ["rank"],
};

export const formatCatalogProblem = (p: CatalogProblem): string =>
  [p.file, p.entry, p.path, p.reason].filter((s) => s !== undefined && s !== "").join(": ");

export const formatCatalogError = (e: CatalogError): string => e.problems.map(formatCatalogProblem).join("\n");

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u);

/**
 * io-ts paths name the members of unions and intersections by index (`0.definition.0.entity`). Walking the
 * input value along the path tells those apart from real array indices, so the path shown is the JSON path
 * (`definition.entity`).
 */
export const jsonPath = (root: unknown, ioPath: string): string => {
  const out: string[] = [];
  let current: unknown = root;
  let inside = true;
  for (const segment of ioPath.split(".")) {
    const numeric = /^\d+$/.test(segment);
    if (inside && Array.isArray(current) && numeric && Number(segment) < current.length) {
      out.push(segment);
      current = current[Number(segment)];
    } else if (inside && isRecord(current) && Object.hasOwn(current, segment)) {
      out.push(segment);
      current = current[segment];
    } else if (!numeric) {
      out.push(segment);
      inside = false;
    }
  }
  return out.join(".");
};

const entryLabel = (u: unknown, key: "code" | "id", index: number): string => {
  const v = isRecord(u) ? u[key] : undefined;
  return typeof v === "string" && v !== "" ? v : `[${index}]`;
};

const problemsOf = (file: string, entry: string, root: unknown, errors: readonly FieldError[]): CatalogProblem[] => {
  const seen = new Set<string>();
  const out: CatalogProblem[] = [];
  for (const e of errors) {
    const path = e.field === "(fact)" ? "" : jsonPath(root, e.field);
    const key = `${path}\u0000${e.reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file, entry, path, reason: e.reason });
  }
  return out;
};

const decodeDocuments = (u: unknown): { documents: PlanningDocument[]; problems: CatalogProblem[] } => {
  const file = DOCUMENTS_FILE;
  if (!Array.isArray(u)) return { documents: [], problems: [{ file, path: "", reason: "expected a JSON array" }] };
  const documents: PlanningDocument[] = [];
  const problems: CatalogProblem[] = [];
  const firstIndex = new Map<string, number>();
  u.forEach((raw, i) => {
    const entry = entryLabel(raw, "id", i);
    const r = PlanningDocument.decode(raw);
    if (E.isLeft(r)) {
      problems.push(...problemsOf(file, entry, raw, fieldErrors(r.left)));
      return;
    }
    const d = r.right;
    const seen = firstIndex.get(d.id);
    if (seen !== undefined) {
      problems.push({ file, entry, path: "id", reason: `duplicate document id (also at [${seen}])` });
      return;
    }
    firstIndex.set(d.id, i);
    if (d.horizon.length === 0) problems.push({ file, entry, path: "horizon", reason: "names no year" });
    d.horizon.forEach((y, j) => {
      const previous = d.horizon[j - 1];
      if (y < documentYear(d) || (previous !== undefined && y <= previous)) {
        problems.push({
          file,
          entry,
          path: `horizon.${j}`,
          reason: `${y}: horizon years increase and are not before the document's year ${documentYear(d)}`,
        });
      }
    });
    documents.push(d);
  });
  return { documents, problems };
};

const OPS_BY_DIRECTION: Readonly<Record<CatalogEntry["direction"], readonly string[]>> = {
  higher_is_better: [">=", ">", "="],
  lower_is_better: ["<=", "<", "="],
};

const SECTION = /^§[IVXL]+(\.\d+[a-zđ]?)*$/u;

/** Checks one decoded entry against the documents and the conventions of the catalog. */
const checkEntry = (e: CatalogEntry, documents: ReadonlyMap<string, PlanningDocument>): FieldError[] => {
  const errs: FieldError[] = [];
  const unit = MEASURE_UNITS[e.measure];
  if (e.unit !== unit) errs.push({ field: "unit", reason: `a ${e.measure} is stated in ${unit}, not ${e.unit}` });
  const kinds = MEASURE_DEFINITION_KINDS[e.measure];
  if (!kinds.includes(e.definition.kind)) {
    errs.push({
      field: "definition.kind",
      reason: `a ${e.measure} is computed by ${kinds.join(" or ")}, not ${e.definition.kind}`,
    });
  }
  const direction = e.measure === "rank" ? "lower_is_better" : "higher_is_better";
  if (e.direction !== direction) {
    errs.push({ field: "direction", reason: `a ${e.measure} is ${direction}` });
  }
  if (e.targets.length === 0) errs.push({ field: "targets", reason: "an indicator has at least one target" });
  e.targets.forEach((target, i) => {
    const at = `targets.${i}`;
    const previous = e.targets[i - 1];
    if (previous !== undefined && target.year <= previous.year) {
      errs.push({
        field: `${at}.year`,
        reason: `${target.year}: targets are in increasing year order, one per year (after ${previous.year})`,
      });
    }
    if (!OPS_BY_DIRECTION[e.direction].includes(target.op)) {
      errs.push({ field: `${at}.op`, reason: `${target.op} does not fit an indicator that is ${e.direction}` });
    }
    if (e.unit === "percent" && (target.value < 0 || target.value > 100)) {
      errs.push({ field: `${at}.value`, reason: `${target.value} is not a percentage between 0 and 100` });
    }
    if ((e.unit === "count" || e.unit === "rank") && !(Number.isInteger(target.value) && target.value >= 0)) {
      errs.push({ field: `${at}.value`, reason: `${target.value}: a ${e.unit} is a whole number` });
    }
    if (!SECTION.test(target.source.section)) {
      errs.push({
        field: `${at}.source.section`,
        reason: `${JSON.stringify(target.source.section)} is not a section reference such as "§II.2b"`,
      });
    }
    const doc = documents.get(target.source.document);
    if (doc === undefined) {
      errs.push({
        field: `${at}.source.document`,
        reason: `unknown document ${JSON.stringify(target.source.document)}; ${DOCUMENTS_FILE} has ${[
          ...documents.keys(),
        ].join(", ")}`,
      });
    } else if (target.year < documentYear(doc) || target.year > horizonEnd(doc)) {
      errs.push({
        field: `${at}.year`,
        reason: `${target.year} is outside ${doc.id}'s span ${documentYear(doc)}–${horizonEnd(doc)}`,
      });
    }
  });
  const unregistered = factsOf(e.definition).filter((f) => !isFactType(f));
  if (unregistered.length > 0) {
    errs.push({ field: "definition", reason: `depends on unregistered fact types ${unregistered.join(", ")}` });
  }
  return errs;
};

/** Decodes and checks the catalog from already parsed JSON (pure; `loadCatalog` reads the files). */
export const decodeCatalog = (documentsJson: unknown, indicatorsJson: unknown): E.Either<CatalogError, Catalog> => {
  const { documents, problems } = decodeDocuments(documentsJson);
  const byId = new Map(documents.map((d) => [d.id as string, d]));
  const file = INDICATORS_FILE;
  const indicators: CatalogIndicator[] = [];
  if (!Array.isArray(indicatorsJson)) {
    problems.push({ file, path: "", reason: "expected a JSON array" });
  } else {
    const firstIndex = new Map<string, number>();
    indicatorsJson.forEach((raw, i) => {
      const entry = entryLabel(raw, "code", i);
      const r = decodeCatalogEntry(raw);
      if (E.isLeft(r)) {
        problems.push(...problemsOf(file, entry, raw, r.left));
        return;
      }
      const e = r.right;
      const seen = firstIndex.get(e.code);
      if (seen !== undefined) {
        problems.push({ file, entry, path: "code", reason: `duplicate code (also at [${seen}])` });
        return;
      }
      firstIndex.set(e.code, i);
      const errs = checkEntry(e, byId);
      if (errs.length > 0) {
        problems.push(...problemsOf(file, entry, raw, errs));
        return;
      }
      indicators.push({
        ...e,
        definitionHash: definitionHash(e.definition),
        facts: factsOf(e.definition).filter(isFactType),
      });
    });
  }
  return problems.length > 0 ? E.left({ _tag: "CatalogError", problems }) : E.right({ documents, indicators });
};

const readJson = (dir: string, file: string): E.Either<CatalogProblem, unknown> => {
  try {
    return E.right(JSON.parse(readFileSync(join(dir, file), "utf8")) as unknown);
  } catch (err) {
    return E.left({ file, path: "", reason: err instanceof Error ? err.message : String(err) });
  }
};

/**
 * Reads `documents.json` and `indicators.json` from `dir` (by default `packages/reference/catalog/`) and decodes
 * them.
 */
export const loadCatalog = (dir: string = CATALOG_DIR): E.Either<CatalogError, Catalog> => {
  const documents = readJson(dir, DOCUMENTS_FILE);
  const indicators = readJson(dir, INDICATORS_FILE);
  if (E.isLeft(documents) || E.isLeft(indicators)) {
    const problems = [documents, indicators].flatMap((r) => (E.isLeft(r) ? [r.left] : []));
    return E.left({ _tag: "CatalogError", problems });
  }
  return decodeCatalog(documents.right, indicators.right);
};
