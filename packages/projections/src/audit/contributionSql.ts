/**
 * SQL (pure generation) for the contributing events of figures; `contribution.ts` runs it on the warehouse's
 * connection, filling TEMP tables named `audit_*`. The definition it implements is in `contribution.ts` and
 * docs/audit.md. Values are bound parameters; table names are the module's own constants.
 */
import {
  type CatalogEntry,
  type Definition,
  ENTITY_KINDS,
  type EntityKind,
  ident,
  qualified,
  type ReportedField,
} from "@kpi/core";
import { conditionSql } from "../warehouse/conditionSql.js";
import { entityStateSql } from "../warehouse/entitySql.js";
import { REPORT_KEY_FIELDS, standingReportsSql, visibleSql } from "../warehouse/figuresSql.js";
import { Params, type Sql, sqlOf } from "../warehouse/sql.js";

/** Which cells of one year: the province figure and/or the commune figures (all of them, or one). */
export interface Scope {
  readonly year: number;
  readonly province: boolean;
  readonly communes: "all" | "none" | { readonly geo: string };
}

type EntityDefinition = Extract<Definition, { readonly entity: unknown }>;
export const isEntityDefinition = (d: Definition): d is EntityDefinition => "entity" in d;

/** How a reported field enters a figure: numerator, denominator, or (growth) Y numerator and Y−1 denominator. */
export type ReportRole = "numerator" | "denominator" | "growth";

/** The reported fields a definition reads, with their role. */
export const reportedFieldsOf = (d: Definition): readonly { field: ReportedField; role: ReportRole }[] => {
  switch (d.kind) {
    case "share":
    case "entityCount":
      return [];
    case "shareOfReported":
    case "ratePer1000":
      return [{ field: d.denominator, role: "denominator" }];
    case "reportedRatio":
      return [
        { field: d.numerator, role: "numerator" },
        { field: d.denominator, role: "denominator" },
      ];
    case "reportedCount":
    case "rank":
      return [{ field: d.value, role: "numerator" }];
    case "growth":
      return [{ field: d.value, role: "growth" }];
  }
};

/** Kinds with commune figures built from commune reports (growth and rank are province figures only). */
const hasCommuneRows = (d: Definition): boolean => d.kind !== "growth" && d.kind !== "rank";

export const WORK_TABLES_SQL: readonly string[] = [
  `CREATE OR REPLACE TEMP TABLE audit_members (indicator VARCHAR, geo VARCHAR, subject VARCHAR, subject_key BIGINT,
     in_num BOOLEAN, in_den BOOLEAN)`,
  `CREATE OR REPLACE TEMP TABLE audit_reports_used (indicator VARCHAR, geo VARCHAR, breakdown VARCHAR, position BIGINT,
     type VARCHAR, data JSON, in_num BOOLEAN, in_den BOOLEAN)`,
  // a cell's number (`audit_cells`), not its three strings: at province scale the table has tens of millions of
  // rows, and copying, deduplicating and ordering integers costs a fraction of strings
  `CREATE OR REPLACE TEMP TABLE audit_events (cell INTEGER, position BIGINT, in_num BOOLEAN, in_den BOOLEAN)`,
];

/** The TEMP tables the audit may leave on the connection, entity states as known earlier included. */
export const WORK_TABLES: readonly string[] = [
  "audit_members",
  "audit_reports_used",
  "audit_events",
  "audit_cells",
  "audit_reports",
  "audit_leaf_new",
  "audit_leaf_hashes",
  ...ENTITY_KINDS.map((k) => `audit_ent_${k}`),
];

/**
 * The year-end states of `kind` for `year` only, as known at `position`, into `audit_ent_<kind>` (the same
 * query as the projection, over the facts visible at that position). With `geo`, only subjects that have a fact
 * resolved into that commune (the only ones that can be in it).
 */
export const asOfEntitySql = (kind: EntityKind, position: number, year: number, geo?: string): Sql => {
  const p = new Params();
  const visible = visibleSql(p, position);
  const y = p.bind(year);
  const onlyGeo =
    geo === undefined
      ? ""
      : ` AND subject IN (SELECT subject FROM facts WHERE kind = '${kind}' AND commune = ${p.bind(geo)})`;
  const state = entityStateSql(kind).replace(
    /^WITH /,
    `WITH years AS (SELECT CAST(${y} AS INTEGER) AS year),
     f AS (SELECT * FROM facts WHERE kind = '${kind}' AND ${visible}${onlyGeo}), `,
  );
  return sqlOf(`CREATE OR REPLACE TEMP TABLE audit_ent_${ident(kind)} AS ${state}`, p);
};

/** The standing reports as known at `position`, into `audit_reports`. */
export const asOfReportsSql = (position: number): Sql => {
  const p = new Params();
  return sqlOf(`CREATE OR REPLACE TEMP TABLE audit_reports AS ${standingReportsSql(p, position)}`, p);
};

/**
 * The subjects an entity-based indicator counts in the cells of `scope`: in the numerator (meeting `numerator`,
 * and `population` for a share) or in the denominator (meeting `population`, for a share). `relation` holds the
 * entity-year states (`ent_<kind>_year` at the checkpoint, `audit_ent_<kind>` as known earlier).
 */
export const membersSql = (e: CatalogEntry, relation: string, scope: Scope): Sql => {
  const p = new Params();
  const { inNum, inDen } = memberConditions(e, p);
  const code = p.bind(e.code);
  const one = typeof scope.communes === "object" ? p.bind(scope.communes.geo) : undefined;
  const where = `year = ${p.bind(scope.year)} AND commune IS NOT NULL${
    one !== undefined && !scope.province ? ` AND commune = ${one}` : ""
  }`;
  const parts: string[] = [];
  if (scope.communes === "all")
    parts.push(`SELECT ${code}, commune, subject, subject_key, in_num, in_den FROM m WHERE commune <> ''`);
  if (one !== undefined)
    parts.push(`SELECT ${code}, commune, subject, subject_key, in_num, in_den FROM m WHERE commune = ${one}`);
  if (scope.province) parts.push(`SELECT ${code}, 'province', subject, subject_key, in_num, in_den FROM m`);
  return sqlOf(
    `INSERT INTO audit_members
     WITH m AS (SELECT subject, subject_key, commune, ${inNum} AS in_num, ${inDen} AS in_den
                FROM ${ident(relation)}
                WHERE ${where})
     SELECT * FROM (${parts.join(" UNION ALL ")}) WHERE in_num OR in_den`,
    p,
  );
};

/** When a subject is in the numerator, and in the denominator, of an entity-based indicator (SQL conditions). */
const memberConditions = (e: CatalogEntry, p: Params): { inNum: string; inDen: string } => {
  const d = e.definition;
  if (!isEntityDefinition(d)) throw new Error(`${e.code} is not entity-based`);
  const num = conditionSql(d.numerator, p);
  const pop = d.kind === "share" ? conditionSql(d.population, p) : undefined;
  return { inNum: pop === undefined ? num : `(${pop}) AND (${num})`, inDen: pop ?? "false" };
};

/**
 * The communes of the states in `relation` for `year`, numbered from 1 in name order, into `table`: members are
 * then listed with their commune's number (`memberKeysSql`), an integer read far faster than its name.
 */
export const communeNumbersSql = (table: string, relation: string, year: number): Sql => {
  const p = new Params();
  return sqlOf(
    `CREATE OR REPLACE TEMP TABLE ${table} AS
     SELECT commune, CAST(row_number() OVER (ORDER BY commune) AS INTEGER) AS g
     FROM (SELECT DISTINCT commune FROM ${ident(relation)} WHERE year = ${p.bind(year)} AND commune IS NOT NULL)`,
    p,
  );
};

/**
 * The subjects an entity-based indicator counts in the year of `scope` (those `membersSql` lists, each once), as
 * (g, subject_key): the number of their commune in `communes` (`communeNumbersSql`; '' for a province-only
 * entity has one too) and their dictionary key. Which cells they are members of is the caller's to say.
 */
export const memberKeysSql = (e: CatalogEntry, relation: string, communes: string, scope: Scope): Sql => {
  const p = new Params();
  const { inNum, inDen } = memberConditions(e, p);
  const one =
    typeof scope.communes === "object" && !scope.province ? ` AND m.commune = ${p.bind(scope.communes.geo)}` : "";
  return sqlOf(
    `SELECT g.g, CAST(m.subject_key AS INTEGER) AS subject_key
     FROM ${ident(relation)} m JOIN ${communes} g ON g.commune = m.commune
     WHERE m.year = ${p.bind(scope.year)}${one} AND ((${inNum}) OR (${inDen}))`,
    p,
  );
};

/**
 * The events of subjects (`subjects`: a relation of subject keys, or every subject): their facts visible at
 * `position` dated on or before 31 December of `year`, and the retractions (at or before `position`) of their
 * facts so dated, as (subject_key, subject, position). A fact that any retraction withdrew has `retracted_by` set
 * (the first one's position, `markRetractedSql`), so only those are joined to the retractions: the join reads
 * their ids and subjects, not those of every fact (about 1 s against 3.5 s at 10 M facts).
 */
const subjectEventsCtes = (p: Params, position: number, year: number, subjects?: string): string => {
  const at = p.bind(position);
  const only = subjects === undefined ? "" : ` AND subject_key IN (SELECT subject_key FROM ${subjects})`;
  const dated = `position <= ${at} AND occurred_on <= make_date(${p.bind(year)}, 12, 31) AND type <> 'FactRetracted'${only}`;
  return `r AS (SELECT position, retracts, subject_key, subject FROM facts
           WHERE type = 'FactRetracted' AND position <= ${at}${only}),
     ev AS (SELECT subject_key, subject, position FROM facts
            WHERE ${dated} AND (retracted_by IS NULL OR retracted_by > ${at})
            UNION ALL
            SELECT r.subject_key, r.subject, r.position
            FROM (SELECT id, subject_key, subject FROM facts WHERE ${dated} AND retracted_by IS NOT NULL) f
            JOIN r ON r.retracts = f.id AND r.subject_key = f.subject_key AND r.subject = f.subject)`;
};

/** The members' events, from a relation `ev` (subject_key, subject, position), into `audit_events`. */
const membersJoinedTo = (ev: string): string => `SELECT c.cell, ev.position, m.in_num, m.in_den
     FROM audit_members m JOIN audit_cells c ON c.indicator = m.indicator AND c.geo = m.geo AND c.breakdown = ''
       JOIN ${ev} ev ON ev.subject_key = m.subject_key AND ev.subject = m.subject`;

/**
 * The events of the members (`subjectEventsCtes`). A member's facts are found by its integer key, not by a
 * semi-join of subject strings over every staged fact; the subject is compared too, as a log without a
 * dictionary keys a subject by a hash of it.
 */
export const memberEventsSql = (position: number, year: number): Sql => {
  const p = new Params();
  return sqlOf(
    `INSERT INTO audit_events
     WITH s AS (SELECT DISTINCT subject_key FROM audit_members),
     ${subjectEventsCtes(p, position, year, "s")}
     ${membersJoinedTo("ev")}`,
    p,
  );
};

/**
 * Every subject's events (`subjectEventsCtes`) into `table`: made once for the figures of one year and position
 * of a publish, whose shares of people list nearly the same members' events one after the other.
 */
export const subjectEventsSql = (table: string, position: number, year: number): Sql => {
  const p = new Params();
  return sqlOf(
    `CREATE OR REPLACE TEMP TABLE ${table} AS
     WITH ${subjectEventsCtes(p, position, year)}
     SELECT subject_key, subject, position FROM ev`,
    p,
  );
};

/**
 * Every subject's events (`subjectEventsCtes`) as (subject_key, position), both INTEGER: for a log whose keys are
 * its dictionary's (`Warehouse.dictionaryKeys`) and whose positions are below 2^31.
 */
export const subjectEventKeysSql = (position: number, year: number): Sql => {
  const p = new Params();
  return sqlOf(
    `WITH ${subjectEventsCtes(p, position, year)}
     SELECT CAST(subject_key AS INTEGER) AS subject_key, CAST(position AS INTEGER) AS position FROM ev`,
    p,
  );
};

/** How many facts of these kinds are visible at `position` and dated up to `year`'s end, about (retractions aside). */
export const eventsOfKindsSql = (kinds: readonly EntityKind[], position: number, year: number): Sql => {
  const p = new Params();
  return sqlOf(
    `SELECT CAST(count(*) AS DOUBLE) AS n FROM facts
     WHERE kind IN (${kinds.map((k) => p.bind(k)).join(", ")}) AND position <= ${p.bind(position)}
       AND occurred_on <= make_date(${p.bind(year)}, 12, 31)`,
    p,
  );
};

/** The events in `audit_events` (the reports' only, when members are listed apart) with their cells' keys. */
export const CELL_EVENTS_SQL = `SELECT c.indicator, c.geo, c.breakdown, CAST(e.position AS DOUBLE) AS position
  FROM audit_events e JOIN audit_cells c USING (cell)`;

/** The events of the members, from `table` (`subjectEventsSql`): the rows `memberEventsSql` gives. */
export const memberEventsFromSql = (table: string): string => `INSERT INTO audit_events ${membersJoinedTo(table)}`;

/**
 * The standing reports a reported field contributes to the cells of `scope`, following figuresSql.ts: of the
 * field's type, matching its `where`, with the breakdown value (`by`, value ALL left out), for the years the
 * figure reads (Y; ≤ Y when cumulative; Y and Y−1 for growth); for a commune, the reports resolved into it;
 * for the province, per year and breakdown the province-level reports when any exist, else every resolved one.
 */
export const reportsUsedSql = (
  e: CatalogEntry,
  field: ReportedField,
  role: ReportRole,
  reports: string,
  scope: Scope,
): Sql => {
  const d = e.definition;
  const p = new Params();
  const code = p.bind(e.code);
  const y = p.bind(scope.year);
  const by = d.kind === "reportedRatio" ? d.by : undefined;
  const breakdown = by === undefined ? "''" : `json_extract_string(data, '$.${by}')`;
  const filters = [
    `type = ${p.bind(field.fact)}`,
    ...Object.entries(field.where ?? {}).map(([k, v]) => `json_extract_string(data, '$.${k}') = ${p.bind(String(v))}`),
    ...(by === undefined ? [] : [`${breakdown} <> 'ALL'`]),
    d.kind === "growth"
      ? `year IN (${y}, ${y} - 1)`
      : d.kind === "reportedCount" && d.cumulative
        ? `year <= ${y}`
        : `year = ${y}`,
  ];
  const roles =
    role === "growth"
      ? `year = ${y} AS in_num, year = ${y} - 1 AS in_den`
      : `${role === "numerator"} AS in_num, ${role === "denominator"} AS in_den`;
  const cols = `breakdown, position, type, data, in_num, in_den`;
  const parts: string[] = [];
  if (hasCommuneRows(d) && scope.communes !== "none") {
    const one = typeof scope.communes === "object" ? ` AND commune = ${p.bind(scope.communes.geo)}` : "";
    parts.push(
      `SELECT ${code}, commune, ${cols} FROM raw WHERE commune_code IS NOT NULL AND commune IS NOT NULL${one}`,
    );
  }
  if (scope.province) {
    parts.push(`SELECT ${code}, 'province', ${cols} FROM (
        SELECT *, bool_or(commune_code IS NULL) OVER (PARTITION BY year, breakdown) AS has_province FROM raw)
      WHERE CASE WHEN has_province THEN commune_code IS NULL ELSE commune IS NOT NULL END`);
  }
  if (parts.length === 0) return sqlOf("SELECT 1 WHERE false");
  return sqlOf(
    `INSERT INTO audit_reports_used
     WITH raw AS (SELECT position, type, commune, commune_code, year, data, ${breakdown} AS breakdown, ${roles}
                  FROM ${ident(reports)} WHERE ${filters.join(" AND ")})
     ${parts.join(" UNION ALL ")}`,
    p,
  );
};

/** A report's key as one string: its type and every report key field (absent ones marked). */
export const reportKeySql = (alias: string): string =>
  `${alias}.type || ${REPORT_KEY_FIELDS.map(
    (k) => `'|' || coalesce(json_extract_string(${alias}.data, '$.${k}'), '-')`,
  ).join(" || ")}`;

/** The reports used, and the retractions (at or before `position`) of reports with the same type and key. */
export const reportEventsSql = (position: number): Sql => {
  const p = new Params();
  const at = p.bind(position);
  return sqlOf(
    `INSERT INTO audit_events
     WITH u AS (SELECT c.cell, u.* FROM audit_reports_used u JOIN audit_cells c USING (indicator, geo, breakdown))
     SELECT cell, position, in_num, in_den FROM u
     UNION ALL
     SELECT u.cell, r.position, u.in_num, u.in_den
     FROM u
     JOIN facts f ON f.type = u.type AND f.position <= ${at} AND ${reportKeySql("f")} = ${reportKeySql("u")}
     JOIN facts r ON r.type = 'FactRetracted' AND r.position <= ${at} AND r.retracts = f.id AND r.subject = f.subject`,
    p,
  );
};

/**
 * The cells of `audit_members` and `audit_reports_used`, numbered, into `audit_cells`: made before their events,
 * which name them by number. A cell whose members and reports have no event gets no digest (none has).
 */
export const CELLS_SQL = `CREATE OR REPLACE TEMP TABLE audit_cells AS
  SELECT CAST(row_number() OVER () AS INTEGER) AS cell, indicator, geo, breakdown
  FROM (SELECT DISTINCT indicator, geo, '' AS breakdown FROM audit_members
        UNION SELECT DISTINCT indicator, geo, breakdown FROM audit_reports_used)`;

/**
 * The positions whose leaf hashes a `LeafCache` holds in JavaScript, listed on the warehouse's connection in a
 * TEMP table of that cache's own (`table`, from `leafCacheTable`): another cache, such as the one of a single
 * figure's digest, does not read them as its own.
 */
export const leafCacheTable = (id: number): string => `audit_leaf_cache_${id}`;
export const leafCacheSql = (table: string): string => `CREATE TEMP TABLE IF NOT EXISTS ${table} (position BIGINT)`;
export const NEW_LEAVES = "audit_leaf_new"; // in WORK_TABLES
/** The positions of leaves to read, listed by the caller (`Warehouse.appendIntegers`). */
export const NEW_LEAVES_TABLE_SQL = `CREATE OR REPLACE TEMP TABLE ${NEW_LEAVES} (position INTEGER)`;

/**
 * The positions of `audit_events` whose leaf hashes are not held yet (after `heldUpTo`, which are all held, and
 * not in `table`), into `audit_leaf_new`.
 */
export const newLeavesSql = (table: string, heldUpTo: number): Sql => {
  const p = new Params();
  return sqlOf(
    `CREATE OR REPLACE TEMP TABLE ${NEW_LEAVES} AS
     SELECT DISTINCT position FROM audit_events WHERE position > ${p.bind(heldUpTo)}
     EXCEPT SELECT position FROM ${table}`,
    p,
  );
};

/** How many they are, and the last. */
export const NEW_LEAVES_SPAN_SQL = `SELECT CAST(count(*) AS DOUBLE) AS n, CAST(coalesce(max(position), 0) AS DOUBLE) AS top
  FROM ${NEW_LEAVES}`;

/**
 * Their positions (DOUBLE: exact to 2^53) and chain hashes from the log (`eventsTable`), in three slices
 * (`LeafStore.putSlices`).
 */
export const newChainHashesSql = (eventsTable: string): Sql =>
  sqlOf(`CREATE OR REPLACE TEMP TABLE ${NEW_LEAF_HASHES} AS
    SELECT CAST(n.position AS DOUBLE) AS position, l.hash[1:12], l.hash[13:24], l.hash[25:32]
    FROM ${NEW_LEAVES} n JOIN ${qualified(eventsTable)} l ON l.position = n.position`);

/**
 * The table `newChainHashesSql` fills, read back in chunks. The join is written to it first and then streamed:
 * streamed straight from the join, the same rows took 1.25–1.37 s against 0.29 s (356,002 of 10 M events).
 */
export const NEW_LEAF_HASHES = "audit_leaf_hashes"; // in WORK_TABLES
export const NEW_LEAF_HASHES_READ_SQL = `SELECT * FROM ${NEW_LEAF_HASHES}`;

/** The positions and chain hashes (as `newChainHashesSql`) of every event of the log in (after, upTo]. */
export const rangeChainHashesSql = (eventsTable: string, after: number, upTo: number): Sql => {
  const p = new Params();
  return sqlOf(
    `SELECT CAST(position AS DOUBLE) AS position, hash[1:12], hash[13:24], hash[25:32] FROM ${qualified(eventsTable)}
     WHERE position > ${p.bind(after)} AND position <= ${p.bind(upTo)}`,
    p,
  );
};

/** Once their leaf hashes are held: they join the held positions. */
export const heldLeavesSql = (table: string): string => `INSERT INTO ${table} SELECT position FROM ${NEW_LEAVES}`;
export const DROP_NEW_LEAVES_SQL = `DROP TABLE IF EXISTS ${NEW_LEAVES}`;
export const DROP_NEW_LEAF_HASHES_SQL = `DROP TABLE IF EXISTS ${NEW_LEAF_HASHES}`;

/**
 * Every cell's leaves: its distinct contributing events' positions (DOUBLE), ordered by cell and position, for
 * `TreesOfPositions`.
 */
export const CELL_POSITIONS_SQL = `SELECT cell, CAST(position AS DOUBLE) AS position
  FROM (SELECT DISTINCT cell, position FROM audit_events)
  ORDER BY cell, position`;
