/**
 * The warehouse: a DuckDB file folded by SQL from the event log, read through the port (`EventSource`): the
 * embedded log attached and staged straight from its table (the SQL fast path), or any other store (KurrentDB)
 * copied batch by batch into `source_events` (`sourceEvents.ts`) and staged from there with the same SQL.
 * `catchUp` folds the events after the checkpoint, one vintage (UTC recording day) at a time; each step runs in
 * one transaction that also moves the checkpoint, so a crash never double-counts. `rebuild` empties the derived
 * tables and catches up from 0 through exactly the same steps, which is why a rebuild and any sequence of
 * catch-ups give the same tables.
 *
 * Per step: stage the new events into `facts`, mark retractions, recompute the year-end state of only the
 * subjects the new events touch (subtracting their old contribution to `cell_counts`, adding the new one),
 * re-derive the standing reports, then recompute `indicator_values` (small) and record what changed in
 * `indicator_revisions` for the step's vintage.
 */

import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  constants as fsConstants,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { copyFile } from "node:fs/promises";
import { totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { type DuckDBConnection, type DuckDBDataChunk, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import {
  type AmendedCatalog,
  amendCatalog,
  BREAKDOWN_LABELS,
  CATALOG_CHANGE_TYPES,
  type CatalogChange,
  type CatalogEntry,
  DuckDbEventLog,
  decodeFact,
  definitionHash,
  definitionOf,
  ENTITY_KINDS,
  type EntityKind,
  type EventLog,
  type EventSource,
  entityAttributesRead,
  entityFactsRequired,
  eventSourceOf,
  FACT_DEFINITIONS,
  factsOf,
  ident,
  isFactType,
  type Parts,
  partsOf,
  storageAdvice,
  position as toPosition,
} from "@kpi/core";
import canonicalize from "canonicalize";
import * as E from "fp-ts/lib/Either.js";
import type { Cell } from "../audit/embargo.js";
import { FORECAST_MODEL, forecastTargets, type Observation } from "../forecast/forecast.js";
import { COLUMN_COMMENTS, columnComment, commentColumns } from "./columnComments.js";
import { smallCellSql, withheldSql } from "./disclosureSql.js";
import {
  ENTITY_COLUMNS,
  entitySpanSql,
  entityStateSql,
  isSpanKind,
  PERSON_FAMILIES,
  type PersonFamily,
  SPAN_KINDS,
  STATE_FACT_COLUMNS,
  type StateKey,
  spanYearsSql,
  touchedSubjectsSql,
  weightedSpanYearsSql,
} from "./entitySql.js";
import {
  contributionsSql,
  DENOMINATOR_SQL,
  figureRowsSql,
  NUMERATOR_SQL,
  PART_COLUMNS,
  partsSqlType,
  REPORT_TYPES_SQL,
  splitPartsSql,
  standingReportsSql,
  valueSql,
  visibleSql,
} from "./figuresSql.js";
import {
  appendForecasts,
  deleteForecastsSql,
  type ForecastRow,
  forecastSeriesSql,
  type ObservedSeries,
} from "./forecastsSql.js";
import { flagsSql, provisionalSql } from "./qualitySql.js";
import {
  entityTableDdl,
  PUBLISHED_RELATIONS,
  type PublishedRelation,
  publicRowsSql,
  WAREHOUSE_DDL,
  WAREHOUSE_VIEWS,
} from "./schema.js";
import { mirrorEvents, SOURCE_EVENTS, SOURCE_EVENTS_DDL } from "./sourceEvents.js";
import { inTransaction, Params, rows, run, sqlOf } from "./sql.js";
import { geoWarningsSql, markRetractedSql, stageFactsSql } from "./stagingSql.js";
import { indicatorValuesSql, type Judged, type Judgement, judgeFigures } from "./statusSql.js";
import { tracer } from "./trace.js";

export interface ReferenceTables {
  readonly communes: readonly {
    code: string;
    name: string;
    type: string;
    typeEn: string;
    oldProvince: string;
    areaKm2: number | null;
    population: number | null;
    populationFlag: string | null;
    resolution: string;
    resolutionClause: number | null;
    nOldUnits: number | null;
  }[];
  readonly crosswalk: readonly {
    line: number;
    oldCode: string;
    oldName: string;
    oldProvinceCode: string;
    oldDistrict: string;
    newCode: string;
    newName: string;
    mergeType: string;
    resolutionClause: number | null;
  }[];
  readonly resolution: readonly { code: string; era: "old" | "current"; commune: string; partial: boolean }[];
}

export interface WarehouseOptions {
  readonly catalog: readonly CatalogEntry[];
  readonly reference: ReferenceTables;
  /** First and last year figures are computed for. */
  readonly years: readonly [number, number];
  /** Commune figures whose denominator is below this are flagged `suppressed`. */
  readonly smallCellThreshold?: number;
  /** Open the log read-only (a process that only projects). */
  readonly logReadOnly?: boolean;
  /**
   * How the fold reads the embedded log: in SQL from its attached table (`sql`, the default: zero-copy), or
   * through the event-log port into the warehouse's `source_events` (`generic`, what a store without SQL gets;
   * tests and benchmarks compare the two). A log given as an `EventLog` is always read through the port.
   */
  readonly readPath?: "sql" | "generic";
  /** The clock that stamps appends (tests pin recording days). */
  readonly now?: () => Date;
  /**
   * The embedded log loads its saved append indexes in the background (`DuckDbEventLogOptions.indexesInBackground`):
   * the warehouse opens and reads at once, and the first append waits for them. For a server's start.
   */
  readonly logIndexesInBackground?: boolean;
  /**
   * Stage only what the catalog's figures read: every fact of the entity kinds its definitions count dated on or
   * before the last year's 31 December, the fact types they read, and retractions. Figures and contributions of
   * the years folded are unchanged; the `facts` table and the entity tables of other kinds are not complete. For
   * replays that recompute a few figures (audit), never for the statisticians' warehouse.
   */
  readonly stageOnlyCatalogFacts?: boolean;
  /**
   * With `stageOnlyCatalogFacts`: of an entity kind whose every definition counts only entities holding a fact of
   * some types (`entityFactsRequired`: the holders of a signature, for the share of adults with one), stage only
   * those entities. Numerators, denominators and contributions are the full fold's, except that a cell where none
   * of those entities is known has a NULL numerator (and share denominator) where the full fold may have 0: it
   * does not know whether other entities of the kind exist there. The caller must replay again without this
   * option for such a figure (`verifyPublication` does).
   */
  readonly stageOnlyCountedEntities?: boolean;
  /**
   * The log is known to give every event its subject's one key (its chain check looked for second keys, which an
   * earlier version could give, and found none): a replay staging some entities lists them by the keys of their
   * events instead of through the log's dictionary (0.25–0.3 s of a replay at 10 M events), and partitions
   * people's and households' states by the key (`StateKey`).
   */
  readonly singleSubjectKeys?: boolean;
  /**
   * Fold each step without a transaction (default: in one). Only for a throwaway warehouse in memory, such as an
   * audit's replay: no reader sees it half folded and nothing of it outlives a failure, and the commit of a
   * step's million staged rows (0.6 s at 10 M events) is saved. A step that fails on the data of its events is
   * then not split to quarantine the event (its half-done writes cannot be undone): `catchUp` throws
   * `StepNotAtomicError` and the caller replays with transactions.
   */
  readonly atomicSteps?: boolean;
}

/**
 * A step of a warehouse folding without transactions (`atomicSteps: false`) failed on the data of its events:
 * the warehouse is half folded; replay into a new one with transactions, which quarantines the event.
 */
export class StepNotAtomicError extends Error {
  constructor(
    readonly from: number,
    readonly to: number,
    cause: unknown,
  ) {
    super(`the fold of log positions ${from} → ${to} failed on the data of its events, without a transaction`, {
      cause,
    });
    this.name = "StepNotAtomicError";
  }
}

export interface AsOfFigure {
  readonly indicator: string;
  readonly geo: string;
  readonly year: number;
  readonly breakdown: string;
  /** Numerator and denominator, whichever pair holds them (`parts` says which: counts or amounts). */
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly parts: Parts;
  readonly value: number | null;
  readonly position: number;
  /** Withheld for publication (`disclosureSql.ts`): 'primary', 'secondary', or null. */
  readonly withheld: "primary" | "secondary" | null;
  /** Quality flags (`qualitySql.ts`), as they stood at that position. */
  readonly provisional: boolean;
  readonly estimated: boolean;
  readonly breakInSeries: boolean;
  readonly implausible: boolean;
  readonly implausibleReason: string | null;
  /** SHA-256 of the definition in force at that position (`amendCatalog`). */
  readonly definitionHash: string;
}

export interface StepReport {
  readonly from: number;
  readonly to: number;
  readonly vintage: string;
  readonly seconds: number;
  /** The indicators whose figures the step recomputed; undefined: all of them. */
  readonly indicators: readonly string[] | undefined;
}

export interface CatchUpReport {
  readonly from: number;
  readonly to: number;
  readonly steps: readonly StepReport[];
  readonly seconds: number;
  readonly rebuilt: boolean;
  /** Events this catch-up could not fold and put in quarantine (see `Warehouse.quarantined`). */
  readonly quarantined: readonly QuarantinedEvent[];
  /**
   * The indicators whose rows of `indicator_values` may differ from before the catch-up (apart from the
   * position and vintage every row is stamped with); undefined: any of them.
   */
  readonly indicators: readonly string[] | undefined;
}

/** The union of the steps' recomputed indicators; undefined if any step recomputed all. */
const changedIndicators = (steps: readonly StepReport[]): readonly string[] | undefined => {
  const all = new Set<string>();
  for (const s of steps) {
    if (s.indicators === undefined) return undefined;
    for (const x of s.indicators) all.add(x);
  }
  return [...all].sort();
};

/** An event of the log the fold could not take: left out of every table (see `Warehouse.fold`). */
export interface QuarantinedEvent {
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly source: string;
  /** The error the fold gave. */
  readonly reason: string;
  readonly quarantinedAt: string;
  /** When an operator confirmed a correcting fact (`kpi quarantine clear`), and their note. */
  readonly clearedAt: string | null;
  readonly clearedNote: string | null;
}

/** How many events are in quarantine: held (left out, health degraded) and cleared by an operator. */
export interface QuarantineCounts {
  readonly held: number;
  readonly cleared: number;
}

/**
 * Whether a fold error comes from the data of the events folded (DuckDB's conversion, range and input errors),
 * as opposed to the machine (disk, memory, interruption) or the code: only the former can be quarantined.
 */
export const isDataError = (e: unknown): boolean => {
  const root = rootCause(e);
  return root instanceof Error && /^(Invalid Input|Conversion|Out of Range|Mismatch Type) Error\b/.test(root.message);
};

/** The error at the end of a chain of causes (a step's error wraps the database's). */
const rootCause = (e: unknown): unknown => (e instanceof Error && e.cause !== undefined ? rootCause(e.cause) : e);

/** Events at these positions are never staged. */
const NOT_QUARANTINED = "e.position NOT IN (SELECT position FROM quarantine)";

/** The shape of the figure tables: a change recomputes the figures (a rebuild). */
const WAREHOUSE_SCHEMA_VERSION = 7;

/** The catalog change types as a SQL list of literals. */
const CATALOG_CHANGE_TYPES_SQL = CATALOG_CHANGE_TYPES.map((t) => `'${t}'`).join(", ");

/**
 * The catalog in force at `position` (default: every staged fact): `base` amended by the catalog changes staged
 * in `facts` with a position up to it and not retracted by then (`amendCatalog`). With `effectiveBy` (a day, for
 * as-of a day), only the changes whose `effectiveOn` is on or before it: a change recorded in advance of the day
 * it takes effect does not apply before that day.
 */
/**
 * The `projection_meta` key that notes whether the folded facts hold a catalog change (retracted or not):
 * '1' or '0'. Each step keeps it, so that finding the catalog in force costs no scan of the facts when there is
 * none (at province scale a bare look scans 17 M types: most of a second at every open).
 */
const CATALOG_SEEN = "catalog_changes_seen";

/** The views over the figure tables: dropped with an outdated figure table, made again by the set-up. */
const FIGURE_VIEWS = [
  "published_indicator_forecasts",
  "published_indicator_values",
  "province_scorecard",
  "published_indicator_revisions",
] as const;

/**
 * The table holding a kind's states: `ent_<kind>_span` for the kinds stored as spans of years (`SPAN_KINDS`,
 * read year by year through the view `ent_<kind>_year`), else `ent_<kind>_year`.
 */
const entityTable = (kind: EntityKind): string => (isSpanKind(kind) ? `ent_${kind}_span` : `ent_${kind}_year`);

/**
 * Figure tables of an earlier shape, known by a column they lack (DuckDB keeps the old shape under CREATE TABLE
 * IF NOT EXISTS), and the tables dropped then; the schema version in the catalog hash then makes a rebuild.
 */
const OUTDATED_SHAPES = [
  // before the figures had their quality columns
  { table: "indicator_values", column: "implausible", drop: ["indicator_values", "indicators"] },
  // before the catalog was on the record (revision causes, amended targets and definitions)
  { table: "indicator_revisions", column: "cause", drop: ["indicator_revisions", "indicators", "indicator_targets"] },
  // before counts were integers (numerator/denominator BIGINT beside numerator_amount/denominator_amount)
  {
    table: "indicator_values",
    column: "numerator_amount",
    drop: ["indicator_values", "indicator_revisions", "indicators"],
  },
  // before facts and entity states carried the log's subject key (the fold finds a subject's rows by it)
  { table: "facts", column: "subject_key", drop: ["facts", ...ENTITY_KINDS.map((k) => entityTable(k))] },
] as const;

/**
 * `facts` has no index on its subject key, and setting up drops the one earlier versions made (in the set-up hash,
 * so a warehouse set up before is set up again once). DuckDB never read through it: a catch-up finds its subjects'
 * facts by a scan whose filter on the key DuckDB derives from the touched keys (a sequential scan, the same time
 * with the index or without), while keeping the index up cost every catch-up's commit (871–924 ms against 201–265 ms
 * for 10,000 facts at 10 M) and a full fold its build (5–6 s at 10 M). The entity-year tables have none either: a
 * full fold writes them in subject-key order, so that the key's zone maps find a few subjects' rows in a few row
 * groups.
 */
const DROP_SUBJECT_INDEX = "DROP INDEX IF EXISTS facts_subject_key";

/** The tables a rebuild makes anew (besides the entity-year tables and the mirrored events). */
const DERIVED_TABLES = [
  "facts",
  "geo_warnings",
  "cell_counts",
  "indicator_values",
  "indicator_forecasts",
  "indicator_revisions",
  "reports",
];

/** The `projection_meta` key of the log dictionary's last key and subject at the last step (`dictionaryMark`). */
const LOG_DICTIONARY = "log_dictionary";

/**
 * The `projection_meta` key noting that the staged facts give each subject one key (`staleKeys`): set by a full
 * fold, or once the check found so.
 */
const KEYS_CHECKED = "keys_checked";

/** The `projection_meta` key of the hash of what `setUp` last wrote (see `Warehouse.setUp`). */
const SET_UP = "set_up";

/** Whether the folded facts hold a catalog change: the fold's note, or a bare look when a warehouse has none. */
const anyCatalogChange = async (c: DuckDBConnection): Promise<boolean> => {
  const noted = await rows<{ value: string }>(
    c,
    sqlOf("SELECT value FROM projection_meta WHERE key = $key", { key: CATALOG_SEEN }),
  );
  return noted[0] === undefined ? factsHoldCatalogChange(c) : noted[0].value === "1";
};

/** A bare look for a catalog change among the folded facts (a scan of their types when there is none). */
const factsHoldCatalogChange = async (c: DuckDBConnection): Promise<boolean> =>
  (await rows(c, sqlOf(`SELECT 1 AS one FROM facts WHERE type IN (${CATALOG_CHANGE_TYPES_SQL}) LIMIT 1`))).length > 0;

const catalogAtOn = async (
  c: DuckDBConnection,
  base: readonly CatalogEntry[],
  position?: number,
  effectiveBy?: string,
): Promise<AmendedCatalog> => {
  // most warehouses never see a catalog change: the note the fold keeps says so without a scan of the facts
  if (!(await anyCatalogChange(c))) return amendCatalog(base, []);
  const p = new Params("k");
  const found = await rows<{
    position: number;
    id: string;
    type: string;
    subject: string;
    occurredOn: string;
    source: string;
    data: string;
  }>(
    c,
    sqlOf(
      `SELECT CAST(position AS DOUBLE) AS position, id, type, subject, strftime(occurred_on, '%Y-%m-%d') AS "occurredOn",
              source, CAST(data AS VARCHAR) AS data
       FROM facts WHERE type IN (${CATALOG_CHANGE_TYPES_SQL}) AND ${visibleSql(p, position)} ORDER BY position`,
      p,
    ),
  );
  const changes = found.flatMap((r) => {
    const { position: at, data, ...envelope } = r;
    const f = decodeFact({ ...envelope, data: JSON.parse(data) as unknown });
    // the log decoded it on append: a change that no longer decodes is left out, like any unknown fact
    if (E.isLeft(f)) return [];
    const change = f.right as CatalogChange;
    return effectiveBy !== undefined && change.data.effectiveOn > effectiveBy ? [] : [{ position: at, fact: change }];
  });
  return amendCatalog(base, changes);
};

/** What the stored figures depend on besides the log: a change of any of it recomputes them (a rebuild). */
const catalogHash = (
  catalog: readonly CatalogEntry[],
  years: readonly [number, number],
  scoped: boolean | "counted entities",
  smallCellThreshold: number,
): string =>
  createHash("sha256")
    .update(
      canonicalize({
        years,
        smallCellThreshold,
        catalog: catalog.map((e) => [e.code, definitionHash(e.definition), e.baseline ?? null]),
        forecasts: FORECAST_MODEL,
        schema: WAREHOUSE_SCHEMA_VERSION,
        ...(scoped ? { scoped } : {}),
      }) ?? "",
    )
    .digest("hex");

const ENTITY_KIND_NAMES = new Set<string>(ENTITY_KINDS);
const isEntityFact = (type: string): boolean => isFactType(type) && ENTITY_KIND_NAMES.has(definitionOf(type).subject);
const sqlList = (xs: Iterable<string>) => [...xs].map((x) => `'${x.replaceAll("'", "''")}'`).join(", ");
/**
 * `expr` is one of `xs`, as a condition DuckDB evaluates inside the scan of a table: `expr IN (constants)` is
 * only an optional filter there, checked after every column of every row was read (0.8–1.4 s against 0.3 s
 * for the reports among 10 M events).
 */
const oneOf = (expr: string, xs: Iterable<string>) => `list_contains([${sqlList(xs)}], ${expr})`;

/**
 * What `stageOnlyCatalogFacts` stages for a catalog: the facts of the types its definitions read that are about
 * no entity (reports), retractions and catalog changes; every fact of the entity kinds some definition may count
 * whatever their facts (`wholeKinds`); and, of the other kinds it counts, every fact of the entities that hold a
 * fact of one of `entityTypes` (`entityFactsRequired`: only those can count, e.g. the holders of a signature for
 * the share of adults with one), listed by the replay in the TEMP table `stage_subjects`.
 */
export interface CatalogStaging {
  readonly types: ReadonlySet<string>;
  readonly wholeKinds: ReadonlySet<string>;
  readonly entityTypes: ReadonlySet<string>;
  /**
   * The `data` fields of the fact types it stages: `types`, and every type about a kind it stages (whole, or the
   * entities holding its `entityTypes`). The log's other typed columns are staged NULL, unread: each column read
   * costs a pass over all of the log's events (30–380 ms at 10 M events, read cold), whatever share it keeps.
   */
  readonly fields: ReadonlySet<string>;
}

export const catalogStaging = (catalog: readonly CatalogEntry[], countedOnly: boolean): CatalogStaging => {
  const types = new Set<string>(CATALOG_CHANGE_TYPES); // factsOf names FactRetracted too
  const required = new Map<string, Set<string> | undefined>();
  for (const { definition: d } of catalog) {
    for (const t of factsOf(d)) if (!isEntityFact(t)) types.add(t);
    if (!("entity" in d)) continue;
    const need = countedOnly ? entityFactsRequired(d) : undefined;
    const known = required.get(d.entity);
    if (need === undefined || (required.has(d.entity) && known === undefined)) required.set(d.entity, undefined);
    else required.set(d.entity, new Set([...(known ?? []), ...need]));
  }
  const wholeKinds = new Set([...required].filter(([, need]) => need === undefined).map(([k]) => k));
  const entityTypes = new Set([...required.values()].flatMap((need) => [...(need ?? [])]));
  const kinds = new Set([
    ...wholeKinds,
    ...[...entityTypes].flatMap((t) => (isFactType(t) ? [definitionOf(t).subject] : [])),
  ]);
  const fields = new Set(
    FACT_DEFINITIONS.filter((d) => types.has(d.type) || kinds.has(d.subject)).flatMap((d) => [
      ...Object.keys(d.required),
      ...Object.keys(d.optional ?? {}),
    ]),
  );
  return { types, wholeKinds, entityTypes, fields };
};

/**
 * Whether a replay staging `s` holds only some entities of the kind `d` counts: then a cell where none of them is
 * has a NULL numerator where the full fold may have 0 (`stageOnlyCountedEntities`).
 */
export const stagedInPart = (s: CatalogStaging, d: CatalogEntry["definition"]): boolean =>
  "entity" in d && s.entityTypes.size > 0 && !s.wholeKinds.has(d.entity);

/** Of a person's keyed families (`PersonFamily`), those some entity definition of `catalog` reads. */
export const personFamiliesRead = (catalog: readonly CatalogEntry[]): PersonFamily[] => {
  const read = new Set(
    catalog.flatMap(({ definition: d }) => ("entity" in d && d.entity === "person" ? entityAttributesRead(d) : [])),
  );
  return PERSON_FAMILIES.filter((f) => read.has(f === "account" ? "hasPaymentAccount" : "hasDigitalSignature"));
};

/**
 * The SQL condition on an event (alias `e`) that `stageOnlyCatalogFacts` stages; `listed`: the condition that
 * the event's subject is listed in `stage_subjects` (`Warehouse.listStageSubjects`); `lastDay`: the last year's
 * 31 December (`lastYearEnd`), after which an entity's facts are not staged. Every entity state is a year-end's,
 * of the facts dated on or before it (`entitySql.ts`), and a member's later facts do not contribute
 * (`contribution.ts`): they change no figure of those years. Reports, retractions and catalog changes are staged
 * whatever their date (a report of a year is often dated after it).
 */
const catalogFactsFilter = (s: CatalogStaging, listed: string, lastDay: string): string => {
  const parts = [oneOf("e.type", s.types)];
  const entities: string[] = [];
  if (s.wholeKinds.size > 0) entities.push(oneOf("split_part(e.subject, ':', 1)", s.wholeKinds));
  if (s.entityTypes.size > 0) entities.push(listed);
  if (entities.length > 0) parts.push(`(e.occurred_on <= ${lastDay} AND (${entities.join(" OR ")}))`);
  return `(${parts.join(" OR ")})`;
};

/**
 * Figures as known at a log position, recomputed from the facts that were known then (retractions recorded
 * later do not apply), or at the end of a recording day (UTC), read from the revisions (`figuresOnDay`: the same
 * figures, at less cost). Positions beyond the checkpoint are refused: catch up first.
 */
const figuresAsOfOn = async (
  c: DuckDBConnection,
  catalog: readonly CatalogEntry[],
  smallCellThreshold: number,
  at: { readonly position?: number; readonly date?: string },
  codes?: readonly string[],
): Promise<AsOfFigure[]> => {
  const checkpoint = Number(
    (await rows<{ value: string }>(c, sqlOf("SELECT value FROM projection_meta WHERE key = 'checkpoint'")))[0]?.value ??
      0,
  );
  let position = at.position;
  if (at.date !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(at.date)) throw new RangeError(`asOf date must be YYYY-MM-DD, got ${at.date}`);
    const r = await rows<{ p: number | null }>(
      c,
      sqlOf(
        "SELECT CAST(max(position) AS DOUBLE) AS p FROM facts WHERE CAST(recorded_at AS DATE) <= CAST($d AS DATE)",
        {
          d: at.date,
        },
      ),
    );
    position = Math.min(position ?? Number.MAX_SAFE_INTEGER, r[0]?.p ?? 0);
  }
  if (position === undefined) position = checkpoint;
  if (position > checkpoint) {
    throw new RangeError(
      `the warehouse has folded the log up to position ${checkpoint}; position ${position} is not folded yet`,
    );
  }
  // the catalog as in force then: the targets and definitions the figures were judged and computed with (as of a
  // day, only the changes in effect by that day)
  const inForce = (await catalogAtOn(c, catalog, position, at.date)).catalog;
  const wanted = inForce.filter((e) => codes === undefined || codes.includes(e.code));
  let entries = wanted;
  let fromRevisions: AsOfFigure[] = [];
  if (at.date !== undefined && at.position === undefined) {
    // as of a day, the revisions: they hold the figures computed with the definitions recorded by then, so an
    // indicator whose definition in effect that day differs (amended in advance of its effectiveOn) is recomputed
    const recorded = new Map(
      (await catalogAtOn(c, catalog, position)).catalog.map((e) => [e.code, definitionHash(e.definition)]),
    );
    const same = wanted.filter((e) => recorded.get(e.code) === definitionHash(e.definition));
    fromRevisions = await figuresOnDay(c, same, smallCellThreshold, at.date, position);
    entries = wanted.filter((e) => !same.includes(e));
    if (entries.length === 0) return fromRevisions;
  }
  const kinds = new Set(entries.flatMap((e) => ("entity" in e.definition ? [e.definition.entity] : [])));
  await c.run(
    "CREATE OR REPLACE TEMP TABLE asof_cells (indicator VARCHAR, commune VARCHAR, year INTEGER, num BIGINT, den BIGINT, ent BIGINT)",
  );
  for (const kind of kinds) {
    const v = new Params("v");
    const state = entityStateSql(kind).replace(
      /^WITH /,
      `WITH f AS (SELECT * FROM facts WHERE kind = '${kind}' AND ${visibleSql(v, position)}), `,
    );
    await run(c, sqlOf(`CREATE OR REPLACE TEMP TABLE asof_ent AS ${state}`, v));
    const p = new Params();
    const contributions = contributionsSql(entries, kind, "asof_ent", p);
    if (contributions !== undefined) {
      await run(c, sqlOf(`INSERT INTO asof_cells SELECT * FROM (${contributions})`, p));
    }
  }
  const rp = new Params();
  await run(c, sqlOf(`CREATE OR REPLACE TEMP TABLE asof_reports AS ${standingReportsSql(rp, position)}`, rp));
  const vp = new Params();
  const vintage = (
    await rows<{ v: string | null }>(
      c,
      sqlOf(
        `SELECT strftime(max(CAST(recorded_at AS DATE)), '%Y-%m-%d') AS v FROM facts WHERE position <= ${vp.bind(position)}`,
        vp,
      ),
    )
  )[0]?.v;
  const out: AsOfFigure[] = [];
  for (const e of entries) {
    const p = new Params();
    const v = vintage === null || vintage === undefined ? "NULL" : `CAST(${p.bind(vintage)} AS DATE)`;
    // a year after the vintage's had not begun (the same rule as computeValues)
    const begun = vintage === null || vintage === undefined ? "0" : p.bind(Number(vintage.slice(0, 4)));
    const r = await rows<Omit<AsOfFigure, "position" | "definitionHash">>(
      c,
      sqlOf(
        `SELECT indicator, geo, year, breakdown, CAST(${NUMERATOR_SQL} AS DOUBLE) AS numerator,
                CAST(${DENOMINATOR_SQL} AS DOUBLE) AS denominator, ${p.bind(partsOf(e.definition))} AS parts, value,
                withheld, coalesce(${provisionalSql(v)}, true) AS provisional, estimated,
                break_in_series AS "breakInSeries", implausible, implausible_reason AS "implausibleReason"
         FROM (${withheldSql(
           flagsSql(
             [e],
             `SELECT indicator, geo, year, breakdown, ${splitPartsSql(partsOf(e.definition), "numerator", "denominator")},
                  ${valueSql(e.definition)} AS value
              FROM (SELECT indicator, geo, year, breakdown,
                      CASE WHEN year > ${begun} THEN NULL ELSE numerator END AS numerator,
                      CASE WHEN year > ${begun} THEN NULL ELSE denominator END AS denominator
                    FROM (${figureRowsSql(e, p, { cells: "asof_cells", reports: "asof_reports" })})
                      AS r(indicator, geo, year, breakdown, numerator, denominator)
                    WHERE geo = 'province' OR year <= ${begun})`,
             p,
           ),
           smallCellSql(String(smallCellThreshold)),
         )}) ORDER BY geo, year, breakdown`,
        p,
      ),
    );
    const hash = definitionHash(e.definition);
    for (const x of r) out.push({ ...x, position, definitionHash: hash });
  }
  return [...out, ...fromRevisions];
};

/**
 * Figures as of the end of a recording day, read from `indicator_revisions`: each figure's value in the last
 * vintage on or before that day, which is what recomputing at the day's last position gives, because the fold
 * steps at every change of recording day and records each step's figures as a vintage (a test checks both agree).
 * Flags by the warehouse's one rule as they stood that day; withheld cells by the small-cell rule.
 */
const figuresOnDay = async (
  c: DuckDBConnection,
  entries: readonly CatalogEntry[],
  smallCellThreshold: number,
  date: string,
  position: number,
): Promise<AsOfFigure[]> => {
  const out: AsOfFigure[] = [];
  for (const e of entries) {
    const p = new Params();
    const day = `CAST(${p.bind(date)} AS DATE)`;
    // a commune figure whose last revision has neither numerator nor denominator had stopped existing then
    const standing = `SELECT * FROM (
         SELECT indicator, geo, year, breakdown,
                ${PART_COLUMNS.map((x) => `arg_max_null(${x}, vintage) AS ${x}`).join(", ")},
                arg_max_null(value, vintage) AS value
         FROM indicator_revisions
         WHERE indicator = ${p.bind(e.code)} AND vintage <= ${day}
         GROUP BY ALL)
       WHERE geo = 'province' OR ${PART_COLUMNS.map((x) => `${x} IS NOT NULL`).join(" OR ")}`;
    const r = await rows<Omit<AsOfFigure, "position" | "definitionHash">>(
      c,
      sqlOf(
        `SELECT indicator, geo, year, breakdown, CAST(${NUMERATOR_SQL} AS DOUBLE) AS numerator,
                CAST(${DENOMINATOR_SQL} AS DOUBLE) AS denominator, ${p.bind(partsOf(e.definition))} AS parts,
                value, withheld,
                ${provisionalSql(day)} AS provisional, estimated, break_in_series AS "breakInSeries",
                implausible, implausible_reason AS "implausibleReason"
         FROM (${withheldSql(flagsSql([e], standing, p), smallCellSql(String(smallCellThreshold)))})
         ORDER BY geo, year, breakdown`,
        p,
      ),
    );
    const hash = definitionHash(e.definition);
    for (const x of r) out.push({ ...x, position, definitionHash: hash });
  }
  return out;
};

/** A read-only connection of its own on the warehouse (see `Warehouse.openReader`). */
export class WarehouseReader {
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly catalog: readonly CatalogEntry[],
    private readonly smallCellThreshold: number,
  ) {}

  /** `Warehouse.catalogAt`, on this connection. */
  async catalogAt(position?: number, effectiveBy?: string): Promise<AmendedCatalog> {
    return catalogAtOn(this.conn, this.catalog, position, effectiveBy);
  }

  /** `Warehouse.figuresAsOf`, in one transaction of this connection: one committed state throughout. */
  async figuresAsOf(
    at: { readonly position?: number; readonly date?: string },
    codes?: readonly string[],
  ): Promise<AsOfFigure[]> {
    await this.conn.run("BEGIN TRANSACTION");
    try {
      return await figuresAsOfOn(this.conn, this.catalog, this.smallCellThreshold, at, codes);
    } finally {
      await this.conn.run("ROLLBACK");
    }
  }

  /** Judges figures of one indicator against `entry` (in force at their position) by the warehouse's rules. */
  judge(entry: CatalogEntry, figures: readonly Judged[]): Promise<Judgement[]> {
    return judgeFigures(this.conn, entry, figures);
  }

  async query<T = Record<string, unknown>>(
    text: string,
    params: Readonly<Record<string, DuckDBValue>> = {},
  ): Promise<T[]> {
    return rows<T>(this.conn, sqlOf(text, params));
  }

  close(): void {
    this.conn.closeSync();
  }
}
/** Whether a process with this id runs (EPERM: it does, under another user). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Removes the temporary files (`FILE.tmp-PID`, `FILE.tmp-PID.wal`) that snapshots of `file` killed midway left
 * behind: those of a process that no longer runs, or last written before `since` (the warehouse was opened, so
 * no other process can be copying it: DuckDB locks the file; an older one belongs to a reused process id).
 * Returns the files removed.
 */
export const removeStaleSnapshotFiles = (file: string, since: number): string[] => {
  const dir = dirname(file);
  const prefix = `${basename(file)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)(\.wal)?$/.exec(name.slice(prefix.length)) : null;
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue; // this process's own snapshot, which removes it itself
    const path = join(dir, name);
    let mtime: number;
    try {
      mtime = statSync(path).mtimeMs;
    } catch {
      continue;
    }
    if (isAlive(pid) && mtime >= since) continue;
    rmSync(path, { force: true });
    removed.push(path);
  }
  return removed;
};

export class Warehouse {
  /** The catalog in force at a checkpoint, kept from the last step so that a step needs no query for it. */
  private inForce: { readonly position: number; readonly amended: AmendedCatalog } | undefined;
  /** When this warehouse was opened (ms since the epoch): snapshot files older than that are stale. */
  private readonly openedAt = Date.now();
  /**
   * The person families the entity states compute: both, but in a replay of counted entities those its
   * definitions read (`personFamiliesRead`; set at each of its rebuilds), as the other attributes are not read.
   */
  private personFamilies: readonly PersonFamily[] = PERSON_FAMILIES;
  /** Kept by the methods that change the quarantine, so that reading it needs no query. */
  private counts: QuarantineCounts = { held: 0, cleared: 0 };
  /** Whether the events table has the typed columns (a format-1 embedded log read in SQL has not). */
  private typedLog = true;
  /** Whether the events table has `reported_on` (an embedded log no version knowing reportedOn wrote to has not). */
  private reportedOnColumn = true;
  private subjectKeyColumn = true;
  private stagingPlan: CatalogStaging | undefined;
  /** The condition that an event's subject is one a replay stages (`listStageSubjects`). */
  private stageListed = "false";

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    /** The event-log port: what the warehouse's owners append through (the API, publish). */
    readonly log: EventLog,
    /** What the fold reads the events from. */
    private readonly source: EventSource,
    /**
     * The table the log's events are read from in SQL on this warehouse's connection: the embedded log's own
     * (its SQL fast path), or the warehouse's copy `source_events` (`sourceEvents.ts`) for any other source.
     */
    readonly eventsTable: string,
    private readonly options: WarehouseOptions,
  ) {}

  /**
   * Whether `facts.subject_key` is the log's dictionary key of each fact's subject (INTEGER, from 1): a key then
   * names one subject (the log's own check, `verifyChain`), so a subject's facts are found by the key alone. A
   * format-1 log and the port's copy key by a hash of the subject instead.
   */
  get dictionaryKeys(): boolean {
    return this.subjectKeyColumn;
  }

  /** Appends the first `n` of `values` to `table`, a one-column INTEGER TEMP table of the caller's. */
  async appendIntegers(table: string, values: ArrayLike<number>, n: number): Promise<void> {
    const a = await this.conn.createAppender(table, "main", "temp");
    try {
      for (let i = 0; i < n; i++) {
        a.appendInteger(values[i] as number);
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  /** Whether the fold reads a copy of the log made through the port (no SQL fast path on this instance). */
  private get mirrored(): boolean {
    return this.eventsTable === SOURCE_EVENTS;
  }

  /**
   * Opens the warehouse at `path` over an event log: a path names the embedded log, attached to the warehouse's
   * DuckDB instance and read in SQL (unless `readPath` is `generic`); an `EventLog` (KurrentDB, or any adapter
   * opened elsewhere) is read through the port. The warehouse owns the log: `close` closes it.
   */
  static async open(path: string, logOrPath: string | EventLog, options: WarehouseOptions): Promise<Warehouse> {
    if (options.atomicSteps === false && path !== ":memory:") {
      throw new Error(`atomicSteps: false is only for a warehouse in memory, not ${path}: a failed step would stay`);
    }
    const instance = await DuckDBInstance.create(path);
    const log =
      typeof logOrPath !== "string"
        ? logOrPath
        : await DuckDbEventLog.open(logOrPath, {
            attach: { instance, alias: "log" },
            ...(options.logReadOnly ? { readOnly: true } : {}),
            ...(options.logIndexesInBackground ? { indexesInBackground: true } : {}),
            ...(options.now ? { now: options.now } : {}),
          });
    const source = eventSourceOf(log, { generic: options.readPath === "generic" });
    // the fast path serves only SQL run on the instance the log is attached to
    const fast = source.sqlFastPath?.instance === instance ? source.sqlFastPath : undefined;
    const conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    // Checkpoint when the write-ahead log reaches 1 GB rather than 16 MB: otherwise most catch-up commits
    // would also rewrite the database file.
    await conn.run("SET checkpoint_threshold = '1GB'");
    // Bound DuckDB's memory (it spills to disk beyond it) so a province-scale fold leaves room for the rest
    // of the process: half the machine unless KPI_DUCKDB_MEMORY (e.g. "8GB") says otherwise.
    const limit = process.env.KPI_DUCKDB_MEMORY ?? `${Math.max(1, Math.floor(totalmem() / 2 ** 31))}GB`;
    if (!/^\d+(\.\d+)?\s*(MB|GB|TB)$/i.test(limit))
      throw new Error(`KPI_DUCKDB_MEMORY must look like 8GB, got ${limit}`);
    await conn.run(`SET memory_limit = '${limit}'`);
    const w = new Warehouse(path, instance, conn, log, source, fast?.table ?? SOURCE_EVENTS, options);
    w.typedLog = fast?.typed ?? true;
    w.reportedOnColumn = fast?.reportedOn ?? true;
    // the log's subject keys: a format-2 log stores them; a format-1 log and the port's copy key by a hash
    w.subjectKeyColumn = fast?.typed ?? false;
    await w.setUp();
    return w;
  }

  /**
   * Makes the tables and views, and loads the reference data, the catalog and the column comments, unless the
   * warehouse notes it was set up with exactly these (`SET_UP`: a hash of them all), as it is on every open after
   * the first: a restart then writes nothing before it serves. Everything is written in one transaction.
   */
  private async setUp(): Promise<void> {
    const c = this.conn;
    const migrated = await this.dropOutdatedTables();
    const setUpWith = this.setUpHash();
    if (migrated || (await this.setUpNote()) !== setUpWith) {
      await inTransaction(c, "setting up the warehouse's tables, reference data and catalog", async () => {
        await this.createTables();
        await this.loadReference();
        await this.loadCatalog(await catalogAtOn(c, this.options.catalog));
        await commentColumns(c);
        await this.setMeta({ [SET_UP]: setUpWith });
      });
    }
    await this.countQuarantine();
    await this.createYears(c);
  }

  /** Creates the tables and views that are missing (all of them in a new warehouse), with their comments. */
  private async createTables(): Promise<void> {
    const c = this.conn;
    await c.run(WAREHOUSE_DDL);
    if (this.mirrored) await c.run(SOURCE_EVENTS_DDL);
    // ... and before facts said when they were reported: the column is added (the schema version rebuilds it)
    await c.run("ALTER TABLE facts ADD COLUMN IF NOT EXISTS reported_on DATE");
    await c.run(DROP_SUBJECT_INDEX);
    if (this.mirrored) await c.run(`ALTER TABLE ${SOURCE_EVENTS} ADD COLUMN IF NOT EXISTS reported_on DATE`);
    for (const kind of ENTITY_KINDS) await c.run(entityTableDdl(kind, ENTITY_COLUMNS[kind]));
    await c.run(
      `CREATE TABLE IF NOT EXISTS reports AS SELECT * FROM (${standingReportsSql(new Params())}) WHERE false`,
    );
    await c.run(
      "COMMENT ON TABLE reports IS 'RESTRICTED. The standing statistics reports: for each key, the report with the greatest log position that is not retracted.'",
    );
    await c.run(WAREHOUSE_VIEWS);
  }

  /** What `setUp` writes depends on: the schema, the reference data, the shipped catalog, labels and comments. */
  private setUpHash(): string {
    return createHash("sha256")
      .update(
        JSON.stringify([
          WAREHOUSE_DDL,
          this.mirrored ? SOURCE_EVENTS_DDL : "",
          ENTITY_KINDS.map((kind) => entityTableDdl(kind, ENTITY_COLUMNS[kind])),
          standingReportsSql(new Params()),
          WAREHOUSE_VIEWS,
          DROP_SUBJECT_INDEX,
          this.options.reference,
          this.options.catalog,
          BREAKDOWN_LABELS,
          COLUMN_COMMENTS,
        ]),
      )
      .digest("hex");
  }

  /** The hash `setUp` noted when it last wrote (undefined: never, or the warehouse is new). */
  private async setUpNote(): Promise<string | undefined> {
    const meta = await rows(
      this.conn,
      sqlOf(`SELECT 1 FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
             AND table_name = 'projection_meta'`),
    );
    return meta.length === 0 ? undefined : this.meta(SET_UP);
  }

  /**
   * Drops figure tables of an outdated shape (DuckDB keeps the old shape under CREATE TABLE IF NOT EXISTS; the
   * schema version in the catalog hash then makes a rebuild). True when it dropped any.
   */
  private async dropOutdatedTables(): Promise<boolean> {
    let dropped = false;
    // before people's and households' states were stored as spans: their year tables became views
    const yearTables = await rows<{ t: string }>(
      this.conn,
      sqlOf(
        `SELECT table_name AS t FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
           AND table_name IN (${SPAN_KINDS.map((k) => `'ent_${k}_year'`).join(", ")})`,
      ),
    );
    if (yearTables.length > 0) {
      await this.conn.run(
        [
          ...yearTables.map((r) => `DROP TABLE ${ident(r.t)};`),
          "UPDATE projection_meta SET value = 'outdated' WHERE key = 'catalog_hash';",
        ].join("\n"),
      );
      dropped = true;
    }
    for (const { table, column, drop } of OUTDATED_SHAPES) {
      const old = await rows<{ n: number }>(
        this.conn,
        sqlOf(
          `SELECT CAST(count(*) AS DOUBLE) AS n FROM duckdb_tables() WHERE table_name = $table
             AND database_name = current_database() AND NOT EXISTS (SELECT 1 FROM duckdb_columns()
               WHERE table_name = $table AND column_name = $column AND database_name = current_database())`,
          { table, column },
        ),
      );
      if ((old[0]?.n ?? 0) > 0) {
        await this.conn.run(
          [
            ...FIGURE_VIEWS.map((v) => `DROP VIEW IF EXISTS ${v};`),
            ...drop.map((t) => `DROP TABLE IF EXISTS ${t};`),
            // what was folded is gone with them: the next catch-up rebuilds, whatever the schema version says
            "UPDATE projection_meta SET value = 'outdated' WHERE key = 'catalog_hash';",
          ].join("\n"),
        );
        dropped = true;
      }
    }
    return dropped;
  }

  private async loadReference(): Promise<void> {
    const c = this.conn;
    const { communes, crosswalk, resolution } = this.options.reference;
    await c.run("DELETE FROM communes; DELETE FROM crosswalk; DELETE FROM commune_resolution;");
    const ac = await c.createAppender("communes");
    for (const x of communes) {
      ac.appendVarchar(x.code);
      ac.appendVarchar(x.name);
      ac.appendVarchar(x.type);
      ac.appendVarchar(x.typeEn);
      ac.appendVarchar(x.oldProvince);
      x.areaKm2 === null ? ac.appendNull() : ac.appendDouble(x.areaKm2);
      x.population === null ? ac.appendNull() : ac.appendBigInt(BigInt(x.population));
      x.populationFlag === null ? ac.appendNull() : ac.appendVarchar(x.populationFlag);
      ac.appendVarchar(x.resolution);
      x.resolutionClause === null ? ac.appendNull() : ac.appendInteger(x.resolutionClause);
      x.nOldUnits === null ? ac.appendNull() : ac.appendInteger(x.nOldUnits);
      ac.endRow();
    }
    ac.flushSync();
    ac.closeSync();
    const ax = await c.createAppender("crosswalk");
    for (const x of crosswalk) {
      ax.appendInteger(x.line);
      ax.appendVarchar(x.oldCode);
      ax.appendVarchar(x.oldName);
      ax.appendVarchar(x.oldProvinceCode);
      ax.appendVarchar(x.oldDistrict);
      ax.appendVarchar(x.newCode);
      ax.appendVarchar(x.newName);
      ax.appendVarchar(x.mergeType);
      x.resolutionClause === null ? ax.appendNull() : ax.appendInteger(x.resolutionClause);
      ax.endRow();
    }
    ax.flushSync();
    ax.closeSync();
    const ar = await c.createAppender("commune_resolution");
    for (const x of resolution) {
      ar.appendVarchar(x.code);
      ar.appendVarchar(x.era);
      ar.appendVarchar(x.commune);
      ar.appendBoolean(x.partial);
      ar.endRow();
    }
    ar.flushSync();
    ar.closeSync();
  }

  /** Writes `indicators`, `indicator_targets` and `catalog_changes` for the catalog in force. */
  private async loadCatalog(amended: AmendedCatalog): Promise<void> {
    const c = this.conn;
    await c.run(
      "DELETE FROM indicators; DELETE FROM indicator_targets; DELETE FROM breakdown_labels; DELETE FROM catalog_changes;",
    );
    for (const [code, label] of Object.entries(BREAKDOWN_LABELS)) {
      await run(
        c,
        sqlOf("INSERT INTO breakdown_labels VALUES ($code, $vi, $en)", { code, vi: label.vi, en: label.en }),
      );
    }
    for (const e of amended.catalog) {
      const p = new Params();
      const amendedAt = amended.amendedAt.get(e.code);
      await run(
        c,
        sqlOf(
          `INSERT INTO indicators VALUES (${[
            e.code,
            e.nameVi,
            e.nameEn,
            e.area,
            e.measure,
            e.unit,
            e.direction,
            e.populationVi,
            e.populationEn,
            JSON.stringify(e.definition),
            definitionHash(e.definition),
          ]
            .map((v) => p.bind(v))
            .join(", ")}, ${p.bind(JSON.stringify(factsOf(e.definition)))}::JSON::VARCHAR[],
            ${p.bind(partsOf(e.definition))},
            ${e.baseline === undefined ? "NULL, NULL" : `${p.bind(e.baseline.year)}, ${p.bind(e.baseline.value)}`},
            ${amendedAt === undefined ? "NULL" : p.bind(amendedAt)})`,
          p,
        ),
      );
      for (const t of e.targets) {
        const q = new Params();
        const revised = amended.revisedTargets.get(`${e.code}|${t.year}`);
        const provenance =
          revised?.fact.type === "TargetRevised"
            ? `${q.bind(revised.position)}, CAST(${q.bind(revised.fact.data.effectiveOn)} AS DATE), ${q.bind(revised.fact.data.changedBy)}`
            : "NULL, NULL, NULL";
        await run(
          c,
          sqlOf(
            `INSERT INTO indicator_targets VALUES (${[
              e.code,
              t.year,
              t.op,
              t.value,
              t.source.document,
              t.source.section,
            ]
              .map((v) => q.bind(v))
              .join(", ")}, ${t.note === undefined ? "NULL" : q.bind(t.note)}, ${provenance})`,
            q,
          ),
        );
      }
    }
    await this.writeCatalogChanges(amended);
  }

  private async writeCatalogChanges(amended: AmendedCatalog): Promise<void> {
    for (const { change, problem } of amended.changes) {
      const { indicator, effectiveOn, changedBy, plan, section, ...rest } = change.fact.data;
      const p = new Params();
      await run(
        this.conn,
        sqlOf(
          `INSERT INTO catalog_changes SELECT position, recorded_at, id, type, ${p.bind(indicator)},
             CAST(${p.bind(effectiveOn)} AS DATE), ${p.bind(changedBy)}, ${p.bind(plan)}, ${p.bind(section)},
             ${p.bind(JSON.stringify(rest))}::JSON, ${p.bind(problem === null)}, ${problem === null ? "NULL" : p.bind(problem)}
           FROM facts WHERE position = ${p.bind(change.position)}`,
          p,
        ),
      );
    }
  }

  private async meta(key: string): Promise<string | undefined> {
    const r = await rows<{ value: string }>(
      this.conn,
      sqlOf("SELECT value FROM projection_meta WHERE key = $key", { key }),
    );
    return r[0]?.value;
  }

  /** Sets keys of `projection_meta`, in one statement. */
  private async setMeta(values: Readonly<Record<string, string>>): Promise<void> {
    const p = new Params();
    const tuples = Object.entries(values).map(([k, v]) => `(${p.bind(k)}, ${p.bind(v)})`);
    await run(
      this.conn,
      sqlOf(
        `INSERT INTO projection_meta VALUES ${tuples.join(", ")} ON CONFLICT DO UPDATE SET value = excluded.value`,
        p,
      ),
    );
  }

  async checkpoint(): Promise<number> {
    return Number((await this.meta("checkpoint")) ?? 0);
  }

  /** The log's subject dictionary, beside its events table (only where the log has subject keys). */
  private get subjectsTable(): string {
    return this.eventsTable.replace(/events$/, "subjects");
  }

  /** The log dictionary's last key and its subject: `kpi migrate` re-keying the log changes it. */
  private async dictionaryMark(): Promise<string> {
    const subjects = this.subjectsTable;
    const r = await rows<{ k: number | null; s: string | null }>(
      this.conn,
      sqlOf(
        `SELECT CAST(subject_key AS DOUBLE) AS k, subject AS s FROM ${subjects}
         WHERE subject_key = (SELECT max(subject_key) FROM ${subjects})`,
      ),
    );
    return `${r[0]?.k ?? 0} ${r[0]?.s ?? ""}`;
  }

  /** Whether the log's dictionary still gives the key noted at the last step to the same subject. */
  private async sameDictionary(): Promise<boolean> {
    const noted = await this.meta(LOG_DICTIONARY);
    if (noted === undefined) return true;
    const at = noted.indexOf(" ");
    const p = new Params();
    const r = await rows<{ s: string }>(
      this.conn,
      sqlOf(
        `SELECT subject AS s FROM ${this.subjectsTable}
         WHERE subject_key = ${p.bind(Number(noted.slice(0, at)))}`,
        p,
      ),
    );
    return Number(noted.slice(0, at)) === 0 || (r.length === 1 && r[0]?.s === noted.slice(at + 1));
  }

  /**
   * Whether a staged fact keeps a key the log's dictionary no longer gives its subject: a warehouse folded before
   * `kpi migrate` re-keyed its log and caught up since by a build that noted the dictionary from then on (so
   * `sameDictionary` holds). The incremental fold would miss that subject's facts under the old key, and its
   * states are split between the keys. Checked once (a scan of `facts` against the dictionary), then noted.
   */
  private async staleKeys(): Promise<boolean> {
    if ((await this.meta(KEYS_CHECKED)) !== undefined) return false;
    // a staged fact whose key is not the one key the dictionary gives its subject (subjects with a second key in
    // a log not re-keyed yet are left to verifyChain, which names them)
    const r = await rows<{ n: number }>(
      this.conn,
      sqlOf(
        `SELECT CAST(count(*) AS DOUBLE) AS n FROM (
           SELECT 1 FROM facts f
           JOIN (SELECT subject, min(subject_key) AS k FROM ${this.subjectsTable} GROUP BY subject HAVING count(*) = 1) s
             ON s.subject = f.subject
           WHERE f.subject_key <> s.k LIMIT 1)`,
      ),
    );
    const stale = (r[0]?.n ?? 0) > 0;
    if (!stale) await this.setMeta({ [KEYS_CHECKED]: "1" });
    return stale;
  }

  /** What `stageOnlyCatalogFacts` stages for this catalog. */
  private staging(): CatalogStaging {
    this.stagingPlan ??= catalogStaging(this.options.catalog, this.options.stageOnlyCountedEntities === true);
    return this.stagingPlan;
  }

  /** The last year's 31 December, as SQL: no entity state of a later day is computed (`years`). */
  private lastYearEnd(): string {
    const last = this.options.years[1];
    if (!Number.isSafeInteger(last)) throw new RangeError(`the last year must be a whole number, got ${last}`);
    return `make_date(${last}, 12, 31)`;
  }

  /** The column that keys an event's subject in the table the fold reads (the subject itself without one). */
  private stageKey(): string {
    return this.subjectKeyColumn ? "subject_key" : "subject";
  }

  /**
   * Lists in `stage_subjects` the entities a replay stages (those with a fact of `staging().entityTypes` up to
   * `head`), and sets `stageListed`, the condition an event of one of them meets.
   */
  private async listStageSubjects(head: number): Promise<void> {
    const key = this.stageKey();
    const p = new Params();
    // a fact dated after the last year-end makes no holder in those years (`catalogFactsFilter`)
    const holds = `${oneOf("type", this.staging().entityTypes)} AND occurred_on <= ${this.lastYearEnd()}`;
    const listing =
      key === "subject" // a log without integer keys
        ? `SELECT DISTINCT subject FROM ${this.eventsTable} WHERE ${holds} AND position <= ${p.bind(head)}`
        : this.options.singleSubjectKeys === true // every subject has one key: its events' key
          ? `SELECT DISTINCT subject_key FROM ${this.eventsTable} WHERE ${holds} AND position <= ${p.bind(head)}`
          : // through the log's dictionary: every key it gives those subjects (a log an earlier version wrote may
            // give one a second key, kpi migrate re-keys it), so none of their facts is left out
            `SELECT subject_key FROM ${this.subjectsTable} WHERE subject IN (
               SELECT subject FROM ${this.eventsTable} WHERE ${holds} AND position <= ${p.bind(head)})`;
    await run(this.conn, sqlOf(`CREATE OR REPLACE TEMP TABLE stage_subjects AS ${listing}`, p));
    this.stageListed = `e.${key} IN (SELECT ${key} FROM stage_subjects)`;
  }

  /** Empties every derived table and folds the whole log again (up to `to`; default its head). */
  async rebuild(to?: number): Promise<CatchUpReport> {
    const c = this.conn;
    const trace = tracer("rebuild: ");
    // The derived tables are dropped and made anew, not emptied row by row: deleting every row marks each one
    // deleted, and the file kept the old rows' blocks beside the new ones until a later checkpoint (it grew
    // by the warehouse's size at each rebuild). The checkpoint frees the dropped tables' blocks for the fold.
    await inTransaction(c, "emptying the warehouse's derived tables for a rebuild", async () => {
      await c.run(
        [...DERIVED_TABLES, ...ENTITY_KINDS.map((k) => entityTable(k)), ...(this.mirrored ? [SOURCE_EVENTS] : [])]
          .map((t) => `DROP TABLE IF EXISTS ${t};`)
          .join("\n"),
      );
      await c.run("DELETE FROM projection_meta");
      await this.createTables();
      await commentColumns(c);
    });
    trace.lap("dropped and made the derived tables anew");
    await c.run("CHECKPOINT");
    trace.lap("checkpoint");
    const r = await this.catchUp(to);
    trace.lap("fold");
    await c.run("CHECKPOINT");
    trace.lap("checkpoint");
    return { ...r, rebuilt: true, indicators: undefined };
  }

  /** Folds the events after the checkpoint up to `to` (default: the log's head), one vintage per step. */
  /**
   * Whether the warehouse holds figures folded for this catalog, year range and threshold, so that `catchUp`
   * would fold only the events after its checkpoint (false: never folded, or it would rebuild everything).
   */
  async foldedForCatalog(): Promise<boolean> {
    return (await this.meta("catalog_hash")) === this.hash();
  }

  private hash(): string {
    return catalogHash(
      this.options.catalog,
      this.options.years,
      this.options.stageOnlyCatalogFacts === true
        ? this.options.stageOnlyCountedEntities === true
          ? "counted entities"
          : true
        : false,
      this.options.smallCellThreshold ?? 10,
    );
  }

  async catchUp(to?: number): Promise<CatchUpReport> {
    const started = performance.now();
    const hash = this.hash();
    const stored = await this.meta("catalog_hash");
    if (stored !== undefined && stored !== hash) {
      // The catalog or the year range changed: figures must be recomputed from the start.
      const r = await this.rebuild(to);
      return r;
    }
    const from = await this.checkpoint();
    const head = to ?? (await this.source.head());
    // the staged facts keep the subject keys of the log they came from: a log re-keyed since (kpi migrate)
    // gives other keys, by which the incremental fold would miss a subject's earlier facts
    if (from > 0 && head > from && this.subjectKeyColumn && !(await this.sameDictionary())) return this.rebuild(to);
    if (from > 0 && this.subjectKeyColumn && (await this.staleKeys())) return this.rebuild(to);
    const narrowed = this.options.stageOnlyCatalogFacts === true && this.staging().entityTypes.size > 0;
    // a replay that stages some entities only folds once: an entity counted from a later fact on was not staged
    if (narrowed && from > 0 && head > from) return this.rebuild(head);
    if (this.mirrored && head > from) await mirrorEvents(this.conn, this.source, toPosition(head));
    if (narrowed && head > from) {
      await this.listStageSubjects(head);
      // a replay computes only the person attributes its definitions read, unless the log amends a definition
      const amended = await rows<{ n: number }>(
        this.conn,
        sqlOf(
          `SELECT CAST(count(*) AS DOUBLE) AS n FROM ${this.eventsTable}
           WHERE type = 'IndicatorDefinitionAmended' AND position <= $head`,
          { head },
        ),
      );
      this.personFamilies = (amended[0]?.n ?? 0) > 0 ? PERSON_FAMILIES : personFamiliesRead(this.options.catalog);
    }
    const steps: StepReport[] = [];
    const quarantined: QuarantinedEvent[] = [];
    if (head > from) {
      const p = new Params();
      const range = `FROM ${this.eventsTable} WHERE position > ${p.bind(from)} AND position <= ${p.bind(head)}`;
      // most ranges were recorded on one day: the first and last days say so without grouping every event
      const span = (
        await rows<{ first: string | null; last: string | null; position: number | null }>(
          this.conn,
          sqlOf(
            `SELECT strftime(CAST(min(recorded_at) AS DATE), '%Y-%m-%d') AS first,
                    strftime(CAST(max(recorded_at) AS DATE), '%Y-%m-%d') AS last,
                    CAST(max(position) AS DOUBLE) AS position ${range}`,
            p,
          ),
        )
      )[0];
      const days =
        span?.first === null || span?.first === undefined || span.position === null
          ? []
          : span.first === span.last
            ? [{ day: span.first, last: span.position }]
            : await rows<{ day: string; last: number }>(
                this.conn,
                sqlOf(
                  `SELECT strftime(CAST(recorded_at AS DATE), '%Y-%m-%d') AS day, CAST(max(position) AS DOUBLE) AS last
               ${range} GROUP BY 1 ORDER BY 2`,
                  p,
                ),
              );
      let at = from;
      let vintage = (await this.meta("vintage")) ?? "";
      for (const d of days) {
        if (d.last <= at) continue;
        if (d.day > vintage) vintage = d.day; // vintages never go back, even if a clock did
        await this.fold(at, d.last, vintage, hash, steps, quarantined);
        at = d.last;
      }
    }
    return {
      from,
      to: Math.max(from, head),
      steps,
      seconds: (performance.now() - started) / 1000,
      rebuilt: false,
      quarantined,
      indicators: changedIndicators(steps),
    };
  }

  /**
   * Folds (from, to] in one step; if the step fails on the data of its events, halves the range and folds each
   * half, down to the one event that fails alone, which goes to quarantine (left out, with the error as its
   * reason) so that the events before and after it still fold. Steps of any size give the same tables, so
   * the split changes nothing else. Errors of the machine or the code are thrown as they are.
   */
  private async fold(
    from: number,
    to: number,
    vintage: string,
    hash: string,
    steps: StepReport[],
    quarantined: QuarantinedEvent[],
  ): Promise<void> {
    try {
      steps.push(await this.step(from, to, vintage, hash));
      return;
    } catch (e) {
      if (!isDataError(e)) throw e;
      if (this.options.atomicSteps === false) throw new StepNotAtomicError(from, to, e);
      if (to - from > 1) {
        const mid = Math.floor((from + to) / 2);
        await this.fold(from, mid, vintage, hash, steps, quarantined);
        await this.fold(mid, to, vintage, hash, steps, quarantined);
        return;
      }
      const root = rootCause(e);
      const q = await this.quarantine(to, root instanceof Error ? root.message : String(root));
      if (q === undefined) throw e;
      quarantined.push(q);
    }
    steps.push(await this.step(from, to, vintage, hash));
  }

  /** Puts the event at `position` in quarantine; undefined if the log has no event there. */
  private async quarantine(position: number, reason: string): Promise<QuarantinedEvent | undefined> {
    const p = new Params();
    await run(
      this.conn,
      sqlOf(
        `INSERT INTO quarantine
         SELECT position, id, type, source, ${p.bind(reason.slice(0, 2000))}, now(), NULL, NULL
         FROM ${this.eventsTable} WHERE position = ${p.bind(position)}
         ON CONFLICT DO NOTHING`,
        p,
      ),
    );
    await this.countQuarantine();
    return (await this.quarantined()).find((x) => x.position === position);
  }

  /** How many events are in quarantine, as of the last change (read without touching the database). */
  get quarantineCounts(): QuarantineCounts {
    return this.counts;
  }

  private async countQuarantine(): Promise<void> {
    const all = await this.quarantined();
    const held = all.filter((q) => q.clearedAt === null).length;
    this.counts = { held, cleared: all.length - held };
  }

  /** Every quarantined event, in log order (cleared ones too). */
  async quarantined(): Promise<QuarantinedEvent[]> {
    return rows<QuarantinedEvent>(
      this.conn,
      sqlOf(
        `SELECT CAST(position AS DOUBLE) AS position, id, type, source, reason,
                strftime(quarantined_at, '%Y-%m-%dT%H:%M:%SZ') AS "quarantinedAt",
                strftime(cleared_at, '%Y-%m-%dT%H:%M:%SZ') AS "clearedAt", cleared_note AS "clearedNote"
         FROM quarantine ORDER BY position`,
      ),
    );
  }

  /**
   * Records that an operator dealt with a quarantined event: by default only once the log holds a retraction
   * of it (the correcting fact); with `force`, on the operator's word (the note says why). The event stays
   * out of the tables: it cannot be folded, and a retracted fact counts for nothing anyway.
   */
  async clearQuarantine(
    position: number,
    note: string,
    force = false,
  ): Promise<{ ok: true; event: QuarantinedEvent } | { ok: false; reason: string }> {
    const q = (await this.quarantined()).find((x) => x.position === position);
    if (q === undefined) return { ok: false, reason: `no event at position ${position} is in quarantine` };
    if (q.clearedAt !== null)
      return { ok: false, reason: `position ${position} was already cleared at ${q.clearedAt}` };
    let said = note;
    if (!force) {
      const p = new Params();
      const r = await rows<{ at: number }>(
        this.conn,
        sqlOf(
          `SELECT CAST(min(position) AS DOUBLE) AS at FROM ${this.eventsTable}
           WHERE type = 'FactRetracted' AND json_extract_string(data, '$.eventId') = ${p.bind(q.id)}
           HAVING count(*) > 0`,
          p,
        ),
      );
      if (r.length === 0) {
        return {
          ok: false,
          reason: `event "${q.id}" (position ${position}) has not been retracted: ask its source (${q.source}) to send a FactRetracted naming it and, if needed, the corrected fact; or clear it with --force and a note saying why`,
        };
      }
      said = `${note === "" ? "" : `${note}; `}retracted at position ${r[0]?.at}`;
    }
    await run(
      this.conn,
      sqlOf("UPDATE quarantine SET cleared_at = now(), cleared_note = $note WHERE position = $position", {
        note: said,
        position,
      }),
    );
    await this.countQuarantine();
    const event = (await this.quarantined()).find((x) => x.position === position);
    return event === undefined ? { ok: false, reason: "the quarantine entry vanished" } : { ok: true, event };
  }

  private async step(from: number, to: number, vintage: string, hash: string): Promise<StepReport> {
    const t0 = performance.now();
    const c = this.conn;
    const phases: [string, number][] = [];
    let indicators: ReadonlySet<string> | undefined;
    let inForce: AmendedCatalog | undefined;
    let last = t0;
    const phase = (name: string) => {
      const now = performance.now();
      phases.push([name, now - last]);
      last = now;
    };
    const atomic = this.options.atomicSteps !== false;
    const stage = async () => {
      // an empty quarantine (the rule) puts no anti-join before the stage; its counts are kept at every change
      const quarantined = this.counts.held + this.counts.cleared;
      const only = [
        ...(quarantined > 0 ? [NOT_QUARANTINED] : []),
        ...(this.options.stageOnlyCatalogFacts === true
          ? [catalogFactsFilter(this.staging(), this.stageListed, this.lastYearEnd())]
          : []),
      ];
      const st = tracer("  stage: ");
      const p = new Params();
      await st.time("facts", () =>
        run(
          c,
          sqlOf(
            stageFactsSql(
              this.eventsTable,
              p,
              from,
              to,
              only.length === 0 ? undefined : only.join(" AND "),
              this.typedLog,
              this.reportedOnColumn,
              this.subjectKeyColumn,
              this.options.stageOnlyCatalogFacts === true ? this.staging().fields : undefined,
            ),
            p,
          ),
        ),
      );
      const q = new Params();
      // a fold from the start marks them once the staged facts are committed (see markRetractedSql)
      if (!(atomic && from === 0)) await st.time("retractions", () => run(c, sqlOf(markRetractedSql(q, from, to), q)));
      const g = new Params();
      await st.time("geography notes", () => run(c, sqlOf(geoWarningsSql(g, from, to), g)));
      phase("stage");
    };
    const body = async () => {
      // the catalog in force before and after the step: a change amends it (see amendCatalog)
      const seen = from === 0 ? undefined : await this.meta(CATALOG_SEEN);
      const touched = from === 0 || (await this.catalogTouched(from, to, seen !== "0"));
      if (from === 0 || touched || seen === undefined) {
        await this.setMeta({
          [CATALOG_SEEN]: (from > 0 && touched) || (await factsHoldCatalogChange(c)) ? "1" : "0",
        });
      }
      const was =
        from === 0
          ? amendCatalog(this.options.catalog, [])
          : this.inForce?.position === from
            ? this.inForce.amended
            : await catalogAtOn(c, this.options.catalog, from);
      const now = touched ? await catalogAtOn(c, this.options.catalog, to) : was;
      inForce = now;
      const changed = new Set(
        from === 0
          ? []
          : now.catalog.filter((e) => now.amendedAt.get(e.code) !== was.amendedAt.get(e.code)).map((e) => e.code),
      );
      if (touched) await this.loadCatalog(now);
      await this.updateEntities(from, to, now.catalog);
      // an amended definition counts its entities afresh: its old contributions were made under the old one
      if (changed.size > 0) await this.recountCells(now.catalog.filter((e) => changed.has(e.code)));
      phase("entities");
      // the standing reports change only when reports (or retractions of them) arrived
      if (from === 0 || (await this.reportsTouched(from, to))) {
        await c.run(`DELETE FROM reports; INSERT INTO reports ${standingReportsSql(new Params())}`);
      }
      phase("reports");
      // a new vintage year opens a year that had no figures: every indicator is recomputed then
      const before = await this.meta("vintage");
      const newYear = before === undefined || before.slice(0, 4) !== vintage.slice(0, 4);
      indicators =
        from === 0 || newYear
          ? undefined
          : new Set([...(await this.affectedIndicators(from, to, now.catalog)), ...changed]);
      // the series whose values a step leaves as they were keep their forecasts (the inputs of a forecast)
      if (indicators !== undefined) await this.keepValuesBefore(indicators);
      await this.computeValues(to, vintage, now.catalog, indicators);
      phase("values");
      await this.computeForecasts(to, vintage, now.catalog, indicators, indicators === undefined ? undefined : changed);
      phase("forecasts");
      // where this vintage began: its revisions' cause looks at every fact recorded in it
      if (before !== vintage) await this.setMeta({ vintage_from: String(from) });
      const vintageFrom = Number((await this.meta("vintage_from")) ?? from);
      await this.recordRevisions(vintage, to, await this.affectedIndicators(vintageFrom, to, now.catalog));
      phase("revisions");
      await this.setMeta({
        checkpoint: String(to),
        vintage,
        catalog_hash: hash,
        years: this.options.years.join("-"),
        ...(this.subjectKeyColumn ? { [LOG_DICTIONARY]: await this.dictionaryMark() } : {}),
        ...(from === 0 ? { [KEYS_CHECKED]: "1" } : {}),
      });
    };
    const folding = `folding log positions ${from} → ${to} into the warehouse`;
    if (atomic && from === 0) {
      // A full fold commits its stage first: the entity states then read committed facts, not the transaction's
      // own uncommitted rows (people's states at 10 M facts: 13.8–14.3 s against 19.5–22.5 s). Until the second
      // commit the checkpoint stays where it was (none), so a fold that fails or is killed in between leaves
      // only staged facts and geography notes, which the next full fold empties before it stages again. The
      // retracted facts are marked in the second transaction, on committed rows (see markRetractedSql).
      await inTransaction(c, `staging log positions 0 → ${to} in the warehouse`, async () => {
        await c.run("DELETE FROM facts; DELETE FROM geo_warnings");
        await stage();
      });
      phase("stage commit");
      await inTransaction(c, folding, async () => {
        const q = new Params();
        await run(c, sqlOf(markRetractedSql(q, from, to), q));
        phase("retractions");
        await body();
      });
    } else if (atomic) {
      await inTransaction(c, folding, async () => {
        await stage();
        await body();
      });
    } else {
      await stage();
      await body();
    }
    phase("commit");
    if (inForce !== undefined) this.inForce = { position: to, amended: inForce };
    if (process.env.KPI_TRACE === "1") {
      process.stderr.write(`step ${from}→${to}: ${phases.map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(", ")}
`);
    }
    return {
      from,
      to,
      vintage,
      seconds: (performance.now() - t0) / 1000,
      indicators: indicators === undefined ? undefined : [...indicators],
    };
  }

  /** Whether the events in (from, to] add a catalog change or retract one. */
  /** Whether the step stages or retracts a catalog change; `before`: the folded facts already hold one (or may). */
  private async catalogTouched(from: number, to: number, before: boolean): Promise<boolean> {
    // with no catalog change before the step, a retraction in it can only reach one staged in it

    const ranges = ["position > $from AND position <= $to", "retracted_by > $from AND retracted_by <= $to"];
    for (const inRange of before ? ranges : ranges.slice(0, 1)) {
      const found = await rows(
        this.conn,
        sqlOf(`SELECT 1 FROM facts WHERE ${inRange} AND type IN (${CATALOG_CHANGE_TYPES_SQL}) LIMIT 1`, { from, to }),
      );
      if (found.length > 0) return true;
    }
    return false;
  }

  /** Counts the cells of `entries` afresh from the entity tables (their definitions were amended). */
  private async recountCells(entries: readonly CatalogEntry[]): Promise<void> {
    const p = new Params();
    await run(
      this.conn,
      sqlOf(`DELETE FROM cell_counts WHERE indicator IN (${entries.map((e) => p.bind(e.code)).join(", ")})`, p),
    );
    for (const kind of ENTITY_KINDS) await this.addContributions(kind, entries);
  }

  /**
   * Recomputes the year-end states of the subjects the events in (from, to] touch and moves their contributions
   * in `cell_counts` (all subjects when `from` is 0). A subject is found by its integer key (`subject_key`, from
   * the log's dictionary) in the staged range, never by a scan joining subject strings; the kinds the range does
   * not touch cost nothing, and a touched kind costs five statements (old rows, delete, new rows, insert, and the
   * contributions of both in one statement).
   */
  private async updateEntities(from: number, to: number, catalog: readonly CatalogEntry[]): Promise<void> {
    const c = this.conn;
    const timed = tracer("  ").time;
    if (from === 0) {
      const by = await this.stateKey();
      for (const kind of ENTITY_KINDS) {
        const f = `f AS (SELECT ${STATE_FACT_COLUMNS} FROM facts WHERE kind = '${kind}' AND ${visibleSql(new Params())})`;
        const [state, order] = isSpanKind(kind)
          ? [entitySpanSql(kind, this.personFamilies, by), "from_year"]
          : [entityStateSql(kind, this.personFamilies, by), "year"];
        await timed(`${kind} states`, () =>
          c.run(
            `INSERT INTO ${entityTable(kind)} ${state.replace(/^WITH /, `WITH ${f}, `)} ORDER BY subject_key, ${order}`,
          ),
        );
        await timed(`${kind} contributions`, () => this.addContributions(kind, catalog));
      }
      return;
    }
    const p = new Params();
    await run(c, sqlOf(touchedSubjectsSql(p, from, to), p));
    const touched = await rows<{ kind: string; n: number }>(
      c,
      sqlOf("SELECT kind, CAST(count(*) AS DOUBLE) AS n FROM touched GROUP BY kind"),
    );
    const kinds = new Map(touched.map((r) => [r.kind, r.n]));
    for (const kind of ENTITY_KINDS) {
      const n = kinds.get(kind);
      if (n === undefined) continue;
      const inScope = `subject_key IN (SELECT subject_key FROM touched WHERE kind = '${kind}')`;
      const f = `f AS (SELECT ${STATE_FACT_COLUMNS} FROM facts WHERE kind = '${kind}' AND ${inScope} AND ${visibleSql(new Params())})`;
      const table = entityTable(kind);
      // a span kind's year rows, of its spans in `relation`
      const years = (relation: string) =>
        isSpanKind(kind) ? spanYearsSql(kind, relation) : `SELECT * FROM ${relation}`;
      await timed(`${kind} old rows (${n} subjects)`, () =>
        // only what their contributions read: not the subject strings, which cost most of the read
        c.run(
          `CREATE OR REPLACE TEMP TABLE old_rows AS SELECT * EXCLUDE (subject, subject_key)
           FROM (${years(`(SELECT * FROM ${table} WHERE ${inScope})`)})`,
        ),
      );
      await timed(`${kind} delete`, () => c.run(`DELETE FROM ${table} WHERE ${inScope}`));
      await timed(`${kind} new rows`, () =>
        isSpanKind(kind)
          ? c.run(
              `CREATE OR REPLACE TEMP TABLE new_spans AS ${entitySpanSql(kind, this.personFamilies).replace(/^WITH /, `WITH ${f}, `)}
               ORDER BY subject_key, from_year;
               CREATE OR REPLACE TEMP TABLE new_rows AS ${years("new_spans")}`,
            )
          : c.run(
              `CREATE OR REPLACE TEMP TABLE new_rows AS ${entityStateSql(kind, this.personFamilies).replace(/^WITH /, `WITH ${f}, `)}
               ORDER BY subject_key, year`,
            ),
      );
      await timed(`${kind} insert`, () =>
        c.run(`INSERT INTO ${table} SELECT * FROM ${isSpanKind(kind) ? "new_spans" : "new_rows"}`),
      );
      await timed(`${kind} contributions`, () => this.moveContributions(kind, catalog));
    }
    await c.run("DELETE FROM cell_counts WHERE num = 0 AND den = 0 AND ent = 0");
  }

  /**
   * What a full fold's carried states partition by (`StateKey`): the integer key when the log's dictionary gives
   * every subject one key (a log an earlier version wrote may give one a second key until `kpi migrate` re-keys
   * it: its facts then carry two keys, and only the subject joins them), else the subject. A replay, whose few
   * subjects cost less than the look, partitions by the key only when told the log's events use one key per
   * subject (`singleSubjectKeys`); a catch-up, which recomputes only the subjects it touches, keeps the subject.
   */
  private async stateKey(): Promise<StateKey> {
    if (!this.subjectKeyColumn) return "subject";
    if (this.options.stageOnlyCatalogFacts === true) {
      return this.options.singleSubjectKeys === true ? "subject_key" : "subject";
    }
    const r = await rows<{ n: number }>(
      this.conn,
      sqlOf(`SELECT CAST(count(*) - count(DISTINCT subject) AS DOUBLE) AS n FROM ${this.subjectsTable}`),
    );
    return r[0]?.n === 0 ? "subject_key" : "subject";
  }

  /**
   * Adds the contributions of `kind`'s stored states to `cell_counts` (the full fold, a recount): a span kind's
   * from its distinct states, each weighted by its subjects (`weightedSpanYearsSql`), the others' from their rows.
   */
  private async addContributions(kind: EntityKind, catalog: readonly CatalogEntry[]): Promise<void> {
    const p = new Params();
    if (isSpanKind(kind)) {
      await this.conn.run(`CREATE OR REPLACE TEMP VIEW weighted_states AS ${weightedSpanYearsSql(kind)}`);
    }
    const contributions = isSpanKind(kind)
      ? contributionsSql(catalog, kind, "weighted_states", p, "n")
      : contributionsSql(catalog, kind, `ent_${kind}_year`, p);
    if (contributions === undefined) return;
    await run(
      this.conn,
      sqlOf(
        `INSERT INTO cell_counts
         SELECT indicator, commune, year, sum(num), sum(den), sum(ent) FROM (${contributions})
         GROUP BY indicator, commune, year
         ON CONFLICT DO UPDATE SET num = cell_counts.num + excluded.num, den = cell_counts.den + excluded.den,
                                   ent = cell_counts.ent + excluded.ent`,
        p,
      ),
    );
  }

  /** Takes the contributions of `old_rows` out of `cell_counts` and puts those of `new_rows` in, in one statement. */
  private async moveContributions(kind: EntityKind, catalog: readonly CatalogEntry[]): Promise<void> {
    const p = new Params();
    const old = contributionsSql(catalog, kind, "old_rows", p);
    const now = contributionsSql(catalog, kind, "new_rows", p);
    if (old === undefined || now === undefined) return;
    await run(
      this.conn,
      sqlOf(
        `INSERT INTO cell_counts
         SELECT indicator, commune, year, sum(num), sum(den), sum(ent) FROM (
           SELECT indicator, commune, year, -num AS num, -den AS den, -ent AS ent FROM (${old})
           UNION ALL ${now})
         GROUP BY indicator, commune, year
         ON CONFLICT DO UPDATE SET num = cell_counts.num + excluded.num, den = cell_counts.den + excluded.den,
                                   ent = cell_counts.ent + excluded.ent`,
        p,
      ),
    );
  }

  /**
   * Recomputes `indicator_values` for the indicators in `only` (default: all) in one statement, then stamps
   * every row with the checkpoint position (figures not recomputed are unchanged at that position too).
   */
  private async computeValues(
    position: number,
    vintage: string,
    catalog: readonly CatalogEntry[],
    only?: ReadonlySet<string>,
  ): Promise<void> {
    const c = this.conn;
    const entries = catalog.filter((e) => only === undefined || only.has(e.code));
    await c.run(
      `CREATE OR REPLACE TEMP TABLE raw_values (indicator VARCHAR, geo VARCHAR, year INTEGER, breakdown VARCHAR,
         numerator ${partsSqlType("count")}, denominator ${partsSqlType("count")},
         numerator_amount ${partsSqlType("amount")}, denominator_amount ${partsSqlType("amount")}, value DOUBLE)`,
    );
    if (entries.length > 0) {
      const rp = new Params();
      const parts = entries.map(
        (e) => `SELECT indicator, geo, year, breakdown,
             ${splitPartsSql(partsOf(e.definition), "numerator", "denominator")}, ${valueSql(e.definition)}
           FROM (${figureRowsSql(e, rp)}) AS r(indicator, geo, year, breakdown, numerator, denominator)`,
      );
      await run(c, sqlOf(`INSERT INTO raw_values ${parts.map((x) => `(${x})`).join("\nUNION ALL\n")}`, rp));
      // a year after the vintage's had not begun: nothing was known of it (no commune rows, province no data)
      const year = Number(vintage.slice(0, 4));
      await run(c, sqlOf("DELETE FROM raw_values WHERE year > $year AND geo <> 'province'", { year }));
      await run(
        c,
        sqlOf(
          `UPDATE raw_values SET numerator = NULL, denominator = NULL, numerator_amount = NULL,
             denominator_amount = NULL, value = NULL WHERE year > $year`,
          { year },
        ),
      );
    }
    const dp = new Params();
    await run(
      c,
      sqlOf(
        only === undefined
          ? "DELETE FROM indicator_values"
          : `DELETE FROM indicator_values WHERE indicator IN (${[...only].map((x) => dp.bind(x)).join(", ") || "NULL"})`,
        dp,
      ),
    );
    const p = new Params();
    await run(c, sqlOf(indicatorValuesSql(entries, position, vintage, this.options.smallCellThreshold ?? 10, p), p));
    if (only !== undefined) {
      const q = new Params();
      const v = `CAST(${q.bind(vintage)} AS DATE)`;
      await run(
        c,
        sqlOf(
          `UPDATE indicator_values SET position = ${q.bind(position)}, vintage = ${v}, provisional = ${provisionalSql(v)}
           WHERE position <> ${q.bind(position)}`,
          q,
        ),
      );
    }
  }

  /** Whether the events in (from, to] add a report or retract one (the standing reports then change). */
  private async reportsTouched(from: number, to: number): Promise<boolean> {
    // two range conditions, each of which DuckDB checks against the row groups' ranges (an OR of them it would not)
    for (const inRange of ["position > $from AND position <= $to", "retracted_by > $from AND retracted_by <= $to"]) {
      const found = await rows(
        this.conn,
        sqlOf(`SELECT 1 FROM facts WHERE ${inRange} AND type IN (${REPORT_TYPES_SQL}) LIMIT 1`, { from, to }),
      );
      if (found.length > 0) return true;
    }
    return false;
  }

  /**
   * Recomputes `indicator_forecasts` for the indicators in `only` (default: all) from their rows of
   * `indicator_values`, with the pure `forecastTargets` (the same the API and the backtest use), then stamps
   * every row with the checkpoint, as `computeValues` does: forecasts move with the figures they come from.
   */
  /** Keeps the series values of `indicators` as they stand before a step recomputes them (TEMP `values_before`). */
  private async keepValuesBefore(indicators: ReadonlySet<string>): Promise<void> {
    const p = new Params();
    const codes = [...indicators].map((x) => p.bind(x));
    await run(
      this.conn,
      sqlOf(
        `CREATE OR REPLACE TEMP TABLE values_before AS
         SELECT indicator, geo, breakdown, year, value, definition_hash FROM indicator_values
         WHERE indicator IN (${codes.length === 0 ? "NULL" : codes.join(", ")})`,
        p,
      ),
    );
  }

  /**
   * Recomputes the forecasts of the indicators in \`only\` (default: all). With \`amended\` (a catch-up step: the
   * indicators whose definition or target the step changed), an indicator not amended keeps the forecasts of
   * every series whose values and definition the step left as they were (\`values_before\`): a forecast is made
   * from those alone, so only the series the step moved are forecast again.
   */
  private async computeForecasts(
    position: number,
    vintage: string,
    catalog: readonly CatalogEntry[],
    only?: ReadonlySet<string>,
    amended?: ReadonlySet<string>,
  ): Promise<void> {
    const c = this.conn;
    const entries = catalog.filter((e) => only === undefined || only.has(e.code));
    const codes = entries.map((e) => e.code);
    if (amended !== undefined && codes.length > 0) {
      // the series (indicator, geo, breakdown) whose values or definition moved, and every series of an amended indicator
      const p = new Params();
      const whole = [...amended].map((x) => p.bind(x));
      await run(
        c,
        sqlOf(
          `CREATE OR REPLACE TEMP TABLE moved_series AS
           SELECT DISTINCT coalesce(n.indicator, b.indicator) AS indicator, coalesce(n.geo, b.geo) AS geo,
                  coalesce(n.breakdown, b.breakdown) AS breakdown
           FROM (SELECT indicator, geo, breakdown, year, value, definition_hash FROM indicator_values
                 WHERE indicator IN (${codes.map((x) => p.bind(x)).join(", ")})) n
           FULL OUTER JOIN values_before b
             ON n.indicator = b.indicator AND n.geo = b.geo AND n.breakdown = b.breakdown AND n.year = b.year
           WHERE n.value IS DISTINCT FROM b.value OR n.definition_hash IS DISTINCT FROM b.definition_hash
              OR coalesce(n.indicator, b.indicator) IN (${whole.length === 0 ? "NULL" : whole.join(", ")})`,
          p,
        ),
      );
    }
    const moved = amended !== undefined && codes.length > 0;
    const inMoved = (t: string) =>
      `EXISTS (SELECT 1 FROM moved_series m WHERE m.indicator = ${t}.indicator AND m.geo = ${t}.geo
                 AND m.breakdown = ${t}.breakdown)`;
    const dp = new Params();
    const del = deleteForecastsSql(dp, codes);
    await run(c, sqlOf(moved ? `${del} AND ${inMoved("indicator_forecasts")}` : del, dp));
    const sp = new Params();
    const all = forecastSeriesSql(sp, codes);
    const series = await rows<ObservedSeries>(
      c,
      sqlOf(moved ? `SELECT * FROM (${all}) s WHERE ${inMoved("s")} ORDER BY indicator, geo, breakdown` : all, sp),
    );
    const byCode = new Map<string, CatalogEntry>(entries.map((e) => [e.code, e]));
    const out: ForecastRow[] = [];
    for (const r of series) {
      const entry = byCode.get(r.indicator);
      if (entry === undefined) continue;
      const obs: Observation[] = r.years.map((year, i) => ({ year, value: r.values[i] as number }));
      for (const f of forecastTargets(entry, obs)) {
        out.push({ ...f, indicator: r.indicator, geo: r.geo, breakdown: r.breakdown, hash: r.definition_hash });
      }
    }
    if (out.length > 0) await appendForecasts(c, out, position, vintage);
    if (only !== undefined) {
      await run(
        c,
        sqlOf(
          "UPDATE indicator_forecasts SET position = $position, vintage = CAST($vintage AS DATE) WHERE position <> $position",
          { position, vintage },
        ),
      );
    }
  }

  /** The indicators whose figures the events in (from, to] can change. */
  private async affectedIndicators(
    from: number,
    to: number,
    catalog: readonly CatalogEntry[],
  ): Promise<ReadonlySet<string>> {
    const p = new Params();
    const kinds = new Set(
      (
        await rows<{ kind: string }>(
          this.conn,
          sqlOf(
            `SELECT DISTINCT kind FROM facts WHERE position > ${p.bind(from)} AND position <= ${p.bind(to)}
               AND type NOT IN (${CATALOG_CHANGE_TYPES_SQL})`,
            p,
          ),
        )
      ).map((r) => r.kind),
    );
    return new Set(
      catalog
        .filter((e) => {
          const d = e.definition;
          const reported = !("entity" in d) || "denominator" in d; // reads statistics reports
          return (reported && kinds.has("stat")) || ("entity" in d && kinds.has(d.entity));
        })
        .map((e) => e.code),
    );
  }

  /**
   * Records, for the vintage, every figure whose numerator, denominator, definition or target differs from its
   * last revision, with the cause: `definition` when its definition or target changed and no fact it reads was
   * recorded in the vintage (`dataTouched`), `both` when that too and its numbers moved, else `data`.
   */
  private async recordRevisions(vintage: string, position: number, dataTouched: ReadonlySet<string>): Promise<void> {
    const p = new Params();
    const v = p.bind(vintage);
    await run(this.conn, sqlOf(`DELETE FROM indicator_revisions WHERE vintage = CAST(${v} AS DATE)`, p));
    const touched = dataTouched.size === 0 ? "NULL" : [...dataTouched].map((x) => p.bind(x)).join(", ");
    const numbers = `(${PART_COLUMNS.map((x) => `c.${x} IS DISTINCT FROM prev.${x}`).join(" OR ")})`;
    const catalog = `(c.indicator IS NOT NULL AND prev.present AND (c.definition_hash IS DISTINCT FROM prev.definition_hash
        OR c.target_op IS DISTINCT FROM prev.target_op OR c.target_value IS DISTINCT FROM prev.target_value))`;
    await run(
      this.conn,
      sqlOf(
        `INSERT INTO indicator_revisions
         WITH prev AS (
           SELECT indicator, geo, year, breakdown,
                  ${PART_COLUMNS.map((x) => `arg_max_null(${x}, vintage) AS ${x}`).join(", ")},
                  arg_max_null(value, vintage) AS value,
                  arg_max_null(definition_hash, vintage) AS definition_hash,
                  arg_max_null(target_op, vintage) AS target_op, arg_max_null(target_value, vintage) AS target_value,
                  bool_or(true) AS present
           FROM indicator_revisions GROUP BY ALL)
         SELECT coalesce(c.indicator, prev.indicator), coalesce(c.geo, prev.geo), coalesce(c.year, prev.year),
                coalesce(c.breakdown, prev.breakdown), CAST(${v} AS DATE), ${p.bind(position)},
                ${PART_COLUMNS.map((x) => `c.${x}`).join(", ")}, c.value,
                coalesce(c.definition_hash, prev.definition_hash),
                c.target_op, c.target_value,
                CASE WHEN ${catalog} AND ${numbers} AND c.indicator IN (${touched}) THEN 'both'
                     WHEN ${catalog} THEN 'definition' ELSE 'data' END
         FROM (SELECT indicator, geo, year, breakdown, ${PART_COLUMNS.join(", ")}, value, definition_hash,
                      target_op, target_value FROM indicator_values) c
         FULL OUTER JOIN prev ON c.indicator = prev.indicator AND c.geo = prev.geo AND c.year = prev.year
                             AND c.breakdown = prev.breakdown
         WHERE prev.present IS NULL
            OR c.indicator IS NULL AND (${PART_COLUMNS.map((x) => `prev.${x} IS NOT NULL`).join(" OR ")})
            OR ${numbers} OR ${catalog}`,
        p,
      ),
    );
  }

  /**
   * Figures as known at a log position, recomputed from the facts that were known then (retractions recorded
   * later do not apply), or at the end of a recording day (UTC), read from the revisions: the one rule for "as of"
   * that `kpi figure --as-of` and the API share. Positions beyond the checkpoint are refused: catch up first.
   */
  async figuresAsOf(
    at: { readonly position?: number; readonly date?: string },
    codes?: readonly string[],
  ): Promise<AsOfFigure[]> {
    return figuresAsOfOn(this.conn, this.options.catalog, this.options.smallCellThreshold ?? 10, at, codes);
  }

  /**
   * The catalog in force at a log position (default: the checkpoint): the shipped catalog amended by the
   * catalog changes folded up to it (`amendCatalog`), with where each indicator was last amended. With
   * `effectiveBy` (as of a day), only the changes in effect by that day (`effectiveOn` on or before it).
   */
  async catalogAt(position?: number, effectiveBy?: string): Promise<AmendedCatalog> {
    const checkpoint = await this.checkpoint();
    const at = position ?? checkpoint;
    if (effectiveBy === undefined && this.inForce?.position === at && at === checkpoint) return this.inForce.amended; // kept by the last step
    return catalogAtOn(this.conn, this.options.catalog, at, effectiveBy);
  }

  /**
   * Caps the threads DuckDB folds with (its default: one per core). A server caps them one below the cores so
   * that answering requests always has a core while a catch-up runs.
   */
  /** Stops the statement running on the warehouse's connection (it fails with an interruption). */
  interrupt(): void {
    this.conn.interrupt();
  }

  async setThreads(threads: number): Promise<void> {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be 1 or more, got ${threads}`);
    await this.conn.run(`SET threads = ${threads}`);
  }

  /**
   * A second connection for reads that must not wait for folds (as-of figures while the server folds): each
   * call sees one committed state of the warehouse, never a fold's transaction half done.
   */
  async openReader(): Promise<WarehouseReader> {
    const c = await this.instance.connect();
    await c.run("SET TimeZone = 'UTC'");
    await this.createYears(c);
    return new WarehouseReader(c, this.options.catalog, this.options.smallCellThreshold ?? 10);
  }

  /** The connection's TEMP table of the years figures are computed for. */
  private async createYears(c: DuckDBConnection): Promise<void> {
    const [y0, y1] = this.options.years;
    await run(
      c,
      sqlOf("CREATE OR REPLACE TEMP TABLE years AS SELECT CAST(unnest(range($y0, $y1 + 1)) AS INTEGER) AS year", {
        y0,
        y1,
      }),
    );
  }

  /**
   * Runs a query and yields its rows a chunk (about 2,000 rows) at a time, so that a large result does not
   * hold the event loop while it is converted.
   */
  async *streamQuery<T = Record<string, unknown>>(
    text: string,
    params: Readonly<Record<string, DuckDBValue>> = {},
  ): AsyncGenerator<T[]> {
    const s = sqlOf(text, params);
    const result = await this.conn.stream(s.text, s.params as Record<string, DuckDBValue>);
    for await (const chunk of result.yieldRowObjectJs()) yield chunk as T[];
  }

  /**
   * Runs a query and yields DuckDB's own chunks, for reading a column at a time (`getColumnVector`): no array is
   * made per row, which for tens of millions of rows (a publication's leaves) costs more than what is done with them.
   */
  async *streamChunks(
    text: string,
    params: Readonly<Record<string, DuckDBValue>> = {},
  ): AsyncGenerator<DuckDBDataChunk> {
    const s = sqlOf(text, params);
    const result = await this.conn.stream(s.text, s.params as Record<string, DuckDBValue>);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) return;
      yield chunk;
    }
  }

  /** Every derived table's rows, in a stable order (for comparing a rebuild with catch-ups). */
  async dump(): Promise<Record<string, unknown[]>> {
    const tables = [
      "facts",
      "geo_warnings",
      "cell_counts",
      "reports",
      "indicator_values",
      "indicator_forecasts",
      "indicator_revisions",
      "indicators",
      "indicator_targets",
      "catalog_changes",
      ...ENTITY_KINDS.map((k) => `ent_${k}_year`),
      ...SPAN_KINDS.map((k) => `ent_${k}_span`),
    ];
    const out: Record<string, unknown[]> = {};
    for (const t of tables) {
      // the subject key locates a subject's rows; what it is depends on the log (a hash in a format-1 replay)
      const keyed = t === "facts" || t.startsWith("ent_");
      const r = await this.conn.runAndReadAll(
        `SELECT * ${keyed ? "EXCLUDE (subject_key)" : ""} FROM ${ident(t)} ORDER BY ALL`,
      );
      out[t] = r.getRowsJson();
    }
    return out;
  }

  /**
   * Writes a consistent copy of the whole warehouse (not the log) to `file` — the restricted snapshot, with
   * the microdata and small cells, readable by its owner only (mode 600) — for those allowed to open it with
   * any DuckDB client while the server keeps writing: copied into a temporary file, then renamed over the old
   * snapshot, so a reader never sees a half-written one. Temporary files that a killed snapshot left behind are
   * removed first (`removeStaleSnapshotFiles`). The copy is the warehouse's file itself (`copyWarehouseFile`);
   * a warehouse in memory, or a file that changed while it was copied, is copied table by table instead.
   */
  async snapshot(file: string): Promise<void> {
    if (this.path !== ":memory:" && (await this.replaceSnapshot(file, 0o600, (tmp) => this.copyWarehouseFile(tmp)))) {
      return;
    }
    const db = (await rows<{ db: string }>(this.conn, sqlOf("SELECT current_database() AS db")))[0]?.db;
    if (db === undefined) throw new Error("no current database");
    await this.writeSnapshot(file, 0o600, async () => {
      await this.conn.run(`COPY FROM DATABASE "${db.replaceAll('"', '""')}" TO snapshot_out`);
    });
  }

  /**
   * Copies the warehouse's file to `tmp`, byte for byte, after a checkpoint: the file then holds every committed
   * row, and nothing writes it until the copy ends, as the caller has the warehouse to itself (`kpi project`
   * after its catch-up, the server between two catch-ups); the readers' connection only reads. The bytes go at
   * the disk's speed: 1.0–1.5 s for the 1.2 GB of a warehouse of 10 M facts, where `COPY FROM DATABASE` took
   * 37.5 s, and a step of `kpi project` paid it every time. Before it replaces the snapshot the copy is opened
   * and must stand at the warehouse's checkpoint. False, the copy left unused: the file or its write-ahead log
   * changed during the copy.
   */
  private async copyWarehouseFile(tmp: string): Promise<boolean> {
    await this.conn.run("FORCE CHECKPOINT");
    const wal = `${this.path}.wal`;
    const walEmpty = () => !existsSync(wal) || statSync(wal).size === 0;
    const before = statSync(this.path);
    if (!walEmpty()) return false;
    // in the thread pool: the server's event loop keeps answering reads meanwhile
    await copyFile(this.path, tmp, fsConstants.COPYFILE_FICLONE);
    const after = statSync(this.path);
    if (after.mtimeMs !== before.mtimeMs || after.size !== before.size || !walEmpty()) return false;
    await this.conn.run(`ATTACH '${tmp.replaceAll("'", "''")}' AS snapshot_check (READ_ONLY)`);
    try {
      const [copied] = await rows<{ value: string }>(
        this.conn,
        sqlOf("SELECT value FROM snapshot_check.projection_meta WHERE key = 'checkpoint'"),
      );
      return copied?.value === (await this.meta("checkpoint"));
    } finally {
      await this.conn.run("DETACH snapshot_check");
    }
  }

  /**
   * Writes the public snapshot to `file`: only what may be published (`PUBLISHED_RELATIONS`, views made
   * tables, with their comments), for anyone's DuckDB client — no subject identifier, no withheld cell, no
   * restricted table. Replaced whole, like `snapshot`.
   */
  async publicSnapshot(file: string, held: readonly Cell[] = []): Promise<void> {
    await this.writeSnapshot(file, 0o644, async () => {
      await this.holdBack(held);
      for (const name of PUBLISHED_RELATIONS) {
        const comment = (
          await rows<{ comment: string | null }>(
            this.conn,
            sqlOf(
              `SELECT comment FROM duckdb_tables() WHERE table_name = $name AND database_name = current_database()
               UNION ALL
               SELECT comment FROM duckdb_views() WHERE view_name = $name AND database_name = current_database()`,
              { name },
            ),
          )
        )[0]?.comment;
        await this.conn.run(`CREATE TABLE snapshot_out.${ident(name)} AS ${publicRowsSql(name)}`);
        const columns = await rows<{ c: string; comment: string | null }>(
          this.conn,
          sqlOf(
            `SELECT column_name AS c, comment FROM duckdb_columns()
             WHERE table_name = $name AND database_name = current_database() ORDER BY column_index`,
            { name },
          ),
        );
        for (const { c: col, comment: text } of columns) {
          const said = text ?? columnComment(name, col);
          if (said === undefined) continue;
          await this.conn.run(`COMMENT ON COLUMN snapshot_out.${name}."${col}" IS '${said.replaceAll("'", "''")}'`);
        }
        if (comment !== null && comment !== undefined) {
          await this.conn.run(`COMMENT ON TABLE snapshot_out.${name} IS '${comment.replaceAll("'", "''")}'`);
        }
      }
    });
  }

  /** Fills a fresh file attached as `snapshot_out` with `fill`, then renames it over `file` with `mode`. */
  private async writeSnapshot(file: string, mode: number, fill: () => Promise<void>): Promise<void> {
    await this.replaceSnapshot(file, mode, async (tmp) => {
      await this.conn.run(`ATTACH '${tmp.replaceAll("'", "''")}' AS snapshot_out`);
      try {
        await fill();
      } finally {
        await this.conn.run("DETACH snapshot_out");
      }
      return true;
    });
  }

  /**
   * Makes a snapshot in a temporary file beside `file` (`make`), then renames it over `file` with `mode`; false,
   * and nothing replaced, when `make` says its copy is not to be used. A failure leaves the old snapshot as it
   * was and removes the temporary file.
   */
  private async replaceSnapshot(file: string, mode: number, make: (tmp: string) => Promise<boolean>): Promise<boolean> {
    removeStaleSnapshotFiles(file, this.openedAt);
    const tmp = `${file}.tmp-${process.pid}`;
    const removeTmp = () => {
      rmSync(tmp, { force: true });
      rmSync(`${tmp}.wal`, { force: true });
    };
    removeTmp();
    try {
      if (!(await make(tmp))) {
        removeTmp();
        return false;
      }
      chmodSync(tmp, mode);
    } catch (e) {
      removeTmp();
      const message = e instanceof Error ? e.message : String(e);
      const advice = storageAdvice(message);
      throw new Error(
        `writing the snapshot ${file} failed: ${message}${advice === undefined ? "" : `; ${advice}`} (the previous snapshot, if any, is unchanged)`,
        { cause: e },
      );
    }
    renameSync(tmp, file);
    return true;
  }

  /**
   * Exports tables and views to Parquet or CSV files in `dir` (one file each): the published ones, and with
   * `restricted` also the raw figures, their revisions and the cell counts (small cells included).
   */
  async export(
    dir: string,
    format: "parquet" | "csv",
    restricted = false,
    held: readonly Cell[] = [],
  ): Promise<string[]> {
    mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    const published = PUBLISHED_RELATIONS;
    const raw = ["indicator_values", "indicator_forecasts", "indicator_revisions", "cell_counts"];
    // the restricted tables are the office's own: the embargo holds figures back from the public only
    await this.holdBack(restricted ? [] : held);
    for (const t of restricted ? [...published, ...raw] : published) {
      const file = join(dir, `${t}.${format}`);
      const options = format === "parquet" ? "(FORMAT parquet, COMPRESSION zstd)" : "(FORMAT csv, HEADER true)";
      const select = (published as readonly string[]).includes(t)
        ? publicRowsSql(t as PublishedRelation)
        : `SELECT * FROM ${ident(t)} ORDER BY ALL`;
      await this.conn.run(`COPY (${select}) TO '${file.replaceAll("'", "''")}' ${options}`);
      written.push(file);
    }
    return written;
  }

  /** Fills the TEMP table `held_cells` that `publicRowsSql` leaves out: the cells under embargo (`embargo.ts`). */
  private async holdBack(held: readonly Cell[]): Promise<void> {
    await run(
      this.conn,
      sqlOf(
        `CREATE OR REPLACE TEMP TABLE held_cells AS
         SELECT c.indicator, c.geo, c.year, c.breakdown
         FROM (SELECT unnest(from_json($cells, '[{"indicator":"VARCHAR","geo":"VARCHAR","year":"INTEGER","breakdown":"VARCHAR"}]')) AS c)`,
        { cells: JSON.stringify(held) },
      ),
    );
  }

  /**
   * Runs a query on the warehouse's connection (tests, the API, `kpi query`). Callers only read, or make TEMP
   * tables of their own (the audit's `audit_*` working tables); none writes the warehouse's tables.
   */
  async query<T = Record<string, unknown>>(
    text: string,
    params: Readonly<Record<string, DuckDBValue>> = {},
  ): Promise<T[]> {
    return rows<T>(this.conn, sqlOf(text, params));
  }

  async close(): Promise<void> {
    await this.log.close();
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
