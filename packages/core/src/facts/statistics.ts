/**
 * Statistics reported as aggregates: subject `stat:<series>`. Each type has a key; a later report for the same
 * key replaces the earlier one (by log position), so a revised estimate is simply reported again.
 */
import type { FieldError } from "./decodeError.js";
import { defineFact } from "./defineFact.js";
import { VSIC_SECTIONS } from "./enterprise.js";
import { billionVnd, count, describe, integer, oneOf, quantity } from "./fields.js";
import { CommuneCode, Year } from "./ids.js";

const family = "Statistics";
const commune = CommuneCode;
const year = Year;

const notAbove = (small: string, big: string, a: number | undefined, b: number | undefined): FieldError[] =>
  a !== undefined && b !== undefined && a > b
    ? [{ field: small, reason: `must not exceed ${big} (${a} > ${b}); correct whichever figure is wrong` }]
    : [];

export const PopulationEstimated = defineFact({
  type: "PopulationEstimated",
  subject: "stat",
  family,
  summary: "The statistics office estimated a commune's population for a year.",
  meaning:
    "Denominator of person shares: total (population), aged15plus (PAYMENT_ACCT_15), adults (VNEID_ADULT, DIGSIG_ADULT).",
  required: { commune, year, total: count, aged15plus: count, adults: count },
  key: ["commune", "year"],
  docs: {
    commune: "the commune estimated",
    year: "the year the estimate is for (mid-year/average population)",
    total: "all residents",
    aged15plus: "residents aged 15 or more",
    adults: "residents aged 18 or more",
  },
  check: (d) => [
    ...notAbove("aged15plus", "total", d.aged15plus, d.total),
    ...notAbove("adults", "aged15plus", d.adults, d.aged15plus),
  ],
  rules: ["aged15plus ≤ total.", "adults ≤ aged15plus."],
});

export const HouseholdsEstimated = defineFact({
  type: "HouseholdsEstimated",
  subject: "stat",
  family,
  summary: "The statistics office estimated the number of households in a commune for a year.",
  meaning: "Denominator of HH_FIXED_BROADBAND.",
  required: { commune, year, households: count },
  key: ["commune", "year"],
  docs: { commune: "the commune", year: "the year", households: "number of households" },
});

export const GRDP_SECTORS = ["ALL", ...VSIC_SECTIONS] as const;

export const GrdpReported = defineFact({
  type: "GrdpReported",
  subject: "stat",
  family,
  summary: "Gross regional domestic product and its digital-economy part, for the province or one sector.",
  meaning: "DE_GRDP (sector ALL) and DE_SECTOR (each VSIC section): digitalEconomy ÷ grdp.",
  required: { year, sector: oneOf(GRDP_SECTORS, "GrdpSector"), grdp: billionVnd, digitalEconomy: billionVnd },
  key: ["year", "sector"],
  docs: {
    year: "the year",
    sector: '"ALL" for the whole economy or a VSIC section letter',
    grdp: "value added (GRDP), billion VND, current prices",
    digitalEconomy: "digital-economy value added within it, billion VND",
  },
  check: (d) => notAbove("digitalEconomy", "grdp", d.digitalEconomy, d.grdp),
  rules: ["digitalEconomy ≤ grdp."],
});

export const RetailSalesReported = defineFact({
  type: "RetailSalesReported",
  subject: "stat",
  family,
  summary: "Total retail sales of goods and consumer services, and the e-commerce part, for a year.",
  meaning: "ECOM_RETAIL: ecommerce ÷ total.",
  required: { year, total: billionVnd, ecommerce: billionVnd },
  key: ["year"],
  docs: {
    year: "the year",
    total: "total retail sales, billion VND",
    ecommerce: "sold through e-commerce, billion VND",
  },
  check: (d) => notAbove("ecommerce", "total", d.ecommerce, d.total),
  rules: ["ecommerce ≤ total."],
});

export const LabourProductivityReported = defineFact({
  type: "LabourProductivityReported",
  subject: "stat",
  family,
  summary: "Labour productivity (GRDP per employed worker at constant prices) for a year.",
  meaning: "LABOR_PRODUCTIVITY_GROWTH: year-on-year growth of valuePerWorker.",
  required: { year, valuePerWorker: quantity },
  key: ["year"],
  docs: { year: "the year", valuePerWorker: "million VND per worker, constant 2010 prices" },
});

export const DtiRankPublished = defineFact({
  type: "DtiRankPublished",
  subject: "stat",
  family,
  summary: "The ministry published the provincial digital-transformation index (DTI) ranking for a year.",
  meaning: "DTI_RANK: rank among all provinces (lower is better).",
  required: {
    year,
    rank: integer(1, 100, "a rank", [3, 12, 20]),
    of: integer(1, 100, "a number of provinces", [34, 63]),
  },
  optional: { score: describe(quantity, quantity.expected, [0.652, 0.711]) },
  key: ["year"],
  docs: {
    year: "the year assessed",
    rank: "the province's rank",
    of: "number of provinces ranked",
    score: "DTI score (0–1)",
  },
  check: (d) => notAbove("rank", "of", d.rank, d.of),
  rules: ["rank ≤ of."],
});

export const SURVEYS = ["ONLINE_SHOPPING", "DIGITAL_SKILLS", "FARMERS_IOT", "ADMIN_SATISFACTION"] as const;

export const SurveyAggregateReported = defineFact({
  type: "SurveyAggregateReported",
  subject: "stat",
  family,
  summary: "Aggregated answers of a yearly survey: respondents and how many meet the surveyed condition.",
  meaning:
    "Shares measured by survey (POP_ONLINE_SHOPPING, POP_DIGITAL_SKILLS, FARMERS_IOT, ADMIN_SATISFACTION): meeting ÷ respondents; province = sums.",
  required: { survey: oneOf(SURVEYS, "Survey"), commune, year, respondents: count, meeting: count },
  key: ["survey", "commune", "year"],
  docs: {
    survey: "which survey",
    commune: "the commune surveyed",
    year: "the year",
    respondents: "number of respondents (weighted to the population when the survey is weighted)",
    meeting: "respondents meeting the condition",
  },
  check: (d) => notAbove("meeting", "respondents", d.meeting, d.respondents),
  rules: ["meeting ≤ respondents."],
});

export const COUNT_SERIES = [
  "MOBILE_SUBSCRIPTIONS",
  "MOBILE_SMARTPHONE_SUBSCRIPTIONS",
  "PROCEDURES_ELIGIBLE_ONLINE",
  "PROCEDURES_FULLY_ONLINE",
  "DOCUMENTS_EXCHANGED",
  "DOCUMENTS_EXCHANGED_ONLINE",
  "STATE_AGENCIES",
  "AGENCIES_OPEN_DATA",
  "AGENCIES_OPEN_DATA_MACHINE_READABLE",
  "OFFICIALS",
  "OFFICIALS_DIGITAL_TRAINED",
  "OFFICIALS_AI_TRAINED",
] as const;

export const CountReported = defineFact({
  type: "CountReported",
  subject: "stat",
  family,
  summary: "An administrative count for a year, for a commune or (without commune) the province.",
  meaning:
    "Numerators and denominators kept by agencies (procedures, documents, agencies, officials, mobile subscriptions). OFFICIALS_AI_TRAINED is the number newly trained in the year.",
  required: { series: oneOf(COUNT_SERIES, "CountSeries"), year, count },
  optional: { commune },
  key: ["series", "commune", "year"],
  docs: {
    series: "what is counted",
    year: "the year (state at year end, or flow during the year for OFFICIALS_AI_TRAINED)",
    count: "the count",
    commune: "the commune; absent for a province-level count",
  },
});

export const statisticsFacts = [
  PopulationEstimated,
  HouseholdsEstimated,
  GrdpReported,
  RetailSalesReported,
  LabourProductivityReported,
  DtiRankPublished,
  SurveyAggregateReported,
  CountReported,
] as const;
