/**
 * The event-log port. Every adapter (the embedded DuckDB log, the KurrentDB cluster) implements it and passes
 * the same contract suite (`eventLog.contract.ts`).
 *
 * Semantics:
 * - `append` takes a batch of decoded facts. The batch is all-or-nothing and durable before the promise
 *   resolves. Business refusals come back as a tagged `AppendError` value, never as a throw; a refused batch
 *   leaves the log exactly as it was.
 * - Idempotency is by fact `id`: the same id with the same canonical content is a no-op reported as a duplicate
 *   (with the position it already has); the same id with other content refuses the batch (`IdConflict`).
 * - Positions are global, gap-free and start at 1. `readAll(after)` returns events with `position > after`.
 * - Each subject is one stream; `streamRevision` counts from 0 within it. An append may state the revision it
 *   expects per subject (optimistic concurrency).
 * - Each event carries `hash = SHA-256(previous hash ‖ chain bytes)` (see `hashChain.ts`).
 */
import type { Either } from "fp-ts/lib/Either.js";
import type { Fact, FactId, Position, SubjectId } from "../facts/index.js";

export interface StoredEvent {
  readonly position: Position;
  readonly streamRevision: number;
  /** ISO-8601 UTC with milliseconds, e.g. `2025-03-01T08:00:00.000Z`. */
  readonly recordedAt: string;
  /** Lower-case hex SHA-256 of the chain bytes and the previous hash. */
  readonly hash: string;
  readonly fact: Fact;
}

/** What the caller expects a stream's current revision to be: any, none yet, or exactly this one. */
export type ExpectedRevision = "any" | "no_stream" | "stream_exists" | number;

/**
 * Which sources may retract facts of which others, beyond their own: retracting source → the sources whose
 * facts it may retract, or "*" for any (e.g. the statistics office correcting a wrong load).
 */
export type RetractionGrants = ReadonlyMap<string, readonly string[] | "*">;

export interface AppendOptions {
  readonly expectedRevisions?: ReadonlyMap<SubjectId, ExpectedRevision>;
  /** A retraction names a fact of its own source unless a grant here says otherwise. */
  readonly retractionGrants?: RetractionGrants;
  /** The one source that may append catalog changes (`TargetRevised`, ...); default `CATALOG_AUTHORITY`. */
  readonly catalogAuthority?: string;
  /**
   * The facts' canonical parts (`canonicalFactParts`), one per fact in order, when the caller computed them
   * already (the importer does, in its worker threads); otherwise the log computes them.
   */
  readonly canonicalParts?: readonly CanonicalPartsGiven[];
}

/** A fact's canonical parts as a caller gives them, with the content fingerprint when it computed that too. */
export interface CanonicalPartsGiven {
  readonly data: string;
  readonly canonical: string;
  /**
   * The content fingerprint of `canonical` (`fingerprint`), when the caller computed it (the importer's worker
   * threads do). Taken as given: the log stores it (`content_fp`) and `verifyChain` checks it.
   */
  readonly content?: readonly [number, number];
}

/**
 * Parses `KPI_RETRACTION_GRANTS`: a JSON object from a source to the sources whose facts it may retract, or
 * "*" for any, e.g. `{"cuc-thong-ke": "*", "so-tttt": ["so-khcn"]}`. Throws with what to write instead.
 */
export const parseRetractionGrants = (text: string | undefined): RetractionGrants => {
  if (text === undefined || text.trim() === "") return new Map();
  const example = 'e.g. {"cuc-thong-ke": "*", "so-tttt": ["so-khcn"]}';
  let u: unknown;
  try {
    u = JSON.parse(text);
  } catch (e) {
    throw new Error(`KPI_RETRACTION_GRANTS is not valid JSON (${(e as Error).message}); ${example}`);
  }
  if (typeof u !== "object" || u === null || Array.isArray(u)) {
    throw new Error(`KPI_RETRACTION_GRANTS must be an object from a source to the sources it may retract; ${example}`);
  }
  const out = new Map<string, readonly string[] | "*">();
  for (const [source, v] of Object.entries(u)) {
    if (v === "*") out.set(source, "*");
    else if (Array.isArray(v) && v.every((x) => typeof x === "string")) out.set(source, v as string[]);
    else {
      throw new Error(
        `KPI_RETRACTION_GRANTS[${JSON.stringify(source)}] must be "*" or a list of sources, got ${JSON.stringify(v)}; ${example}`,
      );
    }
  }
  return out;
};

/** Whether facts of `source` may retract a fact of `target`. */
export const mayRetract = (grants: RetractionGrants | undefined, source: string, target: string): boolean => {
  if (source === target) return true;
  const g = grants?.get(source);
  return g === "*" || g?.includes(target) === true;
};

export type RetractionRefusal =
  | "unknown event"
  | "subject differs"
  | "is a retraction"
  | "source differs"
  | "already retracted";

export interface AppendOutcome {
  readonly id: FactId;
  readonly position: Position;
  readonly duplicate: boolean;
}

export interface AppendResult {
  /** One entry per fact in the batch, in batch order. */
  readonly outcomes: readonly AppendOutcome[];
  readonly appended: number;
  readonly duplicates: number;
  /** The log's head after the append. */
  readonly head: Position;
}

export type AppendError =
  | {
      readonly _tag: "IdConflict";
      readonly id: FactId;
      readonly index: number;
      /** Where the other content with this id is: a log position, or another index in the same batch. */
      readonly existing: { readonly position: Position } | { readonly index: number };
      /** The source of the stored fact with this id (a caller hides the rest when it is not its own). */
      readonly existingSource?: string;
    }
  | {
      readonly _tag: "WrongExpectedRevision";
      readonly subject: SubjectId;
      readonly expected: ExpectedRevision;
      /** -1 when the stream does not exist. */
      readonly actual: number;
    }
  | {
      readonly _tag: "RetractionRefused";
      readonly id: FactId;
      readonly index: number;
      readonly eventId: FactId;
      readonly reason: RetractionRefusal;
      /** The source of the named fact, when it exists (a caller hides the reason when it is not its own). */
      readonly targetSource?: string;
    }
  | {
      readonly _tag: "CatalogChangeRefused";
      readonly id: FactId;
      readonly index: number;
      readonly type: string;
      readonly source: string;
      /** The source that may append catalog changes. */
      readonly authority: string;
    };

export const describeAppendError = (e: AppendError): string => {
  switch (e._tag) {
    case "IdConflict":
      return `fact ${e.index + 1} (id ${e.id}): this id was already used for different content ${
        "position" in e.existing
          ? `at log position ${e.existing.position}`
          : `by fact ${e.existing.index + 1} of this batch`
      }; a correction needs a new id (and a FactRetracted for the old one)`;
    case "WrongExpectedRevision":
      return `stream ${e.subject}: expected revision ${String(e.expected)}, but it is at ${
        e.actual < 0 ? "no stream" : e.actual
      }; reload the stream and retry`;
    case "RetractionRefused":
      return `fact ${e.index + 1} (id ${e.id}): cannot retract ${e.eventId}: ${e.reason}${
        e.reason === "subject differs"
          ? " (a retraction must have the retracted fact's subject)"
          : e.reason === "source differs"
            ? " (a source may retract only its own facts, unless granted)"
            : e.reason === "already retracted"
              ? " (it was retracted before; nothing to do)"
              : ""
      }`;
    case "CatalogChangeRefused":
      return `fact ${e.index + 1} (id ${e.id}): ${e.type} changes the indicator catalog, which only the catalog authority may do; source ${e.source} is not it (the operator appends catalog changes with source ${e.authority})`;
  }
};

export interface ReadOptions {
  /** Stop after this position (inclusive). */
  readonly to?: Position;
  /** Events per page fetched from the store. */
  readonly pageSize?: number;
}

export interface VerifyChainOptions {
  /** Check only the events after this position (default 0: all). */
  readonly after?: Position;
}

export interface ChainReport {
  readonly ok: boolean;
  readonly head: Position;
  readonly checked: number;
  /** The first position whose stored hash, position or content does not verify. */
  readonly firstBad?: { readonly position: Position; readonly reason: string };
  /** A key of the log's metadata that does not agree with the events (stores that keep metadata). */
  readonly logMeta?: { readonly key: string; readonly reason: string };
}

/**
 * A bulk append: many batches written as one unit. Each `append` is planned against the log plus the batches
 * already taken in this session; a refused batch writes nothing and the session goes on (the caller may drop
 * the offending fact and retry). Nothing is visible to readers or durable until `commit`; `rollback` (or a
 * crash) leaves the log as it was. Other appends wait until the session ends.
 */
export interface BulkSession {
  append(facts: readonly Fact[], options?: AppendOptions): Promise<Either<AppendError, AppendResult>>;
  commit(): Promise<Position>;
  rollback(): Promise<void>;
}

export interface EventLog {
  readonly name: string;
  /** One batch, all-or-nothing, durable when the promise resolves. */
  append(facts: readonly Fact[], options?: AppendOptions): Promise<Either<AppendError, AppendResult>>;
  beginBulk(): Promise<BulkSession>;
  /** A hint that about `facts` more facts are coming (a large import): an adapter may size its indexes once. */
  reserve?(facts: number): void;
  /** Events with `position > after` (and `≤ to`), in position order. */
  readAll(after: Position, options?: ReadOptions): AsyncIterable<StoredEvent>;
  /** One subject's events in revision order. */
  readStream(subject: SubjectId): AsyncIterable<StoredEvent>;
  /** Catch up from `after`, then follow new appends until the signal aborts. */
  subscribe(after: Position, signal: AbortSignal): AsyncIterable<StoredEvent>;
  head(): Promise<Position>;
  /**
   * Recompute the hash chain from the start, or only the links after `after` (the stored hash at `after` taken as
   * given: an auditor's checkpoint, checked by the caller), and report the first position that does not verify.
   * `checked` counts the events checked.
   */
  verifyChain(options?: VerifyChainOptions): Promise<ChainReport>;
  close(): Promise<void>;
}
