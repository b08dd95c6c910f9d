/**
 * The warehouse schema: every table and view a statistician may query, with comments (DuckDB's
 * `duckdb_tables()` / `duckdb_columns()` show them). Restricted tables hold raw and small-cell figures;
 * `published_*` views apply small-cell suppression.
 */
import { disclosedSql, withheldSql } from "./disclosureSql.js";
import { isSpanKind, SPAN_COLUMNS, spanYearsSql } from "./entitySql.js";

export const WAREHOUSE_DDL = `
CREATE TABLE IF NOT EXISTS projection_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
COMMENT ON TABLE projection_meta IS 'Projection state: checkpoint (last log position folded), its vintage, the year range and the catalog hash. Written in the same transaction as the tables.';

CREATE TABLE IF NOT EXISTS quarantine (
  position BIGINT PRIMARY KEY, id VARCHAR NOT NULL, type VARCHAR NOT NULL, source VARCHAR NOT NULL,
  reason VARCHAR NOT NULL, quarantined_at TIMESTAMPTZ NOT NULL, cleared_at TIMESTAMPTZ, cleared_note VARCHAR
);
COMMENT ON TABLE quarantine IS 'RESTRICTED. Events of the log the fold could not take (reason = the error): they stay in the log but are left out of every table, so the rest keeps folding. cleared_at/cleared_note: an operator confirmed a correcting fact (kpi quarantine clear). Kept across rebuilds.';

CREATE TABLE IF NOT EXISTS communes (
  code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, type VARCHAR NOT NULL, type_en VARCHAR NOT NULL,
  old_province VARCHAR NOT NULL, area_km2 DOUBLE, population BIGINT, population_flag VARCHAR,
  resolution VARCHAR, resolution_clause INTEGER, n_old_units INTEGER
);
COMMENT ON TABLE communes IS 'The 102 communes and wards (xã, phường) of Đồng Tháp since 1 July 2025 (Nghị quyết 1663/NQ-UBTVQH15; codes from Công văn 1027/CTK-CSCL). population_flag SUSPECT_LOW marks figures that look wrong in the source; they are not used as denominators.';

CREATE TABLE IF NOT EXISTS crosswalk (
  line INTEGER NOT NULL, old_code VARCHAR NOT NULL, old_name VARCHAR NOT NULL, old_province_code VARCHAR NOT NULL,
  old_district VARCHAR NOT NULL, new_code VARCHAR NOT NULL, new_name VARCHAR NOT NULL, merge_type VARCHAR NOT NULL,
  resolution_clause INTEGER
);
COMMENT ON TABLE crosswalk IS 'Old commune (before 2025-07-01) to current commune. merge_type partial: the old unit was split; its facts go to the first row listed (see docs/semantics.md).';

CREATE TABLE IF NOT EXISTS commune_resolution (
  code VARCHAR NOT NULL, era VARCHAR NOT NULL, commune VARCHAR NOT NULL, partial BOOLEAN NOT NULL,
  PRIMARY KEY (code, era)
);
COMMENT ON TABLE commune_resolution IS 'How a commune code on a fact resolves: era old (occurredOn before 2025-07-01) or current, to a current commune.';

CREATE TABLE IF NOT EXISTS facts (
  position BIGINT NOT NULL, id VARCHAR NOT NULL, type VARCHAR NOT NULL, subject VARCHAR NOT NULL,
  kind VARCHAR NOT NULL, occurred_on DATE NOT NULL, ord BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,
  source VARCHAR NOT NULL, data JSON NOT NULL,
  commune_code VARCHAR, commune VARCHAR, geo_note VARCHAR,
  fam VARCHAR, sign TINYINT, attr_key VARCHAR,
  birth_year INTEGER, valid_until DATE, form VARCHAR, size VARCHAR, sector VARCHAR, digital_tech BOOLEAN,
  stars INTEGER, facility_kind VARCHAR, rep_year INTEGER,
  retracts VARCHAR, retracted_by BIGINT, reported_on DATE, subject_key BIGINT NOT NULL
);
COMMENT ON TABLE facts IS 'RESTRICTED. Every event of the log, flattened: typed columns for the fields the indicators use, the commune resolved onto the current communes (NULL when unknown), and retracted_by = position of the retraction that withdrew it.';

CREATE TABLE IF NOT EXISTS geo_warnings (
  commune_code VARCHAR NOT NULL, era VARCHAR NOT NULL, reason VARCHAR NOT NULL, facts BIGINT NOT NULL,
  PRIMARY KEY (commune_code, era, reason)
);
COMMENT ON TABLE geo_warnings IS 'Facts whose commune could not be resolved (unknown commune) or came from a split old commune (partial split, first listed new commune used).';

CREATE TABLE IF NOT EXISTS cell_counts (
  indicator VARCHAR NOT NULL, commune VARCHAR NOT NULL, year INTEGER NOT NULL,
  num BIGINT NOT NULL, den BIGINT NOT NULL, ent BIGINT NOT NULL,
  PRIMARY KEY (indicator, commune, year)
);
COMMENT ON TABLE cell_counts IS 'RESTRICTED. Entity counts per indicator, commune and year: num (meeting the numerator), den (meeting the population of a share), ent (existing entities of the kind). commune '''' = entities known only at province level.';

CREATE TABLE IF NOT EXISTS indicator_values (
  indicator VARCHAR NOT NULL, geo VARCHAR NOT NULL, level VARCHAR NOT NULL, year INTEGER NOT NULL, breakdown VARCHAR NOT NULL,
  numerator BIGINT, denominator BIGINT, numerator_amount DECIMAL(20,3), denominator_amount DECIMAL(20,3),
  value DOUBLE, unit VARCHAR NOT NULL,
  target_year INTEGER, target_op VARCHAR, target_value DOUBLE, trajectory DOUBLE, status VARCHAR NOT NULL,
  suppressed BOOLEAN NOT NULL, position BIGINT NOT NULL, vintage DATE NOT NULL, definition_hash VARCHAR NOT NULL,
  baseline_year INTEGER, baseline_value DOUBLE, baseline_source VARCHAR,
  provisional BOOLEAN NOT NULL, estimated BOOLEAN NOT NULL, break_in_series BOOLEAN NOT NULL,
  implausible BOOLEAN NOT NULL, implausible_reason VARCHAR
);
COMMENT ON TABLE indicator_values IS 'RESTRICTED. Every indicator by geography (province or commune) and year, as known at the checkpoint (log position, and vintage = the last recording day folded): numerator, denominator, value, the target applied, baseline, trajectory, status (met / missed / on_track / off_track / baseline / no_data / no_target), small-cell flag, quality flags and definition hash. Earlier vintages are in indicator_revisions.';
COMMENT ON COLUMN indicator_values.status IS 'Against the target applied: met, missed (a year after its target year, not met), baseline (the first year of a series measured from it: not judged), on_track, off_track, no_data, no_target (docs/semantics.md).';
COMMENT ON COLUMN indicator_values.suppressed IS 'A commune figure whose denominator is below the small-cell threshold (the primary small-cell rule; published_indicator_values also withholds secondary cells).';
COMMENT ON COLUMN indicator_values.baseline_year IS 'The year the trajectory starts from: the plan''s stated base year (baseline_source plan) or the series'' first year with a value (first_year).';
COMMENT ON COLUMN indicator_values.baseline_value IS 'The value the trajectory starts from, at baseline_year.';
COMMENT ON COLUMN indicator_values.baseline_source IS 'plan: the base value stated in the plan; first_year: the series'' first year with a value (its status is baseline).';
COMMENT ON COLUMN indicator_values.provisional IS 'The year is still open to late reports: the vintage is before 1 October of the following year.';
COMMENT ON COLUMN indicator_values.estimated IS 'The denominator is an estimate (PopulationEstimated, HouseholdsEstimated) or the commune''s population is flagged SUSPECT_LOW; a province carries its communes'' flag.';
COMMENT ON COLUMN indicator_values.break_in_series IS 'Not comparable with the years before: the commune took part in a partial split of 1 July 2025 (flagged on 2025); a province carries its communes'' flag.';
COMMENT ON COLUMN indicator_values.implausible IS 'A share above 100 %, or a denominator that moved by more than 50 % from the year before without a break; a province carries its communes'' flag. The reason is in implausible_reason.';
COMMENT ON COLUMN indicator_values.implausible_reason IS 'Why the figure is implausible (NULL when it is not), with the numbers, or the communes that are.';

CREATE TABLE IF NOT EXISTS indicator_revisions (
  indicator VARCHAR NOT NULL, geo VARCHAR NOT NULL, year INTEGER NOT NULL, breakdown VARCHAR NOT NULL,
  vintage DATE NOT NULL, position BIGINT NOT NULL,
  numerator BIGINT, denominator BIGINT, numerator_amount DECIMAL(20,3), denominator_amount DECIMAL(20,3),
  value DOUBLE, definition_hash VARCHAR, target_op VARCHAR, target_value DOUBLE, cause VARCHAR NOT NULL
);
COMMENT ON TABLE indicator_revisions IS 'RESTRICTED. How each figure moved: one row per vintage (the UTC day facts were recorded) in which its numerator, denominator, definition or target changed, with the figure as known at the end of that vintage and the cause: data (new or retracted facts), definition (a catalog change: a definition amended or a target revised) or both.';

CREATE TABLE IF NOT EXISTS indicator_forecasts (
  indicator VARCHAR NOT NULL, geo VARCHAR NOT NULL, level VARCHAR NOT NULL, breakdown VARCHAR NOT NULL,
  year INTEGER NOT NULL, value DOUBLE NOT NULL, lo DOUBLE NOT NULL, hi DOUBLE NOT NULL, coverage DOUBLE NOT NULL,
  method VARCHAR NOT NULL, base_year INTEGER NOT NULL, observations INTEGER NOT NULL,
  target_op VARCHAR, target_value DOUBLE, forecast_status VARCHAR,
  position BIGINT NOT NULL, vintage DATE NOT NULL, definition_hash VARCHAR NOT NULL,
  PRIMARY KEY (indicator, geo, breakdown, year)
);
COMMENT ON TABLE indicator_forecasts IS 'RESTRICTED. FORECASTS, not observed figures: for every indicator × geography (× breakdown) series with enough values in indicator_values, the forecast of each year after its last value (base_year) up to its last target year, with the prediction interval lo–hi of nominal coverage, the method (naive / drift / trend, see docs/forecasts.md) and, for a target year, the target and forecast_status (likely: the whole interval meets the target; at_risk: none of it does; uncertain). Recomputed with the figures they come from (position, vintage, definition_hash).';

CREATE TABLE IF NOT EXISTS indicators (
  code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL, area VARCHAR NOT NULL,
  measure VARCHAR NOT NULL, unit VARCHAR NOT NULL, direction VARCHAR NOT NULL, population_vi VARCHAR NOT NULL,
  population_en VARCHAR NOT NULL, definition JSON NOT NULL, definition_hash VARCHAR NOT NULL, facts VARCHAR[] NOT NULL,
  parts VARCHAR NOT NULL,
  baseline_year INTEGER, baseline_value DOUBLE, amended_at BIGINT
);
COMMENT ON COLUMN indicators.baseline_year IS 'The base year the plan states for the province figure (NULL: the plan states none; trajectories start from the first year with a value).';
COMMENT ON COLUMN indicators.baseline_value IS 'The base value the plan states for baseline_year.';
COMMENT ON TABLE indicators IS 'The indicator catalog (packages/reference/catalog) as in force at the checkpoint, i.e. amended by the catalog changes recorded in the log (table catalog_changes): Vietnamese and English names, how each is measured, and the hash of its definition.';

CREATE TABLE IF NOT EXISTS breakdown_labels (code VARCHAR PRIMARY KEY, name_vi VARCHAR NOT NULL, name_en VARCHAR NOT NULL);
COMMENT ON TABLE breakdown_labels IS 'Names in Vietnamese and English of the breakdown values: VSIC 2018 sections (A–U), ALL, and the empty value (the overall figure).';

CREATE TABLE IF NOT EXISTS indicator_targets (
  indicator VARCHAR NOT NULL, year INTEGER NOT NULL, op VARCHAR NOT NULL, value DOUBLE NOT NULL,
  document VARCHAR NOT NULL, section VARCHAR NOT NULL, note VARCHAR,
  position BIGINT, effective_on DATE, changed_by VARCHAR
);
COMMENT ON TABLE indicator_targets IS 'Every target in force at the checkpoint: indicator, year, operator, value, and the document and section it comes from; a target set by a TargetRevised fact carries its log position, effective date and who changed it (NULL: as in the shipped catalog).';

CREATE TABLE IF NOT EXISTS catalog_changes (
  position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, id VARCHAR NOT NULL, type VARCHAR NOT NULL,
  indicator VARCHAR NOT NULL, effective_on DATE NOT NULL, changed_by VARCHAR NOT NULL, plan VARCHAR NOT NULL,
  section VARCHAR NOT NULL, change JSON NOT NULL, applied BOOLEAN NOT NULL, problem VARCHAR
);
COMMENT ON TABLE catalog_changes IS 'The catalog changes on the record at the checkpoint (TargetRevised, IndicatorDefinitionAmended facts not retracted), in log order: who changed what, when it takes effect and under which plan section. applied false: it changed nothing (problem says why).';
`;

/** Views for publication and for statisticians; created after the tables. */
export const WAREHOUSE_VIEWS = `
CREATE OR REPLACE VIEW published_indicator_values AS
SELECT v.indicator, i.name_vi, i.name_en, v.geo, c.name AS geo_name, v.level, v.year, v.breakdown,
  b.name_vi AS breakdown_vi, b.name_en AS breakdown_en,
  i.parts, v.numerator, v.denominator, v.numerator_amount, v.denominator_amount, v.value, v.unit, v.target_year, v.target_op, v.target_value, v.trajectory, v.status,
  -- whether a cell is withheld, not why: which of two withheld cells is the small one is itself a disclosure
  v.disclosed_suppressed AS suppressed, v.position, v.vintage, v.definition_hash, v.baseline_year, v.baseline_value,
  v.baseline_source, v.provisional, v.estimated, v.break_in_series, v.implausible, v.implausible_reason
-- what a withheld cell and its series show: disclosedSql (docs/semantics.md, "What is withheld")
FROM (${disclosedSql(withheldSql("SELECT * FROM indicator_values", "suppressed"))}) v
JOIN indicators i ON i.code = v.indicator LEFT JOIN communes c ON c.code = v.geo
LEFT JOIN breakdown_labels b ON b.code = v.breakdown;
COMMENT ON VIEW published_indicator_values IS 'Indicator values fit for publication: numerator, denominator, value and status are withheld (suppressed true, status NULL) for commune figures with a denominator below the small-cell threshold, and for a second commune, or the province, wherever one withheld commune could otherwise be recovered by subtracting the published communes from the province; a series with any withheld value shows no trajectory or baseline, and no on_track/off_track status where its trajectory runs from a withheld first value. Which of the withheld cells is the small one is not said. Includes Vietnamese and English indicator names and commune names.';

CREATE OR REPLACE VIEW province_scorecard AS
SELECT i.area, v.indicator, i.name_vi, i.name_en, v.year, v.breakdown, v.value, v.unit, v.target_year, v.target_op,
  v.target_value, v.baseline_year, v.baseline_value, v.baseline_source, v.status, v.provisional, v.estimated,
  v.break_in_series, v.implausible, v.implausible_reason
FROM indicator_values v JOIN indicators i ON i.code = v.indicator WHERE v.level = 'province';
COMMENT ON VIEW province_scorecard IS 'The province against every target: one row per indicator, year (and breakdown) with status met / missed / on_track / off_track / baseline / no_data / no_target, and the quality flags.';

CREATE OR REPLACE VIEW source_completeness AS
WITH f AS (
  SELECT source, commune, CAST(year(occurred_on) AS INTEGER) AS year, type,
         date_diff('day', occurred_on, reported_on) AS lag
  FROM facts
  WHERE retracted_by IS NULL AND type <> 'FactRetracted' AND commune IS NOT NULL AND commune <> ''),
range_ AS (
  SELECT CAST(split_part(value, '-', 1) AS INTEGER) AS y0, CAST(split_part(value, '-', 2) AS INTEGER) AS y1
  FROM projection_meta WHERE key = 'years'),
kinds AS (SELECT source, count(DISTINCT type) AS expected FROM f, range_ WHERE year BETWEEN y0 AND y1 GROUP BY source),
spans AS (SELECT source, min(year) AS y0, max(year) AS y1 FROM f, range_ r WHERE year BETWEEN r.y0 AND r.y1 GROUP BY source),
grid AS (
  SELECT c.source, c.commune, CAST(unnest(range(s.y0, s.y1 + 1)) AS INTEGER) AS year
  FROM (SELECT DISTINCT f.source, f.commune FROM f JOIN spans s ON s.source = f.source
        WHERE f.year BETWEEN s.y0 AND s.y1) c JOIN spans s ON s.source = c.source),
got AS (
  SELECT source, commune, year, count(*) AS facts, count(DISTINCT type) AS received,
         count(*) FILTER (WHERE lag > 90) AS late, median(lag) AS median_lag, quantile_disc(lag, 0.9) AS p90_lag,
         max(lag) AS max_lag
  FROM f GROUP BY ALL)
SELECT g.source, g.commune, cm.name AS commune_name, g.year,
  CAST(k.expected AS INTEGER) AS reports_expected, CAST(coalesce(got.received, 0) AS INTEGER) AS reports_received,
  CAST(coalesce(got.facts, 0) AS BIGINT) AS facts, CAST(coalesce(got.late, 0) AS BIGINT) AS late_facts,
  CAST(got.median_lag AS INTEGER) AS median_lag_days, CAST(got.p90_lag AS INTEGER) AS p90_lag_days,
  CAST(got.max_lag AS INTEGER) AS max_lag_days
FROM grid g JOIN kinds k ON k.source = g.source
LEFT JOIN got ON got.source = g.source AND got.commune = g.commune AND got.year = g.year
LEFT JOIN communes cm ON cm.code = g.commune;
COMMENT ON VIEW source_completeness IS 'Completeness and timeliness per source, commune and year (of occurrence, within the warehouse''s years): reports_expected = the kinds of fact the source files anywhere, reports_received = the kinds it filed for that commune and year; facts, late_facts (reported more than 90 days after they occurred) and the lag from occurrence to report in days (median, 90th percentile, max), the report being the fact''s reportedOn, else the day the log recorded it (facts.reported_on). A source is expected every year from its first to its last year with facts, for every commune it ever reported on. Retracted facts and facts without a resolved commune are left out.';

CREATE OR REPLACE VIEW published_indicator_forecasts AS
SELECT f.indicator, i.name_vi, i.name_en, f.geo, c.name AS geo_name, f.level, f.breakdown, f.year,
  f.value AS forecast, f.lo AS forecast_lo, f.hi AS forecast_hi, f.coverage, f.method, f.base_year, f.observations,
  f.target_op, f.target_value, f.forecast_status, f.position, f.vintage, f.definition_hash
FROM indicator_forecasts f JOIN indicators i ON i.code = f.indicator LEFT JOIN communes c ON c.code = f.geo
-- a series with any withheld value is not forecast in public: its forecast would carry the small cells on
WHERE NOT EXISTS (SELECT 1 FROM published_indicator_values v
                  WHERE v.indicator = f.indicator AND v.geo = f.geo AND v.breakdown = f.breakdown AND v.suppressed);
COMMENT ON VIEW published_indicator_forecasts IS 'FORECASTS, never observed figures: indicator_forecasts fit for publication (series with any withheld value left out), with indicator and commune names. forecast_lo–forecast_hi is the prediction interval of nominal coverage; forecast_status says, for a target year, whether the target is likely, uncertain or at_risk.';

CREATE OR REPLACE VIEW published_indicator_revisions AS
SELECT indicator, geo, year, breakdown, vintage, position, numerator, denominator, numerator_amount,
  denominator_amount, value, definition_hash, target_op, target_value, cause
FROM indicator_revisions WHERE geo = 'province';
COMMENT ON VIEW published_indicator_revisions IS 'How each province figure moved as late reports arrived and as its definition or target was changed: one row per recording day (vintage) on which it changed, with the cause (data, definition, both). Commune revisions stay restricted (an early vintage can be a small cell).';
`;

/**
 * What may leave the restricted warehouse: the tables and views of `kpi export` and of the public snapshot
 * that any DuckDB client opens. No subject identifier and no withheld cell is in any of them.
 */
export const PUBLISHED_RELATIONS = [
  "published_indicator_values",
  "source_completeness",
  "published_indicator_revisions",
  "published_indicator_forecasts",
  "province_scorecard",
  "indicators",
  "indicator_targets",
  "catalog_changes",
  "breakdown_labels",
  "communes",
  "crosswalk",
  "geo_warnings",
] as const;

export type PublishedRelation = (typeof PUBLISHED_RELATIONS)[number];

/** A held cell matching the row `t` (a figure of the cube, or the province scorecard's). */
const heldCell = (geo: string) =>
  `EXISTS (SELECT 1 FROM held_cells h WHERE h.indicator = t.indicator AND h.geo = ${geo} AND h.year = t.year
           AND h.breakdown = t.breakdown)`;

/**
 * What the public may read of a published relation: every row but those of the cells under embargo (TEMP table
 * `held_cells`, see `audit/embargo.ts`). A forecast rests on its whole series, so a series with a held cell has
 * no forecast; the other relations hold no figure.
 */
export const publicRowsSql = (name: PublishedRelation): string => {
  const held =
    name === "published_indicator_values" || name === "published_indicator_revisions"
      ? heldCell("t.geo")
      : name === "province_scorecard"
        ? heldCell("'province'")
        : name === "published_indicator_forecasts"
          ? `EXISTS (SELECT 1 FROM held_cells h WHERE h.indicator = t.indicator AND h.geo = t.geo
                     AND h.breakdown = t.breakdown)`
          : undefined;
  return `SELECT * FROM ${name} t${held === undefined ? "" : ` WHERE NOT ${held}`} ORDER BY ALL`;
};

export const entityTableDdl = (kind: string, columns: readonly [string, string][]): string => {
  const comment = `State of each ${kind} at the end of each year (see docs/semantics.md), as known at the checkpoint. commune NULL: unknown commune; empty: province only.`;
  if (!isSpanKind(kind)) {
    return `
CREATE TABLE IF NOT EXISTS ent_${kind}_year (subject_key BIGINT NOT NULL, subject VARCHAR NOT NULL, year INTEGER NOT NULL, commune VARCHAR, ${columns
      .map(([c, t]) => `${c} ${t}`)
      .join(", ")});
COMMENT ON TABLE ent_${kind}_year IS 'RESTRICTED. ${comment}';`;
  }
  return `
CREATE TABLE IF NOT EXISTS ent_${kind}_span (subject_key BIGINT NOT NULL, subject VARCHAR NOT NULL, from_year INTEGER NOT NULL, until_year INTEGER NOT NULL, commune VARCHAR, ${SPAN_COLUMNS[
    kind
  ]
    .map(([c, t]) => `${c} ${t}`)
    .join(", ")});
COMMENT ON TABLE ent_${kind}_span IS 'RESTRICTED. State of each ${kind} over a span of years: it holds at the end of every year from from_year to until_year - 1, and changes at until_year (see ent_${kind}_year, which gives a row per year).';
CREATE OR REPLACE VIEW ent_${kind}_year AS ${spanYearsSql(kind, `ent_${kind}_span`)};
COMMENT ON VIEW ent_${kind}_year IS 'RESTRICTED. ${comment} A row per year of each span of ent_${kind}_span.';`;
};
