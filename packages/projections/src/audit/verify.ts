/**
 * `verifyPublication`: checks a publication against a copy of the event log without trusting the server that
 * made it. In order:
 *
 * 0. The signature, when the auditor gives the office's public key: the publication is signed by that key, over
 *    the digest of its content as read (`signature.ts`). Otherwise verification is refused at once
 *    (`SignatureRefused`) — nothing else is worth checking in a file the office did not sign.
 * 1. The file: it decodes, and its digest is the SHA-256 of its content (`publication.ts`).
 * 2. The log: the hash chain verifies from position 1 (or from the auditor's checkpoint, `chainCheckpoint.ts`)
 *    to the log's end (the first bad position is named; the
 *    columns outside the hash, `recorded_at`'s sub-millisecond digits and `content_fp`, and `log_meta` too), the
 *    log reaches the publication's position, and its chain hash there is the one the publication recorded (a
 *    log rewritten and re-chained up to that position is caught here). The log holds a `PublicationIssued` with
 *    this id, whose digest is the file's.
 * 3. The figures: a fresh warehouse in memory (no file; it spills, if it must, to a temporary folder removed
 *    afterwards) folds the log up to the recorded position (only the
 *    facts the recorded definitions read: the entity kinds they count, the fact types they read, retractions; of
 *    a kind whose definitions count only entities holding some facts, such as the holders of a signature, only
 *    those entities, and again with every entity when a published figure has none of them in its cell), with the
 *    recorded definitions as its catalog (names and targets from the shipped catalog, which do not enter a
 *    figure) and the shipped reference data (whose digest must equal the recorded one). Each published figure
 *    is recomputed and compared: numerator and denominator exactly (decimal strings), value within a relative
 *    difference of 1e-12, the definition hash, and the count and Merkle root of the contributing events.
 *
 * The log is opened read-only and never changed. The report says match or mismatch per figure, with the
 * differences; `ok` is true only when every check passes. Errors (an unreadable file or log) are values.
 */

import type { KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type CatalogEntry, DuckDbEventLog, type EventLog, type SubjectId, position as toPosition } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import {
  catalogStaging,
  type ReferenceTables,
  StepNotAtomicError,
  stagedInPart,
  Warehouse,
} from "../warehouse/projector.js";
import { seedCatalog, seedReferenceTables } from "../warehouse/seedTables.js";
import { tracer } from "../warehouse/trace.js";
import { type CheckpointUse, checkChainFrom } from "./chainCheckpoint.js";
import { cellKey } from "./contribution.js";
import {
  type DecodedPublication,
  decodePublication,
  type Publication,
  type PublicationError,
  type PublishedFigure,
} from "./publication.js";
import { figureRows, withContributions } from "./publish.js";
import { referenceDigest } from "./referenceDigest.js";
import { checkSignature, describeSignatureCheck, type SignatureCheck } from "./signature.js";

export interface VerifyOptions {
  /**
   * The replay runs in an in-memory DuckDB; what it spills beyond its memory limit goes to a folder of its own made
   * inside this one and removed afterwards. No warehouse file is written.
   */
  readonly tmpDir: string;
  /** Names and targets of the indicators (default: the shipped catalog); definitions come from the publication. */
  readonly catalog?: readonly CatalogEntry[];
  /** Default: the shipped communes and crosswalk. */
  readonly reference?: ReferenceTables;
  /**
   * The auditor's chain checkpoint (`chainCheckpoint.ts`): `file` holds the head last verified of the log named
   * `log`; the chain is checked only after it, and the new head is recorded. Default: the whole chain, nothing kept.
   */
  readonly checkpoint?: { readonly file: string; readonly log: string };
  /** The office's public key, as the auditor holds it: the publication must be signed by it. */
  readonly publicKey?: KeyObject;
}

export type VerifyError =
  | PublicationError
  | { readonly _tag: "LogUnreadable"; readonly reason: string }
  | { readonly _tag: "SignatureRefused"; readonly check: Exclude<SignatureCheck, { _tag: "Valid" }> };

export const describeVerifyError = (e: VerifyError, logPath: string): string =>
  e._tag === "LogUnreadable"
    ? `the event log ${logPath} cannot be opened: ${e.reason}`
    : e._tag === "SignatureRefused"
      ? `NOT VERIFIED: ${describeSignatureCheck(e.check)}; nothing else was checked`
      : e._tag === "PublicationUnreadable"
        ? `the publication cannot be read: ${e.reason}`
        : `the publication is not valid: ${e.errors.map((x) => `${x.field}: ${x.reason}`).join("; ")}`;

export type CheckedField =
  | "figure"
  | "numerator"
  | "denominator"
  | "value"
  | "definitionHash"
  | "contribution.events"
  | "contribution.merkleRoot";

export interface Difference {
  readonly field: CheckedField;
  readonly published: string;
  readonly recomputed: string;
  /** recomputed − published, for numbers. */
  readonly difference?: number;
}

export interface FigureCheck {
  readonly indicator: string;
  readonly geo: string;
  readonly year: number;
  readonly breakdown: string;
  readonly status: "match" | "mismatch";
  readonly differences: readonly Difference[];
}

export interface LogCheck {
  readonly ok: boolean;
  readonly head: number;
  /** The chain hash at `head` (hex): the head of the copy verified, to compare with the one the office states. */
  readonly headHash: string | null;
  readonly checked: number;
  readonly firstBad?: { readonly position: number; readonly reason: string };
  /** A key of the log's metadata that does not agree with its events. */
  readonly logMeta?: { readonly key: string; readonly reason: string };
  /** How the auditor's checkpoint was used, and where it now stands. */
  readonly checkpoint: CheckpointUse;
  readonly saved?: { readonly position: number; readonly hash: string };
  /** Every event was checked to use its subject's one key (`CheckedChain.keysChecked`). */
  readonly keysChecked: boolean;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly publicationId: string;
  readonly position: number;
  readonly digest: { readonly stated: string; readonly computed: string; readonly ok: boolean };
  /** Checked against the auditor's key; `NotChecked` when none was given (the signer's key id, if signed). */
  readonly signature:
    | { readonly _tag: "Valid"; readonly keyId: string }
    | {
        readonly _tag: "NotChecked";
        readonly keyId: string | null;
      };
  /** The announced release time, when the publication has one. */
  readonly releaseAt: string | null;
  /** The `PublicationIssued` fact of this publication in the log. */
  readonly logged:
    | { readonly found: false }
    | { readonly found: true; readonly position: number; readonly digest: string; readonly ok: boolean };
  readonly log: LogCheck;
  readonly reference: { readonly stated: string; readonly computed: string; readonly ok: boolean };
  readonly figures: readonly FigureCheck[];
  /**
   * What the replay staged of the entity kinds the figures count: only the entities they can count (those holding
   * a fact their definitions require), or every entity (when a figure had none of those in its cell, the replay
   * is done again with all of them: only they say whether its numerator is 0 or empty).
   */
  readonly replayed: "counted entities" | "every entity";
  readonly matched: number;
  readonly mismatched: number;
  readonly seconds: {
    readonly chain: number;
    readonly replay: number;
    readonly recompute: number;
    readonly total: number;
  };
}

/** Values agree when equal, or both non-null with |a − b| ≤ 1e-12 · max(|a|, |b|). */
export const sameValue = (a: number | null, b: number | null): boolean =>
  a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)));

const show = (v: string | number | null): string => (v === null ? "null" : String(v));

const numericDifference = (
  field: CheckedField,
  published: string | number | null,
  recomputed: string | number | null,
): Difference => {
  const base = { field, published: show(published), recomputed: show(recomputed) };
  return published === null || recomputed === null
    ? base
    : { ...base, difference: Number(recomputed) - Number(published) };
};

interface Recomputed {
  readonly numerator: string | null;
  readonly denominator: string | null;
  readonly value: number | null;
  readonly definitionHash: string;
  readonly contribution: PublishedFigure["contribution"];
}

/** Compares one published figure with its recomputation. */
export const compareFigure = (f: PublishedFigure, r: Recomputed | undefined, missing: string): FigureCheck => {
  const differences: Difference[] = [];
  if (r === undefined) {
    differences.push({ field: "figure", published: "present", recomputed: missing });
  } else {
    if (f.numerator !== r.numerator) differences.push(numericDifference("numerator", f.numerator, r.numerator));
    if (f.denominator !== r.denominator)
      differences.push(numericDifference("denominator", f.denominator, r.denominator));
    if (!sameValue(f.value, r.value)) differences.push(numericDifference("value", f.value, r.value));
    if (f.definitionHash !== r.definitionHash) {
      differences.push({ field: "definitionHash", published: f.definitionHash, recomputed: r.definitionHash });
    }
    if (f.contribution.events !== r.contribution.events) {
      differences.push(numericDifference("contribution.events", f.contribution.events, r.contribution.events));
    }
    if (f.contribution.merkleRoot !== r.contribution.merkleRoot) {
      differences.push({
        field: "contribution.merkleRoot",
        published: f.contribution.merkleRoot,
        recomputed: r.contribution.merkleRoot,
      });
    }
  }
  return {
    indicator: f.indicator,
    geo: f.geo,
    year: f.year,
    breakdown: f.breakdown,
    status: differences.length === 0 ? "match" : "mismatch",
    differences,
  };
};

const figureKey = (x: { indicator: string; geo: string; year: number; breakdown: string }): string =>
  `${x.year}\u0000${cellKey(x.indicator, x.geo, x.breakdown)}`;

/** Catalog entries with the recorded definitions, and names and targets from `catalog` where it has the code. */
export const recordedCatalog = (p: Publication, catalog: readonly CatalogEntry[]): CatalogEntry[] => {
  const shipped = new Map(catalog.map((e) => [e.code as string, e]));
  return Object.entries(p.catalogDefinitions).map(([code, definition]) => {
    const base = shipped.get(code);
    if (base !== undefined) return { ...base, definition };
    return {
      code,
      nameVi: code,
      nameEn: code,
      area: "digital_economy",
      measure: "share",
      unit: "percent",
      direction: "higher_is_better",
      populationVi: "",
      populationEn: "",
      definition,
      targets: [],
    } as unknown as CatalogEntry;
  });
};

/** What a replay found: the reference data's digest, each figure's check, and whether a figure was unsure. */
interface Replayed {
  readonly reference: string;
  readonly checks: readonly ReturnType<typeof compareFigure>[];
  readonly unsure: boolean;
}

interface LogFindings {
  readonly log: LogCheck;
  readonly logged: VerifyReport["logged"];
}

/**
 * The log a publication is verified against: the embedded log's file, or any store (KurrentDB) opened by
 * `open`, read through the event-log port; `name` is what the checkpoint is kept for.
 */
export type LogToVerify = string | { readonly name: string; open(): Promise<EventLog> };

const nameOf = (l: LogToVerify): string => (typeof l === "string" ? l : l.name);

const checkLog = async (
  source: LogToVerify,
  decoded: DecodedPublication,
  checkpoint: VerifyOptions["checkpoint"],
): Promise<LogFindings> => {
  const p = decoded.publication;
  const log = typeof source === "string" ? await DuckDbEventLog.open(source, { readOnly: true }) : await source.open();
  try {
    const checked = await checkChainFrom(log, checkpoint?.log ?? nameOf(source), checkpoint?.file);
    const chain = checked.chain;
    const head = await log.head();
    let firstBad = chain.firstBad;
    if (firstBad === undefined && head < p.position) {
      firstBad = {
        position: toPosition(head + 1),
        reason: `the log ends at position ${head}, before the publication's position ${p.position}`,
      };
    }
    if (firstBad === undefined) {
      let atPosition: string | undefined;
      for await (const e of log.readAll(toPosition(p.position - 1), { to: p.position })) atPosition = e.hash;
      if (atPosition !== p.chainHead) {
        firstBad = {
          position: p.position,
          reason:
            "the chain verifies, but its hash at the publication's position is not the one the publication recorded: the log up to there was rewritten and re-chained",
        };
      }
    }
    let headHash: string | null = null;
    for await (const e of log.readAll(toPosition(Math.max(0, head - 1)), { to: head })) headHash = e.hash;
    let logged: VerifyReport["logged"] = { found: false };
    for await (const e of log.readStream("stat:publications" as SubjectId)) {
      if (e.fact.type === "PublicationIssued" && e.fact.data.publicationId === p.id) {
        logged = {
          found: true,
          position: e.position,
          digest: e.fact.data.digest,
          ok: e.fact.data.digest === decoded.computedDigest && e.fact.data.position === p.position,
        };
      }
    }
    return {
      log: {
        ok: firstBad === undefined && chain.logMeta === undefined && checked.ok,
        head,
        headHash,
        checked: chain.checked,
        ...(firstBad === undefined ? {} : { firstBad }),
        ...(chain.logMeta === undefined ? {} : { logMeta: chain.logMeta }),
        checkpoint: checked.checkpoint,
        ...(checked.saved === undefined ? {} : { saved: checked.saved }),
        keysChecked: checked.keysChecked,
      },
      logged,
    };
  } finally {
    await log.close();
  }
};

export const verifyPublication = async (
  publicationFile: string,
  logPath: LogToVerify,
  o: VerifyOptions,
): Promise<E.Either<VerifyError, VerifyReport>> => {
  const t0 = performance.now();
  let text: string;
  try {
    text = readFileSync(publicationFile, "utf8");
  } catch (e) {
    return E.left({ _tag: "PublicationUnreadable", reason: e instanceof Error ? e.message : String(e) });
  }
  const decoded = decodePublication(text);
  if (E.isLeft(decoded)) return decoded;
  const p = decoded.right.publication;
  let signature: VerifyReport["signature"] = { _tag: "NotChecked", keyId: p.signature?.keyId ?? null };
  if (o.publicKey !== undefined) {
    const check = checkSignature(p.signature, decoded.right.computedDigest, o.publicKey);
    if (check._tag !== "Valid") return E.left({ _tag: "SignatureRefused", check });
    signature = check;
  }

  let findings: LogFindings;
  try {
    findings = await checkLog(logPath, decoded.right, o.checkpoint);
  } catch (e) {
    return E.left({ _tag: "LogUnreadable", reason: e instanceof Error ? e.message : String(e) });
  }
  const t1 = performance.now();

  const years = p.figures.map((f) => f.year);
  const dir = mkdtempSync(join(o.tmpDir, "kpi-verify-"));
  const catalog = recordedCatalog(p, o.catalog ?? seedCatalog());
  const defs = new Map(catalog.map((e) => [e.code as string, e.definition]));
  let replaySeconds = 0;
  const staging = catalogStaging(catalog, true);
  /** Whether the replay of counted entities stages only some entities of the kind the indicator counts. */
  const narrowedKind = (code: string): boolean => {
    const d = defs.get(code);
    return d !== undefined && stagedInPart(staging, d);
  };
  /**
   * Replays the log into a fresh warehouse in memory and recomputes the published figures; `countedOnly`: of the
   * entity kinds whose definitions count only entities holding some facts, only those entities are staged. The
   * warehouse is thrown away after, so its steps fold without transactions (`atomicSteps`); if one fails on the
   * data of its events, undefined: the caller replays with them, which quarantines the event as the office's
   * fold did.
   */
  const replayOnce = async (countedOnly: boolean, atomicSteps: boolean): Promise<Replayed | undefined> => {
    const started = performance.now();
    // the embedded log is attached and replayed in SQL; another store is read through the port
    const w = await Warehouse.open(":memory:", typeof logPath === "string" ? logPath : await logPath.open(), {
      catalog,
      reference: o.reference ?? seedReferenceTables(),
      years: [Math.min(...years), Math.max(...years)],
      smallCellThreshold: 0,
      logReadOnly: true,
      stageOnlyCatalogFacts: true,
      stageOnlyCountedEntities: countedOnly,
      singleSubjectKeys: findings.log.keysChecked,
      atomicSteps,
    });
    try {
      await w.query(`SET temp_directory = '${dir.replaceAll("'", "''")}'`);
      const replayed = await w.catchUp(p.position).then(
        () => true,
        (e: unknown) => {
          if (e instanceof StepNotAtomicError) return false;
          throw e;
        },
      );
      if (!replayed) return undefined;
      replaySeconds += (performance.now() - started) / 1000;
      const trace = tracer("recompute: ");
      const reference = await referenceDigest(w);
      trace.lap("reference data's digest");
      const folded = await w.checkpoint();
      if (folded !== p.position) {
        const missing = `not recomputed: the log ends at position ${folded}`;
        return { reference, checks: p.figures.map((f) => compareFigure(f, undefined, missing)), unsure: false };
      }
      const rows = await figureRows(w, [...defs.keys()], [...new Set(years)], "all");
      const published = new Set(p.figures.map(figureKey));
      const wanted = rows.filter((r) => published.has(figureKey(r)));
      trace.lap("figures");
      const recomputed = new Map(
        (await withContributions(w, defs, wanted, p.position)).map((f) => [figureKey(f), f] as const),
      );
      trace.lap("contributions' digests");
      // a figure of a kind staged in part, with none of its entities in the cell: the full fold may have 0
      const unsure =
        countedOnly && [...recomputed.values()].some((f) => f.numerator === null && narrowedKind(f.indicator));
      const checks = p.figures.map((f) =>
        compareFigure(f, recomputed.get(figureKey(f)), `no such figure at position ${p.position}`),
      );
      return { reference, checks, unsure };
    } finally {
      await tracer("recompute: ").time("closing the replay", () => w.close());
    }
  };
  /** Whether a replay without transactions failed on an event's data: every later replay uses them. */
  let atomic = false;
  const recompute = async (countedOnly: boolean): Promise<Replayed> => {
    const r = atomic ? undefined : await replayOnce(countedOnly, false);
    if (r !== undefined) return r;
    atomic = true;
    return (await replayOnce(countedOnly, true)) as Replayed;
  };
  let result: Replayed;
  let replayed: VerifyReport["replayed"] = "counted entities";
  try {
    result = await recompute(true);
    if (result.unsure) {
      replayed = "every entity";
      result = await recompute(false);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { checks, reference } = result;
  const t3 = performance.now();
  const matched = checks.filter((c) => c.status === "match").length;
  const digestOk = p.digest === decoded.right.computedDigest;
  const referenceOk = reference === p.reference;
  const loggedOk = findings.logged.found && findings.logged.ok;
  return E.right({
    ok: digestOk && loggedOk && findings.log.ok && referenceOk && matched === checks.length,
    publicationId: p.id,
    position: p.position,
    digest: { stated: p.digest, computed: decoded.right.computedDigest, ok: digestOk },
    signature,
    releaseAt: p.releaseAt ?? null,
    logged: findings.logged,
    log: findings.log,
    reference: { stated: p.reference, computed: reference, ok: referenceOk },
    figures: checks,
    replayed,
    matched,
    mismatched: checks.length - matched,
    seconds: {
      chain: (t1 - t0) / 1000,
      replay: replaySeconds,
      recompute: (t3 - t1) / 1000 - replaySeconds,
      total: (t3 - t0) / 1000,
    },
  });
};
