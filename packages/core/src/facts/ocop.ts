/** OCOP products (One Commune One Product): subject `ocop:<id>`. */
import { defineFact } from "./defineFact.js";
import { codeOf, integer } from "./fields.js";
import { CommuneCode } from "./ids.js";

const family = "OCOP products";
const commune = CommuneCode;
const platform = codeOf("a platform code", ["shopee", "postmart"]);

export const OcopCertified = defineFact({
  type: "OcopCertified",
  subject: "ocop",
  family,
  summary: "A product was certified (or re-certified) OCOP with a star rating.",
  meaning: "Certified from occurredOn; enters the OCOP_ONLINE population.",
  required: { commune, stars: integer(3, 5, "a star rating") },
  docs: { commune: "the producer's commune", stars: "star rating, 3 to 5" },
});

export const OcopCertificationEnded = defineFact({
  type: "OcopCertificationEnded",
  subject: "ocop",
  family,
  summary: "The product's OCOP certification expired or was withdrawn.",
  meaning: "No longer certified from occurredOn.",
  required: {},
  docs: {},
});

export const OcopListedOnline = defineFact({
  type: "OcopListedOnline",
  subject: "ocop",
  family,
  summary: "The product was listed on an online marketplace or e-commerce platform.",
  meaning: "Online while any platform is listed.",
  required: { platform },
  docs: { platform: "which platform" },
});

export const OcopDelistedOnline = defineFact({
  type: "OcopDelistedOnline",
  subject: "ocop",
  family,
  summary: "The product was taken off an online platform.",
  meaning: "Removes that platform from its listings.",
  required: { platform },
  docs: { platform: "which platform" },
});

export const ocopFacts = [OcopCertified, OcopCertificationEnded, OcopListedOnline, OcopDelistedOnline] as const;
