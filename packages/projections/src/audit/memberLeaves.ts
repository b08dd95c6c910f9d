/**
 * The digests of a publish's figures with the members' events joined in memory, not in SQL.
 *
 * In SQL, each share of people listed its members' events one row per (cell, event) — 12.2 M rows at 10 M facts,
 * the province's a second copy of the communes' — then deduplicated and ordered them: about 6 s of DuckDB's time
 * per indicator. Here every subject's events of the year are read once into an index by subject key
 * (`SubjectEventIndex`: 40 MB for 10 M events). For each indicator DuckDB lists only its members, once, as
 * (commune number, subject key); the province's members are all of them. A cell's leaves are its members'
 * events and its reports' events, set in a bitmap of the log's positions (`PositionBits`): read back in order,
 * each once, they are the cell's distinct contributing events in position order, as `CELL_POSITIONS_SQL` gives
 * them. The definition of the contributing events is `contribution.ts`'s, unchanged; the tests hold both ways
 * equal, and equal to the digests `node:crypto` makes from the log's hashes.
 *
 * Subjects are found by their key alone, which needs the log's dictionary keys (`Warehouse.dictionaryKeys`: a
 * key names one subject) and positions below 2^31 (`usable`); else the publish lists them in SQL
 * (`SubjectEvents`).
 */
import type { CatalogEntry } from "@kpi/core";
import { int32Column } from "../warehouse/chunkColumns.js";
import type { Warehouse } from "../warehouse/projector.js";
import type { Sql } from "../warehouse/sql.js";
import { tracer } from "../warehouse/trace.js";
import { buildContributingEvents, cellKey, dropWorkTables, exec, type LeafCache } from "./contribution.js";
import {
  CELL_EVENTS_SQL,
  communeNumbersSql,
  isEntityDefinition,
  memberKeysSql,
  type Scope,
  subjectEventKeysSql,
} from "./contributionSql.js";
import { TreesOfPositions } from "./merkle.js";
import type { Contribution } from "./publication.js";

/** The largest log position the in-memory way holds (as INTEGER). */
const MAX_POSITION = 2 ** 31 - 1;

/** Leaves added to a tree between waits for the subtrees being reduced (`TreesOfPositions.drain`). */
const DRAIN_EVERY = 1 << 16;

/** A set of log positions in [0, top]: a bit each (1.25 MB at 10 M), read back in increasing order. */
export class PositionBits {
  private readonly words: Int32Array;
  private lo = Number.POSITIVE_INFINITY;
  private hi = -1;

  constructor(readonly top: number) {
    this.words = new Int32Array((top >>> 5) + 1);
  }

  add(p: number): void {
    if (!(p >= 0 && p <= this.top)) throw new RangeError(`position ${p} is outside 0–${this.top}`);
    this.words[p >>> 5] = (this.words[p >>> 5] as number) | (1 << (p & 31));
    if (p < this.lo) this.lo = p;
    if (p > this.hi) this.hi = p;
  }

  /** The positions held, in increasing order, into `out` (grown when too small), and the set emptied. */
  drain(out: Int32Array): { positions: Int32Array; n: number } {
    let n = 0;
    let buffer = out;
    if (this.hi >= 0) {
      for (let w = this.lo >>> 5, last = this.hi >>> 5; w <= last; w++) {
        let x = this.words[w] as number;
        if (x === 0) continue;
        this.words[w] = 0;
        const base = w << 5;
        while (x !== 0) {
          const low = x & -x;
          if (n === buffer.length) {
            const grown = new Int32Array(Math.max(1024, 2 * buffer.length));
            grown.set(buffer);
            buffer = grown;
          }
          buffer[n++] = base + 31 - Math.clz32(low);
          x ^= low;
        }
      }
    }
    this.lo = Number.POSITIVE_INFINITY;
    this.hi = -1;
    return { positions: buffer, n };
  }
}

/**
 * Every subject's events visible at a position and dated up to a year's end (the events `subjectEventsSql`
 * lists), by subject key: the positions of key k are at(offsets[k] … offsets[k+1]). Made once for the figures of
 * one year of a publish; made again when asked for another position or year.
 */
export class SubjectEventIndex {
  private offsets: Int32Array = new Int32Array(1);
  private positions: Int32Array = new Int32Array(0);
  private made: string | undefined;
  /** The communes' numbers of a relation's states (`communeNumbersSql`), by relation and year. */
  private readonly communes = new Map<string, { table: string; names: Map<number, string> }>();
  private readonly id = nextIndex++;

  /** Whether the in-memory way can digest the figures of `w` at `position`. */
  static usable(w: Warehouse, position: number): boolean {
    return w.dictionaryKeys && position <= MAX_POSITION;
  }

  /** The index for `position` and `year`, read first if it holds another. */
  async of(w: Warehouse, position: number, year: number): Promise<this> {
    const key = `${position}:${year}`;
    if (this.made === key) return this;
    this.made = undefined;
    const trace = tracer("subject events: ");
    const { a: keys, b: positions, n } = await integerPairs(w, subjectEventKeysSql(position, year));
    let maxKey = 0;
    for (let i = 0; i < n; i++) if ((keys[i] as number) > maxKey) maxKey = keys[i] as number;
    trace.lap(`${n} events read`);
    const { offsets, grouped } = groupBy(keys, positions, n, maxKey + 1);
    this.offsets = offsets;
    this.positions = grouped;
    this.made = key;
    trace.lap("grouped by subject");
    return this;
  }

  /** Adds the events of subject `key` to `bits`. */
  addEvents(key: number, bits: PositionBits): void {
    if (key < 0 || key + 1 >= this.offsets.length) return; // no event of the year
    for (let i = this.offsets[key] as number, end = this.offsets[key + 1] as number; i < end; i++) {
      bits.add(this.positions[i] as number);
    }
  }

  /** The TEMP table numbering the communes of `relation`'s states in `year`, and the names by number. */
  async communesOf(
    w: Warehouse,
    relation: string,
    year: number,
  ): Promise<{ table: string; names: Map<number, string> }> {
    // a relation recomputed as known earlier (audit_ent_*) is another one each call
    const key = `${relation}:${year}`;
    const held = relation.startsWith("audit_") ? undefined : this.communes.get(key);
    if (held !== undefined) return held;
    const table = `audit_communes_${this.id}_${this.communes.size}`;
    await exec(w, communeNumbersSql(table, relation, year));
    const rows = await w.query<{ g: number; commune: string }>(`SELECT g, commune FROM ${table}`);
    const made = { table, names: new Map(rows.map((r) => [r.g, r.commune])) };
    this.communes.set(key, made);
    return made;
  }

  async drop(w: Warehouse): Promise<void> {
    this.made = undefined;
    this.offsets = new Int32Array(1);
    this.positions = new Int32Array(0);
    for (const { table } of this.communes.values()) await w.query(`DROP TABLE IF EXISTS ${table}`);
    this.communes.clear();
  }
}

let nextIndex = 0;

/**
 * The first `n` values grouped by their group (from 0 to `groups` − 1), keeping their order within a group (a
 * counting sort): group k's values are grouped[offsets[k] … offsets[k+1]).
 */
export const groupBy = (
  group: Int32Array,
  values: Int32Array,
  n: number,
  groups: number,
): { offsets: Int32Array; grouped: Int32Array } => {
  const offsets = new Int32Array(groups + 1);
  for (let i = 0; i < n; i++) {
    const k = group[i] as number;
    if (!(k >= 0 && k < groups)) throw new RangeError(`group ${k} is outside 0–${groups - 1}`);
    offsets[k + 1] = (offsets[k + 1] as number) + 1;
  }
  for (let k = 0; k < groups; k++) offsets[k + 1] = (offsets[k + 1] as number) + (offsets[k] as number);
  const next = offsets.slice(0, groups);
  const grouped = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = group[i] as number;
    const at = next[k] as number;
    grouped[at] = values[i] as number;
    next[k] = at + 1;
  }
  return { offsets, grouped };
};

/** The rows of a query of two INTEGER columns, read as they come into two growing arrays. */
const integerPairs = async (w: Warehouse, s: Sql): Promise<{ a: Int32Array; b: Int32Array; n: number }> => {
  let a = new Int32Array(1 << 16);
  let b = new Int32Array(1 << 16);
  let n = 0;
  for await (const chunk of w.streamChunks(s.text, s.params)) {
    const rows = chunk.rowCount;
    if (n + rows > a.length) {
      const size = Math.max(2 * a.length, n + rows);
      const [x, y] = [new Int32Array(size), new Int32Array(size)];
      x.set(a.subarray(0, n));
      y.set(b.subarray(0, n));
      [a, b] = [x, y];
    }
    a.set(int32Column(chunk, 0), n);
    b.set(int32Column(chunk, 1), n);
    n += rows;
  }
  return { a, b, n };
};

/** A cell's members (subject keys; slices of one list per indicator) and its reports' events. */
interface CellLeaves {
  readonly members: Int32Array[];
  readonly reports: number[];
}

/** The leaves of the cell `key` in `cells`, added empty when absent. */
const cellIn = (cells: Map<string, CellLeaves>, key: string): CellLeaves => {
  let c = cells.get(key);
  if (c === undefined) {
    c = { members: [], reports: [] };
    cells.set(key, c);
  }
  return c;
};

/**
 * The members of `e` in the cells of `scope`, by cell key: each commune's (not the '' of province-only
 * entities), and the province's, all of them.
 */
const memberCells = async (
  w: Warehouse,
  e: CatalogEntry,
  relation: string,
  scope: Scope,
  index: SubjectEventIndex,
  cells: Map<string, CellLeaves>,
): Promise<void> => {
  const communes = await index.communesOf(w, relation, scope.year);
  const { a: g, b: keys, n } = await integerPairs(w, memberKeysSql(e, relation, communes.table, scope));
  const { offsets, grouped } = groupBy(g, keys, n, communes.names.size + 1);
  const cellOf = (geo: string): CellLeaves => cellIn(cells, cellKey(e.code, geo, ""));
  const one = typeof scope.communes === "object" ? scope.communes.geo : undefined;
  for (const [number, name] of communes.names) {
    const from = offsets[number] as number;
    const to = offsets[number + 1] as number;
    if (to === from || name === "") continue;
    if (scope.communes === "all" || name === one) cellOf(name).members.push(grouped.subarray(from, to));
  }
  if (scope.province && n > 0) cellOf("province").members.push(grouped);
};

/**
 * The digests of the cells of `scope` for every entry, as known at `position`, the members' events joined in
 * memory (see the module's comment): the same digests `contributionsOf` gives. `leaves` is the publish's cache.
 */
export const contributionsInMemory = async (
  w: Warehouse,
  entries: readonly CatalogEntry[],
  position: number,
  scope: Scope,
  leaves: LeafCache,
  events: SubjectEventIndex,
): Promise<Map<string, Contribution>> => {
  const trace = tracer("contributions: ");
  try {
    const { kinds, rel } = await buildContributingEvents(w, entries, position, scope, undefined, true);
    const cells = new Map<string, CellLeaves>();
    for (const r of await w.query<{ indicator: string; geo: string; breakdown: string; position: number }>(
      CELL_EVENTS_SQL,
    )) {
      cellIn(cells, cellKey(r.indicator, r.geo, r.breakdown)).reports.push(r.position);
    }
    if (kinds.length > 0) await events.of(w, position, scope.year);
    for (const e of entries) {
      const d = e.definition;
      if (isEntityDefinition(d)) await memberCells(w, e, rel.entity(d.entity), scope, events, cells);
    }
    trace.lap("members");

    // every leaf needed, read and hashed once (`LeafCache`)
    const bits = new PositionBits(position);
    let scratch: Int32Array = new Int32Array(1 << 16);
    if (!leaves.holdsUpTo(position)) {
      for (const c of cells.values()) {
        for (const keys of c.members) for (const k of keys) events.addEvents(k, bits);
        for (const p of c.reports) bits.add(p);
      }
      const needed = bits.drain(scratch);
      scratch = needed.positions;
      await leaves.loadPositions(w, needed.positions, needed.n);
      trace.lap("leaf hashes");
    }

    // each cell's leaves in order, into its tree
    const trees = new TreesOfPositions(leaves.store, leaves.reducer);
    const numbers = new Map<number, string>();
    for (const [key, c] of cells) {
      for (const keys of c.members) for (const k of keys) events.addEvents(k, bits);
      for (const p of c.reports) bits.add(p);
      const got = bits.drain(scratch);
      scratch = got.positions;
      if (got.n === 0) continue;
      const cell = numbers.size;
      numbers.set(cell, key);
      for (let i = 0; i < got.n; i++) {
        trees.add(cell, got.positions[i] as number);
        if ((i & (DRAIN_EVERY - 1)) === DRAIN_EVERY - 1) await trees.drain();
      }
      await trees.drain();
    }
    trace.lap("subtrees hashed");
    const out = new Map<string, Contribution>();
    for (const [cell, t] of await trees.finish()) {
      out.set(numbers.get(cell) as string, { events: t.events, merkleRoot: t.root } as Contribution);
    }
    trace.lap("roots folded");
    return out;
  } finally {
    await dropWorkTables(w);
  }
};
