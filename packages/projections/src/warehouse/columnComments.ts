/**
 * A comment on every column of every table and view of the warehouse (`duckdb_columns().comment`), from one
 * dictionary: by column name, with `table.column` where a name means something else in that table. Applied
 * when the warehouse opens (views are made again then, and lose their comments); a test checks no column
 * is left without one.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { ident } from "@kpi/core";
import { rows, sqlOf } from "./sql.js";

const ENTITY_STATE = "at the end of the year (docs/semantics.md, entities and their state)";

export const COLUMN_COMMENTS: Readonly<Record<string, string>> = {
  // figures
  indicator: "The indicator code (the catalog, table indicators).",
  geo: "'province', or the code of a current commune (table communes).",
  geo_name: "The commune's name (NULL for the province).",
  level: "province or commune.",
  year: "The reference period: the calendar year the figure (or row) is for.",
  breakdown:
    "The breakdown value ('' for the overall figure; VSIC 2018 section letters and ALL for by-sector indicators).",
  numerator:
    "The numerator where the indicator's parts are counts (indicators.parts = 'count': entities counted, head counts, counts reported, a rank), an integer; NULL for amounts (see numerator_amount), when withheld or unknown.",
  denominator:
    "The denominator where the indicator's parts are counts (indicators.parts = 'count'), an integer; NULL for amounts (see denominator_amount), when withheld or unknown.",
  numerator_amount:
    "The numerator where the indicator's parts are amounts (indicators.parts = 'amount': DE_GRDP, DE_SECTOR, ECOM_RETAIL in billion VND, LABOR_PRODUCTIVITY_GROWTH in million VND per worker), exact to 3 decimals; NULL for counts (see numerator).",
  denominator_amount:
    "The denominator where the indicator's parts are amounts (indicators.parts = 'amount'), exact to 3 decimals; NULL for counts (see denominator).",
  parts:
    "What the numerator and denominator are: count (whole numbers, in numerator/denominator) or amount (reported quantities with decimals, in numerator_amount/denominator_amount); decided by the fields the definition reads.",
  value: "The indicator's value in its unit, computed from numerator and denominator (NULL: no data, or withheld).",
  unit: "The unit of the value (percent, per_1000_people, count, rank, percent_yoy).",
  target_year: "The year of the target applied to this year (the nearest target year at or after it, else the last).",
  target_op: "The target's operator (>=, >, <=, <, =).",
  target_value: "The target's value.",
  trajectory: "The value the linear path from the baseline (or the previous target) to the target asks for this year.",
  position: "The log position the row reflects (the warehouse's checkpoint when it was computed).",
  vintage: "The recording day (UTC) of the last facts folded: the vintage of the figure.",
  definition_hash: "SHA-256 of the indicator's definition the figure was computed with.",
  name_vi: "The indicator's name in Vietnamese.",
  "breakdown_labels.code": "A breakdown value.",
  "breakdown_labels.name_vi": "Its name in Vietnamese.",
  "breakdown_labels.name_en": "Its name in English.",
  breakdown_vi: "The breakdown value's name in Vietnamese (table breakdown_labels).",
  breakdown_en: "The breakdown value's name in English.",
  name_en: "The indicator's name in English.",
  area: "The plan area (digital_economy, digital_society, digital_government, artificial_intelligence).",
  // cell counts
  num: "Entities meeting the numerator (a signed sum of contributions).",
  den: "Entities meeting the population of a share.",
  ent: "Entities of the kind that exist there that year.",
  // catalog
  code: "The code.",
  "indicators.code": "The indicator code.",
  "communes.code": "The commune's code (Công văn 1027/CTK-CSCL).",
  "commune_resolution.code": "A commune code as it appears on facts.",
  measure: "How the indicator is measured (share, value_ratio, rate_per_1000, count, growth, rank).",
  direction: "higher_is_better or lower_is_better: which way the status reads the trajectory.",
  population_vi: "Whom the indicator counts, in Vietnamese.",
  population_en: "Whom the indicator counts, in English.",
  definition: "The indicator's definition (JSON, the language of packages/core/src/indicators/definition.ts).",
  facts: "The fact types the indicator reads.",
  "geo_warnings.facts": "How many facts had this problem.",
  "source_completeness.facts":
    "Facts of the source for the commune and year (retractions and retracted facts left out).",
  "indicator_targets.value": "The target's value.",
  "indicator_targets.year": "The target year.",
  op: "The target's operator (>=, >, <=, <, =).",
  document: "The planning document the target comes from (packages/reference/catalog/documents.json).",
  section: "The section of the document.",
  note: "How the target's wording was read, where it needed reading.",
  // reference
  name: "The commune's name.",
  type: "The fact type.",
  "communes.type": "Xã (commune) or Phường (ward), in Vietnamese.",
  type_en: "commune or ward.",
  old_province: "The province the commune's old units belonged to before 1 July 2025.",
  area_km2: "Area in km².",
  population: "Population in the source (not used as a denominator where population_flag is SUSPECT_LOW).",
  population_flag: "SUSPECT_LOW: the source's population looks wrong (figures using it are flagged estimated).",
  resolution: "The resolution that formed the commune (Nghị quyết 1663/NQ-UBTVQH15).",
  resolution_clause: "The clause of the resolution.",
  n_old_units: "How many old units merged into the commune.",
  line: "The line of the crosswalk file.",
  old_code: "The old commune's code (before 1 July 2025).",
  old_name: "The old commune's name.",
  old_province_code: "The old province's code (87 Đồng Tháp, 82 Tiền Giang).",
  old_district: "The old district.",
  new_code: "The current commune's code.",
  new_name: "The current commune's name.",
  merge_type: "full (the whole old unit) or partial (the old unit was split; facts go to the first row listed).",
  era: "old (a fact dated before 2025-07-01) or current.",
  commune: "The current commune (resolved through the crosswalk on code and date; NULL: unknown; '': province only).",
  "source_completeness.commune": "The current commune the facts were resolved onto.",
  "cell_counts.commune": "The current commune ('' = entities known only at province level).",
  "commune_resolution.commune": "The current commune the code resolves to.",
  partial: "The old unit was split between several current communes.",
  commune_code: "The commune code as written on the fact (before resolution).",
  commune_name: "The commune's name.",
  // facts and reports
  id: "The source's own id of the fact.",
  subject: "The subject (KIND:ID; person ids are pseudonyms).",
  subject_key:
    "The subject's integer key in the event log's subject dictionary (how the fold finds a subject's rows; a hash of the subject when a format-1 log is replayed).",
  kind: "The subject's kind (enterprise, person, ocop, facility, household, club, village, project, stat).",
  "ent_facility_year.kind": `The facility's kind ${ENTITY_STATE}.`,
  occurred_on: "The reference date: the day the fact became true in the world.",
  ord: "The order of the fact within its subject's stream.",
  recorded_at: "When the log recorded the fact (the recording clock; the vintage is its UTC day).",
  reported_on:
    "The day the source reported the fact: its reportedOn, else the UTC day the log recorded it. Timeliness (source_completeness) is measured to it.",
  source: "The reporting agency or system.",
  data: "The fact's own fields (JSON).",
  geo_note: "Why the commune could not be resolved, or that it came from a split old commune.",
  fam: "The fact family the fold groups types by.",
  sign: "+1 or -1: whether the fact adds or removes (an opening or a closing, an adoption or a drop).",
  attr_key:
    "The attribute value the fact is about (institution, provider, solution, platform, capability, technology).",
  birth_year: "The person's year of birth.",
  valid_until: "The day a digital signature expires.",
  form: "The enterprise's legal form (enterprise, cooperative, household).",
  size: "The enterprise's size.",
  sector: "The enterprise's VSIC 2018 section.",
  digital_tech: "The enterprise works in digital technology.",
  stars: "The OCOP product's stars.",
  facility_kind: "The facility's kind (health or education).",
  rep_year: "The year a statistics report is for.",
  retracts: "The id of the fact this retraction withdraws.",
  retracted_by: "The log position of the retraction that withdrew the fact (NULL: standing).",
  reason: "Why.",
  "quarantine.reason": "The error the fold gave on the event.",
  "geo_warnings.reason": "unknown commune, or partial split.",
  quarantined_at: "When the event was put in quarantine.",
  cleared_at: "When an operator confirmed a correcting fact (kpi quarantine clear).",
  cleared_note: "The operator's note.",
  key: "The name of the projection's state entry.",
  "projection_meta.value": "Its value.",
  // entity states
  active: `Active ${ENTITY_STATE}.`,
  founded_year: "The year of the last registration.",
  informed_in_founding_year: `Briefed on digital transformation in its founding year, ${ENTITY_STATE}.`,
  uses_digital_solution: `Uses a digital solution ${ENTITY_STATE}.`,
  uses_traceability: `Uses traceability ${ENTITY_STATE}.`,
  on_ecommerce: `Listed on an e-commerce platform ${ENTITY_STATE}.`,
  smart_manufacturing: `Has adopted smart manufacturing ${ENTITY_STATE}.`,
  certified: `OCOP certificate standing ${ENTITY_STATE}.`,
  online: `Listed online ${ENTITY_STATE}.`,
  has_payment_account: `Holds a payment account ${ENTITY_STATE}.`,
  has_vneid: `Has activated VNeID ${ENTITY_STATE}.`,
  has_digital_signature: `Holds a valid digital signature ${ENTITY_STATE}.`,
  // the spans people's and households' states are stored as (read year by year through ent_<kind>_year)
  from_year: "The first year at whose end the span's state holds.",
  until_year: "The year from whose end on the state no longer holds (the next span's from_year, or the last year + 1).",
  signature_until:
    "The last year-end to which a valid digital signature of the person reaches (0: none valid; NULL: no signature fact); has_digital_signature in a year is signature_until >= year.",
  has_health_record: `Has an electronic health record ${ENTITY_STATE}.`,
  ehr: `Has electronic health records ${ENTITY_STATE}.`,
  telemedicine: `Offers telemedicine ${ENTITY_STATE}.`,
  digital_teaching: `Teaches digitally ${ENTITY_STATE}.`,
  smart_classroom: `Has a smart classroom ${ENTITY_STATE}.`,
  ai_training: `Trains in AI ${ENTITY_STATE}.`,
  fixed_broadband: `Connected to fixed broadband ${ENTITY_STATE}.`,
  iot: `Uses IoT ${ENTITY_STATE}.`,
  traceability: `Uses traceability ${ENTITY_STATE}.`,
  ecommerce: `Sells through e-commerce ${ENTITY_STATE}.`,
  iot_first_year: "The year the club first adopted IoT.",
  recognised: `Recognised as a smart village ${ENTITY_STATE}.`,
  deployed: "The AI project has been deployed.",
  // quality, baselines and completeness (the figure tables' own comments come first where they exist)
  baseline_year:
    "The year the trajectory starts from: the plan's base year (plan) or the series' first year with a value.",
  "indicators.baseline_year": "The base year the plan states for the province figure (NULL: none).",
  baseline_value: "The value the trajectory starts from.",
  baseline_source:
    "plan: the plan's stated base value; first_year: the series' first year with a value (status baseline).",
  status:
    "Against the target applied: met, missed, on_track, off_track, baseline, no_data, no_target (NULL when withheld).",
  suppressed: "Withheld for publication (small cell, or a cell that would give one away).",
  provisional: "The year is still open to late reports (vintage before 1 October of the next year).",
  estimated: "The denominator is an estimate, or a population flagged SUSPECT_LOW.",
  break_in_series: "Not comparable with the years before (partial split of 1 July 2025, flagged on 2025).",
  implausible: "A share above 100 %, or a population denominator jumping more than 50 % without a break.",
  implausible_reason: "Why the figure is implausible, with the numbers (NULL when it is not).",
  reports_expected: "The kinds of fact (types) the source files anywhere in the warehouse's years.",
  reports_received: "The kinds of fact the source filed for this commune and year.",
  late_facts:
    "Facts reported more than 90 days after they occurred (reported_on: the source's reportedOn, else the recording day).",
  median_lag_days: "Days from occurrence to report (facts.reported_on: reportedOn, else the recording day), median.",
  p90_lag_days:
    "Days from occurrence to report (facts.reported_on: reportedOn, else the recording day), 90th percentile.",
  max_lag_days: "Days from occurrence to report (facts.reported_on: reportedOn, else the recording day), the longest.",
  // forecasts (docs/forecasts.md): never observed figures
  base_year: "The series' last year with a value, which the forecast starts from.",
  forecast: "FORECAST, not an observed figure: the forecast value for the year.",
  "indicator_forecasts.value": "FORECAST, not an observed figure: the forecast value for the year.",
  lo: "The lower end of the prediction interval.",
  hi: "The upper end of the prediction interval.",
  forecast_lo: "The lower end of the prediction interval.",
  forecast_hi: "The upper end of the prediction interval.",
  coverage: "The prediction interval's nominal coverage (0.8: 80 %).",
  method: "How the forecast was made: naive, drift or trend (docs/forecasts.md).",
  observations: "How many observed values the forecast was fitted on.",
  forecast_status:
    "For a target year: likely (the whole interval meets the target), at_risk (none of it does) or uncertain.",
  // catalog changes on the record
  amended_at: "The log position of the last catalog change applied to the indicator (NULL: as shipped).",
  "indicator_targets.position": "The log position of the TargetRevised fact that set this target (NULL: as shipped).",
  effective_on: "The day the catalog change takes effect (the decision's date), as the change states it.",
  changed_by: "Who decided the catalog change (the body or office).",
  "catalog_changes.position": "The log position of the change.",
  "catalog_changes.id": "The fact's id.",
  "catalog_changes.type": "TargetRevised or IndicatorDefinitionAmended.",
  plan: "The planning document that makes the change.",
  "catalog_changes.section": "The section of that document.",
  change: "The change's own fields (the fact's data), as JSON.",
  applied: "Whether the change took effect (false: it names an unknown indicator or a parameter the definition lacks).",
  problem: "Why the change changed nothing (NULL when applied).",
  cause:
    "Why the figure moved in this vintage: data (facts arrived or were retracted), definition (a definition amended or a target revised) or both.",
};

/** The comment for a column, or undefined when the dictionary has none. */
export const columnComment = (table: string, column: string): string | undefined =>
  COLUMN_COMMENTS[`${table}.${column}`] ?? COLUMN_COMMENTS[column];

/** Comments every column of the database's tables and views that has none yet. */
export const commentColumns = async (c: DuckDBConnection): Promise<void> => {
  const missing = await rows<{ t: string; c: string }>(
    c,
    sqlOf(
      `SELECT table_name AS t, column_name AS c FROM duckdb_columns()
       WHERE database_name = current_database() AND NOT internal AND schema_name = 'main' AND comment IS NULL`,
    ),
  );
  const statements = missing.flatMap(({ t, c: col }) => {
    const text = columnComment(t, col);
    return text === undefined
      ? []
      : [`COMMENT ON COLUMN "${ident(t)}"."${ident(col)}" IS '${text.replaceAll("'", "''")}';`];
  });
  if (statements.length > 0) await c.run(statements.join("\n"));
};
