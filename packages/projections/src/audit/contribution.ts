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
import type { DuckDBBlobValue, DuckDBValue } from "@duckdb/node-api";
import { type CatalogEntry, ENTITY_KINDS, type EntityKind } from "@kpi/core";
import type { Warehouse } from "../warehouse/projector.js";
import type { Sql } from "../warehouse/sql.js";
import { tracer } from "../warehouse/trace.js";
import {
  asOfEntitySql,
  asOfReportsSql,
  CELLS_SQL,
  cacheLeavesSql,
  isEntityDefinition,
  LEAF_CACHE,
  LEAF_CACHE_SQL,
  leavesSql,
  memberEventsSql,
  membersSql,
  reportEventsSql,
  reportedFieldsOf,
  reportsUsedSql,
  type Scope,
  WORK_TABLES,
  WORK_TABLES_SQL,
} from "./contributionSql.js";
import { EMPTY_ROOT, type LeafRow, merkleRootsOf } from "./merkle.js";
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
 * Fills `audit_members`, `audit_reports_used` and `audit_events` (indicator, geo, breakdown, position, in_num,
 * in_den) with the contributing events of the cells of `scope` for every entry, as known at `position`.
 */
export const buildContributingEvents = async (
  w: Warehouse,
  entries: readonly CatalogEntry[],
  position: number,
  scope: Scope,
): Promise<void> => {
  for (const s of WORK_TABLES_SQL) await w.query(s);
  const kinds = ENTITY_KINDS.filter((k) =>
    entries.some((e) => isEntityDefinition(e.definition) && e.definition.entity === k),
  );
  const trace = tracer("contributions: ");
  const rel = await relationsAt(w, position, kinds, scope);
  trace.lap("states as known then");
  for (const e of entries) {
    const d = e.definition;
    if (isEntityDefinition(d)) await exec(w, membersSql(e, rel.entity(d.entity), scope));
    for (const { field, role } of reportedFieldsOf(d))
      await exec(w, reportsUsedSql(e, field, role, rel.reports, scope));
  }
  trace.lap("members and reports");
  await exec(w, memberEventsSql(position, scope.year));
  trace.lap("members' events");
  await exec(w, reportEventsSql(position));
  trace.lap("reports' events");
};

/** The rows of `leavesSql` (cell INTEGER, h BLOB, n INTEGER) as nodes to fold. */
async function* leafRows(chunks: AsyncIterable<DuckDBValue[][]>): AsyncGenerator<LeafRow[]> {
  for await (const rows of chunks) {
    yield rows.map(([cell, h, n]) => ({ cell: cell as number, h: (h as DuckDBBlobValue).bytes, n: n as number }));
  }
}

/**
 * Number of events and Merkle root of every cell in `audit_events` (cells without events are absent): the leaves
 * are hashed in DuckDB and streamed in cell order into one stack fold per cell (`merkleRootsOf`). `cacheLeaves`:
 * the leaf hashes are kept on the connection for the next call (`LEAF_CACHE`) until `dropLeafCache`.
 */
export const contributionDigests = async (w: Warehouse, cacheLeaves = false): Promise<Map<string, Contribution>> => {
  const trace = tracer("contributions: ");
  await w.query(CELLS_SQL);
  if (cacheLeaves) {
    await w.query(LEAF_CACHE_SQL);
    await exec(w, cacheLeavesSql(w.eventsTable));
  }
  trace.lap("cells and leaf hashes");
  const leaves = leavesSql(w.eventsTable, undefined, cacheLeaves);
  const trees = await merkleRootsOf(leafRows(w.streamRows(leaves.text, leaves.params)));
  trace.lap("Merkle roots");
  const cells = await w.query<{ cell: number; indicator: string; geo: string; breakdown: string }>(
    "SELECT cell, indicator, geo, breakdown FROM audit_cells",
  );
  const out = new Map<string, Contribution>();
  for (const c of cells) {
    const t = trees.get(c.cell);
    if (t !== undefined) {
      out.set(cellKey(c.indicator, c.geo, c.breakdown), { events: t.events, merkleRoot: t.root } as Contribution);
    }
  }
  return out;
};

/** The digest of a cell without contributing events. */
export const EMPTY_CONTRIBUTION = { events: 0, merkleRoot: EMPTY_ROOT } as Contribution;

/** Drops the audit's TEMP tables from the warehouse's connection. */
export const dropWorkTables = async (w: Warehouse): Promise<void> => {
  for (const t of WORK_TABLES) await w.query(`DROP TABLE IF EXISTS ${t}`);
};

/** Drops the leaf hashes `contributionDigests` kept. */
export const dropLeafCache = async (w: Warehouse): Promise<void> => {
  await w.query(`DROP TABLE IF EXISTS ${LEAF_CACHE}`);
};

/**
 * The digests of the cells of `scope` for every entry, as known at `position`; `cacheLeaves`: keep the leaf
 * hashes for the next call (a publish of many indicators; the caller drops them with `dropLeafCache`).
 */
export const contributionsOf = async (
  w: Warehouse,
  entries: readonly CatalogEntry[],
  position: number,
  scope: Scope,
  cacheLeaves = false,
): Promise<Map<string, Contribution>> => {
  try {
    await buildContributingEvents(w, entries, position, scope);
    return await contributionDigests(w, cacheLeaves);
  } finally {
    await dropWorkTables(w);
  }
};
