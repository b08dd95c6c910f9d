/**
 * Test fixtures shared by the projection specs: a few communes with a crosswalk that reuses a code (as the real
 * one does), and catalog entries covering every definition kind.
 */
import { type CatalogEntry, decodeCatalogEntry, decodeFact, type Fact, formatFieldErrors } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import type { ReferenceTables } from "../warehouse/projector.js";

/** A fact built through `decodeFact`, so a spec can never build one the log would not accept. */
export const fact = (raw: unknown): Fact => {
  const r = decodeFact(raw);
  if (E.isLeft(r)) throw new Error(`test fact does not decode: ${formatFieldErrors(r.left.errors)}`);
  return r.right;
};

const commune = (code: string, name: string) => ({
  code,
  name,
  type: "Xã",
  typeEn: "commune",
  oldProvince: "Đồng Tháp",
  areaKm2: 10,
  population: 10_000,
  populationFlag: null,
  resolution: "1663/NQ-UBTVQH15",
  resolutionClause: 1,
  nOldUnits: 2,
});

/** Current communes 29926 and 29927; old 29926 and 29929 merged into 29926, old 29927 and 29930 into 29927,
 * old 29931 was split (partial) between 29927 (listed first) and 29926. */
export const testReference: ReferenceTables = {
  communes: [commune("29926", "Xã Tân Hồng"), commune("29927", "Xã Tân Thành")],
  crosswalk: [
    {
      line: 1,
      oldCode: "29926",
      oldName: "Xã A",
      oldProvinceCode: "87",
      oldDistrict: "H1",
      newCode: "29926",
      newName: "Xã Tân Hồng",
      mergeType: "full",
      resolutionClause: 1,
    },
    {
      line: 2,
      oldCode: "29929",
      oldName: "Xã B",
      oldProvinceCode: "87",
      oldDistrict: "H1",
      newCode: "29926",
      newName: "Xã Tân Hồng",
      mergeType: "full",
      resolutionClause: 1,
    },
    {
      line: 3,
      oldCode: "29927",
      oldName: "Xã C",
      oldProvinceCode: "87",
      oldDistrict: "H1",
      newCode: "29927",
      newName: "Xã Tân Thành",
      mergeType: "full",
      resolutionClause: 2,
    },
    {
      line: 4,
      oldCode: "29930",
      oldName: "Xã D",
      oldProvinceCode: "87",
      oldDistrict: "H1",
      newCode: "29927",
      newName: "Xã Tân Thành",
      mergeType: "full",
      resolutionClause: 2,
    },
    {
      line: 5,
      oldCode: "29931",
      oldName: "Xã E",
      oldProvinceCode: "87",
      oldDistrict: "H1",
      newCode: "29927",
      newName: "Xã Tân Thành",
      mergeType: "partial",
      resolutionClause: 2,
    },
    {
      line: 6,
      oldCode: "29931",
      oldName: "Xã E",
      oldProvinceCode: "87",
      oldDistrict: "H1",
      newCode: "29926",
      newName: "Xã Tân Hồng",
      mergeType: "partial",
      resolutionClause: 1,
    },
  ],
  resolution: [
    { code: "29926", era: "current", commune: "29926", partial: false },
    { code: "29927", era: "current", commune: "29927", partial: false },
    { code: "29926", era: "old", commune: "29926", partial: false },
    { code: "29929", era: "old", commune: "29926", partial: false },
    { code: "29927", era: "old", commune: "29927", partial: false },
    { code: "29930", era: "old", commune: "29927", partial: false },
    { code: "29931", era: "old", commune: "29927", partial: true },
  ],
};

export const resolveTest = (code: string, occurredOn: string): string | undefined =>
  testReference.resolution.find((r) => r.code === code && r.era === (occurredOn < "2025-07-01" ? "old" : "current"))
    ?.commune;

const entry = (code: string, definition: unknown, extra: Record<string, unknown> = {}): CatalogEntry => {
  const r = decodeCatalogEntry({
    code,
    nameVi: code,
    nameEn: code,
    area: "digital_society",
    measure: "share",
    unit: "percent",
    direction: "higher_is_better",
    populationVi: "-",
    populationEn: "-",
    definition,
    targets: [{ year: 2025, op: ">=", value: 50, source: { document: "KH-315-2025", section: "§II" } }],
    ...extra,
  });
  if (E.isLeft(r)) throw new Error(`${code}: ${formatFieldErrors(r.left)}`);
  return r.right;
};

export const testCatalog: readonly CatalogEntry[] = [
  entry("PAYMENT_ACCT_15", {
    kind: "shareOfReported",
    entity: "person",
    numerator: { all: [{ attr: "hasPaymentAccount", eq: true }, { age: { gte: 15 } }] },
    denominator: { fact: "PopulationEstimated", field: "aged15plus" },
  }),
  entry("DIGSIG_ADULT", {
    kind: "shareOfReported",
    entity: "person",
    numerator: { all: [{ attr: "hasDigitalSignature", eq: true }, { age: { gte: 18 } }] },
    denominator: { fact: "PopulationEstimated", field: "adults" },
  }),
  entry("SME_ECOM_PLATFORM", {
    kind: "share",
    entity: "enterprise",
    population: {
      all: [
        { attr: "active", eq: true },
        { attr: "form", eq: "enterprise" },
        { attr: "size", in: ["micro", "small", "medium"] },
      ],
    },
    numerator: { attr: "onEcommerce", eq: true },
  }),
  entry("NEW_ENT_INFORMED", {
    kind: "share",
    entity: "enterprise",
    population: {
      all: [
        { attr: "active", eq: true },
        { attr: "foundedYear", isYear: true },
      ],
    },
    numerator: { attr: "informedInFoundingYear", eq: true },
  }),
  entry("OCOP_ONLINE", {
    kind: "share",
    entity: "ocop",
    population: { attr: "certified", eq: true },
    numerator: { attr: "online", eq: true },
  }),
  entry(
    "DIGTECH_ENT_PER_1000",
    {
      kind: "ratePer1000",
      entity: "enterprise",
      numerator: {
        all: [
          { attr: "active", eq: true },
          { attr: "digitalTech", eq: true },
        ],
      },
      denominator: { fact: "PopulationEstimated", field: "total" },
    },
    { measure: "rate_per_1000", unit: "per_1000_people" },
  ),
  entry(
    "SMART_VILLAGES",
    { kind: "entityCount", entity: "village", numerator: { attr: "recognised", eq: true } },
    {
      measure: "count",
      unit: "count",
    },
  ),
  entry(
    "IOT_FARMER_CLUBS",
    { kind: "entityCount", entity: "club", numerator: { attr: "iotFirstYear", isYear: true } },
    {
      measure: "count",
      unit: "count",
    },
  ),
  entry(
    "PEOPLE_WITHOUT_VNEID",
    { kind: "entityCount", entity: "person", numerator: { attr: "hasVneid", eq: false } },
    { measure: "count", unit: "count" },
  ),
  entry(
    "ENT_NOT_LISTED",
    { kind: "entityCount", entity: "enterprise", numerator: { not: { attr: "onEcommerce", eq: true } } },
    { measure: "count", unit: "count" },
  ),
  entry(
    "ENT_NO_TRACEABILITY",
    { kind: "entityCount", entity: "enterprise", numerator: { attr: "usesTraceability", eq: false } },
    { measure: "count", unit: "count" },
  ),
  entry(
    "DE_GRDP",
    {
      kind: "reportedRatio",
      numerator: { fact: "GrdpReported", field: "digitalEconomy", where: { sector: "ALL" } },
      denominator: { fact: "GrdpReported", field: "grdp", where: { sector: "ALL" } },
    },
    { measure: "value_ratio" },
  ),
  entry(
    "DE_SECTOR",
    {
      kind: "reportedRatio",
      numerator: { fact: "GrdpReported", field: "digitalEconomy" },
      denominator: { fact: "GrdpReported", field: "grdp" },
      by: "sector",
    },
    { measure: "value_ratio" },
  ),
  entry(
    "POP_ONLINE_SHOPPING",
    {
      kind: "reportedRatio",
      numerator: { fact: "SurveyAggregateReported", field: "meeting", where: { survey: "ONLINE_SHOPPING" } },
      denominator: { fact: "SurveyAggregateReported", field: "respondents", where: { survey: "ONLINE_SHOPPING" } },
    },
    { measure: "share" },
  ),
  entry(
    "AI_OFFICIALS_TRAINED",
    {
      kind: "reportedCount",
      value: { fact: "CountReported", field: "count", where: { series: "OFFICIALS_AI_TRAINED" } },
      cumulative: true,
    },
    { measure: "count", unit: "count" },
  ),
  entry(
    "LABOR_PRODUCTIVITY_GROWTH",
    { kind: "growth", value: { fact: "LabourProductivityReported", field: "valuePerWorker" } },
    { measure: "growth", unit: "percent_yoy" },
  ),
  entry(
    "DTI_RANK",
    { kind: "rank", value: { fact: "DtiRankPublished", field: "rank" } },
    {
      measure: "rank",
      unit: "rank",
      direction: "lower_is_better",
      targets: [{ year: 2025, op: "<=", value: 25, source: { document: "KH-NQ04-2022", section: "§II.1" } }],
    },
  ),
];
