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
 * `judgementSql` is the one place these rules are written: the warehouse judges its figures with it
 * (`indicatorValuesSql`) and so do figures recomputed as of an earlier position or day (`judgeFigures`, which
 * the API calls), so there is no second implementation that could drift.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { CatalogEntry } from "@kpi/core";
import { smallCellSql } from "./disclosureSql.js";
import { flagsSql, provisionalSql } from "./qualitySql.js";
import { Params, rows, sqlOf } from "./sql.js";

/** The relations `judgementSql` reads: each a table name or a parenthesised query. */
export interface JudgementSources {
  /** indicator, geo, year, breakdown, value, and any other columns (passed through). */
  readonly figures: string;
  /** indicator, year, op, value: the targets in force. */
  readonly targets: string;
  /** code, direction, baseline_year, baseline_value: the indicators in force. */
  readonly indicators: string;
}

/**
 * The figures with the target applied (target_year, target_op, target_value), the baseline (baseline_year,
 * baseline_value, baseline_source), the trajectory, the level and the status, by the rules above.
 */
export const judgementSql = (s: JudgementSources): string => `WITH fig AS (SELECT * FROM ${s.figures}),
tgt AS (
  SELECT r.indicator, r.year,
    coalesce(arg_min({'year': t.year, 'op': t.op, 'value': t.value}, t.year) FILTER (WHERE t.year >= r.year),
             arg_max({'year': t.year, 'op': t.op, 'value': t.value}, t.year)) AS t,
    arg_max({'year': t.year, 'value': t.value}, t.year) FILTER (WHERE t.year < r.year) AS prev
  FROM (SELECT DISTINCT indicator, year FROM fig) r
  JOIN ${s.targets} t ON t.indicator = r.indicator GROUP BY r.indicator, r.year),
firsts AS (
  SELECT indicator, geo, breakdown, min(year) AS first_year, arg_min(value, year) AS first_value
  FROM fig WHERE value IS NOT NULL GROUP BY ALL),
b AS (
  SELECT f.*, i.direction AS judged_direction, tgt.t.year AS target_year, tgt.t.op AS target_op,
    tgt.t.value AS target_value, tgt.prev AS judged_prev,
    CASE WHEN f.geo = 'province' AND f.breakdown = '' AND i.baseline_year IS NOT NULL THEN i.baseline_year
         ELSE fi.first_year END AS baseline_year,
    CASE WHEN f.geo = 'province' AND f.breakdown = '' AND i.baseline_year IS NOT NULL THEN i.baseline_value
         ELSE fi.first_value END AS baseline_value,
    CASE WHEN f.geo = 'province' AND f.breakdown = '' AND i.baseline_year IS NOT NULL THEN 'plan'
         WHEN fi.first_year IS NOT NULL THEN 'first_year' END AS baseline_source
  FROM fig f JOIN ${s.indicators} i ON i.code = f.indicator
  LEFT JOIN tgt ON tgt.indicator = f.indicator AND tgt.year = f.year
  LEFT JOIN firsts fi ON fi.indicator = f.indicator AND fi.geo = f.geo AND fi.breakdown = f.breakdown),
j AS (
  SELECT * EXCLUDE (judged_prev),
    CASE WHEN target_year IS NULL THEN NULL
         WHEN year >= target_year THEN target_value
         WHEN judged_prev.year IS NOT NULL AND (baseline_year IS NULL OR judged_prev.year >= baseline_year)
           THEN judged_prev.value + (target_value - judged_prev.value) * (year - judged_prev.year)
                / (target_year - judged_prev.year)
         WHEN baseline_year IS NULL OR year < baseline_year THEN NULL
         WHEN target_year > baseline_year
           THEN baseline_value + (target_value - baseline_value) * (year - baseline_year) / (target_year - baseline_year)
         ELSE target_value END AS trajectory
  FROM b)
SELECT * EXCLUDE (judged_direction),
  CASE WHEN geo = 'province' THEN 'province' ELSE 'commune' END AS level,
  CASE WHEN value IS NULL THEN 'no_data'
       WHEN target_op IS NULL THEN 'no_target'
       WHEN (target_op = '>=' AND value >= target_value) OR (target_op = '>' AND value > target_value)
         OR (target_op = '<=' AND value <= target_value) OR (target_op = '<' AND value < target_value)
         OR (target_op = '=' AND value = target_value) THEN 'met'
       WHEN year > target_year THEN 'missed'
       WHEN baseline_source = 'first_year' AND year = baseline_year THEN 'baseline'
       WHEN judged_direction = 'lower_is_better' AND value <= trajectory THEN 'on_track'
       WHEN judged_direction = 'higher_is_better' AND value >= trajectory THEN 'on_track'
       ELSE 'off_track' END AS status
FROM j`;

/** The INSERT of `indicator_values` rows for `entries`, from `raw_values`, at a position and vintage. */
export const indicatorValuesSql = (
  entries: readonly CatalogEntry[],
  position: number,
  vintage: string,
  smallCellThreshold: number,
  p: Params,
): string => {
  const v = `CAST(${p.bind(vintage)} AS DATE)`;
  const judged = judgementSql({
    figures: `(${flagsSql(entries, "SELECT * FROM raw_values", p)})`,
    targets: "indicator_targets",
    indicators: "indicators",
  });
  return `INSERT INTO indicator_values BY NAME
SELECT j.*, i.unit, i.definition_hash,
  coalesce(${smallCellSql(p.bind(smallCellThreshold))}, false) AS suppressed,
  ${provisionalSql(v)} AS provisional,
  ${p.bind(position)} AS position, ${v} AS vintage
FROM (${judged}) j JOIN indicators i ON i.code = j.indicator`;
};

/** What `judgeFigures` adds to a figure. */
export interface Judgement {
  readonly level: "province" | "commune";
  readonly targetYear: number | null;
  readonly targetOp: string | null;
  readonly targetValue: number | null;
  readonly trajectory: number | null;
  /** Where the trajectory starts: the plan's base value ('plan') or the series' first year ('first_year'). */
  readonly baselineYear: number | null;
  readonly baselineValue: number | null;
  readonly baselineSource: "plan" | "first_year" | null;
  readonly status: "met" | "missed" | "on_track" | "off_track" | "baseline" | "no_data" | "no_target";
}

/** The part of a figure a judgement reads. */
export interface Judged {
  readonly geo: string;
  readonly year: number;
  readonly breakdown: string;
  readonly value: number | null;
}

/**
 * Judges figures of one indicator against `entry`'s targets and baseline (the catalog entry in force at their
 * position) with `judgementSql` on connection `c`: the warehouse's own rules, for figures recomputed as of an
 * earlier position or day. Returns one judgement per figure, in order. Writes nothing: the figures and targets
 * travel as one JSON parameter each.
 */
export const judgeFigures = async (
  c: DuckDBConnection,
  entry: CatalogEntry,
  figures: readonly Judged[],
): Promise<Judgement[]> => {
  if (figures.length === 0) return [];
  const p = new Params("j");
  const json = (value: unknown, shape: string) =>
    `(SELECT unnest(from_json(CAST(${p.bind(JSON.stringify(value))} AS JSON), '${shape}'), recursive := true))`;
  const code = p.bind(entry.code);
  const judged = judgementSql({
    figures: `(SELECT ${code} AS indicator, * FROM ${json(
      figures.map((f, k) => ({ k, geo: f.geo, year: f.year, breakdown: f.breakdown, value: f.value })),
      '[{"k":"INTEGER","geo":"VARCHAR","year":"INTEGER","breakdown":"VARCHAR","value":"DOUBLE"}]',
    )})`,
    targets: `(SELECT ${code} AS indicator, * FROM ${json(
      entry.targets.map((t) => ({ year: t.year, op: t.op, value: t.value })),
      '[{"year":"INTEGER","op":"VARCHAR","value":"DOUBLE"}]',
    )})`,
    indicators: `(SELECT ${code} AS code, ${p.bind(entry.direction)} AS direction,
      CAST(${p.bind(entry.baseline?.year ?? null)} AS INTEGER) AS baseline_year,
      CAST(${p.bind(entry.baseline?.value ?? null)} AS DOUBLE) AS baseline_value)`,
  });
  const out = await rows<Judgement & { readonly k: number }>(
    c,
    sqlOf(
      `SELECT k, level, target_year AS "targetYear", target_op AS "targetOp", target_value AS "targetValue",
              trajectory, baseline_year AS "baselineYear", baseline_value AS "baselineValue",
              baseline_source AS "baselineSource", status
       FROM (${judged}) ORDER BY k`,
      p,
    ),
  );
  return out.map(({ k: _, ...j }) => j);
};
