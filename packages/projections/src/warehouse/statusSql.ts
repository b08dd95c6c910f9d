/**
 * From raw figures (`raw_values`: indicator, geo, year, breakdown, the parts — numerator, denominator for counts,
 * numerator_amount, denominator_amount for amounts — and value) to the rows
 * of `indicator_values`: the target applied, the baseline, the trajectory, the status and the quality flags
 * (`qualitySql.ts`). The rules are those of "Status against targets" in docs/semantics.md:
 *
 * - the target applied to year Y is the nearest target year ≥ Y, else the last target;
 * - the baseline of a series is the plan's stated base value (province, no breakdown, where the catalog entry
 *   has `baseline`), otherwise the series' first year with a value (`baseline_source` 'plan' / 'first_year');
 * - the trajectory runs linearly from the previous target (when it is not before the baseline) or from the
 *   baseline to the target; from the target year on it is the target;
 * - status: no_data (no value), no_target, met (the operator holds), missed (a year after its target year, not
 *   met), baseline (the first year of a series whose baseline is that year: not judged), on_track (at least
 *   the trajectory; at most for lower_is_better), off_track.
 *
 * The API's `judge` (figures as of an earlier vintage) follows the same rules; a test checks they agree.
 */
import type { CatalogEntry } from "@kpi/core";
import { smallCellSql } from "./disclosureSql.js";
import { flagsSql, provisionalSql } from "./qualitySql.js";
import type { Params } from "./sql.js";

/** The INSERT of `indicator_values` rows for `entries`, from `raw_values`, at a position and vintage. */
export const indicatorValuesSql = (
  entries: readonly CatalogEntry[],
  position: number,
  vintage: string,
  smallCellThreshold: number,
  p: Params,
): string => {
  const v = `CAST(${p.bind(vintage)} AS DATE)`;
  return `INSERT INTO indicator_values BY NAME
WITH flagged AS (${flagsSql(entries, "SELECT * FROM raw_values", p)}),
tgt AS (
  SELECT r.indicator, r.year,
    coalesce(arg_min({'year': t.year, 'op': t.op, 'value': t.value}, t.year) FILTER (WHERE t.year >= r.year),
             arg_max({'year': t.year, 'op': t.op, 'value': t.value}, t.year)) AS t,
    arg_max({'year': t.year, 'value': t.value}, t.year) FILTER (WHERE t.year < r.year) AS prev
  FROM (SELECT DISTINCT indicator, year FROM raw_values) r
  JOIN indicator_targets t ON t.indicator = r.indicator GROUP BY r.indicator, r.year),
firsts AS (
  SELECT indicator, geo, breakdown, min(year) AS first_year, arg_min(value, year) AS first_value
  FROM raw_values WHERE value IS NOT NULL GROUP BY ALL),
b AS (
  SELECT f.*, i.unit, i.direction, i.definition_hash, tgt.t.year AS target_year, tgt.t.op AS target_op,
    tgt.t.value AS target_value, tgt.prev,
    CASE WHEN f.geo = 'province' AND f.breakdown = '' AND i.baseline_year IS NOT NULL THEN i.baseline_year
         ELSE fi.first_year END AS baseline_year,
    CASE WHEN f.geo = 'province' AND f.breakdown = '' AND i.baseline_year IS NOT NULL THEN i.baseline_value
         ELSE fi.first_value END AS baseline_value,
    CASE WHEN f.geo = 'province' AND f.breakdown = '' AND i.baseline_year IS NOT NULL THEN 'plan'
         WHEN fi.first_year IS NOT NULL THEN 'first_year' END AS baseline_source
  FROM flagged f JOIN indicators i ON i.code = f.indicator
  LEFT JOIN tgt ON tgt.indicator = f.indicator AND tgt.year = f.year
  LEFT JOIN firsts fi ON fi.indicator = f.indicator AND fi.geo = f.geo AND fi.breakdown = f.breakdown),
j AS (
  SELECT * EXCLUDE (prev),
    CASE WHEN target_year IS NULL THEN NULL
         WHEN year >= target_year THEN target_value
         WHEN prev.year IS NOT NULL AND (baseline_year IS NULL OR prev.year >= baseline_year)
           THEN prev.value + (target_value - prev.value) * (year - prev.year) / (target_year - prev.year)
         WHEN baseline_year IS NULL OR year < baseline_year THEN NULL
         WHEN target_year > baseline_year
           THEN baseline_value + (target_value - baseline_value) * (year - baseline_year) / (target_year - baseline_year)
         ELSE target_value END AS trajectory
  FROM b)
SELECT * EXCLUDE (direction),
  CASE WHEN geo = 'province' THEN 'province' ELSE 'commune' END AS level,
  CASE WHEN value IS NULL THEN 'no_data'
       WHEN target_op IS NULL THEN 'no_target'
       WHEN (target_op = '>=' AND value >= target_value) OR (target_op = '>' AND value > target_value)
         OR (target_op = '<=' AND value <= target_value) OR (target_op = '<' AND value < target_value)
         OR (target_op = '=' AND value = target_value) THEN 'met'
       WHEN year > target_year THEN 'missed'
       WHEN baseline_source = 'first_year' AND year = baseline_year THEN 'baseline'
       WHEN direction = 'lower_is_better' AND value <= trajectory THEN 'on_track'
       WHEN direction = 'higher_is_better' AND value >= trajectory THEN 'on_track'
       ELSE 'off_track' END AS status,
  coalesce(${smallCellSql(p.bind(smallCellThreshold))}, false) AS suppressed,
  ${provisionalSql(v)} AS provisional,
  ${p.bind(position)} AS position, ${v} AS vintage
FROM j`;
};
