/**
 * People: subject `person:<pseudonym>`, a keyed hash made by the source, never a raw identity number. Every fact
 * carries the person's `commune` and `birthYear`; the latest known values apply.
 */
import type { FieldError } from "./decodeError.js";
import { defineFact } from "./defineFact.js";
import { codeOf, integer } from "./fields.js";
import { CommuneCode, IsoDate } from "./ids.js";

const family = "People";
const commune = CommuneCode;
const birthYear = integer(1900, 2100, "a birth year", [1958, 1975, 1990, 2001, 2008, 2015]);
const institution = codeOf("an institution code", ["vcb", "agribank", "momo"]);
const provider = codeOf("a signature provider code", ["vnpt-ca", "viettel-ca"]);
const validUntil = IsoDate;
const person = { commune: "the person's commune of residence", birthYear: "year of birth" };

export const PaymentAccountOpened = defineFact({
  type: "PaymentAccountOpened",
  subject: "person",
  family,
  summary: "The person opened a payment account at a bank or licensed payment institution.",
  meaning: "Has a payment account while any is open (PAYMENT_ACCT_15, POP_EPAYMENT_ACCT).",
  required: { commune, birthYear },
  optional: { institution },
  docs: { ...person, institution: "the bank or institution, when the source names it" },
});

export const PaymentAccountClosed = defineFact({
  type: "PaymentAccountClosed",
  subject: "person",
  family,
  summary: "The person closed a payment account.",
  meaning:
    "Closes one open account at the same institution; a close without institution closes an account opened without one.",
  required: { commune, birthYear },
  optional: { institution },
  docs: { ...person, institution: "the bank or institution, when the source names it" },
});

export const VneidActivated = defineFact({
  type: "VneidActivated",
  subject: "person",
  family,
  summary: "The person activated a VNeID electronic identity account.",
  meaning: "Has a VNeID account (VNEID_ADULT) and a digital identity (POP_DIGITAL_ID) from occurredOn.",
  required: { commune, birthYear, level: integer(1, 2, "an identification level") },
  docs: { ...person, level: "identification level, 1 or 2" },
});

const signatureCheck = (d: { validUntil?: string }, on: string): FieldError[] =>
  d.validUntil !== undefined && d.validUntil < on
    ? [
        {
          field: "validUntil",
          reason: `is before occurredOn, the day the signature was issued (${d.validUntil} < ${on}); give the last day it is valid`,
        },
      ]
    : [];

export const DigitalSignatureIssued = defineFact({
  type: "DigitalSignatureIssued",
  subject: "person",
  family,
  summary: "A personal digital or electronic signature was issued to the person.",
  meaning: "Has a signature while one is issued, not revoked and not past validUntil (DIGSIG_ADULT).",
  required: { commune, birthYear, provider, validUntil },
  docs: { ...person, provider: "the certification provider", validUntil: "last day the signature is valid" },
  check: signatureCheck,
  rules: ["validUntil is not before occurredOn."],
});

export const DigitalSignatureRevoked = defineFact({
  type: "DigitalSignatureRevoked",
  subject: "person",
  family,
  summary: "A personal digital signature was revoked.",
  meaning: "Ends the signature from that provider from occurredOn.",
  required: { commune, birthYear, provider },
  optional: { validUntil },
  docs: {
    ...person,
    provider: "the certification provider",
    validUntil: "the validity end of the revoked signature, when known",
  },
});

export const HealthRecordCreated = defineFact({
  type: "HealthRecordCreated",
  subject: "person",
  family,
  summary: "An electronic health record (hồ sơ sức khỏe điện tử) was created for the person.",
  meaning: "Has an electronic health record from occurredOn (POP_EHR).",
  required: { commune, birthYear },
  docs: person,
});

export const personFacts = [
  PaymentAccountOpened,
  PaymentAccountClosed,
  VneidActivated,
  DigitalSignatureIssued,
  DigitalSignatureRevoked,
  HealthRecordCreated,
] as const;
