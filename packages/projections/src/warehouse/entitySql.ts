/**
 * The state of every entity at the end of every year, in SQL, following docs/semantics.md. Each kind's query
 * reads a relation `f` of that kind's visible facts (already scoped: all subjects, the subjects touched by new
 * events, or the facts as known at a position) and a relation `years`, and yields one row per subject and
 * year in which the subject has at least one fact dated on or before 31 December.
 *
 * "The last" fact is the one with the greatest `ord` = (occurredOn, position). Each row carries the subject's
 * integer key (`subject_key`, the log's dictionary key) beside the subject: the fold finds a subject's facts and
 * states by it, and keeps the state tables in its order.
 */
import type { EntityKind } from "@kpi/core";
import type { Params } from "./sql.js";

/** The columns of `facts` the state queries read: all but the fact's JSON and the source's own fields. */
export const STATE_FACT_COLUMNS = "* EXCLUDE (data, id, source)";

/**
 * The subjects (by key) and their kinds that the facts staged in (from, to] touch, into the TEMP table
 * `touched`. A retraction has its target's subject, so the retracted facts' subjects are among them. `facts` is
 * in log order, so the range reads only the row groups of the staged facts.
 */
export const touchedSubjectsSql = (p: Params, from: number, to: number): string =>
  `CREATE OR REPLACE TEMP TABLE touched AS
   SELECT DISTINCT subject_key, kind FROM facts WHERE position > ${p.bind(from)} AND position <= ${p.bind(to)}`;

export const ENTITY_COLUMNS: Record<EntityKind, readonly [string, string][]> = {
  enterprise: [
    ["active", "BOOLEAN"],
    ["form", "VARCHAR"],
    ["size", "VARCHAR"],
    ["sector", "VARCHAR"],
    ["digital_tech", "BOOLEAN"],
    ["founded_year", "INTEGER"],
    ["informed_in_founding_year", "BOOLEAN"],
    ["uses_digital_solution", "BOOLEAN"],
    ["uses_traceability", "BOOLEAN"],
    ["on_ecommerce", "BOOLEAN"],
    ["smart_manufacturing", "BOOLEAN"],
  ],
  ocop: [
    ["certified", "BOOLEAN"],
    ["stars", "INTEGER"],
    ["online", "BOOLEAN"],
  ],
  person: [
    ["birth_year", "INTEGER"],
    ["has_payment_account", "BOOLEAN"],
    ["has_vneid", "BOOLEAN"],
    ["has_digital_signature", "BOOLEAN"],
    ["has_health_record", "BOOLEAN"],
  ],
  facility: [
    ["active", "BOOLEAN"],
    ["kind", "VARCHAR"],
    ["ehr", "BOOLEAN"],
    ["telemedicine", "BOOLEAN"],
    ["digital_teaching", "BOOLEAN"],
    ["smart_classroom", "BOOLEAN"],
    ["ai_training", "BOOLEAN"],
  ],
  household: [["fixed_broadband", "BOOLEAN"]],
  club: [
    ["active", "BOOLEAN"],
    ["iot", "BOOLEAN"],
    ["iot_first_year", "INTEGER"],
    ["traceability", "BOOLEAN"],
    ["ecommerce", "BOOLEAN"],
  ],
  village: [["recognised", "BOOLEAN"]],
  project: [["deployed", "BOOLEAN"]],
};

/** "the last of the pair is the positive one" within a family (NULL when the family has no fact). */
const lastIs = (fam: string) => `arg_max(sign > 0, ord) FILTER (WHERE fam = '${fam}')`;
/** true when some fact matches, else NULL: an attribute only facts can set. */
const hasAny = (where: string) => `CASE WHEN bool_or(${where}) THEN true END`;
/**
 * The commune of the last fact among those matching `where`: NULL when its code did not resolve (the entity is
 * then left out everywhere), '' when no such fact exists (the entity counts in the province only).
 */
const communeOf = (where: string) =>
  `CASE WHEN count(*) FILTER (WHERE ${where}) = 0 THEN '' ELSE arg_max_null(commune, ord) FILTER (WHERE ${where}) END`;

const FY = `fy AS (SELECT f.*, y.year FROM f JOIN years y ON f.occurred_on <= make_date(y.year, 12, 31))`;

/** Per subject, year and key of a pair family: net count and whether the last event is the positive one. */
const KEYED = (fams: readonly string[]) => `keyed AS (
  SELECT subject, year, fam, attr_key, sum(sign) AS net, arg_max(sign, ord) AS last_sign,
         arg_max(valid_until, ord) AS last_valid_until
  FROM fy WHERE fam IN (${fams.map((f) => `'${f}'`).join(", ")}) GROUP BY subject, year, fam, attr_key)`;

/**
 * People and households are most of the facts, so their states are carried forward instead of recomputed per
 * year: each fact goes to its *bucket*, the first year in `years` on or after its date (facts dated after the
 * last year are left out); the facts of a subject are aggregated per bucket, the aggregates are accumulated over
 * the subject's buckets in order (running `arg_max` keyed on the greatest `ord` of each bucket, running sums and
 * `bool_or`), and each bucket's state holds for the years from it to the subject's next bucket. Term for term
 * this is the per-year query of the other kinds, without copying every fact into every later year (3.3 times
 * faster for people at 10 M facts, where the copies no longer fit in memory).
 */
const CARRIED = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW";
/** `bk`: each fact year's bucket; `g`: the facts of `f` with their bucket. */
const BUCKETS = `bk AS (SELECT d.y AS fact_year, min(years.year) AS bucket
       FROM (SELECT DISTINCT CAST(year(occurred_on) AS INTEGER) AS y FROM f) d JOIN years ON years.year >= d.y
       GROUP BY d.y),
g AS (SELECT f.*, bk.bucket FROM f JOIN bk ON bk.fact_year = CAST(year(f.occurred_on) AS INTEGER))`;
/**
 * The years a bucket's state holds for: from the bucket to the next one (`t.next`; for the last, to the last of
 * `years`), as the span [from_year, until_year). `years` is a run of consecutive years (the warehouse's range, or
 * a replay's one year) and a bucket is one of them.
 */
const SPAN_YEARS = (t: string) =>
  `${t}.bucket AS from_year, CAST(coalesce(${t}.next, (SELECT max(year) FROM years) + 1) AS INTEGER) AS until_year`;

/**
 * The span holds for some year: it is empty only where a subject has two rows in one bucket (a log an earlier
 * version wrote may give a subject two keys, and the states then partition by the subject), and the later of
 * the two holds the state of both.
 */
const NOT_EMPTY = (t: string) => `(${t}.next IS NULL OR ${t}.next > ${t}.bucket)`;

/**
 * The kinds whose year-end states are stored as spans of years, one row per subject and run of years in which its
 * state holds (`ent_<kind>_span`: from_year ≤ year < until_year), and read year by year through the view
 * `ent_<kind>_year`. People and households are most of the subjects, and their states change in few of the years:
 * at 10 M facts people have 6.9 M spans against 25.3 M year rows, and writing the spans (sorted) took 12.3 s where
 * writing the year rows took 17.9 s, in scratch. The years are generated when read (`spanYearsSql`).
 */
export const SPAN_KINDS = ["person", "household"] as const satisfies readonly EntityKind[];
export type SpanKind = (typeof SPAN_KINDS)[number];
export const isSpanKind = (kind: string): kind is SpanKind => (SPAN_KINDS as readonly string[]).includes(kind);

/** The columns of a span table after subject_key, subject, from_year, until_year and commune. */
export const SPAN_COLUMNS: Record<SpanKind, readonly [string, string][]> = {
  person: [
    ["birth_year", "INTEGER"],
    ["has_payment_account", "BOOLEAN"],
    ["has_vneid", "BOOLEAN"],
    ["signature_until", "INTEGER"],
    ["has_health_record", "BOOLEAN"],
  ],
  household: [["fixed_broadband", "BOOLEAN"]],
};

/**
 * The year rows of the spans in `relation` (a table, or a subquery in parentheses): the columns of the entity-year
 * relation, in its order. A person holds a digital signature at a year-end when some signature is valid to it
 * (`signature_until`: the last year-end the valid signatures reach, 0 when none does; NULL: no signature fact).
 */
export const spanYearsSql = (kind: SpanKind, relation: string): string =>
  `SELECT subject_key, subject, year, ${spanYearColumns(kind)} FROM ${everyYear(relation)}`;

/** A span relation's rows, one per year of each span (the span's columns and `year`). */
const everyYear = (relation: string): string =>
  `(SELECT s.*, CAST(unnest(range(s.from_year, s.until_year)) AS INTEGER) AS year FROM ${relation} s)`;

/** The columns of a span kind's year rows after `year`, from a span's columns and `year`. */
const spanYearColumns = (kind: SpanKind): string =>
  kind === "person"
    ? "commune, birth_year, has_payment_account, has_vneid, signature_until >= year AS has_digital_signature, has_health_record"
    : "commune, fixed_broadband";

/**
 * The year rows of a span kind's stored states with a commune, grouped: one row per year and distinct state,
 * `n` the subjects in that state (the subjects themselves left out). What a full fold counts contributions
 * from: people's 6.9 M spans at 10 M facts are 0.93 M distinct ones, and the contributions took 0.74 s from them
 * against 1.35 s from the year rows, in scratch, with the same counts.
 */
export const weightedSpanYearsSql = (kind: SpanKind): string => {
  const state = ["from_year", "until_year", "commune", ...SPAN_COLUMNS[kind].map(([c]) => c)].join(", ");
  const grouped = `(SELECT ${state}, count(*) AS n FROM ent_${kind}_span WHERE commune IS NOT NULL GROUP BY ALL)`;
  return `SELECT year, ${spanYearColumns(kind)}, n FROM ${everyYear(grouped)}`;
};

/**
 * Which column the carried states of people and households partition and join by: `subject_key` where the log's
 * dictionary gives each subject one key (an integer partition: a quarter less time for people at 10 M facts than
 * partitioning by the subject string), `subject` where the key is a hash of the subject (two subjects could share
 * one). The rows are the same.
 */
export type StateKey = "subject_key" | "subject";

const householdStateSql = (by: StateKey): string => `WITH ${BUCKETS},
hb AS (SELECT subject_key, subject, bucket,
         count(*) FILTER (WHERE type = 'FixedBroadbandConnected') AS commune_n,
         arg_max_null(commune, ord) FILTER (WHERE type = 'FixedBroadbandConnected') AS commune_v,
         max(ord) FILTER (WHERE type = 'FixedBroadbandConnected') AS commune_k,
         arg_max(sign > 0, ord) FILTER (WHERE fam = 'life') AS life_v,
         max(ord) FILTER (WHERE fam = 'life' AND sign IS NOT NULL) AS life_k
       FROM g GROUP BY subject_key, subject, bucket),
hc AS (SELECT subject_key, subject, bucket,
         CASE WHEN sum(commune_n) OVER w = 0 THEN '' ELSE arg_max_null(commune_v, commune_k) OVER w END AS commune,
         arg_max(life_v, life_k) OVER w AS fixed_broadband,
         lead(bucket) OVER (PARTITION BY ${by} ORDER BY bucket) AS next
       FROM hb WINDOW w AS (PARTITION BY ${by} ORDER BY bucket ${CARRIED})),
spans AS (SELECT subject_key, subject, ${SPAN_YEARS("hc")}, commune, fixed_broadband FROM hc WHERE ${NOT_EMPTY("hc")})`;

/** The keyed families of a person's attributes: payment accounts (`hasPaymentAccount`), signatures. */
export type PersonFamily = "account" | "signature";
export const PERSON_FAMILIES: readonly PersonFamily[] = ["account", "signature"];

/** The last year whose 31 December is on or before `d` (NULL for NULL): a validity until `d` covers year-ends up to it. */
const lastYearEndSql = (d: string) =>
  `CASE WHEN month(${d}) = 12 AND day(${d}) = 31 THEN year(${d}) ELSE year(${d}) - 1 END`;

/**
 * `families`: of the keyed families, those computed (the others' attributes are NULL).
 *
 * A person's keyed attributes (payment accounts, signatures: one state per key, carried over the buckets as the
 * rest) are summed up per bucket of the person (`kp`): the keys' states that hold at the bucket, which hold for
 * every year up to the person's next bucket, since a key's buckets are among the person's. An account counts
 * in those years if it is open; a signature if its last fact is positive and its validity reaches the
 * year-end, which `sig_vy` (the last year-end the positive keys' validity reaches) decides per year. So the
 * keyed states are neither expanded into years nor joined per year.
 */
const personStateSql = (families: readonly PersonFamily[], by: StateKey): string => {
  const kp =
    families.length === 0
      ? `kp AS (SELECT NULL::${by === "subject" ? "VARCHAR" : "BIGINT"} AS kp_by, NULL::INTEGER AS kp_bucket,
                NULL::BOOLEAN AS acct, NULL::BIGINT AS sig_n, NULL::BIGINT AS sig_vy WHERE false)`
      : `kb AS (SELECT ${by}, fam, attr_key, bucket, sum(sign) AS net,
         arg_max(sign, ord) AS sign_v, max(ord) AS sign_k,
         arg_max(valid_until, ord) AS until_v, max(ord) FILTER (WHERE valid_until IS NOT NULL) AS until_k
       FROM g WHERE fam IN (${families.map((f) => `'${f}'`).join(", ")}) GROUP BY ${by}, fam, attr_key, bucket),
kc AS (SELECT ${by}, fam, bucket,
         sum(net) OVER w AS net,
         arg_max(sign_v, sign_k) OVER w AS last_sign,
         arg_max(until_v, until_k) OVER w AS last_valid_until,
         lead(bucket) OVER (PARTITION BY ${by}, fam, attr_key ORDER BY bucket) AS next
       FROM kb WINDOW w AS (PARTITION BY ${by}, fam, attr_key ORDER BY bucket ${CARRIED})),
kp AS (SELECT pc.${by} AS kp_by, pc.bucket AS kp_bucket,
         bool_or(kc.net > 0) FILTER (WHERE kc.fam = 'account') AS acct,
         count(*) FILTER (WHERE kc.fam = 'signature') AS sig_n,
         max(CASE WHEN kc.last_sign > 0 THEN ${lastYearEndSql("kc.last_valid_until")} END)
           FILTER (WHERE kc.fam = 'signature') AS sig_vy
       FROM pc JOIN kc ON kc.${by} = pc.${by} AND kc.bucket <= pc.bucket AND (kc.next IS NULL OR pc.bucket < kc.next)
       GROUP BY pc.${by}, pc.bucket)`;
  return `WITH ${BUCKETS},
pb AS (SELECT subject_key, subject, bucket,
         arg_max_null(commune, ord) AS commune_v, max(ord) AS commune_k,
         arg_max(birth_year, ord) AS birth_v, max(ord) FILTER (WHERE birth_year IS NOT NULL) AS birth_k,
         bool_or(type = 'VneidActivated') AS vneid,
         bool_or(type = 'HealthRecordCreated') AS health
       FROM g GROUP BY subject_key, subject, bucket),
pc AS (SELECT subject_key, subject, bucket,
         arg_max_null(commune_v, commune_k) OVER w AS commune,
         arg_max(birth_v, birth_k) OVER w AS birth_year,
         bool_or(vneid) OVER w AS vneid,
         bool_or(health) OVER w AS health,
         lead(bucket) OVER (PARTITION BY ${by} ORDER BY bucket) AS next
       FROM pb WINDOW w AS (PARTITION BY ${by} ORDER BY bucket ${CARRIED})),
${kp},
spans AS (SELECT pc.subject_key, pc.subject, ${SPAN_YEARS("pc")}, pc.commune, pc.birth_year,
         kp.acct AS has_payment_account,
         CASE WHEN pc.vneid THEN true END AS has_vneid,
         CASE WHEN kp.sig_n > 0 THEN CAST(coalesce(kp.sig_vy, 0) AS INTEGER) END AS signature_until,
         CASE WHEN pc.health THEN true END AS has_health_record
       FROM pc LEFT JOIN kp ON kp.kp_by = pc.${by} AND kp.kp_bucket = pc.bucket
       WHERE ${NOT_EMPTY("pc")})`;
};

/**
 * The year-end states of `kind`; `personFamilies`: of a person's keyed families, those computed (default: both;
 * a replay of some figures computes only those its definitions read); `by`: what people's and households'
 * carried states partition by (`StateKey`; the subject unless every subject is known to have one key).
 */
export const entityStateSql = (
  kind: EntityKind,
  personFamilies: readonly PersonFamily[] = PERSON_FAMILIES,
  by: StateKey = "subject",
): string => {
  switch (kind) {
    case "person":
      return `${personStateSql(personFamilies, by)}\n${spanYearsSql(kind, "spans")}`;
    case "household":
      return `${householdStateSql(by)}\n${spanYearsSql(kind, "spans")}`;
    default:
      return yearStateSql(kind);
  }
};

/** The spans of the states of a span kind (`SPAN_KINDS`), the rows of `ent_<kind>_span`; see `entityStateSql`. */
export const entitySpanSql = (
  kind: SpanKind,
  personFamilies: readonly PersonFamily[] = PERSON_FAMILIES,
  by: StateKey = "subject",
): string => `${kind === "person" ? personStateSql(personFamilies, by) : householdStateSql(by)}\nSELECT * FROM spans`;

/** The year-end states of the kinds stored year by year. */
const yearStateSql = (kind: Exclude<EntityKind, SpanKind>): string => {
  switch (kind) {
    case "enterprise":
      return `WITH ${FY}, ${KEYED(["solution", "platform"])},
k AS (SELECT subject, year,
        bool_or(net > 0) FILTER (WHERE fam = 'solution') AS uses_digital_solution,
        bool_or(net > 0) FILTER (WHERE fam = 'solution' AND attr_key = 'traceability') AS uses_traceability,
        bool_or(last_sign > 0) FILTER (WHERE fam = 'platform') AS on_ecommerce
      FROM keyed GROUP BY subject, year),
b AS (SELECT subject_key, subject, year,
        ${communeOf("commune_code IS NOT NULL")} AS commune,
        ${lastIs("life")} AS active,
        arg_max(form, ord) FILTER (WHERE type = 'EnterpriseRegistered') AS form,
        arg_max(size, ord) FILTER (WHERE size IS NOT NULL) AS size,
        arg_max(sector, ord) FILTER (WHERE sector IS NOT NULL) AS sector,
        arg_max(digital_tech, ord) FILTER (WHERE digital_tech IS NOT NULL) AS digital_tech,
        CAST(year(arg_max(occurred_on, ord) FILTER (WHERE type = 'EnterpriseRegistered')) AS INTEGER) AS founded_year,
        list(CAST(year(occurred_on) AS INTEGER)) FILTER (WHERE type = 'DigitalTransformationBriefed') AS briefed,
        ${lastIs("smart")} AS smart_manufacturing
      FROM fy GROUP BY subject_key, subject, year)
SELECT b.subject_key, b.subject, b.year, b.commune, b.active, b.form, b.size, b.sector, b.digital_tech, b.founded_year,
       CASE WHEN b.founded_year IS NOT NULL THEN coalesce(list_contains(b.briefed, b.founded_year), false) END
         AS informed_in_founding_year,
       k.uses_digital_solution AS uses_digital_solution, k.uses_traceability AS uses_traceability,
       k.on_ecommerce AS on_ecommerce, b.smart_manufacturing
FROM b LEFT JOIN k ON k.subject = b.subject AND k.year = b.year`;
    case "ocop":
      return `WITH ${FY}, ${KEYED(["platform"])},
k AS (SELECT subject, year, bool_or(last_sign > 0) AS online FROM keyed GROUP BY subject, year),
b AS (SELECT subject_key, subject, year,
        ${communeOf("type = 'OcopCertified'")} AS commune,
        ${lastIs("life")} AS certified,
        arg_max(stars, ord) FILTER (WHERE type = 'OcopCertified') AS stars
      FROM fy GROUP BY subject_key, subject, year)
SELECT b.subject_key, b.subject, b.year, b.commune, b.certified, b.stars, k.online AS online
FROM b LEFT JOIN k ON k.subject = b.subject AND k.year = b.year`;
    case "facility":
      return `WITH ${FY}, ${KEYED(["capability"])},
k AS (SELECT subject, year,
        bool_or(last_sign > 0) FILTER (WHERE attr_key = 'ehr') AS ehr,
        bool_or(last_sign > 0) FILTER (WHERE attr_key = 'telemedicine') AS telemedicine,
        bool_or(last_sign > 0) FILTER (WHERE attr_key = 'digital_teaching') AS digital_teaching,
        bool_or(last_sign > 0) FILTER (WHERE attr_key = 'smart_classroom') AS smart_classroom,
        bool_or(last_sign > 0) FILTER (WHERE attr_key = 'ai_training') AS ai_training
      FROM keyed GROUP BY subject, year),
b AS (SELECT subject_key, subject, year,
        ${communeOf("type = 'FacilityRegistered'")} AS commune,
        ${lastIs("life")} AS active,
        arg_max(facility_kind, ord) FILTER (WHERE type = 'FacilityRegistered') AS kind
      FROM fy GROUP BY subject_key, subject, year)
SELECT b.subject_key, b.subject, b.year, b.commune, b.active, b.kind, k.ehr AS ehr, k.telemedicine AS telemedicine,
       k.digital_teaching AS digital_teaching, k.smart_classroom AS smart_classroom, k.ai_training AS ai_training
FROM b LEFT JOIN k ON k.subject = b.subject AND k.year = b.year`;
    case "club":
      return `WITH ${FY}, ${KEYED(["technology"])},
k AS (SELECT subject, year,
        bool_or(last_sign > 0) FILTER (WHERE attr_key = 'iot') AS iot,
        bool_or(last_sign > 0) FILTER (WHERE attr_key = 'traceability') AS traceability,
        bool_or(last_sign > 0) FILTER (WHERE attr_key = 'ecommerce') AS ecommerce
      FROM keyed GROUP BY subject, year),
b AS (SELECT subject_key, subject, year,
        ${communeOf("type = 'ClubFounded'")} AS commune,
        ${lastIs("life")} AS active,
        CAST(min(year(occurred_on)) FILTER (WHERE type = 'ClubTechnologyAdopted' AND attr_key = 'iot') AS INTEGER) AS iot_first_year
      FROM fy GROUP BY subject_key, subject, year)
SELECT b.subject_key, b.subject, b.year, b.commune, b.active, k.iot AS iot, b.iot_first_year,
       k.traceability AS traceability, k.ecommerce AS ecommerce
FROM b LEFT JOIN k ON k.subject = b.subject AND k.year = b.year`;
    case "village":
      return `WITH ${FY}
SELECT subject_key, subject, year, ${communeOf("type = 'SmartVillageRecognised'")} AS commune,
       ${lastIs("life")} AS recognised
FROM fy GROUP BY subject_key, subject, year`;
    case "project":
      return `WITH ${FY}
SELECT subject_key, subject, year,
       ${communeOf("commune_code IS NOT NULL")} AS commune,
       ${hasAny("type = 'AiProjectDeployed'")} AS deployed
FROM fy GROUP BY subject_key, subject, year`;
  }
};
