/**
 * The contributing events of a figure and their digest.
 *
 * For a figure (indicator I, geography G, year Y, breakdown B) as known at log position P, an event is
 * *visible* when its position is ≤ P, it is not a `FactRetracted`, and no `FactRetracted` at a position ≤ P
 * names it. The contributing events are:
 *
 * 1. Entity-based I (share, shareOfReported, ratePer1000, entityCount over entities of kind K): the *members*
 *    are the subjects of kind K whose state on Y-12-31 as known at P puts them in G (their commune is G; for the
 *    province, any commune, province-only entities included) and that I counts: they meet `numerator` (and
 *    `population`, for a share), or they meet `population` (a share's denominator). Their events are every
 *    visible fact of a member dated on or before Y-12-31, and every `FactRetracted` at a position ≤ P that
 *    withdrew a fact of a member so dated.
 * 2. Reported fields of I (the denominator of shareOfReported and ratePer1000; numerator and denominator of
 *    reportedRatio; the value of reportedCount, growth and rank): the standing reports at P of the field's type
 *    that match its `where`, with breakdown B (field `by`), for the years the figure reads (Y; every year ≤ Y
 *    when cumulative; Y and Y−1 for growth) and, for a commune, resolved into G; for the province, per year and
 *    breakdown the province-level reports when any exist, else all resolved commune reports. With them, every
 *    `FactRetracted` at a position ≤ P that withdrew a report of the same type and key as one of them.
 *
 * The digest is the number of distinct contributing events and the Merkle root (`merkle.ts`) of their chain
 * hashes in position order. An event recorded after P never contributes; a member's fact dated after Y-12-31
 * does not either (it cannot change the year-end state).
 *
 * The runner fills TEMP tables `audit_*` on the warehouse's connection; one run at a time per warehouse (the
 * server's `LiveWarehouse.exclusive` ensures it). States as known at P come from the warehouse's stored tables
 * when P is its checkpoint, else they are recomputed for year Y only.
 */
import type { DuckDBDataChunk } from "@duckdb/node-api";
import { type CatalogEntry, ENTITY_KINDS, type EntityKind } from "@kpi/core";
import { float64Column, inlineAt, inlineBlobColumn, inlineLength, int32Column } from "../warehouse/chunkColumns.js";
import type { Warehouse } from "../warehouse/projector.js";
import type { Sql } from "../warehouse/sql.js";
import { tracer } from "../warehouse/trace.js";
import {
  asOfEntitySql,
  asOfReportsSql,
  CELL_POSITIONS_SQL,
  CELLS_SQL,
  DROP_NEW_LEAF_HASHES_SQL,
  DROP_NEW_LEAVES_SQL,
  heldLeavesSql,
  isEntityDefinition,
  leafCacheSql,
  leafCacheTable,
  memberEventsFromSql,
  memberEventsSql,
  membersSql,
  NEW_LEAF_HASHES_READ_SQL,
  NEW_LEAVES,
  NEW_LEAVES_SPAN_SQL,
  NEW_LEAVES_TABLE_SQL,
  newChainHashesSql,
  newLeavesSql,
  rangeChainHashesSql,
  reportEventsSql,
  reportedFieldsOf,
  reportsUsedSql,
  type Scope,
  subjectEventsSql,
  WORK_TABLES,
  WORK_TABLES_SQL,
} from "./contributionSql.js";
import { EMPTY_ROOT, LeafStore, TreesOfPositions } from "./merkle.js";
import { ReducerPool } from "./merkleThreads.js";
import type { Contribution } from "./publication.js";

export type { Scope } from "./contributionSql.js";

export const exec = async (w: Warehouse, s: Sql): Promise<void> => {
  await w.query(s.text, s.params);
};

/** The key of a cell within one year. */
export const cellKey = (indicator: string, geo: string, breakdown: string): string =>
  `${indicator}\u0000${geo}\u0000${breakdown}`;

export interface Relations {
  readonly entity: (kind: EntityKind) => string;
  readonly reports: string;
}

/**
 * Where the entity states and standing reports as known at `position` are: the stored tables at the checkpoint,
 * else TEMP tables recomputed for `scope.year` (and, for a single commune, only its subjects).
 */
export const relationsAt = async (
  w: Warehouse,
  position: number,
  kinds: readonly EntityKind[],
  scope: Scope,
): Promise<Relations> => {
  const checkpoint = await w.checkpoint();
  if (position > checkpoint) {
    throw new RangeError(`position ${position} is beyond the warehouse's checkpoint ${checkpoint}`);
  }
  if (position === checkpoint) return { entity: (k) => `ent_${k}_year`, reports: "reports" };
  const geo = typeof scope.communes === "object" && !scope.province ? scope.communes.geo : undefined;
  for (const k of kinds) await exec(w, asOfEntitySql(k, position, scope.year, geo));
  await exec(w, asOfReportsSql(position));
  return { entity: (k) => `audit_ent_${k}`, reports: "audit_reports" };
};

/**
 * Every subject's events visible at a position and dated up to a year's end (`subjectEventsSql`), in a TEMP
 * table of its own, made once for all the figures of that year a publish digests (the table of the last position
 * and year asked for is kept; `drop` lets it go). At 10 M facts the five shares of people listed their members'
 * events in 27.4 s one by one, and in 2.0 s once plus 14.9 s joined (2026, province and communes; scratch).
 */
export class SubjectEvents {
  private readonly table = `audit_subject_events_${nextEvents++}`;
  private made: string | undefined;

  /** The table's name, for `position` and `year`, made first if it holds another. */
  async of(w: Warehouse, position: number, year: number): Promise<string> {
    const key = `${position}:${year}`;
    if (this.made !== key) {
      this.made = undefined;
      await exec(w, subjectEventsSql(this.table, position, year));
      this.made = key;
    }
    return this.table;
  }

  async drop(w: Warehouse): Promise<void> {
    this.made = undefined;
    await w.query(`DROP TABLE IF EXISTS ${this.table}`);
  }
}

let nextEvents = 0;

/**
 * Fills `audit_members`, `audit_reports_used`, `audit_cells` (cell, indicator, geo, breakdown) and `audit_events`
 * (cell, position, in_num, in_den) with the contributing events of the cells of `scope` for every entry, as known
 * at `position`. `events`: every subject's events of the year, kept by a publish for all its figures.
 * `membersApart`: the members are the caller's to list (`contributionsInMemory`): only the reports' events are
 * filled. Returns the entity kinds the entries read and where their states are.
 */
export const buildContributingEvents = async (
  w: Warehouse,
  entries: readonly CatalogEntry[],
  position: number,
  scope: Scope,
  events?: SubjectEvents,
  membersApart = false,
): Promise<{ readonly kinds: readonly EntityKind[]; readonly rel: Relations }> => {
  for (const s of WORK_TABLES_SQL) await w.query(s);
  const kinds = ENTITY_KINDS.filter((k) =>
    entries.some((e) => isEntityDefinition(e.definition) && e.definition.entity === k),
  );
  const trace = tracer("contributions: ");
  const rel = await relationsAt(w, position, kinds, scope);
  trace.lap("states as known then");
  for (const e of entries) {
    const d = e.definition;
    if (isEntityDefinition(d) && !membersApart) await exec(w, membersSql(e, rel.entity(d.entity), scope));
    for (const { field, role } of reportedFieldsOf(d))
      await exec(w, reportsUsedSql(e, field, role, rel.reports, scope));
  }
  await w.query(CELLS_SQL);
  trace.lap("members and reports");
  if (!membersApart) {
    if (events === undefined) await exec(w, memberEventsSql(position, scope.year));
    else if (kinds.length > 0) await w.query(memberEventsFromSql(await events.of(w, position, scope.year)));
    trace.lap("members' events");
  }
  await exec(w, reportEventsSql(position));
  trace.lap("reports' events");
  return { kinds, rel };
};

/** Words of a chunk's chain hashes (DuckDB's chunks hold at most 2048 rows; grown if one holds more). */
let staging = new Int32Array(8 * 2048);

/**
 * The chain hashes of one chunk of rows (position, then bytes 1–12, 13–24 and 25–32: slices DuckDB holds inline,
 * read as big-endian words straight from its memory, `chunkColumns.ts`) into the store.
 */
const putChunk = (store: LeafStore, chunk: DuckDBDataChunk): void => {
  const positions = float64Column(chunk, 0);
  const a = inlineBlobColumn(chunk, 1);
  const b = inlineBlobColumn(chunk, 2);
  const c = inlineBlobColumn(chunk, 3);
  const n = chunk.rowCount;
  if (staging.length < 8 * n) staging = new Int32Array(8 * n);
  for (let r = 0; r < n; r++) {
    if (inlineLength(a, r) !== 12 || inlineLength(b, r) !== 12 || inlineLength(c, r) !== 8) {
      throw new Error(`event ${positions[r]} of the log has no 32-byte chain hash: run kpi verify-log`);
    }
    const o = inlineAt(r);
    const d = 8 * r;
    staging[d] = a.getInt32(o);
    staging[d + 1] = a.getInt32(o + 4);
    staging[d + 2] = a.getInt32(o + 8);
    staging[d + 3] = b.getInt32(o);
    staging[d + 4] = b.getInt32(o + 4);
    staging[d + 5] = b.getInt32(o + 8);
    staging[d + 6] = c.getInt32(o);
    staging[d + 7] = c.getInt32(o + 4);
  }
  store.putChainHashes(positions, staging, n);
};

let nextCache = 0;

/** Drops the TEMP tables of one load of a `LeafCache`: the positions to read and their chain hashes. */
const dropNewLeaves = async (w: Warehouse): Promise<void> => {
  await w.query(DROP_NEW_LEAVES_SQL);
  await w.query(DROP_NEW_LEAF_HASHES_SQL);
};

/**
 * Reading the log's events from the last held one up to the last needed costs about 0.95 µs an event of the
 * range; joining the needed ones to the log about 1.6 µs an event needed (10 M events, reading and hashing
 * included). For one call the scan is cheaper from 0.6 of the range needed; a publish's later calls then find
 * their events held, so the range is read from this share on.
 */
const WHOLE_RANGE_SHARE = 0.25;

/**
 * The leaf hashes of the events digested so far, held in JavaScript (`LeafStore`), so that each is read from the
 * log and hashed once: for every digest of one publish (pass the same cache to each), or for one call. The events
 * of `audit_events` not held yet are read one of two ways, whichever costs less:
 * - every event of the log from the last held up to the last needed, in one scan, when they are a large share of
 *   it (a year's publication counts nearly every event): all events up to there are then held;
 * - else only those, their positions listed on the warehouse's connection (a TEMP table of this cache's own,
 *   `leafCacheTable`) and joined to the log: what one figure's digest needs.
 * 32 bytes an event held, until `drop`, which also stops the worker threads.
 */
export class LeafCache {
  readonly store = new LeafStore();
  /** Where the subtrees are reduced: worker threads, started at the first large subtree. */
  readonly reducer = new ReducerPool();
  /** Every event up to here is held. */
  private heldUpTo = 0;
  /** A publish expects to need most events up to here (`expect`): the next load reads the range up to it. */
  private rangeUpTo = 0;
  private readonly table = leafCacheTable(nextCache++);

  /** `wholeRangeShare`: read the range when at least this share of it is needed (0: always; Infinity: never). */
  constructor(private readonly wholeRangeShare = WHOLE_RANGE_SHARE) {}

  /**
   * The caller (a publish) expects to need about `n` of the events up to `upTo`. When that is a large share of
   * them, the first load that needs any event not held reads the whole range up to there, rather than join the
   * few a first small figure needs and read them again in the range a large one needs next.
   */
  expect(n: number, upTo: number): void {
    if (n >= this.wholeRangeShare * (upTo - this.heldUpTo)) this.rangeUpTo = upTo;
  }

  /** Whether every event up to `position` is held (nothing up to there needs loading). */
  holdsUpTo(position: number): boolean {
    return this.heldUpTo >= position;
  }

  /** Reads and hashes the leaves of `audit_events` not held yet. */
  async load(w: Warehouse): Promise<void> {
    try {
      await w.query(leafCacheSql(this.table));
      await exec(w, newLeavesSql(this.table, this.heldUpTo));
      const [span] = await w.query<{ n: number; top: number }>(NEW_LEAVES_SPAN_SQL);
      await this.read(w, span?.n ?? 0, span?.top ?? 0);
    } finally {
      await dropNewLeaves(w);
    }
  }

  /** Reads and hashes the leaves of the first `n` of `positions` (increasing) not held yet, as `load` does. */
  async loadPositions(w: Warehouse, positions: Int32Array, n: number): Promise<void> {
    const fresh = new Int32Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const p = positions[i] as number;
      if (p > this.heldUpTo && !this.store.has(p)) fresh[count++] = p;
    }
    if (count === 0) return;
    try {
      await w.query(leafCacheSql(this.table));
      await w.query(NEW_LEAVES_TABLE_SQL);
      if (!this.readsRange(count, fresh[count - 1] as number)) await w.appendIntegers(NEW_LEAVES, fresh, count);
      await this.read(w, count, fresh[count - 1] as number);
    } finally {
      await dropNewLeaves(w);
    }
  }

  /** Whether `n` events not held, the last at `top`, are read by a scan of the range. */
  private readsRange(n: number, top: number): boolean {
    return this.rangeUpTo > this.heldUpTo || n >= this.wholeRangeShare * (top - this.heldUpTo);
  }

  /** Reads the `n` events not held, the last at `top`: the range up to there, or those of `audit_leaf_new`. */
  private async read(w: Warehouse, n: number, top: number): Promise<void> {
    if (n === 0) return;
    const trace = tracer("leaf cache: ");
    if (this.readsRange(n, top)) {
      const upTo = Math.max(top, this.rangeUpTo);
      const s = rangeChainHashesSql(w.eventsTable, this.heldUpTo, upTo);
      for await (const chunk of w.streamChunks(s.text, s.params)) putChunk(this.store, chunk);
      trace.lap(`${n} new, events ${this.heldUpTo + 1}–${upTo} read and hashed`);
      this.heldUpTo = upTo;
    } else {
      await exec(w, newChainHashesSql(w.eventsTable));
      trace.lap(`${n} joined to the log`);
      for await (const chunk of w.streamChunks(NEW_LEAF_HASHES_READ_SQL)) putChunk(this.store, chunk);
      await w.query(heldLeavesSql(this.table));
      trace.lap(`${n} new, read and hashed`);
    }
  }

  async drop(w: Warehouse): Promise<void> {
    this.store.clear();
    this.heldUpTo = 0;
    await this.reducer.close();
    await w.query(`DROP TABLE IF EXISTS ${this.table}`);
  }
}

/**
 * Number of events and Merkle root of every cell in `audit_events` (cells without events are absent): the leaves
 * not held yet are read and hashed (`LeafCache`), and every cell's positions streamed in order into
 * `TreesOfPositions`. `leaves`: the cache of a publish, kept for its next call; without it, one for this call.
 */
export const contributionDigests = async (w: Warehouse, leaves?: LeafCache): Promise<Map<string, Contribution>> => {
  const trace = tracer("contributions: ");
  const cache = leaves ?? new LeafCache();
  try {
    await cache.load(w);
    trace.lap("leaf hashes");
    const trees = new TreesOfPositions(cache.store, cache.reducer);
    let first = true;
    for await (const chunk of w.streamChunks(CELL_POSITIONS_SQL)) {
      if (first) trace.lap("leaves listed in order (DuckDB)");
      first = false;
      const cells = int32Column(chunk, 0);
      const positions = float64Column(chunk, 1);
      for (let r = 0, n = chunk.rowCount; r < n; r++) trees.add(cells[r] as number, positions[r] as number);
      await trees.drain();
    }
    trace.lap("subtrees hashed");
    const roots = await trees.finish();
    trace.lap("roots folded");
    const cells = await w.query<{ cell: number; indicator: string; geo: string; breakdown: string }>(
      "SELECT cell, indicator, geo, breakdown FROM audit_cells",
    );
    const out = new Map<string, Contribution>();
    for (const c of cells) {
      const t = roots.get(c.cell);
      if (t !== undefined) {
        out.set(cellKey(c.indicator, c.geo, c.breakdown), { events: t.events, merkleRoot: t.root } as Contribution);
      }
    }
    return out;
  } finally {
    if (leaves === undefined) await cache.drop(w);
  }
};

/** The digest of a cell without contributing events. */
export const EMPTY_CONTRIBUTION = { events: 0, merkleRoot: EMPTY_ROOT } as Contribution;

/** Drops the audit's TEMP tables from the warehouse's connection. */
export const dropWorkTables = async (w: Warehouse): Promise<void> => {
  for (const t of WORK_TABLES) await w.query(`DROP TABLE IF EXISTS ${t}`);
};

/**
 * The digests of the cells of `scope` for every entry, as known at `position`; `leaves`: the leaf hashes a
 * publish of many indicators keeps for its next call (it drops them with `LeafCache.drop`); `events`: the
 * subjects' events of the year it keeps likewise (`SubjectEvents.drop`).
 */
export const contributionsOf = async (
  w: Warehouse,
  entries: readonly CatalogEntry[],
  position: number,
  scope: Scope,
  leaves?: LeafCache,
  events?: SubjectEvents,
): Promise<Map<string, Contribution>> => {
  try {
    await buildContributingEvents(w, entries, position, scope, events);
    return await contributionDigests(w, leaves);
  } finally {
    await dropWorkTables(w);
  }
};
