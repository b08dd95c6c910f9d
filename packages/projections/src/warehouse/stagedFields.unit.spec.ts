/**
 * `CatalogStaging.fields`: a replay reads, of the log's typed columns, only those of the fact types it stages; the rest are
 * staged NULL. A field dropped that a staged type carries would change figures (the narrowed-replay property in
 * scopedReplay.int.spec.ts holds a replay's figures equal to the full fold's); one kept that no staged type
 * carries only costs a read.
 */
import { FACT_DEFINITIONS } from "@kpi/core";
import { describe, expect, it } from "vitest";
import { catalogStaging } from "./projector.js";
import { seedCatalog } from "./seedTables.js";

const entries = (...codes: string[]) =>
  codes.map((code) => {
    const e = seedCatalog().find((x) => x.code === code);
    if (e === undefined) throw new Error(`no ${code} in the catalog`);
    return e;
  });

const fieldsOf = (type: string): string[] => {
  const d = FACT_DEFINITIONS.find((x) => x.type === type);
  if (d === undefined) throw new Error(`no fact type ${type}`);
  return [...Object.keys(d.required), ...Object.keys(d.optional ?? {})];
};

describe("the typed fields a replay stages", () => {
  it("are those of every fact about the people it stages, of the reports it reads and of retractions", () => {
    const fields = catalogStaging(entries("DIGSIG_ADULT"), true).fields;
    for (const type of ["DigitalSignatureIssued", "PaymentAccountOpened", "VneidActivated", "PopulationEstimated"]) {
      for (const f of fieldsOf(type)) expect(fields.has(f), `${type}.${f}`).toBe(true);
    }
    expect(fields.has("eventId")).toBe(true); // a retraction names the fact it retracts
  });

  it("leave out the fields only other kinds' facts carry", () => {
    const fields = catalogStaging(entries("DIGSIG_ADULT"), true).fields;
    for (const f of ["form", "size", "sector", "digitalTech", "stars", "platform", "solution", "capability"]) {
      expect(fields.has(f), f).toBe(false);
    }
  });

  it("are every field of the kinds a definition counts whole, enterprises for the share on e-commerce", () => {
    const fields = catalogStaging(entries("SME_ECOM_PLATFORM"), true).fields;
    for (const d of FACT_DEFINITIONS.filter((x) => x.subject === "enterprise")) {
      for (const f of fieldsOf(d.type)) expect(fields.has(f), `${d.type}.${f}`).toBe(true);
    }
    expect(fields.has("validUntil")).toBe(false);
  });

  it("are every field of every fact type the shipped catalog's replays can stage, for the whole catalog", () => {
    const fields = catalogStaging(seedCatalog(), false).fields;
    const kinds = new Set(seedCatalog().flatMap(({ definition: d }) => ("entity" in d ? [d.entity as string] : [])));
    for (const d of FACT_DEFINITIONS.filter((x) => kinds.has(x.subject))) {
      for (const f of fieldsOf(d.type)) expect(fields.has(f), `${d.type}.${f}`).toBe(true);
    }
  });
});
