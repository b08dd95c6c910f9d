/**
 * From entity-year states and standing reports to figures, in SQL generated from the catalog's definitions.
 *
 * Which rows exist (the oracle fold follows the same rules):
 * - a commune row exists for (indicator, commune, year) when its numerator or denominator is non-zero;
 * - a province row exists for every indicator and every year of the range;
 * - entity counts are integers (0 when entities exist but none is counted, NULL when none exists there);
 * - reported sums are NULL when nothing is reported; with `by`, province rows exist for every year and every
 *   breakdown value found in any year;
 * - value is NULL when the denominator is NULL or 0 (for kinds with a denominator).
 *
 * Numerator and denominator are stored by what they are (`partsOf`, docs/semantics.md "Counts and amounts"):
 * counts in `numerator`/`denominator` (BIGINT), amounts in `numerator_amount`/`denominator_amount`
 * (DECIMAL(20,3)); the other pair is NULL. Rules that hold for either (small cells, quality flags, revisions)
 * read `NUMERATOR_SQL`/`DENOMINATOR_SQL`.
 */
import {
  type CatalogEntry,
  type Definition,
  FACT_DEFINITIONS,
  ident,
  type Parts,
  partsOf,
  type ReportedField,
} from "@kpi/core";
import { conditionSql } from "./conditionSql.js";
import { REPORT_TYPES } from "./factShape.js";
import type { Params } from "./sql.js";

/** Facts visible at the checkpoint, or as known at a position. */
export const visibleSql = (p: Params, asOf?: number): string =>
  asOf === undefined
    ? "retracted_by IS NULL AND type <> 'FactRetracted'"
    : `position <= ${p.bind(asOf)} AND (retracted_by IS NULL OR retracted_by > ${p.bind(asOf)}) AND type <> 'FactRetracted'`;

/** The report types as a SQL list of literals (the standing reports' filter, and the fold's check for new reports). */
export const REPORT_TYPES_SQL = REPORT_TYPES.map((t) => `'${t}'`).join(", ");

/** Every key field of every report type (a report's key is its type and these; absent fields are NULL). */
export const REPORT_KEY_FIELDS = [
  ...new Set(
    FACT_DEFINITIONS.filter((d) => (REPORT_TYPES as readonly string[]).includes(d.type)).flatMap((d) =>
      (d.key ?? []).map(String),
    ),
  ),
].sort();

/** The standing report for every key: the one with the greatest position among visible reports. */
export const standingReportsSql = (p: Params, asOf?: number): string => `
SELECT type, commune, commune_code, rep_year AS year, data, position FROM (
  SELECT *, row_number() OVER (
    PARTITION BY type, ${REPORT_KEY_FIELDS.map((k) => `json_extract_string(data, '$.${k}')`).join(", ")}
    ORDER BY position DESC) AS rn
  FROM facts WHERE type IN (${REPORT_TYPES_SQL}) AND ${visibleSql(p, asOf)}
) WHERE rn = 1`;

/**
 * Contributions of an entity-year relation to `cell_counts`, for every entity-based indicator of `kind`: one row
 * per indicator, commune and year with entities there. One pass over the relation counts every indicator's
 * numerator and denominator as columns, which are then turned into rows (a scan per indicator read people's 25 M
 * state rows six times: 1.45 s against 0.8 s at 10 M facts).
 */
export const contributionsSql = (
  entries: readonly CatalogEntry[],
  kind: string,
  relation: string,
  p: Params,
  weight?: string,
): string | undefined => {
  // each row counts once, or `weight` times (a row standing for that many entities in one state)
  const count = (where?: string) =>
    weight === undefined
      ? `count(*)${where === undefined ? "" : ` FILTER (WHERE ${where})`}`
      : `CAST(coalesce(sum(${ident(weight)})${where === undefined ? "" : ` FILTER (WHERE ${where})`}, 0) AS BIGINT)`;
  const counts: string[] = [];
  const rows: string[] = [];
  for (const e of entries) {
    const d = e.definition;
    if (!("entity" in d) || d.entity !== kind) continue;
    const num = conditionSql(d.numerator, p);
    const pop = d.kind === "share" ? conditionSql(d.population, p) : undefined;
    const i = rows.length;
    counts.push(
      `${count(pop === undefined ? num : `${pop} AND ${num}`)} AS num_${i}`,
      `${pop === undefined ? "0" : count(pop)} AS den_${i}`,
    );
    rows.push(`{'indicator': ${p.bind(e.code)}, 'num': num_${i}, 'den': den_${i}}`);
  }
  if (rows.length === 0) return undefined;
  return `SELECT c.u.indicator AS indicator, commune, year, c.u.num AS num, c.u.den AS den, ent FROM (
    SELECT commune, year, ent, unnest([${rows.join(", ")}]) AS u FROM (
      SELECT commune, year, ${counts.join(", ")}, ${count()} AS ent
      FROM ${ident(relation)} WHERE commune IS NOT NULL GROUP BY commune, year)) c`;
};

/** The SQL type of a figure's numerator and denominator. */
export const partsSqlType = (parts: Parts): string => (parts === "count" ? "BIGINT" : "DECIMAL(20,3)");

/** The part columns of a figure row: counts, then amounts. */
export const PART_COLUMNS = ["numerator", "denominator", "numerator_amount", "denominator_amount"] as const;

/** A figure row's numerator and denominator, whichever pair holds them (the other is NULL). */
export const NUMERATOR_SQL = "coalesce(numerator, numerator_amount)";
export const DENOMINATOR_SQL = "coalesce(denominator, denominator_amount)";

/**
 * The four part columns of a figure row from a numerator and a denominator expression: the pair of `parts`
 * holds them, the other pair is NULL.
 */
export const splitPartsSql = (parts: Parts, numerator: string, denominator: string): string => {
  const [count, amount] = [partsSqlType("count"), partsSqlType("amount")];
  return parts === "count"
    ? `CAST(${numerator} AS ${count}) AS numerator, CAST(${denominator} AS ${count}) AS denominator,
       CAST(NULL AS ${amount}) AS numerator_amount, CAST(NULL AS ${amount}) AS denominator_amount`
    : `CAST(NULL AS ${count}) AS numerator, CAST(NULL AS ${count}) AS denominator,
       CAST(${numerator} AS ${amount}) AS numerator_amount, CAST(${denominator} AS ${amount}) AS denominator_amount`;
};

const reportedValues = (r: ReportedField, p: Params, reports: string, type: string, by?: string): string => {
  const where = Object.entries(r.where ?? {})
    .map(([k, v]) => `json_extract_string(data, '$.${k}') = ${p.bind(String(v))}`)
    .join(" AND ");
  const breakdown = by === undefined ? "''" : `json_extract_string(data, '$.${by}')`;
  const exclude = by === undefined ? "" : ` AND ${breakdown} <> 'ALL'`;
  return `SELECT commune, commune_code, year, ${breakdown} AS breakdown,
            TRY_CAST(json_extract_string(data, '$.${r.field}') AS ${type}) AS v
          FROM ${ident(reports)} WHERE type = ${p.bind(r.fact)}${where === "" ? "" : ` AND ${where}`}${exclude}`;
};

/** Commune sums and province sums (province-level reports when any exist for that year, else Σ communes). */
const reportedSums = (name: string, r: ReportedField, p: Params, t: Tables, type: string, by?: string): string => `
${ident(name)}_raw AS (${reportedValues(r, p, t.reports, type, by)}),
${name}_c AS (SELECT commune, year, breakdown, sum(v) AS v FROM ${name}_raw
              WHERE commune_code IS NOT NULL AND commune IS NOT NULL AND commune <> '' GROUP BY ALL),
${name}_p AS (SELECT year, breakdown,
                CASE WHEN count(*) FILTER (WHERE commune_code IS NULL) > 0
                     THEN sum(v) FILTER (WHERE commune_code IS NULL)
                     ELSE sum(v) FILTER (WHERE commune IS NOT NULL) END AS v
              FROM ${name}_raw GROUP BY ALL)`;

/**
 * Rows (indicator, geo, year, breakdown, numerator, denominator) for one indicator, from `cell_counts` and a
 * `reports` relation (the standing reports) and `years`.
 */
export interface Tables {
  readonly cells: string;
  readonly reports: string;
}
export const CURRENT_TABLES: Tables = { cells: "cell_counts", reports: "reports" };

export const figureRowsSql = (e: CatalogEntry, p: Params, t: Tables = CURRENT_TABLES): string => {
  const code = p.bind(e.code);
  const d: Definition = e.definition;
  const T = partsSqlType(partsOf(d));
  const communeRows = (rel: string) =>
    `SELECT ${code} AS indicator, geo, year, breakdown, numerator, denominator FROM ${rel}
     WHERE geo <> '' AND (coalesce(numerator, 0) <> 0 OR coalesce(denominator, 0) <> 0)`;
  switch (d.kind) {
    case "share":
    case "entityCount":
      return `WITH c AS (SELECT commune AS geo, year, '' AS breakdown, CAST(num AS ${T}) AS numerator,
                         ${d.kind === "share" ? `CAST(den AS ${T})` : `CAST(NULL AS ${T})`} AS denominator,
                         ent
                       FROM ${ident(t.cells)} WHERE indicator = ${code})
        ${communeRows("c")}
        UNION ALL
        SELECT ${code}, 'province', y.year, '', CASE WHEN sum(c.ent) > 0 THEN sum(c.numerator) END,
               ${d.kind === "share" ? "CASE WHEN sum(c.ent) > 0 THEN sum(c.denominator) END" : `CAST(NULL AS ${T})`}
        FROM years y LEFT JOIN c ON c.year = y.year GROUP BY y.year`;
    case "shareOfReported":
    case "ratePer1000":
      return `WITH ${reportedSums("den", d.denominator, p, t, T)},
        n AS (SELECT commune, year, num, ent FROM ${ident(t.cells)} WHERE indicator = ${code}),
        c AS (SELECT coalesce(n.commune, den_c.commune) AS geo, coalesce(n.year, den_c.year) AS year, '' AS breakdown,
                     CAST(CASE WHEN n.ent > 0 THEN n.num END AS ${T}) AS numerator, den_c.v AS denominator
              FROM n FULL OUTER JOIN den_c ON n.commune = den_c.commune AND n.year = den_c.year)
        ${communeRows("c")}
        UNION ALL
        SELECT ${code}, 'province', y.year, '',
               CAST((SELECT CASE WHEN sum(ent) > 0 THEN sum(num) END FROM n WHERE n.year = y.year) AS ${T}),
               (SELECT v FROM den_p WHERE den_p.year = y.year)
        FROM years y`;
    case "reportedRatio": {
      const by = d.by;
      return `WITH ${reportedSums("num", d.numerator, p, t, T, by)}, ${reportedSums("den", d.denominator, p, t, T, by)},
        c AS (SELECT coalesce(num_c.commune, den_c.commune) AS geo, coalesce(num_c.year, den_c.year) AS year,
                     coalesce(num_c.breakdown, den_c.breakdown) AS breakdown, num_c.v AS numerator, den_c.v AS denominator
              FROM num_c FULL OUTER JOIN den_c
                ON num_c.commune = den_c.commune AND num_c.year = den_c.year AND num_c.breakdown = den_c.breakdown)
        ${communeRows("c")}
        UNION ALL
        ${
          by === undefined
            ? `SELECT ${code}, 'province', y.year, '', (SELECT v FROM num_p WHERE num_p.year = y.year),
                 (SELECT v FROM den_p WHERE den_p.year = y.year) FROM years y`
            : `SELECT ${code}, 'province', y.year, b.breakdown,
                 (SELECT v FROM num_p WHERE num_p.year = y.year AND num_p.breakdown = b.breakdown),
                 (SELECT v FROM den_p WHERE den_p.year = y.year AND den_p.breakdown = b.breakdown)
               FROM years y CROSS JOIN (SELECT DISTINCT breakdown FROM num_raw WHERE breakdown IS NOT NULL
                                        UNION SELECT DISTINCT breakdown FROM den_raw WHERE breakdown IS NOT NULL) b`
        }`;
    }
    case "reportedCount":
      return `WITH ${reportedSums("val", d.value, p, t, T)},
        cc AS (SELECT commune AS geo, y.year, '' AS breakdown,
                 ${d.cumulative ? "sum(v) FILTER (WHERE val_c.year <= y.year)" : "sum(v) FILTER (WHERE val_c.year = y.year)"} AS numerator,
                 CAST(NULL AS ${T}) AS denominator
               FROM val_c JOIN years y ON val_c.year <= y.year GROUP BY commune, y.year)
        ${communeRows("cc")}
        UNION ALL
        SELECT ${code}, 'province', y.year, '',
          (SELECT sum(v) FROM val_p WHERE ${d.cumulative ? "val_p.year <= y.year" : "val_p.year = y.year"}),
          CAST(NULL AS ${T})
        FROM years y`;
    case "growth":
      return `WITH ${reportedSums("val", d.value, p, t, T)}
        SELECT ${code}, 'province', y.year, '', (SELECT v FROM val_p WHERE val_p.year = y.year),
               (SELECT v FROM val_p WHERE val_p.year = y.year - 1)
        FROM years y`;
    case "rank":
      return `WITH ${reportedSums("val", d.value, p, t, T)}
        SELECT ${code}, 'province', y.year, '', (SELECT v FROM val_p WHERE val_p.year = y.year), CAST(NULL AS ${T})
        FROM years y`;
  }
};

/** The value of a figure from its numerator and denominator, by kind (SQL over columns numerator, denominator). */
export const valueSql = (d: Definition): string => {
  switch (d.kind) {
    case "share":
    case "shareOfReported":
    case "reportedRatio":
      return "CASE WHEN denominator IS NULL OR denominator = 0 THEN NULL ELSE 100 * CAST(numerator AS DOUBLE) / CAST(denominator AS DOUBLE) END";
    case "ratePer1000":
      return "CASE WHEN denominator IS NULL OR denominator = 0 THEN NULL ELSE 1000 * CAST(numerator AS DOUBLE) / CAST(denominator AS DOUBLE) END";
    case "growth":
      return "CASE WHEN denominator IS NULL OR denominator = 0 OR numerator IS NULL THEN NULL ELSE 100 * (CAST(numerator AS DOUBLE) / CAST(denominator AS DOUBLE) - 1) END";
    case "entityCount":
    case "reportedCount":
    case "rank":
      return "CAST(numerator AS DOUBLE)";
  }
};
