/**
 * The warehouse schema: every table and view a statistician may query, with comments (DuckDB's
 * `duckdb_tables()` / `duckdb_columns()` show them). Restricted tables hold raw and small-cell figures;
 * `published_*` views apply small-cell suppression.
 */
import { withheldSql } from "./disclosureSql.js";

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
  retracts VARCHAR, retracted_by BIGINT
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
  numerator DECIMAL(20,3), denominator DECIMAL(20,3), value DOUBLE, unit VARCHAR NOT NULL,
  target_year INTEGER, target_op VARCHAR, target_value DOUBLE, trajectory DOUBLE, status VARCHAR NOT NULL,
  suppressed BOOLEAN NOT NULL, position BIGINT NOT NULL, vintage DATE NOT NULL, definition_hash VARCHAR NOT NULL
);
COMMENT ON TABLE indicator_values IS 'RESTRICTED. Every indicator by geography (province or commune) and year, as known at the checkpoint (log position, and vintage = the last recording day folded): numerator, denominator, value, the target applied, trajectory, status (met / on_track / off_track / no_data), small-cell flag and definition hash. Earlier vintages are in indicator_revisions.';

CREATE TABLE IF NOT EXISTS indicator_revisions (
  indicator VARCHAR NOT NULL, geo VARCHAR NOT NULL, year INTEGER NOT NULL, breakdown VARCHAR NOT NULL,
  vintage DATE NOT NULL, position BIGINT NOT NULL,
  numerator DECIMAL(20,3), denominator DECIMAL(20,3), value DOUBLE
);
COMMENT ON TABLE indicator_revisions IS 'RESTRICTED. How each figure moved: one row per vintage (the UTC day facts were recorded) in which it changed, with the value as known at the end of that vintage.';

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
  population_en VARCHAR NOT NULL, definition JSON NOT NULL, definition_hash VARCHAR NOT NULL, facts VARCHAR[] NOT NULL
);
COMMENT ON TABLE indicators IS 'The indicator catalog (seeds/catalog): Vietnamese and English names, how each is measured, and the hash of its definition.';

CREATE TABLE IF NOT EXISTS indicator_targets (
  indicator VARCHAR NOT NULL, year INTEGER NOT NULL, op VARCHAR NOT NULL, value DOUBLE NOT NULL,
  document VARCHAR NOT NULL, section VARCHAR NOT NULL, note VARCHAR
);
COMMENT ON TABLE indicator_targets IS 'Every target in the plans: indicator, year, operator, value, and the document and section it comes from.';
`;

/** Views for publication and for statisticians; created after the tables. */
export const WAREHOUSE_VIEWS = `
CREATE OR REPLACE VIEW published_indicator_values AS
SELECT v.indicator, i.name_vi, i.name_en, v.geo, c.name AS geo_name, v.level, v.year, v.breakdown,
  CASE WHEN v.withheld IS NOT NULL THEN NULL ELSE v.numerator END AS numerator,
  CASE WHEN v.withheld IS NOT NULL THEN NULL ELSE v.denominator END AS denominator,
  CASE WHEN v.withheld IS NOT NULL THEN NULL ELSE v.value END AS value,
  v.unit, v.target_year, v.target_op, v.target_value,
  -- a commune's trajectory may start from its first value, so it is withheld wherever any of its values is
  CASE WHEN bool_or(v.withheld IS NOT NULL) OVER (PARTITION BY v.indicator, v.geo, v.breakdown) THEN NULL
       ELSE v.trajectory END AS trajectory,
  CASE WHEN v.withheld IS NOT NULL THEN 'suppressed' ELSE v.status END AS status,
  -- whether a cell is withheld, not why: which of two withheld cells is the small one is itself a disclosure
  v.withheld IS NOT NULL AS suppressed, v.position, v.vintage, v.definition_hash
FROM (${withheldSql("SELECT * FROM indicator_values", "suppressed")}) v
JOIN indicators i ON i.code = v.indicator LEFT JOIN communes c ON c.code = v.geo;
COMMENT ON VIEW published_indicator_values IS 'Indicator values fit for publication: numerator, denominator and value are withheld (status suppressed) for commune figures with a denominator below the small-cell threshold, and for a second commune, or the province, wherever one withheld commune could otherwise be recovered by subtracting the published communes from the province; a commune series with any withheld value shows no trajectory. Which of the withheld cells is the small one is not said. Includes Vietnamese and English indicator names and commune names.';

CREATE OR REPLACE VIEW province_scorecard AS
SELECT i.area, v.indicator, i.name_vi, i.name_en, v.year, v.breakdown, v.value, v.unit, v.target_year, v.target_op,
  v.target_value, v.status
FROM indicator_values v JOIN indicators i ON i.code = v.indicator WHERE v.level = 'province';
COMMENT ON VIEW province_scorecard IS 'The province against every target: one row per indicator, year (and breakdown) with status met / on_track / off_track / no_data.';

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
SELECT indicator, geo, year, breakdown, vintage, position, numerator, denominator, value
FROM indicator_revisions WHERE geo = 'province';
COMMENT ON VIEW published_indicator_revisions IS 'How each province figure moved as late reports arrived: one row per recording day (vintage) on which it changed. Commune revisions stay restricted (an early vintage can be a small cell).';
`;

/**
 * What may leave the restricted warehouse: the tables and views of `kpi export` and of the public snapshot
 * that any DuckDB client opens. No subject identifier and no withheld cell is in any of them.
 */
export const PUBLISHED_RELATIONS = [
  "published_indicator_values",
  "published_indicator_revisions",
  "published_indicator_forecasts",
  "province_scorecard",
  "indicators",
  "indicator_targets",
  "communes",
  "crosswalk",
  "geo_warnings",
] as const;

export const entityTableDdl = (kind: string, columns: readonly [string, string][]): string => `
CREATE TABLE IF NOT EXISTS ent_${kind}_year (subject VARCHAR NOT NULL, year INTEGER NOT NULL, commune VARCHAR, ${columns
  .map(([c, t]) => `${c} ${t}`)
  .join(", ")});
COMMENT ON TABLE ent_${kind}_year IS 'RESTRICTED. State of each ${kind} at the end of each year (see docs/semantics.md), as known at the checkpoint. commune NULL: unknown commune; empty: province only.';`;
