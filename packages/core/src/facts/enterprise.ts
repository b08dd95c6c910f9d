/** Enterprises, cooperatives (HTX) and household businesses (HKD): subject `enterprise:<tax code or registration number>`. */
import { defineFact } from "./defineFact.js";
import { bool, codeOf, oneOf } from "./fields.js";
import { CommuneCode } from "./ids.js";

export const ENTERPRISE_FORMS = ["enterprise", "cooperative", "household"] as const;
export const ENTERPRISE_SIZES = ["micro", "small", "medium", "large"] as const;
/** VSIC 2018 sections A–U. A = agriculture, forestry and fishing; C = manufacturing. */
export const VSIC_SECTIONS = [..."ABCDEFGHIJKLMNOPQRSTU"] as const;

const commune = CommuneCode;
const form = oneOf(ENTERPRISE_FORMS, "EnterpriseForm");
const size = oneOf(ENTERPRISE_SIZES, "EnterpriseSize");
const sector = oneOf(VSIC_SECTIONS, "VsicSection");

const family = "Enterprises and household businesses";

export const EnterpriseRegistered = defineFact({
  type: "EnterpriseRegistered",
  subject: "enterprise",
  family,
  summary: "An enterprise, cooperative or household business was registered.",
  meaning:
    "Enters the active population from occurredOn. SME = micro, small or medium; agricultural = sector A; manufacturing = sector C; digitalTech marks a digital-technology enterprise.",
  required: { commune, form, size, sector, digitalTech: bool },
  docs: {
    commune: "where it is registered",
    form: "legal form: enterprise (doanh nghiệp), cooperative (HTX) or household business (HKD)",
    size: "size class",
    sector: "main activity, VSIC section letter",
    digitalTech: "a digital-technology enterprise (doanh nghiệp công nghệ số)",
  },
});

export const EnterpriseUpdated = defineFact({
  type: "EnterpriseUpdated",
  subject: "enterprise",
  family,
  summary: "Some registered attributes of an enterprise changed.",
  meaning: "The given fields replace the earlier ones from occurredOn; fields not given keep their value.",
  required: {},
  optional: { commune, size, sector, digitalTech: bool },
  docs: {
    commune: "new commune",
    size: "new size class",
    sector: "new VSIC section",
    digitalTech: "new digital-technology flag",
  },
  check: (d) =>
    Object.keys(d).length === 0
      ? [
          {
            field: "data",
            reason:
              "is empty: an EnterpriseUpdated gives the attributes that changed, at least one of commune, size, sector, digitalTech",
          },
        ]
      : [],
  rules: ["data gives at least one of commune, size, sector, digitalTech."],
});

export const EnterpriseClosed = defineFact({
  type: "EnterpriseClosed",
  subject: "enterprise",
  family,
  summary: "The enterprise stopped operating (dissolved, bankrupt or suspended).",
  meaning: "Leaves the active population from occurredOn.",
  required: {},
  docs: {},
});

export const DigitalTransformationBriefed = defineFact({
  type: "DigitalTransformationBriefed",
  subject: "enterprise",
  family,
  summary: "The enterprise was informed about digital transformation (a briefing, training or outreach).",
  meaning: "Counts for NEW_ENT_INFORMED when it happens in the year the enterprise was registered.",
  required: {},
  docs: {},
});

const solution = codeOf("a solution code", ["einvoice", "accounting", "erp", "traceability"]);

export const DigitalSolutionAdopted = defineFact({
  type: "DigitalSolutionAdopted",
  subject: "enterprise",
  family,
  summary: "The enterprise started using a digital solution.",
  meaning: "Uses at least one digital solution while its adopted solutions outnumber the dropped ones.",
  required: { solution },
  docs: { solution: 'which solution; "traceability" also counts for CLUB_COOP_TRACE_ECOM' },
});

export const DigitalSolutionDropped = defineFact({
  type: "DigitalSolutionDropped",
  subject: "enterprise",
  family,
  summary: "The enterprise stopped using a digital solution.",
  meaning: "Undoes the adoption of the same solution.",
  required: { solution },
  docs: { solution: "which solution" },
});

const platform = codeOf("a platform code", ["shopee", "lazada", "postmart", "voso"]);

export const EcommerceListed = defineFact({
  type: "EcommerceListed",
  subject: "enterprise",
  family,
  summary: "The enterprise opened a shop on an e-commerce platform.",
  meaning: "On an e-commerce platform while any platform is listed.",
  required: { platform },
  docs: { platform: "which platform" },
});

export const EcommerceDelisted = defineFact({
  type: "EcommerceDelisted",
  subject: "enterprise",
  family,
  summary: "The enterprise closed its shop on an e-commerce platform.",
  meaning: "Removes that platform from its listings.",
  required: { platform },
  docs: { platform: "which platform" },
});

export const SmartManufacturingAdopted = defineFact({
  type: "SmartManufacturingAdopted",
  subject: "enterprise",
  family,
  summary: "The enterprise applies smart manufacturing (automation, IoT-connected production, MES).",
  meaning: "Applies smart manufacturing from occurredOn (MFG_SMART).",
  required: {},
  docs: {},
});

export const SmartManufacturingDropped = defineFact({
  type: "SmartManufacturingDropped",
  subject: "enterprise",
  family,
  summary: "The enterprise no longer applies smart manufacturing.",
  meaning: "Stops counting for MFG_SMART from occurredOn.",
  required: {},
  docs: {},
});

export const enterpriseFacts = [
  EnterpriseRegistered,
  EnterpriseUpdated,
  EnterpriseClosed,
  DigitalTransformationBriefed,
  DigitalSolutionAdopted,
  DigitalSolutionDropped,
  EcommerceListed,
  EcommerceDelisted,
  SmartManufacturingAdopted,
  SmartManufacturingDropped,
] as const;
