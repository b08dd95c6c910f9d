/**
 * The one small-cell rule, for every output that publishes figures: the `published_*` views, the snapshot and
 * exports made from them, the API (current and as-of figures) and publications all read its `withheld` column.
 *
 * - **Primary**: a commune figure whose denominator is below the small-cell threshold.
 * - **Secondary**: a province figure is the sum of its communes' numerators over the sum of their
 *   denominators, so where exactly one commune of an (indicator, year, breakdown) is withheld, the province
 *   minus the published communes would give it back. There a second commune is withheld too: the one with the
 *   smallest denominator among those published (ties by code), so that only the sum of two cells — at least one
 *   of them not small — can be derived. Where no other commune has a figure, the province figure itself is
 *   withheld. Every such relation then has 0 or ≥ 2 withheld parts and no withheld cell can be recovered by
 *   subtraction from a published total or its siblings.
 * - **Trajectory**: a commune series with any withheld value shows no trajectory (it may run from the series'
 *   first value).
 *
 * `rows` is a query of figure rows (indicator, geo, year, breakdown, numerator, denominator, …) and `primary` a
 * boolean expression over one row; the result is those rows with `withheld` ('primary', 'secondary' or NULL).
 * The rows carry both pairs of parts (numerator, denominator, numerator_amount, denominator_amount; `figuresSql.ts`)
 * and the rule reads whichever holds the figure.
 */
import { DENOMINATOR_SQL, NUMERATOR_SQL } from "./figuresSql.js";

export const withheldSql = (rows: string, primary: string): string => `
WITH disclosure_rows AS (
  SELECT *, coalesce(${primary}, false) AS disclosure_primary FROM (${rows})
),
disclosure_groups AS (
  SELECT indicator, year, breakdown,
         count(*) FILTER (WHERE disclosure_primary) AS primaries,
         bool_or(geo = 'province' AND (${NUMERATOR_SQL} IS NOT NULL OR ${DENOMINATOR_SQL} IS NOT NULL)) AS total_published
  FROM disclosure_rows GROUP BY ALL
),
disclosure_second AS (
  SELECT r.indicator, r.year, r.breakdown, arg_min(r.geo, (${DENOMINATOR_SQL}, r.geo)) AS geo
  FROM disclosure_rows r JOIN disclosure_groups g USING (indicator, year, breakdown)
  WHERE g.primaries = 1 AND g.total_published AND r.geo <> 'province' AND NOT r.disclosure_primary
    AND ${DENOMINATOR_SQL} IS NOT NULL
  GROUP BY ALL
)
SELECT r.* EXCLUDE (disclosure_primary),
  CASE WHEN r.disclosure_primary THEN 'primary'
       WHEN s.geo IS NOT NULL AND s.geo = r.geo THEN 'secondary'
       WHEN r.geo = 'province' AND g.primaries = 1 AND g.total_published AND s.geo IS NULL THEN 'secondary'
  END AS withheld
FROM disclosure_rows r
JOIN disclosure_groups g USING (indicator, year, breakdown)
LEFT JOIN disclosure_second s USING (indicator, year, breakdown)`;

/** The primary rule over a row with `geo` and `denominator`, at a threshold (a bound parameter or a literal). */
export const smallCellSql = (threshold: string): string =>
  `(geo <> 'province' AND ${DENOMINATOR_SQL} IS NOT NULL AND ${DENOMINATOR_SQL} < ${threshold})`;

/** The statuses judged against the trajectory (docs/semantics.md): withheld where it runs from a withheld value. */
export const TRAJECTORY_STATUSES = ["on_track", "off_track"] as const;

/**
 * The rule applied to figure rows (those of `withheldSql`, with `trajectory`, `status`, `baseline_year`,
 * `baseline_value`, `baseline_source`, `implausible` and `implausible_reason`): what a withheld cell and its series show. The same
 * rule as `discloseFigures` (`disclosure.ts`), which the API applies; a property checks they agree.
 */
export const disclosedSql = (rows: string): string => `
SELECT * EXCLUDE (series_withheld, baseline_withheld) REPLACE (
  CASE WHEN withheld IS NOT NULL THEN NULL ELSE numerator END AS numerator,
  CASE WHEN withheld IS NOT NULL THEN NULL ELSE denominator END AS denominator,
  CASE WHEN withheld IS NOT NULL THEN NULL ELSE numerator_amount END AS numerator_amount,
  CASE WHEN withheld IS NOT NULL THEN NULL ELSE denominator_amount END AS denominator_amount,
  CASE WHEN withheld IS NOT NULL THEN NULL ELSE value END AS value,
  CASE WHEN series_withheld THEN NULL ELSE trajectory END AS trajectory,
  CASE WHEN withheld IS NOT NULL THEN NULL
       WHEN baseline_withheld AND status IN (${TRAJECTORY_STATUSES.map((s) => `'${s}'`).join(", ")}) THEN NULL
       ELSE status END AS status,
  CASE WHEN series_withheld THEN NULL ELSE baseline_year END AS baseline_year,
  CASE WHEN series_withheld THEN NULL ELSE baseline_value END AS baseline_value,
  CASE WHEN withheld IS NOT NULL AND implausible THEN 'withheld cell'
       WHEN withheld IS NOT NULL THEN NULL
       ELSE implausible_reason END AS implausible_reason
), withheld IS NOT NULL AS disclosed_suppressed
FROM (SELECT *, bool_or(withheld IS NOT NULL) OVER series AS series_withheld,
        bool_or(withheld IS NOT NULL AND baseline_source = 'first_year' AND year = baseline_year) OVER series
          AS baseline_withheld
      FROM (${rows}) WINDOW series AS (PARTITION BY indicator, geo, breakdown))`;
