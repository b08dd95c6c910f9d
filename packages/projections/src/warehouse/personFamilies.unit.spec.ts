/**
 * `personFamiliesRead`: a replay computes, of a person's keyed families, only those its definitions read. A
 * family left out would make its attribute empty in every state; one read but dropped would change figures (the
 * narrowed-replay property in scopedReplay.int.spec.ts holds the figures equal to the full fold's).
 */
import { entityAttributesRead } from "@kpi/core";
import { describe, expect, it } from "vitest";
import { personFamiliesRead } from "./projector.js";
import { seedCatalog } from "./seedTables.js";

const entry = (code: string) => {
  const e = seedCatalog().find((x) => x.code === code);
  if (e === undefined) throw new Error(`no ${code} in the catalog`);
  return e;
};

describe("the person families a replay computes", () => {
  it("are the signature for the share of adults with one, the account for the share with an account", () => {
    expect(personFamiliesRead([entry("DIGSIG_ADULT")])).toEqual(["signature"]);
    expect(personFamiliesRead([entry("PAYMENT_ACCT_15")])).toEqual(["account"]);
    expect(personFamiliesRead([entry("DIGSIG_ADULT"), entry("PAYMENT_ACCT_15")])).toEqual(["account", "signature"]);
  });

  it("are none for definitions that read no keyed family, or count no people", () => {
    expect(personFamiliesRead([entry("POP_DIGITAL_ID")])).toEqual([]);
    expect(personFamiliesRead([entry("DE_GRDP"), entry("HH_FIXED_BROADBAND")])).toEqual([]);
  });

  it("cover every keyed attribute the shipped catalog's person definitions read", () => {
    const read = new Set(
      seedCatalog().flatMap((e) =>
        "entity" in e.definition && e.definition.entity === "person" ? entityAttributesRead(e.definition) : [],
      ),
    );
    const families = personFamiliesRead(seedCatalog());
    expect(families.includes("account")).toBe(read.has("hasPaymentAccount"));
    expect(families.includes("signature")).toBe(read.has("hasDigitalSignature"));
    expect(read.has("birthYear")).toBe(true); // ages are read from every person fact, never narrowed
  });
});
