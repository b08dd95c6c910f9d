/** Health and education facilities: subject `facility:<id>`. */
import { defineFact } from "./defineFact.js";
import { oneOf } from "./fields.js";
import { CommuneCode } from "./ids.js";

const family = "Health and education facilities";
const commune = CommuneCode;

export const FACILITY_KINDS = [
  "hospital",
  "health_centre",
  "health_station",
  "clinic",
  "preschool",
  "primary",
  "lower_secondary",
  "upper_secondary",
  "multi_level",
  "continuing_education",
  "vocational",
  "college",
  "university",
] as const;
export const HEALTH_KINDS = ["hospital", "health_centre", "health_station", "clinic"] as const;
/** General-education schools (cơ sở giáo dục phổ thông). */
export const GENERAL_SCHOOL_KINDS = ["primary", "lower_secondary", "upper_secondary", "multi_level"] as const;
export const CAPABILITIES = ["ehr", "telemedicine", "digital_teaching", "smart_classroom", "ai_training"] as const;

export const FacilityRegistered = defineFact({
  type: "FacilityRegistered",
  subject: "facility",
  family,
  summary: "A health or education facility was registered (or entered the register).",
  meaning:
    "Enters the population of health facilities (hospital, health_centre, health_station, clinic) or education institutions (the other kinds; primary to multi_level are general-education schools).",
  required: { commune, kind: oneOf(FACILITY_KINDS, "FacilityKind") },
  docs: { commune: "where it is", kind: "kind of facility" },
});

export const FacilityClosed = defineFact({
  type: "FacilityClosed",
  subject: "facility",
  family,
  summary: "The facility closed or merged into another.",
  meaning: "Leaves its population from occurredOn.",
  required: {},
  docs: {},
});

const capability = oneOf(CAPABILITIES, "Capability");

export const FacilityCapabilityAdopted = defineFact({
  type: "FacilityCapabilityAdopted",
  subject: "facility",
  family,
  summary: "The facility put a digital capability into service.",
  meaning:
    "ehr → HEALTH_EHR_FACILITY; telemedicine → HEALTH_TELEMED; digital_teaching → EDU_DIGITAL; smart_classroom → SCHOOL_SMART_CLASS; ai_training → AI_EDU_INSTITUTIONS.",
  required: { capability },
  docs: { capability: "which capability" },
});

export const FacilityCapabilityDropped = defineFact({
  type: "FacilityCapabilityDropped",
  subject: "facility",
  family,
  summary: "The facility stopped using a digital capability.",
  meaning: "Undoes the adoption of that capability from occurredOn.",
  required: { capability },
  docs: { capability: "which capability" },
});

export const facilityFacts = [
  FacilityRegistered,
  FacilityClosed,
  FacilityCapabilityAdopted,
  FacilityCapabilityDropped,
] as const;
