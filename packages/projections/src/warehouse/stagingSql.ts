/**
 * Copies events from the log into the warehouse's flat `facts` table, in SQL on the shared DuckDB instance:
 * typed columns for the fields the entity queries use (read as they are from a format-2 log, which stores them;
 * extracted from the JSON `data` of a format-1 log, which only a read-only replay such as `kpi verify` folds), `ord` = days since 1970 × 2⁴⁰ + position (a product,
 * not a shift: days before 1970 are negative and a shift refuses them), the commune resolved with `commune_resolution` on
 * (code, era of occurredOn), and the pair family/sign/key of each fact type. Then marks retracted facts.
 */
import { TYPED_COLUMNS } from "@kpi/core";
import { SHAPES } from "./factShape.js";
import type { Params } from "./sql.js";

const PATHS = [
  "commune",
  "birthYear",
  "validUntil",
  "form",
  "size",
  "sector",
  "digitalTech",
  "stars",
  "kind",
  "year",
  "eventId",
  "institution",
  "solution",
  "platform",
  "provider",
  "capability",
  "technology",
] as const;
const at = (name: (typeof PATHS)[number]) => `j[${PATHS.indexOf(name) + 1}]`;

const shapeCase = (pick: (s: NonNullable<(typeof SHAPES)[keyof typeof SHAPES]>) => string, otherwise = "NULL") =>
  `CASE e.type ${Object.entries(SHAPES)
    .map(([type, s]) => (s === undefined ? "" : `WHEN '${type}' THEN ${pick(s)}`))
    .join(" ")} ELSE ${otherwise} END`;

/**
 * A format-1 log has no subject dictionary: its replay keys a subject by a hash of it. The key only locates a
 * subject's rows (the entity states group by the subject itself), so two subjects that share a hash are merely
 * recomputed together.
 */
const FORMAT1_SUBJECT_KEY = "CAST(hash(e.subject) >> 1 AS BIGINT)";

/** The typed column of the log that holds a `data` field. */
const typed = (field: (typeof PATHS)[number]): string => {
  const c = TYPED_COLUMNS.find((x) => x.field === field);
  if (c === undefined) throw new Error(`no typed column holds data.${field}`);
  return `e.${c.column}`;
};

/**
 * INSERT the events with `from < position ≤ to` from `eventsTable` (e.g. `log.events`) into `facts`; with
 * `only`, a condition on the event `e`, just those that meet it. `typedLog`: the log stores the typed columns
 * (format 2); otherwise they are extracted from `data`.
 */
export const stageFactsSql = (
  eventsTable: string,
  p: Params,
  from: number,
  to: number,
  only?: string,
  typedLog = true,
): string => (typedLog ? stageTypedSql : stageFromJsonSql)(eventsTable, p, from, to, only);

const stageTypedSql = (eventsTable: string, p: Params, from: number, to: number, only?: string): string => `
INSERT INTO facts
SELECT e.position, e.id, e.type, e.subject, split_part(e.subject, ':', 1) AS kind, e.occurred_on,
  CAST(date_diff('day', DATE '1970-01-01', e.occurred_on) AS BIGINT) * 1099511627776 + e.position AS ord,
  e.recorded_at, e.source, e.data,
  ${typed("commune")} AS commune_code,
  r.commune,
  CASE WHEN ${typed("commune")} IS NULL THEN NULL WHEN r.commune IS NULL THEN 'unknown commune'
       WHEN r.partial THEN 'partial split' END AS geo_note,
  ${shapeCase((s) => `'${s.fam}'`)} AS fam,
  ${shapeCase((s) => String(s.sign))} AS sign,
  ${shapeCase((s) => (s.key === undefined ? "NULL" : typed(s.key as (typeof PATHS)[number])))} AS attr_key,
  ${typed("birthYear")}, ${typed("validUntil")}, ${typed("form")}, ${typed("size")},
  ${typed("sector")}, ${typed("digitalTech")}, ${typed("stars")},
  CASE WHEN e.type = 'FacilityRegistered' THEN ${typed("kind")} END,
  ${typed("year")},
  CASE WHEN e.type = 'FactRetracted' THEN ${typed("eventId")} END,
  NULL, e.subject_key
FROM ${eventsTable} e
LEFT JOIN commune_resolution r
  ON r.code = ${typed("commune")}
 AND r.era = CASE WHEN e.occurred_on < DATE '2025-07-01' THEN 'old' ELSE 'current' END
WHERE e.position > ${p.bind(from)} AND e.position <= ${p.bind(to)}${only === undefined ? "" : ` AND ${only}`}`;

const stageFromJsonSql = (eventsTable: string, p: Params, from: number, to: number, only?: string): string => `
INSERT INTO facts
SELECT e.position, e.id, e.type, e.subject, split_part(e.subject, ':', 1) AS kind, e.occurred_on,
  CAST(date_diff('day', DATE '1970-01-01', e.occurred_on) AS BIGINT) * 1099511627776 + e.position AS ord,
  e.recorded_at, e.source, e.data,
  ${at("commune")} AS commune_code,
  r.commune,
  CASE WHEN ${at("commune")} IS NULL THEN NULL WHEN r.commune IS NULL THEN 'unknown commune'
       WHEN r.partial THEN 'partial split' END AS geo_note,
  ${shapeCase((s) => `'${s.fam}'`)} AS fam,
  ${shapeCase((s) => String(s.sign))} AS sign,
  ${shapeCase((s) => (s.key === undefined ? "NULL" : at(s.key as (typeof PATHS)[number])))} AS attr_key,
  CAST(${at("birthYear")} AS INTEGER), CAST(${at("validUntil")} AS DATE), ${at("form")}, ${at("size")},
  ${at("sector")}, CAST(${at("digitalTech")} AS BOOLEAN), CAST(${at("stars")} AS INTEGER),
  CASE WHEN e.type = 'FacilityRegistered' THEN ${at("kind")} END,
  TRY_CAST(${at("year")} AS INTEGER),
  CASE WHEN e.type = 'FactRetracted' THEN ${at("eventId")} END,
  NULL, ${FORMAT1_SUBJECT_KEY}
FROM (
  SELECT *, json_extract_string(data, [${PATHS.map((x) => `'$.${x}'`).join(", ")}]) AS j
  FROM ${eventsTable} e WHERE position > ${p.bind(from)} AND position <= ${p.bind(to)}${only === undefined ? "" : ` AND ${only}`}
) e
LEFT JOIN commune_resolution r
  ON r.code = ${at("commune")}
 AND r.era = CASE WHEN e.occurred_on < DATE '2025-07-01' THEN 'old' ELSE 'current' END`;

/** Marks the facts retracted by retractions with `from < position ≤ to` (the first retraction wins). */
export const markRetractedSql = (p: Params, from: number, to: number): string => `
UPDATE facts SET retracted_by = r.position
FROM (SELECT retracts, min(position) AS position FROM facts
      WHERE type = 'FactRetracted' AND position > ${p.bind(from)} AND position <= ${p.bind(to)} GROUP BY retracts) r
WHERE facts.id = r.retracts AND facts.type <> 'FactRetracted' AND facts.retracted_by IS NULL`;

/** Adds the geography notes of the staged range to `geo_warnings`. */
export const geoWarningsSql = (p: Params, from: number, to: number): string => `
INSERT INTO geo_warnings
SELECT commune_code, CASE WHEN occurred_on < DATE '2025-07-01' THEN 'old' ELSE 'current' END AS era, geo_note, count(*)
FROM facts WHERE geo_note IS NOT NULL AND position > ${p.bind(from)} AND position <= ${p.bind(to)}
GROUP BY ALL
ON CONFLICT DO UPDATE SET facts = geo_warnings.facts + excluded.facts`;
