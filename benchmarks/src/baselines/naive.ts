/**
 * Baseline (a): the naive approach in plain TypeScript. Read every event of the log, fold it with the reference
 * fold (`foldEvent`: every fact kept in memory, per subject), then compute the figures with `computeFigures` —
 * docs/semantics.md written to be obviously correct, not fast.
 *
 * Memory: ten million facts held as JavaScript objects take several GB of heap. Only what the fold reads is
 * kept: the fields no rule reads (source, hash, recording time) are not read, and the strings that repeat
 * (type, date, commune) are shared. `computeFigures` runs once per entity kind, so that only one kind's year-end
 * snapshots are alive at a time; it is the same work as one call.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { eventHash, type Fact, factsOf, type StoredEvent, position as toPosition } from "@kpi/core";
import {
  computeFigures,
  emptyOracleState,
  type FigureRow,
  foldEvent,
  type IndicatorSpec,
  type OracleState,
  type ResolveCommune,
} from "@kpi/projections";

/** Shares repeated strings: one copy of each fact type, date and commune code in the heap. */
export class Interner {
  private readonly seen = new Map<string, string>();

  intern(s: string): string {
    const x = this.seen.get(s);
    if (x !== undefined) return x;
    this.seen.set(s, s);
    return s;
  }

  /** The event with only what the fold reads (no source, hash or recording time), repeated strings shared. */
  slim(e: StoredEvent): StoredEvent {
    const f = e.fact;
    const data = f.data as Record<string, unknown>;
    if (typeof data.commune === "string") data.commune = this.intern(data.commune);
    const fact = { ...f, type: this.intern(f.type), occurredOn: this.intern(f.occurredOn), source: "" } as Fact;
    return { position: e.position, streamRevision: 0, recordedAt: "", hash: "", fact };
  }
}

const FOLD_COLUMNS = `CAST(position AS DOUBLE), id, type, subject, strftime(occurred_on, '%Y-%m-%d'),
  CAST(data AS VARCHAR)`;
const CHAIN_COLUMNS = `${FOLD_COLUMNS}, source, CAST(stream_revision AS DOUBLE),
  strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%gZ'), lower(hex(hash)), strftime(reported_on, '%Y-%m-%d')`;

const str = (col: readonly unknown[] | undefined, i: number): string => String(col?.[i] ?? "");

/**
 * Calls `visit` with every event of the log file with `after < position ≤ to`, in the order of the log's table
 * (its append order, so position order: the chain check below relies on it and says so when it is not).
 * The events table is read in bulk, a chunk of rows at a time: through the event-log port (`readAll`, pages
 * of rows converted one value at a time) the same read is about twice as slow, which would flatter the
 * engine. With `chain`, the fields the hash chain needs are read too; without, only what the fold reads.
 */
export const readLog = async (
  logPath: string,
  visit: (e: StoredEvent) => void,
  o: { readonly after?: number; readonly to?: number; readonly chain?: boolean } = {},
): Promise<void> => {
  const db = await DuckDBInstance.create(logPath, { access_mode: "READ_ONLY" });
  const c = await db.connect();
  const interner = new Interner();
  try {
    const result = await c.stream(
      `SELECT ${o.chain ? CHAIN_COLUMNS : FOLD_COLUMNS} FROM events WHERE position > $after AND position <= $to`,
      { after: o.after ?? 0, to: o.to ?? Number.MAX_SAFE_INTEGER },
    );
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const [pos, id, type, subject, on, data, source, rev, at, hash, reportedOn] = chunk.getColumns();
      for (let i = 0; i < chunk.rowCount; i++) {
        const fact = {
          id: str(id, i),
          type: interner.intern(str(type, i)),
          subject: str(subject, i),
          occurredOn: interner.intern(str(on, i)),
          source: o.chain ? str(source, i) : "",
          data: JSON.parse(str(data, i)) as Record<string, unknown>,
          // the day a source says it reported the fact, when it did: the hash covers it
          ...(o.chain && reportedOn?.[i] != null ? { reportedOn: String(reportedOn[i]) } : {}),
        };
        if (typeof fact.data.commune === "string") fact.data.commune = interner.intern(fact.data.commune);
        visit({
          position: toPosition(Number(pos?.[i])),
          streamRevision: Number(rev?.[i] ?? 0),
          recordedAt: str(at, i),
          hash: str(hash, i),
          fact: fact as unknown as Fact,
        });
      }
    }
  } finally {
    c.closeSync();
    db.closeSync();
  }
};

/** Folds the events of the log (after `after`) into `state` and returns it with the number of events folded. */
export const foldLog = async (
  logPath: string,
  state: OracleState = emptyOracleState(),
  after = 0,
): Promise<{ state: OracleState; events: number }> => {
  let events = 0;
  let s = state;
  await readLog(
    logPath,
    (e) => {
      s = foldEvent(s, e);
      events++;
    },
    { after },
  );
  return { state: s, events };
};

const groupOf = (spec: IndicatorSpec): string => ("entity" in spec.definition ? spec.definition.entity : "reports");

const compareRows = (a: FigureRow, b: FigureRow): number =>
  a.indicator < b.indicator
    ? -1
    : a.indicator > b.indicator
      ? 1
      : a.geo < b.geo
        ? -1
        : a.geo > b.geo
          ? 1
          : a.year - b.year || (a.breakdown < b.breakdown ? -1 : a.breakdown > b.breakdown ? 1 : 0);

/** `computeFigures`, one call per entity kind (see the module comment), rows in the same order. */
export const computeByKind = (
  state: OracleState,
  specs: readonly IndicatorSpec[],
  years: readonly number[],
  resolve: ResolveCommune,
  asOf?: number,
): FigureRow[] => {
  const groups = new Map<string, IndicatorSpec[]>();
  for (const s of specs) groups.set(groupOf(s), [...(groups.get(groupOf(s)) ?? []), s]);
  const rows: FigureRow[] = [];
  for (const g of groups.values()) rows.push(...computeFigures(state, g, years, resolve, asOf));
  return rows.sort(compareRows);
};

export interface NaiveVerify {
  readonly chainOk: boolean;
  /** The chain hash at the publication's position, as the log holds it. */
  readonly hashAtPosition: string | undefined;
  readonly figure: FigureRow | undefined;
}

/**
 * Verifies one figure the naive way: read the whole log, recompute its hash chain in JavaScript, fold the facts
 * the indicator reads up to the publication's position, and compute the figure.
 */
export const naiveVerify = async (
  logPath: string,
  spec: IndicatorSpec,
  year: number,
  at: number,
  resolve: ResolveCommune,
): Promise<NaiveVerify> => {
  const reads = new Set<string>(factsOf(spec.definition));
  const interner = new Interner();
  let state = emptyOracleState();
  let prev: Uint8Array = Buffer.alloc(32);
  let chainOk = true;
  let expected = 1;
  let hashAtPosition: string | undefined;
  await readLog(
    logPath,
    (e) => {
      const h = eventHash(prev, e);
      if (e.position !== expected++ || h.toString("hex") !== e.hash) chainOk = false;
      prev = h;
      if (e.position === at) hashAtPosition = e.hash;
      if (e.position <= at && reads.has(e.fact.type)) state = foldEvent(state, interner.slim(e));
    },
    { chain: true },
  );
  const rows = computeFigures(state, [spec], [year], resolve, at);
  return { chainOk, hashAtPosition, figure: rows.find((r) => r.geo === "province") };
};
