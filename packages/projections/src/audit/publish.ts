/**
 * `publishFigures`: freezes figures of the warehouse, as known at its checkpoint, into a publication
 * (`publication.ts`): each figure's numerator, denominator, value and definition hash from `indicator_values`,
 * the digest of its contributing events (`contribution.ts`), the definitions used, the chain hash at the
 * position and the digest of the reference data. The file is written beside a `PublicationIssued` fact in the
 * log that records its digest: the file appears (renamed from a temporary one) only once the fact is durable.
 *
 * Figures withheld for publication (`disclosureSql.ts`: small cells, and the cells withheld so that no small
 * cell can be recovered from the others) are left out. The caller folds the log first (the
 * figures are those at the checkpoint) and runs one warehouse task at a time (the server: inside
 * `LiveWarehouse.exclusive`). Refusals are values.
 */
import { type KeyObject, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  type CatalogEntry,
  Definition,
  decodeFact,
  describeAppendError,
  formatFieldErrors,
  type Position,
} from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { withheldSql } from "../warehouse/disclosureSql.js";
import { DENOMINATOR_SQL, NUMERATOR_SQL } from "../warehouse/figuresSql.js";
import type { Warehouse } from "../warehouse/projector.js";
import { cellKey, contributionsOf, EMPTY_CONTRIBUTION, LeafCache, type Scope, SubjectEvents } from "./contribution.js";
import { eventsOfKindsSql, isEntityDefinition } from "./contributionSql.js";
import { contributionsInMemory, SubjectEventIndex } from "./memberLeaves.js";
import {
  type Contribution,
  encodePublication,
  normalizeDecimal,
  PUBLICATION_FORMAT,
  type Publication,
  type PublicationId,
  type PublishedFigure,
  sealPublication,
  signPublication,
} from "./publication.js";
import { referenceDigest } from "./referenceDigest.js";

export type PublishLevel = "province" | "commune" | "all";

export interface PublishOptions {
  /** The folder the file goes to, as `<id>.json` (ignored when `out` is given). */
  readonly dir: string;
  /** The file to write instead. */
  readonly out?: string;
  /** Default: every year of the warehouse's range. */
  readonly years?: readonly number[];
  /** Default: every indicator of the catalog. */
  readonly indicators?: readonly string[];
  /** Default: province. */
  readonly level?: PublishLevel;
  readonly now?: () => Date;
  /** The office's Ed25519 private key: the publication is signed with it (`signature.ts`). */
  readonly signingKey?: KeyObject;
  /** The announced release time (ISO instant): until then the figures are under embargo. */
  readonly releaseAt?: Date;
  /** Called as the digests of each indicator and year are made (they are most of a publish's time). */
  readonly onProgress?: (p: DigestProgress) => void;
}

/** How far the contributing digests are: `done` of `total` (indicator, year) groups, the last one made. */
export interface DigestProgress {
  readonly done: number;
  readonly total: number;
  readonly indicator: string;
  readonly year: number;
}

export type PublishError =
  | { readonly _tag: "UnknownIndicator"; readonly codes: readonly string[] }
  | { readonly _tag: "NothingFolded" }
  | { readonly _tag: "NoFigures" }
  | { readonly _tag: "OutputExists"; readonly file: string }
  | { readonly _tag: "AppendRefused"; readonly reason: string };

export const describePublishError = (e: PublishError): string => {
  switch (e._tag) {
    case "UnknownIndicator":
      return `unknown indicator ${e.codes.join(", ")}; docs/indicators.md lists the codes`;
    case "NothingFolded":
      return "the warehouse has folded no event yet: import facts and project first";
    case "NoFigures":
      return "no figure matches the years, indicators and level asked for";
    case "OutputExists":
      return `${e.file} exists already; a publication is never overwritten`;
    case "AppendRefused":
      return `the log refused the PublicationIssued fact: ${e.reason}`;
  }
};

export interface Published {
  readonly publication: Publication;
  readonly file: string;
  /** Where the `PublicationIssued` fact landed. */
  readonly eventPosition: Position;
  readonly seconds: number;
}

/** The catalog as the warehouse holds it (definitions as used; names and targets are not needed here). */
export const warehouseDefinitions = async (w: Warehouse): Promise<Map<string, CatalogEntry["definition"]>> => {
  const rows = await w.query<{ code: string; definition: string }>(
    "SELECT code, CAST(definition AS VARCHAR) AS definition FROM indicators ORDER BY code",
  );
  const out = new Map<string, CatalogEntry["definition"]>();
  for (const r of rows) {
    const d = Definition.decode(JSON.parse(r.definition));
    if (E.isLeft(d)) throw new Error(`the warehouse's definition of ${r.code} does not decode`);
    out.set(r.code, d.right);
  }
  return out;
};

/** Entries carrying only what the contribution SQL reads: code and definition. */
export const definitionEntries = (defs: ReadonlyMap<string, CatalogEntry["definition"]>): CatalogEntry[] =>
  [...defs].map(([code, definition]) => ({ code, definition }) as unknown as CatalogEntry);

interface FigureRow {
  readonly indicator: string;
  readonly geo: string;
  readonly year: number;
  readonly breakdown: string;
  readonly numerator: string | null;
  readonly denominator: string | null;
  readonly value: number | null;
  readonly definition_hash: string;
}

/** The figures of `indicator_values` (not withheld) for the indicators, years and level, in a stable order. */
export const figureRows = async (
  w: Warehouse,
  codes: readonly string[],
  years: readonly number[] | undefined,
  level: PublishLevel,
): Promise<FigureRow[]> => {
  const params: Record<string, string | number> = {};
  const list = (prefix: string, xs: readonly (string | number)[]) =>
    xs
      .map((x, i) => {
        params[`${prefix}${i}`] = x;
        return `$${prefix}${i}`;
      })
      .join(", ");
  const where = [
    `indicator IN (${list("c", codes)})`,
    ...(years === undefined ? [] : [`year IN (${list("y", years)})`]),
    ...(level === "all" ? [] : [`level = ${list("l", [level])}`]),
    "withheld IS NULL",
  ];
  return w.query<FigureRow>(
    `SELECT indicator, geo, year, breakdown, CAST(${NUMERATOR_SQL} AS VARCHAR) AS numerator,
            CAST(${DENOMINATOR_SQL} AS VARCHAR) AS denominator, value, definition_hash
     FROM (${withheldSql("SELECT * FROM indicator_values", "suppressed")}) WHERE ${where.join(" AND ")}
     ORDER BY indicator, year, level DESC, geo, breakdown`,
    params,
  );
};

/** The chain hash stored at `position` (lower-case hex), or undefined when there is no such event. */
export const chainHashAt = async (w: Warehouse, position: number): Promise<string | undefined> =>
  (
    await w.query<{ h: string }>(`SELECT lower(hex(hash)) AS h FROM ${w.eventsTable} WHERE position = $p`, {
      p: position,
    })
  )[0]?.h;

/**
 * The figures, with their contributing digests, from rows of one position. The digests are made one indicator
 * and year at a time: a cell's contributing events are listed before they are hashed, and at province scale a
 * whole year's list (every indicator, province and communes) is more than the database's memory. Each event's
 * leaf hash is made once for all of them (`LeafCache`; the whole log's range read at the first figure when the
 * year's entity-based figures count most of its events), and every subject's events of a year listed once: in
 * memory, by subject key, when the log's keys allow it and several entity-based indicators share them
 * (`SubjectEventIndex`, `contributionsInMemory`), else in SQL (`SubjectEvents`; for one indicator, its members'
 * events only).
 */
export const withContributions = async (
  w: Warehouse,
  defs: ReadonlyMap<string, CatalogEntry["definition"]>,
  rows: readonly FigureRow[],
  position: number,
  onProgress?: (p: DigestProgress) => void,
): Promise<PublishedFigure[]> => {
  const out: PublishedFigure[] = [];
  const total = new Set(rows.map((r) => `${r.year}\u0000${r.indicator}`)).size;
  let done = 0;
  const leaves = new LeafCache();
  const usable = SubjectEventIndex.usable(w, position);
  const index = new SubjectEventIndex();
  const events = new SubjectEvents();
  try {
    for (const year of [...new Set(rows.map((r) => r.year))].sort((a, b) => a - b)) {
      const ofYear = rows.filter((r) => r.year === year);
      const digests = new Map<string, Contribution>();
      const indicators = [...new Set(ofYear.map((r) => r.indicator))];
      const entityKinds = indicators.flatMap((c) => {
        const d = defs.get(c);
        return d !== undefined && isEntityDefinition(d) ? [d.entity] : [];
      });
      const kinds = [...new Set(entityKinds)];
      // every subject's events, listed once (in memory, or in SQL), pay when several entity-based indicators share
      // them; one alone (one figure's verify: 0.5 s against 25 ms on its replay) joins only its members' in SQL
      const shared = entityKinds.length >= 2;
      const inMemory = usable && shared;
      if (kinds.length > 0) {
        const s = eventsOfKindsSql(kinds, position, year);
        const [about] = await w.query<{ n: number }>(s.text, s.params);
        leaves.expect(about?.n ?? 0, position);
      }
      for (const indicator of indicators) {
        const cells = ofYear.filter((r) => r.indicator === indicator);
        const entries = definitionEntries(new Map([[indicator, defs.get(indicator) as CatalogEntry["definition"]]]));
        const scope: Scope = {
          year,
          province: cells.some((r) => r.geo === "province"),
          communes: cells.some((r) => r.geo !== "province") ? "all" : "none",
        };
        const found = inMemory
          ? await contributionsInMemory(w, entries, position, scope, leaves, index)
          : await contributionsOf(w, entries, position, scope, leaves, shared ? events : undefined);
        for (const [cell, digest] of found) digests.set(cell, digest);
        onProgress?.({ done: ++done, total, indicator, year });
      }
      for (const r of ofYear) {
        out.push({
          indicator: r.indicator,
          geo: r.geo,
          year: r.year,
          breakdown: r.breakdown,
          numerator: r.numerator === null ? null : normalizeDecimal(r.numerator),
          denominator: r.denominator === null ? null : normalizeDecimal(r.denominator),
          value: r.value,
          definitionHash: r.definition_hash,
          contribution: digests.get(cellKey(r.indicator, r.geo, r.breakdown)) ?? EMPTY_CONTRIBUTION,
        } as PublishedFigure);
      }
    }
  } finally {
    await leaves.drop(w);
    await index.drop(w);
    await events.drop(w);
  }
  return out;
};

const compactInstant = (iso: string): string => iso.replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");

export const publishFigures = async (w: Warehouse, o: PublishOptions): Promise<E.Either<PublishError, Published>> => {
  const t0 = performance.now();
  const position = await w.checkpoint();
  if (position === 0) return E.left({ _tag: "NothingFolded" });
  const defs = await warehouseDefinitions(w);
  const codes = o.indicators === undefined ? [...defs.keys()] : [...new Set(o.indicators)].sort();
  const unknown = codes.filter((c) => !defs.has(c));
  if (unknown.length > 0) return E.left({ _tag: "UnknownIndicator", codes: unknown });
  const rows = await figureRows(w, codes, o.years, o.level ?? "province");
  if (rows.length === 0) return E.left({ _tag: "NoFigures" });
  const chainHead = await chainHashAt(w, position);
  if (chainHead === undefined) throw new Error(`the log has no event at the checkpoint ${position}`);

  const createdAt = (o.now?.() ?? new Date()).toISOString();
  const id = `pub-${compactInstant(createdAt)}-${randomBytes(3).toString("hex")}` as PublicationId;
  const file = o.out ?? join(o.dir, `${id}.json`);
  if (existsSync(file)) return E.left({ _tag: "OutputExists", file });

  const figures = await withContributions(w, defs, rows, position, o.onProgress);
  const used = [...new Set(figures.map((f) => f.indicator))].sort();
  const sealed = sealPublication({
    format: PUBLICATION_FORMAT,
    id,
    createdAt,
    position: position as Position,
    chainHead,
    reference: await referenceDigest(w),
    catalogDefinitions: Object.fromEntries(used.map((c) => [c, defs.get(c) as CatalogEntry["definition"]])),
    figures,
    ...(o.releaseAt === undefined ? {} : { releaseAt: o.releaseAt.toISOString() }),
  });
  const publication = o.signingKey === undefined ? sealed : signPublication(sealed, o.signingKey);

  const issued = decodeFact({
    id,
    type: "PublicationIssued",
    subject: "stat:publications",
    occurredOn: createdAt.slice(0, 10),
    source: "kpi-publish",
    data: {
      publicationId: id,
      digest: publication.digest,
      position,
      figures: figures.length,
      indicators: used.join(","),
    },
  });
  if (E.isLeft(issued)) throw new Error(`PublicationIssued does not decode: ${formatFieldErrors(issued.left.errors)}`);

  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.partial-${process.pid}`;
  writeFileSync(tmp, encodePublication(publication));
  try {
    const appended = await w.log.append([issued.right]);
    if (E.isLeft(appended)) {
      rmSync(tmp, { force: true });
      return E.left({ _tag: "AppendRefused", reason: describeAppendError(appended.left) });
    }
    renameSync(tmp, file);
    const eventPosition = appended.right.outcomes[0]?.position as Position;
    return E.right({ publication, file, eventPosition, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
};
