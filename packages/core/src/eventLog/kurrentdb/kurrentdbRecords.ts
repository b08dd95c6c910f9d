/**
 * How the event log is laid out on KurrentDB, as pure functions (no client, no I/O), so that the layout and the
 * commit rule can be tested without a server. The adapter (`kurrentdbEventLog.ts`) does the I/O.
 *
 * Layout, for a log in namespace `ns` (several logs can share one cluster):
 * - every fact is one event in its subject's stream `ns/subject/<subject>`, event type = fact type, data = the
 *   fact envelope (JSON), metadata = `FactEventMeta` as strings: the log position, stream revision, recordedAt and
 *   chain hash the writer assigned, and the id of the batch (write attempt) it belongs to;
 * - every committed batch is one `KpiBatchCommitted` marker in the stream `ns/head`, appended with the expected
 *   revision of that stream. The marker is the commit record: an event is part of the log if and only if the
 *   marker of its batch exists. Events of a batch whose marker was never written (a crash, a rolled-back bulk
 *   session, a writer that lost the race for `ns/head`) are orphans: readers skip them.
 *
 * `BatchAssembler` is the reading rule: fed `$all` in order, with the markers of `ns/head` in order, it emits
 * committed events in position order and skips orphans (see its comment for why that is sound).
 */
import { createHash } from "node:crypto";
import * as E from "fp-ts/lib/Either.js";
import { type Fact, type Position, position } from "../../facts/index.js";
import type { StoredEvent } from "../eventLog.js";

/** The namespace UUID under which event ids are derived (UUIDv5). Fixed forever: changing it changes every id. */
export const KPI_UUID_NAMESPACE = "5b0d6f7e-3c1a-4e8b-9f2d-7a6c4b1e0d93";

/** RFC 4122 version-5 UUID (SHA-1 of the namespace's 16 bytes and the UTF-8 name). */
export const uuidV5 = (namespace: string, name: string): string => {
  const ns = Buffer.from(namespace.replaceAll("-", ""), "hex");
  if (ns.length !== 16) throw new RangeError(`not a UUID: ${namespace}`);
  const h = createHash("sha1").update(ns).update(name, "utf8").digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
};

/**
 * The KurrentDB event id of a fact written in a batch. It is derived from the fact id and the batch (one write
 * attempt), not from the fact id alone: KurrentDB silently drops an append whose event id it has seen in the
 * stream, so an id shared by an orphaned attempt and the attempt that later commits the same fact would make the
 * server swallow the committed copy. Within one attempt the id is stable, so a retried request is deduplicated.
 */
export const factEventId = (batch: string, factId: string): string =>
  uuidV5(KPI_UUID_NAMESPACE, `fact/${batch}/${factId}`);

/** The marker's event id: a retried commit of the same batch is recognised by the server as the same append. */
export const markerEventId = (batch: string): string => uuidV5(KPI_UUID_NAMESPACE, `batch/${batch}`);

export const MARKER_TYPE = "KpiBatchCommitted";
export const FACT_FORMAT = "kpi-event/1";
export const MARKER_FORMAT = "kpi-batch/1";

const NAMESPACE = /^[a-z][a-z0-9_-]{0,63}$/;

export const isNamespace = (s: string): boolean => NAMESPACE.test(s);

export interface KurrentStreams {
  readonly namespace: string;
  /** Every stream of this log starts with it (used as the server-side `$all` filter). */
  readonly prefix: string;
  readonly head: string;
  subject(subject: string): string;
}

export const kurrentStreams = (namespace: string): KurrentStreams => {
  if (!isNamespace(namespace)) {
    throw new RangeError(`KurrentDB namespace must match ${NAMESPACE.source}, got ${JSON.stringify(namespace)}`);
  }
  const prefix = `${namespace}/`;
  return { namespace, prefix, head: `${prefix}head`, subject: (s) => `${prefix}subject/${s}` };
};

export type KurrentRecordError = {
  readonly _tag: "BadRecord";
  readonly stream: string;
  readonly reason: string;
};

const bad = (stream: string, reason: string): E.Either<KurrentRecordError, never> =>
  E.left({ _tag: "BadRecord", stream, reason });

/** What the writer assigned to a fact event, carried in its metadata. */
export interface FactEventMeta {
  readonly position: number;
  readonly streamRevision: number;
  /** ISO-8601 UTC with milliseconds. */
  readonly recordedAt: string;
  /** Lower-case hex SHA-256 chain hash. */
  readonly hash: string;
  readonly batch: string;
}

/** All values are strings: KurrentDB's multi-stream append accepts only string-valued metadata. */
export const encodeFactMeta = (m: FactEventMeta): Record<string, string> => ({
  "kpi.format": FACT_FORMAT,
  "kpi.position": String(m.position),
  "kpi.streamRevision": String(m.streamRevision),
  "kpi.recordedAt": m.recordedAt,
  "kpi.hash": m.hash,
  "kpi.batch": m.batch,
});

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const COUNT = /^(0|[1-9]\d{0,15})$/;

const str = (o: Record<string, unknown>, k: string): string | undefined => {
  const v = o[k];
  return typeof v === "string" ? v : undefined;
};

/**
 * A stored fact as it was stored: its envelope checked for shape only, never against today's field rules. A
 * fact accepted when it was appended must read back even after the decoder grew stricter (the chain hash,
 * not the decoder, says whether it is what was appended).
 */
export const storedFact = (u: unknown): Fact | undefined => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return undefined;
  const f = u as Record<string, unknown>;
  const strings = ["id", "type", "subject", "occurredOn", "source"].every((k) => typeof f[k] === "string");
  const data = typeof f.data === "object" && f.data !== null && !Array.isArray(f.data);
  return strings && data ? (u as Fact) : undefined;
};

export const decodeFactMeta = (stream: string, u: unknown): E.Either<KurrentRecordError, FactEventMeta> => {
  if (typeof u !== "object" || u === null || Array.isArray(u) || u instanceof Uint8Array) {
    return bad(stream, "fact event metadata is not a JSON object");
  }
  const o = u as Record<string, unknown>;
  if (str(o, "kpi.format") !== FACT_FORMAT) return bad(stream, `metadata kpi.format is not ${FACT_FORMAT}`);
  const pos = str(o, "kpi.position") ?? "";
  const rev = str(o, "kpi.streamRevision") ?? "";
  const recordedAt = str(o, "kpi.recordedAt") ?? "";
  const hash = str(o, "kpi.hash") ?? "";
  const batch = str(o, "kpi.batch") ?? "";
  if (!COUNT.test(pos) || pos === "0") return bad(stream, `bad kpi.position ${JSON.stringify(pos)}`);
  if (!COUNT.test(rev)) return bad(stream, `bad kpi.streamRevision ${JSON.stringify(rev)}`);
  if (!ISO_MS.test(recordedAt)) return bad(stream, `bad kpi.recordedAt ${JSON.stringify(recordedAt)}`);
  if (!HEX64.test(hash)) return bad(stream, "bad kpi.hash");
  if (!UUID.test(batch)) return bad(stream, "bad kpi.batch");
  return E.right({ position: Number(pos), streamRevision: Number(rev), recordedAt, hash, batch });
};

/** The commit record of one batch: positions `first..last` (gap-free), whose last event has hash `lastHash`. */
export interface BatchMarker {
  readonly batch: string;
  readonly first: number;
  readonly last: number;
  readonly lastHash: string;
}

export const encodeMarker = (m: BatchMarker): Record<string, string | number> => ({
  format: MARKER_FORMAT,
  batch: m.batch,
  first: m.first,
  last: m.last,
  lastHash: m.lastHash,
});

export const decodeMarker = (stream: string, u: unknown): E.Either<KurrentRecordError, BatchMarker> => {
  if (typeof u !== "object" || u === null || Array.isArray(u) || u instanceof Uint8Array) {
    return bad(stream, "batch marker data is not a JSON object");
  }
  const o = u as Record<string, unknown>;
  if (o.format !== MARKER_FORMAT) return bad(stream, `batch marker format is not ${MARKER_FORMAT}`);
  const { batch, first, last, lastHash } = o;
  if (typeof batch !== "string" || !UUID.test(batch)) return bad(stream, "bad batch marker id");
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || (first as number) < 1) {
    return bad(stream, "bad batch marker range");
  }
  if ((last as number) < (first as number)) return bad(stream, "batch marker range is empty");
  if (typeof lastHash !== "string" || !HEX64.test(lastHash)) return bad(stream, "bad batch marker lastHash");
  return E.right({ batch, first: first as number, last: last as number, lastHash });
};

/** A fact event as read from the store, before the commit rule is applied. */
export interface FactRecord {
  readonly meta: FactEventMeta;
  readonly fact: Fact;
}

export const storedEventOf = (r: FactRecord): StoredEvent => ({
  position: position(r.meta.position),
  streamRevision: r.meta.streamRevision,
  recordedAt: r.meta.recordedAt,
  hash: r.meta.hash,
  fact: r.fact,
});

export type AssemblyError =
  | {
      readonly _tag: "IncompleteBatch";
      readonly batch: string;
      /** The first position of the batch that was not found before its marker. */
      readonly missing: Position;
    }
  | {
      readonly _tag: "ConflictingEvents";
      readonly batch: string;
      readonly position: Position;
    }
  | {
      readonly _tag: "MarkerOutOfSequence";
      readonly batch: string;
      readonly expectedFirst: number;
      readonly first: number;
    };

export const describeAssemblyError = (e: AssemblyError): string => {
  switch (e._tag) {
    case "IncompleteBatch":
      return `batch ${e.batch} is committed but its event at position ${e.missing} was not found before its marker`;
    case "ConflictingEvents":
      return `batch ${e.batch} holds two different events at position ${e.position}`;
    case "MarkerOutOfSequence":
      return `batch ${e.batch} starts at position ${e.first}, but the log continues at ${e.expectedFirst}`;
  }
};

/**
 * The reading rule. A driver reads `$all` (this log's streams only) from just after the marker of the batch
 * before the first one it wants, and the markers of `ns/head` in revision order. It calls `expect(marker)`
 * whenever `awaiting` is true, `fact(record)` for every fact event and `markerRecord(batch)` for every marker it
 * meets in `$all`; `fact` returns the events that are now ready, in position order.
 *
 * Why skipping is sound: a writer reads `ns/head` at revision r, plans, writes its events, then appends its
 * marker expecting revision r. So the events of committed batch b lie in `$all` after marker b−1 and before
 * marker b, and any other event found there belongs to an attempt that planned against revision ≤ b−1 and whose
 * marker can therefore never be written: an orphan. Within a batch the events may come in any order (the
 * multi-stream append groups them by stream); they are held until the gap before them is filled, which needs at
 * most one write request's worth of memory because a writer sends its requests one after the other.
 */
export class BatchAssembler {
  private nextPos: number;
  private current: BatchMarker | undefined;
  private readonly held = new Map<number, FactRecord>();

  constructor(after: number) {
    this.nextPos = after + 1;
  }

  /** The next position this assembler will emit. */
  get next(): number {
    return this.nextPos;
  }

  /** True when the driver must supply the next marker (none yet, or the current batch is complete). */
  get awaiting(): boolean {
    return this.current === undefined;
  }

  get batch(): BatchMarker | undefined {
    return this.current;
  }

  /** Supplies the next marker in `ns/head` order. Markers wholly before `next` are skipped. */
  expect(m: BatchMarker): E.Either<AssemblyError, void> {
    if (m.last < this.nextPos) return E.right(undefined);
    if (m.first > this.nextPos) {
      return E.left({ _tag: "MarkerOutOfSequence", batch: m.batch, expectedFirst: this.nextPos, first: m.first });
    }
    this.current = m;
    this.held.clear();
    return E.right(undefined);
  }

  fact(r: FactRecord): E.Either<AssemblyError, readonly StoredEvent[]> {
    const m = this.current;
    const p = r.meta.position;
    if (m === undefined || r.meta.batch !== m.batch || p < this.nextPos || p > m.last) return E.right([]);
    const same = this.held.get(p);
    if (same !== undefined) {
      // the same event delivered twice (a retried request) is harmless; two different ones are not
      if (same.meta.hash !== r.meta.hash)
        return E.left({ _tag: "ConflictingEvents", batch: m.batch, position: position(p) });
      return E.right([]);
    }
    this.held.set(p, r);
    const out: StoredEvent[] = [];
    for (let h = this.held.get(this.nextPos); h !== undefined; h = this.held.get(this.nextPos)) {
      this.held.delete(this.nextPos);
      out.push(storedEventOf(h));
      this.nextPos++;
    }
    if (this.nextPos > m.last) this.current = undefined;
    return E.right(out);
  }

  /** A marker record met in `$all`: if it is the current batch's, every event of the batch must have come. */
  markerRecord(batch: string): E.Either<AssemblyError, void> {
    const m = this.current;
    if (m !== undefined && m.batch === batch) {
      return E.left({ _tag: "IncompleteBatch", batch, missing: position(this.nextPos) });
    }
    return E.right(undefined);
  }
}

/** Splits planned rows into write requests of at most `size` events, keeping position order. */
export const chunksOf = <T>(rows: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
};

/** Groups a request's events by stream, each group in position order (one append per stream). */
export const groupByStream = <T>(rows: readonly T[], streamOf: (row: T) => string): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const s = streamOf(r);
    const g = out.get(s);
    if (g === undefined) out.set(s, [r]);
    else g.push(r);
  }
  return out;
};
