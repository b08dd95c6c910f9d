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

type Field = (typeof PATHS)[number];

/**
 * The pair family, sign and key field of each fact type (`SHAPES`) as a small relation the staged events join on
 * their type: one hash look-up a row instead of a CASE of some thirty branches per column.
 */
const SHAPES_RELATION = `(VALUES ${Object.entries(SHAPES)
  .flatMap(([type, s]) =>
    s === undefined
      ? []
      : [`('${type}', '${s.fam}', CAST(${s.sign} AS TINYINT), ${s.key === undefined ? "NULL" : `'${s.key}'`})`],
  )
  .join(", ")}) AS sh(type, fam, sign, key)`;
const SHAPE_KEYS = [...new Set(Object.values(SHAPES).flatMap((s) => (s?.key === undefined ? [] : [s.key as Field])))];

/** How a log format gives the staged fields: each as its typed value, from a relation aliased `e`. */
interface FieldReader {
  readonly field: (name: Field) => string;
  /** The events with `from < position ≤ to` (and `only`), as a relation to alias `e`. */
  readonly events: (eventsTable: string, range: string) => string;
}

/** The typed column that holds `data.<name>` in a format-2 log. */
const typedColumnOf = (name: Field) => {
  const c = TYPED_COLUMNS.find((x) => x.field === name);
  if (c === undefined) throw new Error(`no typed column holds data.${name}`);
  return c;
};

/** Format 2: the log stores each field in a typed column. */
const typedReader: FieldReader = {
  field: (name) => `e.${typedColumnOf(name).column}`,
  events: (eventsTable, range) => `(SELECT * FROM ${eventsTable} e WHERE ${range})`,
};

/** The types of the fields a format-1 log holds only in its JSON `data` (the rest are text). */
const JSON_CASTS: Partial<Record<Field, string>> = {
  birthYear: "CAST(# AS INTEGER)",
  validUntil: "CAST(# AS DATE)",
  digitalTech: "CAST(# AS BOOLEAN)",
  stars: "CAST(# AS INTEGER)",
  year: "TRY_CAST(# AS INTEGER)",
};

/** Format 1: every field extracted from `data` once per event, by one multi-path `json_extract_string`. */
const jsonReader: FieldReader = {
  field: (name) => {
    const raw = `e.j[${PATHS.indexOf(name) + 1}]`;
    return JSON_CASTS[name]?.replace("#", raw) ?? raw;
  },
  events: (eventsTable, range) =>
    `(SELECT *, json_extract_string(data, [${PATHS.map((x) => `'$.${x}'`).join(", ")}]) AS j
      FROM ${eventsTable} e WHERE ${range})`,
};

/**
 * Where the log has no subject dictionary (format 1, or a copy read through the port), a subject is keyed by a
 * hash of it. The key only locates a subject's rows (the entity states group by the subject itself), so two
 * subjects that share a hash are merely recomputed together.
 */
const HASHED_SUBJECT_KEY = "CAST(hash(e.subject) >> 1 AS BIGINT)";

/**
 * INSERT the events with `from < position ≤ to` from `eventsTable` (e.g. `log.events`) into `facts`; with
 * `only`, a condition on the event `e`, just those that meet it. `typedLog`: the log stores the typed columns
 * (format 2); otherwise they are extracted from `data`. `reportedOnColumn`: the table has `reported_on` (a log
 * that no version knowing `reportedOn` has written to has not). A fact's `reported_on` is its `reportedOn`, else
 * the UTC day the log recorded it. `subjectKeyColumn`: the table has the log's `subject_key` (format 2); otherwise
 * a fact's subject key is a hash of its subject.
 */
export const stageFactsSql = (
  eventsTable: string,
  p: Params,
  from: number,
  to: number,
  only?: string,
  typedLog = true,
  reportedOnColumn = true,
  subjectKeyColumn = typedLog,
  fields?: ReadonlySet<string>,
): string => {
  const reader = typedLog ? typedReader : jsonReader;
  const events = reader.events;
  // a format-2 log's typed column of a field no staged fact type carries is not read (`CatalogStaging.fields`)
  const field = (name: Field): string =>
    !typedLog || fields === undefined || fields.has(name)
      ? reader.field(name)
      : `CAST(NULL AS ${typedColumnOf(name).sql})`;
  const range = `e.position > ${p.bind(from)} AND e.position <= ${p.bind(to)}${only === undefined ? "" : ` AND ${only}`}`;
  const reportedOn = `coalesce(${reportedOnColumn ? "e.reported_on" : "CAST(NULL AS DATE)"}, CAST(e.recorded_at AS DATE))`;
  return `
INSERT INTO facts
SELECT e.position, e.id, e.type, e.subject, split_part(e.subject, ':', 1) AS kind, e.occurred_on,
  CAST(date_diff('day', DATE '1970-01-01', e.occurred_on) AS BIGINT) * 1099511627776 + e.position AS ord,
  e.recorded_at, e.source, e.data,
  ${field("commune")} AS commune_code,
  r.commune,
  CASE WHEN ${field("commune")} IS NULL THEN NULL WHEN r.commune IS NULL THEN 'unknown commune'
       WHEN r.partial THEN 'partial split' END AS geo_note,
  sh.fam AS fam,
  sh.sign AS sign,
  CASE sh.key ${SHAPE_KEYS.map((k) => `WHEN '${k}' THEN ${field(k)}`).join(" ")} END AS attr_key,
  ${field("birthYear")}, ${field("validUntil")}, ${field("form")}, ${field("size")},
  ${field("sector")}, ${field("digitalTech")}, ${field("stars")},
  CASE WHEN e.type = 'FacilityRegistered' THEN ${field("kind")} END,
  ${field("year")},
  CASE WHEN e.type = 'FactRetracted' THEN ${field("eventId")} END,
  NULL,
  ${reportedOn},
  ${subjectKeyColumn ? "e.subject_key" : HASHED_SUBJECT_KEY}
FROM ${events(eventsTable, range)} e
LEFT JOIN commune_resolution r
  ON r.code = ${field("commune")}
 AND r.era = CASE WHEN e.occurred_on < DATE '2025-07-01' THEN 'old' ELSE 'current' END
LEFT JOIN ${SHAPES_RELATION} ON sh.type = e.type`;
};

/**
 * Marks the facts retracted by retractions with `from < position ≤ to` (the first retraction wins). A fold from
 * the start does so after its staged facts are committed: marking rows its own transaction had just inserted
 * made DuckDB write them all again at the commit (8.8 s of commit at 10 M facts; 0.2 s for the update and 0.1 s
 * for its commit once the rows were committed).
 */
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
