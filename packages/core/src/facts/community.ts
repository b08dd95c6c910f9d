/**
 * Farmer clubs (hội quán, subject `club:<id>`), smart villages (`village:<id>`) and AI projects (`project:<id>`).
 */
import { defineFact } from "./defineFact.js";
import { codeOf, oneOf, text } from "./fields.js";
import { CommuneCode } from "./ids.js";

const commune = CommuneCode;
export const CLUB_TECHNOLOGIES = ["iot", "traceability", "ecommerce"] as const;
const technology = oneOf(CLUB_TECHNOLOGIES, "ClubTechnology");

export const ClubFounded = defineFact({
  type: "ClubFounded",
  subject: "club",
  family: "Farmer clubs",
  summary: "A farmer club (hội quán) was founded.",
  meaning: "Enters the clubs population (CLUB_COOP_TRACE_ECOM) from occurredOn.",
  required: { commune },
  docs: { commune: "where the club meets" },
});

export const ClubDissolved = defineFact({
  type: "ClubDissolved",
  subject: "club",
  family: "Farmer clubs",
  summary: "The club was dissolved.",
  meaning: "Leaves the population from occurredOn.",
  required: {},
  docs: {},
});

export const ClubTechnologyAdopted = defineFact({
  type: "ClubTechnologyAdopted",
  subject: "club",
  family: "Farmer clubs",
  summary: "The club started applying a technology in production or trade.",
  meaning:
    "iot → IOT_FARMER_CLUBS counts it in the year it first adopts IoT; traceability and ecommerce together → CLUB_COOP_TRACE_ECOM.",
  required: { technology },
  docs: { technology: "which technology" },
});

export const ClubTechnologyDropped = defineFact({
  type: "ClubTechnologyDropped",
  subject: "club",
  family: "Farmer clubs",
  summary: "The club stopped applying a technology.",
  meaning: "Undoes that adoption from occurredOn.",
  required: { technology },
  docs: { technology: "which technology" },
});

export const SmartVillageRecognised = defineFact({
  type: "SmartVillageRecognised",
  subject: "village",
  family: "Smart villages",
  summary: "A village (ấp) was recognised as a smart village.",
  meaning: "SMART_VILLAGES counts recognised villages (cumulative, while not withdrawn).",
  required: { commune, name: text(120, ["Ấp Mỹ Hòa", "Ấp Tân Lập 2"]) },
  docs: { commune: "the commune", name: "the village's name" },
});

export const SmartVillageWithdrawn = defineFact({
  type: "SmartVillageWithdrawn",
  subject: "village",
  family: "Smart villages",
  summary: "The smart-village recognition was withdrawn.",
  meaning: "No longer counted from occurredOn.",
  required: {},
  docs: {},
});

export const AiProjectDeployed = defineFact({
  type: "AiProjectDeployed",
  subject: "project",
  family: "AI projects",
  summary: "A task, project or model applying artificial intelligence was put into use.",
  meaning: "AI_PROJECTS counts deployed projects (cumulative).",
  required: {
    agency: codeOf("an agency code", ["so-khcn", "so-y-te", "ubnd-tinh"]),
    name: text(200, ["Trợ lý ảo tra cứu thủ tục hành chính", "Camera AI giám sát giao thông"]),
  },
  optional: { commune },
  docs: { agency: "the lead agency's code", name: "the project's name", commune: "the commune, if local" },
});

export const communityFacts = [
  ClubFounded,
  ClubDissolved,
  ClubTechnologyAdopted,
  ClubTechnologyDropped,
  SmartVillageRecognised,
  SmartVillageWithdrawn,
  AiProjectDeployed,
] as const;
