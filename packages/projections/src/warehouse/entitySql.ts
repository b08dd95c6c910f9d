/**
 * The state of every entity at the end of every year, in SQL, following docs/semantics.md. Each kind's query
 * reads a relation `f` of that kind's visible facts (already scoped: all subjects, the subjects touched by new
 * events, or the facts as known at a position) and a relation `years`, and yields one row per subject and
 * year in which the subject has at least one fact dated on or before 31 December.
 *
 * "The last" fact is the one with the greatest `ord` = (occurredOn, position).
 */
import type { EntityKind } from "@kpi/core";

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

/** "the last of the pair is the positive one" within a family. */
const lastIs = (fam: string) => `coalesce(arg_max(sign > 0, ord) FILTER (WHERE fam = '${fam}'), false)`;
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

export const entityStateSql = (kind: EntityKind): string => {
  switch (kind) {
    case "enterprise":
      return `WITH ${FY}, ${KEYED(["solution", "platform"])},
k AS (SELECT subject, year,
        bool_or(fam = 'solution' AND net > 0) AS uses_digital_solution,
        bool_or(fam = 'solution' AND attr_key = 'traceability' AND net > 0) AS uses_traceability,
        bool_or(fam = 'platform' AND last_sign > 0) AS on_ecommerce
      FROM keyed GROUP BY subject, year),
b AS (SELECT subject, year,
        ${communeOf("commune_code IS NOT NULL")} AS commune,
        ${lastIs("life")} AS active,
        arg_max(form, ord) FILTER (WHERE type = 'EnterpriseRegistered') AS form,
        arg_max(size, ord) FILTER (WHERE size IS NOT NULL) AS size,
        arg_max(sector, ord) FILTER (WHERE sector IS NOT NULL) AS sector,
        arg_max(digital_tech, ord) FILTER (WHERE digital_tech IS NOT NULL) AS digital_tech,
        CAST(year(arg_max(occurred_on, ord) FILTER (WHERE type = 'EnterpriseRegistered')) AS INTEGER) AS founded_year,
        list(CAST(year(occurred_on) AS INTEGER)) FILTER (WHERE type = 'DigitalTransformationBriefed') AS briefed,
        ${lastIs("smart")} AS smart_manufacturing
      FROM fy GROUP BY subject, year)
SELECT b.subject, b.year, b.commune, b.active, b.form, b.size, b.sector, b.digital_tech, b.founded_year,
       coalesce(list_contains(b.briefed, b.founded_year), false) AS informed_in_founding_year,
       coalesce(k.uses_digital_solution, false) AS uses_digital_solution, coalesce(k.uses_traceability, false) AS uses_traceability,
       coalesce(k.on_ecommerce, false) AS on_ecommerce, b.smart_manufacturing
FROM b LEFT JOIN k ON k.subject = b.subject AND k.year = b.year`;
    case "ocop":
      return `WITH ${FY}, ${KEYED(["platform"])},
k AS (SELECT subject, year, bool_or(last_sign > 0) AS online FROM keyed GROUP BY subject, year),
b AS (SELECT subject, year,
        ${communeOf("type = 'OcopCertified'")} AS commune,
        ${lastIs("life")} AS certified,
        arg_max(stars, ord) FILTER (WHERE type = 'OcopCertified') AS stars
      FROM fy GROUP BY subject, year)
SELECT b.subject, b.year, b.commune, b.certified, b.stars, coalesce(k.online, false) AS online
FROM b LEFT JOIN k ON k.subject = b.subject AND k.year = b.year`;
    case "person":
      return `WITH ${FY}, ${KEYED(["account", "signature"])},
k AS (SELECT subject, year,
        bool_or(fam = 'account' AND net > 0) AS has_payment_account,
        bool_or(fam = 'signature' AND last_sign > 0 AND last_valid_until >= make_date(year, 12, 31)) AS has_digital_signature
      FROM keyed GROUP BY subject, year),
b AS (SELECT subject, year,
        arg_max_null(commune, ord) AS commune,
        arg_max(birth_year, ord) AS birth_year,
        bool_or(type = 'VneidActivated') AS has_vneid,
        bool_or(type = 'HealthRecordCreated') AS has_health_record
      FROM fy GROUP BY subject, year)
SELECT b.subject, b.year, b.commune, b.birth_year, coalesce(k.has_payment_account, false) AS has_payment_account, b.has_vneid,
       coalesce(k.has_digital_signature, false) AS has_digital_signature, b.has_health_record
FROM b LEFT JOIN k ON k.subject = b.subject AND k.year = b.year`;
    case "facility":
      return `WITH ${FY}, ${KEYED(["capability"])},
k AS (SELECT subject, year,
        bool_or(attr_key = 'ehr' AND last_sign > 0) AS ehr,
        bool_or(attr_key = 'telemedicine' AND last_sign > 0) AS telemedicine,
        bool_or(attr_key = 'digital_teaching' AND last_sign > 0) AS digital_teaching,
        bool_or(attr_key = 'smart_classroom' AND last_sign > 0) AS smart_classroom,
        bool_or(attr_key = 'ai_training' AND last_sign > 0) AS ai_training
      FROM keyed GROUP BY subject, year),
b AS (SELECT subject, year,
        ${communeOf("type = 'FacilityRegistered'")} AS commune,
        ${lastIs("life")} AS active,
        arg_max(facility_kind, ord) FILTER (WHERE type = 'FacilityRegistered') AS kind
      FROM fy GROUP BY subject, year)
SELECT b.subject, b.year, b.commune, b.active, b.kind, coalesce(k.ehr, false) AS ehr, coalesce(k.telemedicine, false) AS telemedicine,
       coalesce(k.digital_teaching, false) AS digital_teaching, coalesce(k.smart_classroom, false) AS smart_classroom, coalesce(k.ai_training, false) AS ai_training
FROM b LEFT JOIN k ON k.subject = b.subject AND k.year = b.year`;
    case "household":
      return `WITH ${FY}
SELECT subject, year, ${communeOf("type = 'FixedBroadbandConnected'")} AS commune, ${lastIs("life")} AS fixed_broadband
FROM fy GROUP BY subject, year`;
    case "club":
      return `WITH ${FY}, ${KEYED(["technology"])},
k AS (SELECT subject, year,
        bool_or(attr_key = 'iot' AND last_sign > 0) AS iot,
        bool_or(attr_key = 'traceability' AND last_sign > 0) AS traceability,
        bool_or(attr_key = 'ecommerce' AND last_sign > 0) AS ecommerce
      FROM keyed GROUP BY subject, year),
b AS (SELECT subject, year,
        ${communeOf("type = 'ClubFounded'")} AS commune,
        ${lastIs("life")} AS active,
        CAST(min(year(occurred_on)) FILTER (WHERE type = 'ClubTechnologyAdopted' AND attr_key = 'iot') AS INTEGER) AS iot_first_year
      FROM fy GROUP BY subject, year)
SELECT b.subject, b.year, b.commune, b.active, coalesce(k.iot, false) AS iot, b.iot_first_year,
       coalesce(k.traceability, false) AS traceability, coalesce(k.ecommerce, false) AS ecommerce
FROM b LEFT JOIN k ON k.subject = b.subject AND k.year = b.year`;
    case "village":
      return `WITH ${FY}
SELECT subject, year, ${communeOf("type = 'SmartVillageRecognised'")} AS commune, ${lastIs("life")} AS recognised
FROM fy GROUP BY subject, year`;
    case "project":
      return `WITH ${FY}
SELECT subject, year,
       ${communeOf("commune_code IS NOT NULL")} AS commune,
       bool_or(type = 'AiProjectDeployed') AS deployed
FROM fy GROUP BY subject, year`;
  }
};
