/**
 * Baseline (b): DuckDB SQL written by hand for a few indicators, over a flat `facts` table — close to what the
 * engine can do when someone tunes one query per figure. It follows docs/semantics.md exactly for those
 * indicators (year-end state from the facts dated on or before 31 December in order of occurredOn then position,
 * retractions honoured, communes resolved through the crosswalk on code and date, standing reports, which rows
 * exist), and the benchmark checks its rows against the warehouse's.
 *
 * The subset covers every entity kind the catalog uses at scale and both report-based kinds:
 * - SME_ECOM_PLATFORM  enterprise share (active SMEs of form enterprise on an e-commerce platform);
 * - DIGSIG_ADULT       person share of a reported total (adults with a valid digital signature ÷ adults);
 * - OCOP_ONLINE        OCOP product share (certified products listed online);
 * - HH_FIXED_BROADBAND household share of a reported total (households with fixed broadband ÷ households);
 * - POP_ONLINE_SHOPPING a reported ratio (survey respondents meeting ÷ respondents).
 *
 * How it is tuned: each entity's facts are first reduced to one state per (subject, year in which it has
 * facts) — the last value of each attribute that year — and carried forward with window functions; each
 * state then holds for the years up to the entity's next year with facts, so the year-end states are never
 * grouped per (subject, year), only counted per (commune, year).
 */

/** The flat table's columns from an events relation with the log's columns (`log.events`, or a copy). */
export const flatSelectSql = (events: string): string => `
SELECT position, id, type, subject, split_part(subject, ':', 1) AS kind, occurred_on,
  (CAST(date_diff('day', DATE '1970-01-01', occurred_on) AS BIGINT) << 40) + position AS ord,
  data->>'commune' AS commune_code, CAST(data->>'birthYear' AS INTEGER) AS birth_year,
  CAST(data->>'validUntil' AS DATE) AS valid_until, data->>'form' AS form, data->>'size' AS size,
  coalesce(data->>'platform', data->>'provider') AS attr_key, data->>'eventId' AS retracts,
  CASE WHEN starts_with(subject, 'stat:') THEN data END AS data
FROM ${events}`;

export const SUBSET = [
  "DIGSIG_ADULT",
  "HH_FIXED_BROADBAND",
  "OCOP_ONLINE",
  "POP_ONLINE_SHOPPING",
  "SME_ECOM_PLATFORM",
] as const;
export type SubsetCode = (typeof SUBSET)[number];

/** Visible facts of one subject kind (not retracted, retractions themselves left out), commune resolved. */
const visible = (kind: string): string => `
  SELECT f.*, CAST(year(f.occurred_on) AS INTEGER) AS oy, r.commune
  FROM facts f
  LEFT JOIN commune_resolution r ON r.code = f.commune_code
   AND r.era = CASE WHEN f.occurred_on < DATE '2025-07-01' THEN 'old' ELSE 'current' END
  WHERE f.kind = '${kind}' AND f.type <> 'FactRetracted'
    AND NOT EXISTS (SELECT 1 FROM h_retracted x WHERE x.id = f.id)`;

/** Each state row holds from its year to the subject's next year with facts. */
const HOLDS = "y.year >= s.oy AND y.year < s.next_oy";
const NEXT = "lead(oy, 1, 10000) OVER (PARTITION BY subject ORDER BY oy)";
const CARRY = "OVER (PARTITION BY subject ORDER BY oy ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)";

/**
 * (subject, year) pairs where, for some key (platform), the last of `on` / `off` is an `on`: per key the last
 * fact of each year, holding until the key's next year with facts.
 */
const someLastIs = (on: string, off: string, years: string): string => `(
  SELECT DISTINCT s.subject, y.year FROM (
    SELECT *, lead(oy, 1, 10000) OVER (PARTITION BY subject, attr_key ORDER BY oy) AS next_oy FROM (
      SELECT subject, attr_key, oy, arg_max(type = '${on}', ord) AS last_on
      FROM v WHERE type IN ('${on}', '${off}') GROUP BY ALL)) s
  JOIN ${years} y ON ${HOLDS}
  WHERE s.last_on)`;

/** Rows of an entity share from `cells(geo, year, ent, num, den)`; geo '' = entities counted in the province only. */
const shareRows = (code: string, years: string): string => `
SELECT '${code}', geo, year, num, den FROM cells WHERE geo <> '' AND (num <> 0 OR den <> 0)
UNION ALL
SELECT '${code}', 'province', y.year, CASE WHEN sum(c.ent) > 0 THEN sum(c.num) END,
       CASE WHEN sum(c.ent) > 0 THEN sum(c.den) END
FROM ${years} y LEFT JOIN cells c ON c.year = y.year GROUP BY y.year`;

/**
 * Σ of a reported field by commune (`rep_c`) and for the province (`rep_p`: the province-level reports when
 * any exist for that year, else Σ of the commune reports that resolve), over the standing reports of `type`
 * (for each key, the visible report with the greatest position) that match `where`.
 */
const reported = (type: string, key: string, where: string, fields: Record<string, string>): string => `
rep AS (
  SELECT commune_code, commune, CAST(data->>'year' AS INTEGER) AS year,
         ${Object.entries(fields)
           .map(([name, field]) => `TRY_CAST(data->>'${field}' AS DOUBLE) AS ${name}`)
           .join(", ")}
  FROM (${visible("stat")}) WHERE type = '${type}' ${where}
  QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY position DESC) = 1),
rep_c AS (
  SELECT commune AS geo, year, ${Object.keys(fields)
    .map((f) => `sum(${f}) AS ${f}`)
    .join(", ")}
  FROM rep WHERE commune_code IS NOT NULL AND commune IS NOT NULL GROUP BY ALL),
rep_p AS (
  SELECT year, ${Object.keys(fields)
    .map(
      (
        f,
      ) => `CASE WHEN count(*) FILTER (WHERE commune_code IS NULL) > 0 THEN sum(${f}) FILTER (WHERE commune_code IS NULL)
            ELSE sum(${f}) FILTER (WHERE commune IS NOT NULL) END AS ${f}`,
    )
    .join(", ")}
  FROM rep GROUP BY year)`;

/** Rows of an entity count over a reported total, from `cells(geo, year, ent, num)` and `rep_c`/`rep_p` (`den`). */
const shareOfReportedRows = (code: string, years: string): string => `
SELECT '${code}', coalesce(n.geo, d.geo), coalesce(n.year, d.year), n.num, d.den
FROM (SELECT geo, year, CASE WHEN ent > 0 THEN num END AS num FROM cells WHERE geo <> '') n
FULL OUTER JOIN (SELECT * FROM rep_c WHERE year IN (SELECT year FROM ${years})) d ON n.geo = d.geo AND n.year = d.year
WHERE coalesce(n.num, 0) <> 0 OR coalesce(d.den, 0) <> 0
UNION ALL
SELECT '${code}', 'province', y.year,
       (SELECT CASE WHEN sum(ent) > 0 THEN sum(num) END FROM cells c WHERE c.year = y.year),
       (SELECT den FROM rep_p WHERE rep_p.year = y.year)
FROM ${years} y`;

const SME_ECOM_PLATFORM = (years: string): string => `
WITH v AS (${visible("enterprise")}),
yr AS (
  SELECT subject, oy,
    arg_max(type = 'EnterpriseRegistered', ord) FILTER (WHERE type IN ('EnterpriseRegistered', 'EnterpriseClosed')) AS active,
    arg_max(form, ord) FILTER (WHERE type = 'EnterpriseRegistered') AS form,
    arg_max(size, ord) FILTER (WHERE size IS NOT NULL) AS size,
    arg_max({'c': commune}, ord) FILTER (WHERE commune_code IS NOT NULL) AS loc
  FROM v GROUP BY subject, oy),
st AS (
  SELECT subject, oy, ${NEXT} AS next_oy,
    coalesce(last_value(active IGNORE NULLS) ${CARRY} AND last_value(form IGNORE NULLS) ${CARRY} = 'enterprise'
             AND last_value(size IGNORE NULLS) ${CARRY} IN ('micro', 'small', 'medium'), false) AS pop,
    last_value(loc IGNORE NULLS) ${CARRY} AS loc
  FROM yr),
ecom AS ${someLastIs("EcommerceListed", "EcommerceDelisted", years)},
cells AS (
  SELECT CASE WHEN s.loc IS NULL THEN '' ELSE s.loc.c END AS geo, y.year, count(*) AS ent,
         count(*) FILTER (WHERE s.pop) AS den, count(*) FILTER (WHERE s.pop AND e.subject IS NOT NULL) AS num
  FROM st s JOIN ${years} y ON ${HOLDS}
  LEFT JOIN ecom e ON e.subject = s.subject AND e.year = y.year
  WHERE s.loc IS NULL OR s.loc.c IS NOT NULL GROUP BY ALL)
${shareRows("SME_ECOM_PLATFORM", years)}`;

const OCOP_ONLINE = (years: string): string => `
WITH v AS (${visible("ocop")}),
yr AS (
  SELECT subject, oy,
    arg_max(type = 'OcopCertified', ord) FILTER (WHERE type IN ('OcopCertified', 'OcopCertificationEnded')) AS certified,
    arg_max({'c': commune}, ord) FILTER (WHERE type = 'OcopCertified') AS loc
  FROM v GROUP BY subject, oy),
st AS (
  SELECT subject, oy, ${NEXT} AS next_oy, coalesce(last_value(certified IGNORE NULLS) ${CARRY}, false) AS pop,
         last_value(loc IGNORE NULLS) ${CARRY} AS loc
  FROM yr),
online AS ${someLastIs("OcopListedOnline", "OcopDelistedOnline", years)},
cells AS (
  SELECT CASE WHEN s.loc IS NULL THEN '' ELSE s.loc.c END AS geo, y.year, count(*) AS ent,
         count(*) FILTER (WHERE s.pop) AS den, count(*) FILTER (WHERE s.pop AND o.subject IS NOT NULL) AS num
  FROM st s JOIN ${years} y ON ${HOLDS}
  LEFT JOIN online o ON o.subject = s.subject AND o.year = y.year
  WHERE s.loc IS NULL OR s.loc.c IS NOT NULL GROUP BY ALL)
${shareRows("OCOP_ONLINE", years)}`;

const DIGSIG_ADULT = (years: string): string => `
WITH v AS (${visible("person")}),
st AS (
  SELECT subject, oy, ${NEXT} AS next_oy, last FROM (
    SELECT subject, oy, arg_max({'c': commune, 'b': birth_year}, ord) AS last FROM v GROUP BY subject, oy)),
signed AS (
  SELECT DISTINCT s.subject, y.year FROM (
    SELECT *, lead(oy, 1, 10000) OVER (PARTITION BY subject, attr_key ORDER BY oy) AS next_oy FROM (
      SELECT subject, attr_key, oy,
             arg_max({'issued': type = 'DigitalSignatureIssued', 'until': valid_until}, ord) AS last
      FROM v WHERE type IN ('DigitalSignatureIssued', 'DigitalSignatureRevoked') GROUP BY ALL)) s
  JOIN ${years} y ON ${HOLDS}
  WHERE s.last.issued AND s.last.until >= make_date(y.year, 12, 31)),
cells AS (
  SELECT s.last.c AS geo, y.year, count(*) AS ent,
         count(*) FILTER (WHERE g.subject IS NOT NULL AND y.year - s.last.b >= 18) AS num
  FROM st s JOIN ${years} y ON ${HOLDS}
  LEFT JOIN signed g ON g.subject = s.subject AND g.year = y.year
  WHERE s.last.c IS NOT NULL GROUP BY ALL),
${reported("PopulationEstimated", "commune_code, data->>'year'", "", { den: "adults" })}
${shareOfReportedRows("DIGSIG_ADULT", years)}`;

const HH_FIXED_BROADBAND = (years: string): string => `
WITH v AS (${visible("household")}),
yr AS (
  SELECT subject, oy,
    arg_max(type = 'FixedBroadbandConnected', ord)
      FILTER (WHERE type IN ('FixedBroadbandConnected', 'FixedBroadbandDisconnected')) AS connected,
    arg_max({'c': commune}, ord) FILTER (WHERE type = 'FixedBroadbandConnected') AS loc
  FROM v GROUP BY subject, oy),
st AS (
  SELECT subject, oy, ${NEXT} AS next_oy, coalesce(last_value(connected IGNORE NULLS) ${CARRY}, false) AS connected,
         last_value(loc IGNORE NULLS) ${CARRY} AS loc
  FROM yr),
cells AS (
  SELECT CASE WHEN s.loc IS NULL THEN '' ELSE s.loc.c END AS geo, y.year, count(*) AS ent,
         count(*) FILTER (WHERE s.connected) AS num
  FROM st s JOIN ${years} y ON ${HOLDS}
  WHERE s.loc IS NULL OR s.loc.c IS NOT NULL GROUP BY ALL),
${reported("HouseholdsEstimated", "commune_code, data->>'year'", "", { den: "households" })}
${shareOfReportedRows("HH_FIXED_BROADBAND", years)}`;

const POP_ONLINE_SHOPPING = (years: string): string => `
WITH ${reported(
  "SurveyAggregateReported",
  "data->>'survey', commune_code, data->>'year'",
  "AND (data->>'survey') = 'ONLINE_SHOPPING'",
  { num: "meeting", den: "respondents" },
)}
SELECT 'POP_ONLINE_SHOPPING', geo, year, num, den FROM rep_c
WHERE year IN (SELECT year FROM ${years}) AND (coalesce(num, 0) <> 0 OR coalesce(den, 0) <> 0)
UNION ALL
SELECT 'POP_ONLINE_SHOPPING', 'province', y.year, p.num, p.den FROM ${years} y LEFT JOIN rep_p p ON p.year = y.year`;

const QUERIES: Record<SubsetCode, (years: string) => string> = {
  DIGSIG_ADULT,
  HH_FIXED_BROADBAND,
  OCOP_ONLINE,
  POP_ONLINE_SHOPPING,
  SME_ECOM_PLATFORM,
};

export const isSubsetCode = (code: string): code is SubsetCode => (SUBSET as readonly string[]).includes(code);

/**
 * The statements that compute `codes` for the years in table `years` into `h_figures(indicator, geo, year,
 * numerator, denominator)` (replaced), run in order on the flat table's connection.
 */
export const handSqlStatements = (codes: readonly SubsetCode[], years: string): string[] => [
  "CREATE OR REPLACE TEMP TABLE h_retracted AS SELECT DISTINCT retracts AS id FROM facts WHERE type = 'FactRetracted'",
  `CREATE OR REPLACE TEMP TABLE h_figures (indicator VARCHAR, geo VARCHAR, year INTEGER, numerator DOUBLE,
     denominator DOUBLE)`,
  ...codes.map((c) => `INSERT INTO h_figures ${QUERIES[c](years)}`),
];
