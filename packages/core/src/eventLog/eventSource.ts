/**
 * The event source: what a projection reads from an event log, whatever the store. It gives the head and the
 * events in (after, to] in position order, as batches of flat rows (the envelope, the canonical `data`, the chain
 * hash and the typed columns of format 2, `typedColumns.ts`), read through the event-log port (`readAll`), so
 * any adapter fills it: the KurrentDB one by reading its streams in order.
 *
 * The embedded DuckDB log adds `sqlFastPath`: its events table, readable in SQL by a caller that shares its
 * DuckDB instance (the warehouse attaches it), which stages the rows without copying them through JavaScript.
 * Both paths yield the same rows: a property (`packages/projections/src/warehouse/eventSource.int.spec.ts`)
 * folds the same facts through each and compares the warehouse tables.
 */
import { canonicalFactParts, type Position } from "../facts/index.js";
import { DuckDbEventLog } from "./duckdb/duckdbEventLog.js";
import { type TypedValue, typedValues } from "./duckdb/typedColumns.js";
import type { EventLog, StoredEvent } from "./eventLog.js";

/** One event as a projection stages it. */
export interface SourceRow {
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  /** `YYYY-MM-DD`. */
  readonly occurredOn: string;
  /** `YYYY-MM-DD`: the day the source reported the fact, or null when the fact does not say. */
  readonly reportedOn: string | null;
  /** ISO-8601 UTC with milliseconds. */
  readonly recordedAt: string;
  readonly source: string;
  /** The canonical JSON of the fact's `data` (the bytes the chain covers, with the envelope). */
  readonly data: string;
  /** Lower-case hex chain hash. */
  readonly hash: string;
  /** The typed columns' values, in `TYPED_COLUMNS` order. */
  readonly typed: readonly TypedValue[];
}

/** The embedded store's events table, for SQL run on the DuckDB instance that has it attached. */
export interface SqlFastPath {
  /** The instance the table is readable on (a caller on another instance cannot use it). */
  readonly instance: unknown;
  /** The qualified table name, e.g. `log.events`. */
  readonly table: string;
  /** Whether the table has the typed columns (format 2); a format-1 log has only `data`. */
  readonly typed: boolean;
  /** Whether the table has `reported_on` (a log no version with `reportedOn` has written to lacks it). */
  readonly reportedOn: boolean;
}

export interface EventSource {
  readonly name: string;
  head(): Promise<Position>;
  /** The events with `after < position ≤ to`, in position order, in batches of at most `batch` rows. */
  readRows(after: Position, to: Position, batch?: number): AsyncIterable<readonly SourceRow[]>;
  readonly sqlFastPath?: SqlFastPath;
}

/** The row of a stored event: its canonical data recomputed as the log stores it, and its typed columns. */
export const sourceRowOf = (e: StoredEvent): SourceRow => {
  const f = e.fact;
  return {
    position: e.position,
    id: f.id,
    type: f.type,
    subject: f.subject,
    occurredOn: f.occurredOn,
    reportedOn: f.reportedOn ?? null,
    recordedAt: e.recordedAt,
    source: f.source,
    data: canonicalFactParts(f).data,
    hash: e.hash,
    typed: typedValues(f.data as Readonly<Record<string, unknown>>),
  };
};

export interface EventSourceOptions {
  /** Read through the port even when the store has an SQL path (tests and benchmarks compare the two). */
  readonly generic?: boolean;
}

/**
 * The event source of a log: `readAll` in batches for any adapter; with the embedded log, also its SQL fast path
 * (unless `generic`).
 */
export const eventSourceOf = (log: EventLog, options: EventSourceOptions = {}): EventSource => {
  const fast = log instanceof DuckDbEventLog && options.generic !== true ? log.sqlFastPath : undefined;
  return {
    name: log.name,
    head: () => log.head(),
    async *readRows(after: Position, to: Position, batch = 10_000): AsyncIterable<readonly SourceRow[]> {
      let rows: SourceRow[] = [];
      for await (const e of log.readAll(after, { to, pageSize: batch })) {
        rows.push(sourceRowOf(e));
        if (rows.length >= batch) {
          yield rows;
          rows = [];
        }
      }
      if (rows.length > 0) yield rows;
    },
    ...(fast === undefined ? {} : { sqlFastPath: fast }),
  };
};
