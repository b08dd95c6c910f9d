/**
 * How each fact type lands in the warehouse's flat `facts` table: its family (`fam`) and sign for
 * "adopted/dropped", "listed/delisted", "opened/closed" pairs, and which `data` field keys the pair
 * (`attr_key`: the institution, solution, platform, provider, capability or technology).
 */
import type { FactType } from "@kpi/core";

export interface Shape {
  readonly fam: "life" | "solution" | "platform" | "smart" | "account" | "signature" | "capability" | "technology";
  readonly sign: 1 | -1;
  readonly key?: string;
}

export const SHAPES: Partial<Record<FactType, Shape>> = {
  EnterpriseRegistered: { fam: "life", sign: 1 },
  EnterpriseClosed: { fam: "life", sign: -1 },
  DigitalSolutionAdopted: { fam: "solution", sign: 1, key: "solution" },
  DigitalSolutionDropped: { fam: "solution", sign: -1, key: "solution" },
  EcommerceListed: { fam: "platform", sign: 1, key: "platform" },
  EcommerceDelisted: { fam: "platform", sign: -1, key: "platform" },
  SmartManufacturingAdopted: { fam: "smart", sign: 1 },
  SmartManufacturingDropped: { fam: "smart", sign: -1 },
  OcopCertified: { fam: "life", sign: 1 },
  OcopCertificationEnded: { fam: "life", sign: -1 },
  OcopListedOnline: { fam: "platform", sign: 1, key: "platform" },
  OcopDelistedOnline: { fam: "platform", sign: -1, key: "platform" },
  PaymentAccountOpened: { fam: "account", sign: 1, key: "institution" },
  PaymentAccountClosed: { fam: "account", sign: -1, key: "institution" },
  DigitalSignatureIssued: { fam: "signature", sign: 1, key: "provider" },
  DigitalSignatureRevoked: { fam: "signature", sign: -1, key: "provider" },
  FacilityRegistered: { fam: "life", sign: 1 },
  FacilityClosed: { fam: "life", sign: -1 },
  FacilityCapabilityAdopted: { fam: "capability", sign: 1, key: "capability" },
  FacilityCapabilityDropped: { fam: "capability", sign: -1, key: "capability" },
  FixedBroadbandConnected: { fam: "life", sign: 1 },
  FixedBroadbandDisconnected: { fam: "life", sign: -1 },
  ClubFounded: { fam: "life", sign: 1 },
  ClubDissolved: { fam: "life", sign: -1 },
  ClubTechnologyAdopted: { fam: "technology", sign: 1, key: "technology" },
  ClubTechnologyDropped: { fam: "technology", sign: -1, key: "technology" },
  SmartVillageRecognised: { fam: "life", sign: 1 },
  SmartVillageWithdrawn: { fam: "life", sign: -1 },
};

/** Report types: a later report with the same key replaces an earlier one. */
export const REPORT_TYPES = [
  "PopulationEstimated",
  "HouseholdsEstimated",
  "GrdpReported",
  "RetailSalesReported",
  "LabourProductivityReported",
  "DtiRankPublished",
  "SurveyAggregateReported",
  "CountReported",
] as const satisfies readonly FactType[];
