/**
 * The quality flags of a figure — the observation attributes an official statistic carries (SDMX's OBS_STATUS
 * and its kin) — in one place, as SQL over figure rows, used by `indicator_values` and by as-of figures alike:
 *
 * - `provisional`: the year is still open to late reports: the figure's vintage is before the close of year Y,
 *   1 October of Y + 1 (after the revised statistics of September; see docs/semantics.md).
 * - `estimated`: the denominator is an estimate (`PopulationEstimated`, `HouseholdsEstimated`), or the
 *   commune's population is flagged SUSPECT_LOW in the source (the sample replaced it by an estimate).
 * - `break_in_series`: the commune took part in a partial split of 1 July 2025 (crosswalk `merge_type =
 *   partial`), so its figures from 2025 on do not compare with those before; flagged on 2025, the first year
 *   counted on the new boundaries (SDMX: the first observation after the break).
 * - `implausible` with `implausible_reason`: a share above 100 % (numerator above denominator), or a
 *   population denominator (entities counted or a population estimate; not a survey's sample) that moves by
 *   more than `JUMP_RATIO` from the year before (both at least `JUMP_MIN_DENOMINATOR`) where no break
 *   explains it.
 * - A province figure carries what its communes carry: estimated, break and implausible (with the communes
 *   named) when any commune of that indicator, year and breakdown is.
 *
 * Every flag is a pure function of the indicator's rows at one vintage and the reference tables, so a rebuild
 * and any sequence of catch-ups give the same flags (`rebuild.int.spec.ts`).
 */
import type { CatalogEntry } from "@kpi/core";
import { DENOMINATOR_SQL, NUMERATOR_SQL } from "./figuresSql.js";
import type { Params } from "./sql.js";

/** A year Y stays open to late reports until this day of Y + 1 (month, day). */
export const YEAR_CLOSES_ON = { month: 10, day: 1 } as const;
/** A year-on-year change of the denominator beyond this fraction is implausible (unless a break explains it). */
export const JUMP_RATIO = 0.5;
/** Jumps are judged only where both denominators are at least this (small numbers move a lot). */
export const JUMP_MIN_DENOMINATOR = 100;
/** The year of the boundary change of 1 July 2025: the first year-end counted on the new communes. */
export const BOUNDARY_CHANGE_YEAR = 2025;
/** Reports whose figures are estimates, not counts. */
export const ESTIMATE_FACTS: readonly string[] = ["PopulationEstimated", "HouseholdsEstimated"];

/** Kinds whose value is a share in percent (above 100 % is implausible). */
const SHARE_KINDS: readonly string[] = ["share", "shareOfReported", "reportedRatio"];
/**
 * Kinds whose denominator is a population (entities counted, or a population estimate), where a jump is
 * implausible; a reported ratio's denominator (a survey's sample, GRDP) may move with the survey's design.
 */
const POPULATION_KINDS: readonly string[] = ["share", "shareOfReported", "ratePer1000"];

/** Whether a figure of year `year` (a SQL expression) is provisional at `vintage` (a SQL DATE expression). */
export const provisionalSql = (vintage: string, year = "year"): string =>
  `(${vintage} < make_date(${year} + 1, ${YEAR_CLOSES_ON.month}, ${YEAR_CLOSES_ON.day}))`;

const denominatorFact = (e: CatalogEntry): string | undefined =>
  "denominator" in e.definition ? e.definition.denominator.fact : undefined;

/** Indicators whose denominator is an estimate report. */
export const estimatedIndicators = (entries: readonly CatalogEntry[]): string[] =>
  entries.filter((e) => ESTIMATE_FACTS.includes(denominatorFact(e) ?? "")).map((e) => e.code);

/** `indicator IN (codes)`, false (never NULL) for no codes. */
const among = (codes: readonly string[], p: Params): string =>
  codes.length === 0 ? "false" : `indicator IN (${codes.map((c) => p.bind(c)).join(", ")})`;

/**
 * `rows` (a query of figure rows with indicator, geo, year, breakdown, both pairs of parts, value, of the
 * indicators in `entries`, every year of each) with the columns `estimated`, `break_in_series`,
 * `implausible_reason` and `implausible` added. Reads the reference tables `communes` and `crosswalk`.
 */
export const flagsSql = (entries: readonly CatalogEntry[], rows: string, p: Params): string => {
  const estimated = among(estimatedIndicators(entries), p);
  const population = among(
    entries.filter((e) => denominatorFact(e) === "PopulationEstimated").map((e) => e.code),
    p,
  );
  const shares = among(
    entries.filter((e) => SHARE_KINDS.includes(e.definition.kind)).map((e) => e.code),
    p,
  );
  const populations = among(
    entries.filter((e) => POPULATION_KINDS.includes(e.definition.kind)).map((e) => e.code),
    p,
  );
  const min = p.bind(JUMP_MIN_DENOMINATOR);
  const ratio = p.bind(JUMP_RATIO);
  return `
WITH q_rows AS (SELECT * FROM (${rows})),
q_lag AS (
  SELECT *,
    ${estimated} OR (${population}
      AND geo IN (SELECT code FROM communes WHERE population_flag = 'SUSPECT_LOW')) AS q_est,
    geo IN (SELECT new_code FROM crosswalk WHERE merge_type = 'partial') AND year = ${BOUNDARY_CHANGE_YEAR} AS q_break,
    lag(CAST(${DENOMINATOR_SQL} AS DOUBLE)) OVER (PARTITION BY indicator, geo, breakdown ORDER BY year) AS q_prev_den,
    lag(year) OVER (PARTITION BY indicator, geo, breakdown ORDER BY year) AS q_prev_year
  FROM q_rows),
q_own AS (
  SELECT * EXCLUDE (q_prev_den, q_prev_year),
    concat_ws('; ',
      CASE WHEN ${shares} AND value > 100
        THEN printf('share above 100 %% (%.1f %%): numerator %s > denominator %s', value,
                    CAST(CAST(${NUMERATOR_SQL} AS DOUBLE) AS VARCHAR), CAST(CAST(${DENOMINATOR_SQL} AS DOUBLE) AS VARCHAR)) END,
      CASE WHEN ${populations} AND NOT q_break AND q_prev_year = year - 1 AND q_prev_den >= ${min} AND ${DENOMINATOR_SQL} >= ${min}
             AND abs(CAST(${DENOMINATOR_SQL} AS DOUBLE) / q_prev_den - 1) > ${ratio}
        THEN printf('denominator %s by %.0f %% from %d (%s → %s), beyond the %.0f %% threshold',
                    CASE WHEN ${DENOMINATOR_SQL} > q_prev_den THEN 'rose' ELSE 'fell' END,
                    100 * abs(CAST(${DENOMINATOR_SQL} AS DOUBLE) / q_prev_den - 1), q_prev_year,
                    CAST(q_prev_den AS VARCHAR), CAST(CAST(${DENOMINATOR_SQL} AS DOUBLE) AS VARCHAR), 100 * ${ratio}) END
    ) AS q_reason
  FROM q_lag),
q_communes AS (
  SELECT indicator, year, breakdown, bool_or(q_est) AS est, bool_or(q_break) AS brk,
    count(*) FILTER (WHERE q_reason <> '') AS bad,
    list(geo ORDER BY geo) FILTER (WHERE q_reason <> '') AS bad_geos
  FROM q_own WHERE geo <> 'province' GROUP BY ALL),
q_flagged AS (
SELECT o.* EXCLUDE (q_est, q_break, q_reason),
  o.q_est OR coalesce(o.geo = 'province' AND k.est, false) AS estimated,
  o.q_break OR coalesce(o.geo = 'province' AND k.brk, false) AS break_in_series,
  nullif(concat_ws('; ', nullif(o.q_reason, ''),
    CASE WHEN o.geo = 'province' AND k.bad > 0
      THEN printf('%d commune figure(s) implausible: %s%s', k.bad, array_to_string(k.bad_geos[1:5], ', '),
                  CASE WHEN k.bad > 5 THEN ', …' ELSE '' END) END), '') AS implausible_reason
FROM q_own o LEFT JOIN q_communes k ON o.geo = 'province' AND k.indicator = o.indicator AND k.year = o.year
  AND k.breakdown = o.breakdown)
SELECT *, implausible_reason IS NOT NULL AS implausible FROM q_flagged`;
};
