/**
 * The entity model: what the projections know about each kind of subject at a reference date, and which facts
 * feed each attribute. Indicator definitions speak of these attributes (never of raw events), and the fold
 * (reference TypeScript and DuckDB alike) computes exactly these. The meanings follow docs/facts.md:
 * state at the end of the day given, later facts replace earlier ones, a retracted fact never happened.
 */
import { ENTERPRISE_FORMS, ENTERPRISE_SIZES, VSIC_SECTIONS } from "../facts/enterprise.js";
import { FACILITY_KINDS } from "../facts/facility.js";
import type { FactType } from "../facts/index.js";

export type AttributeType = "bool" | "int" | "commune" | "text";

export interface AttributeSpec {
  readonly type: AttributeType;
  /** The values a text attribute takes, when it is an enumeration. */
  readonly values?: readonly string[];
  readonly description: string;
  readonly facts: readonly FactType[];
}

export interface EntitySpec {
  readonly subjectKind: string;
  readonly description: string;
  /** The attribute whose commune the entity counts in. */
  readonly attributes: Readonly<Record<string, AttributeSpec>>;
}

/** Every person fact carries the person's commune and birth year. */
const PERSON_FACTS: readonly FactType[] = [
  "PaymentAccountOpened",
  "PaymentAccountClosed",
  "VneidActivated",
  "DigitalSignatureIssued",
  "DigitalSignatureRevoked",
  "HealthRecordCreated",
];

export const ENTITY_MODEL = {
  enterprise: {
    subjectKind: "enterprise",
    description: "Enterprises, cooperatives (HTX) and household businesses (HKD)",
    attributes: {
      active: {
        type: "bool",
        description: "registered on or before the date and not closed since",
        facts: ["EnterpriseRegistered", "EnterpriseClosed"],
      },
      commune: {
        type: "commune",
        description: "current commune",
        facts: ["EnterpriseRegistered", "EnterpriseUpdated"],
      },
      form: {
        type: "text",
        values: ENTERPRISE_FORMS,
        description: "legal form",
        facts: ["EnterpriseRegistered"],
      },
      size: {
        type: "text",
        values: ENTERPRISE_SIZES,
        description: "size class",
        facts: ["EnterpriseRegistered", "EnterpriseUpdated"],
      },
      sector: {
        type: "text",
        values: VSIC_SECTIONS,
        description: "VSIC section",
        facts: ["EnterpriseRegistered", "EnterpriseUpdated"],
      },
      digitalTech: {
        type: "bool",
        description: "a digital-technology enterprise",
        facts: ["EnterpriseRegistered", "EnterpriseUpdated"],
      },
      foundedYear: { type: "int", description: "year of its (latest) registration", facts: ["EnterpriseRegistered"] },
      informedInFoundingYear: {
        type: "bool",
        description: "briefed on digital transformation in the year it was registered",
        facts: ["EnterpriseRegistered", "DigitalTransformationBriefed"],
      },
      usesDigitalSolution: {
        type: "bool",
        description: "uses at least one digital solution (adoptions outnumber drops for some solution)",
        facts: ["DigitalSolutionAdopted", "DigitalSolutionDropped"],
      },
      usesTraceability: {
        type: "bool",
        description: 'uses the "traceability" digital solution',
        facts: ["DigitalSolutionAdopted", "DigitalSolutionDropped"],
      },
      onEcommerce: {
        type: "bool",
        description: "listed on at least one e-commerce platform",
        facts: ["EcommerceListed", "EcommerceDelisted"],
      },
      smartManufacturing: {
        type: "bool",
        description: "applies smart manufacturing",
        facts: ["SmartManufacturingAdopted", "SmartManufacturingDropped"],
      },
    },
  },
  ocop: {
    subjectKind: "ocop",
    description: "OCOP products",
    attributes: {
      certified: {
        type: "bool",
        description: "certified and not ended since",
        facts: ["OcopCertified", "OcopCertificationEnded"],
      },
      commune: { type: "commune", description: "producer's commune", facts: ["OcopCertified"] },
      stars: { type: "int", description: "latest star rating", facts: ["OcopCertified"] },
      online: {
        type: "bool",
        description: "listed on at least one online platform",
        facts: ["OcopListedOnline", "OcopDelistedOnline"],
      },
    },
  },
  person: {
    subjectKind: "person",
    description: "People (pseudonymous)",
    attributes: {
      commune: {
        type: "commune",
        description: "latest known commune",
        facts: PERSON_FACTS,
      },
      birthYear: {
        type: "int",
        description: "latest known birth year (age = year − birthYear)",
        facts: PERSON_FACTS,
      },
      hasPaymentAccount: {
        type: "bool",
        description: "has at least one open payment account (openings outnumber closings)",
        facts: ["PaymentAccountOpened", "PaymentAccountClosed"],
      },
      hasVneid: { type: "bool", description: "has activated VNeID", facts: ["VneidActivated"] },
      hasDigitalSignature: {
        type: "bool",
        description: "holds a signature issued, not revoked and not past validUntil at the date",
        facts: ["DigitalSignatureIssued", "DigitalSignatureRevoked"],
      },
      hasHealthRecord: { type: "bool", description: "has an electronic health record", facts: ["HealthRecordCreated"] },
    },
  },
  facility: {
    subjectKind: "facility",
    description: "Health and education facilities",
    attributes: {
      active: {
        type: "bool",
        description: "registered and not closed",
        facts: ["FacilityRegistered", "FacilityClosed"],
      },
      commune: { type: "commune", description: "where it is", facts: ["FacilityRegistered"] },
      kind: {
        type: "text",
        values: FACILITY_KINDS,
        description: "kind of facility",
        facts: ["FacilityRegistered"],
      },
      ehr: {
        type: "bool",
        description: "uses electronic health records",
        facts: ["FacilityCapabilityAdopted", "FacilityCapabilityDropped"],
      },
      telemedicine: {
        type: "bool",
        description: "offers telemedicine",
        facts: ["FacilityCapabilityAdopted", "FacilityCapabilityDropped"],
      },
      digitalTeaching: {
        type: "bool",
        description: "teaches and manages on digital platforms",
        facts: ["FacilityCapabilityAdopted", "FacilityCapabilityDropped"],
      },
      smartClassroom: {
        type: "bool",
        description: "has smart classrooms",
        facts: ["FacilityCapabilityAdopted", "FacilityCapabilityDropped"],
      },
      aiTraining: {
        type: "bool",
        description: "teaches AI or runs AI training with a partner",
        facts: ["FacilityCapabilityAdopted", "FacilityCapabilityDropped"],
      },
    },
  },
  household: {
    subjectKind: "household",
    description: "Households",
    attributes: {
      commune: { type: "commune", description: "the household's commune", facts: ["FixedBroadbandConnected"] },
      fixedBroadband: {
        type: "bool",
        description: "has a fixed broadband connection",
        facts: ["FixedBroadbandConnected", "FixedBroadbandDisconnected"],
      },
    },
  },
  club: {
    subjectKind: "club",
    description: "Farmer clubs (hội quán)",
    attributes: {
      active: { type: "bool", description: "founded and not dissolved", facts: ["ClubFounded", "ClubDissolved"] },
      commune: { type: "commune", description: "where it meets", facts: ["ClubFounded"] },
      iot: { type: "bool", description: "applies IoT", facts: ["ClubTechnologyAdopted", "ClubTechnologyDropped"] },
      iotFirstYear: {
        type: "int",
        description: "the year it first adopted IoT",
        facts: ["ClubTechnologyAdopted"],
      },
      traceability: {
        type: "bool",
        description: "applies traceability technology",
        facts: ["ClubTechnologyAdopted", "ClubTechnologyDropped"],
      },
      ecommerce: {
        type: "bool",
        description: "sells through e-commerce",
        facts: ["ClubTechnologyAdopted", "ClubTechnologyDropped"],
      },
    },
  },
  village: {
    subjectKind: "village",
    description: "Smart villages",
    attributes: {
      recognised: {
        type: "bool",
        description: "recognised and not withdrawn",
        facts: ["SmartVillageRecognised", "SmartVillageWithdrawn"],
      },
      commune: { type: "commune", description: "the commune", facts: ["SmartVillageRecognised"] },
    },
  },
  project: {
    subjectKind: "project",
    description: "AI tasks, projects and models",
    attributes: {
      deployed: { type: "bool", description: "put into use", facts: ["AiProjectDeployed"] },
      commune: { type: "commune", description: "the commune, if local", facts: ["AiProjectDeployed"] },
    },
  },
} as const satisfies Record<string, EntitySpec>;

export type EntityKind = keyof typeof ENTITY_MODEL;
export const ENTITY_KINDS = Object.keys(ENTITY_MODEL) as EntityKind[];
