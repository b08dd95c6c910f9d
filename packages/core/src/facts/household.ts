/** Households: subject `household:<pseudonym>`, reported by network operators. */
import { defineFact } from "./defineFact.js";
import { oneOf } from "./fields.js";
import { CommuneCode } from "./ids.js";

const family = "Households";
const commune = CommuneCode;
export const BROADBAND_TECHNOLOGIES = ["fibre", "cable", "dsl", "fixed_wireless"] as const;

export const FixedBroadbandConnected = defineFact({
  type: "FixedBroadbandConnected",
  subject: "household",
  family,
  summary: "The household got a fixed broadband Internet connection.",
  meaning: "Has fixed broadband while connected (HH_FIXED_BROADBAND, over HouseholdsEstimated).",
  required: { commune, technology: oneOf(BROADBAND_TECHNOLOGIES, "BroadbandTechnology") },
  docs: { commune: "the household's commune", technology: "access technology" },
});

export const FixedBroadbandDisconnected = defineFact({
  type: "FixedBroadbandDisconnected",
  subject: "household",
  family,
  summary: "The household's fixed broadband connection ended.",
  meaning: "No longer connected from occurredOn.",
  required: {},
  docs: {},
});

export const householdFacts = [FixedBroadbandConnected, FixedBroadbandDisconnected] as const;
