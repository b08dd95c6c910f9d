/**
 * Calibration of the `small` sample (1 in 70 people and businesses of the whole province), measured from the
 * generated facts by the oracle fold of `sampleFigures.ts`. Bounds are wide enough for sampling noise at this
 * scale and narrow enough to catch a model that drifts from the published figures and targets.
 */
import type { Fact, FactType } from "@kpi/core";
import { FACT_TYPES, isCatalogChange } from "@kpi/core";
import { beforeAll, describe, expect, it } from "vitest";
import { factStream } from "./generateFacts.js";
import { type YearFigures, yearFigures } from "./sampleFigures.js";

const SMALL = 70;
let facts: Fact[] = [];
let y2025: YearFigures;
let y2019: YearFigures;

beforeAll(() => {
  facts = [...factStream({ scale: "small", seed: 1 })];
  y2025 = yearFigures(facts, 2025);
  y2019 = yearFigures(facts, 2019);
});

describe("the small sample, 2025", () => {
  it("has 100–300 thousand facts", () => {
    expect(facts.length).toBeGreaterThan(100_000);
    expect(facts.length).toBeLessThan(300_000);
  });

  it("has about 4.4 M people and 1.2–1.4 M households once scaled up", () => {
    expect(y2025.population * SMALL).toBeGreaterThan(4.2e6);
    expect(y2025.population * SMALL).toBeLessThan(4.6e6);
    expect(y2025.households * SMALL).toBeGreaterThan(1.15e6);
    expect(y2025.households * SMALL).toBeLessThan(1.45e6);
  });

  it("has about 13,000 enterprises, 120,000 household businesses and ~500 cooperatives once scaled up", () => {
    expect(y2025.activeEnterprises * SMALL).toBeGreaterThan(11_500);
    expect(y2025.activeEnterprises * SMALL).toBeLessThan(14_500);
    expect(y2025.activeHouseholdBusinesses * SMALL).toBeGreaterThan(110_000);
    expect(y2025.activeHouseholdBusinesses * SMALL).toBeLessThan(132_000);
    expect(y2025.activeCooperatives * SMALL).toBeGreaterThan(200);
    expect(y2025.activeCooperatives * SMALL).toBeLessThan(900);
    expect(y2025.newEnterprises * SMALL).toBeGreaterThan(1_700);
    expect(y2025.newEnterprises * SMALL).toBeLessThan(3_800);
  });

  it("has ~1,100 certified OCOP products (the programme is not sampled), 75–90 % of them online", () => {
    expect(y2025.ocopCertified).toBeGreaterThan(1_000);
    expect(y2025.ocopCertified).toBeLessThan(1_200);
    expect(y2025.ocopOnline).toBeGreaterThan(0.75);
    expect(y2025.ocopOnline).toBeLessThan(0.9);
  });

  it("has people's shares near the 2025 targets", () => {
    expect(y2025.paymentAccount15).toBeGreaterThan(0.75);
    expect(y2025.paymentAccount15).toBeLessThan(0.85);
    expect(y2025.vneidAdult).toBeGreaterThan(0.75);
    expect(y2025.vneidAdult).toBeLessThan(0.88);
    expect(y2025.signatureAdult).toBeGreaterThan(0.25);
    expect(y2025.signatureAdult).toBeLessThan(0.45);
    expect(y2025.healthRecord).toBeGreaterThan(0.75);
    expect(y2025.healthRecord).toBeLessThan(0.9);
    expect(y2025.fixedBroadband).toBeGreaterThan(0.8);
    expect(y2025.fixedBroadband).toBeLessThan(0.92);
  });

  it("has SMEs on e-commerce at 50–62 %, enterprises with a digital solution at 65–85 %", () => {
    expect(y2025.smeEcommerce).toBeGreaterThan(0.5);
    expect(y2025.smeEcommerce).toBeLessThan(0.62);
    expect(y2025.enterpriseSolution).toBeGreaterThan(0.65);
    expect(y2025.enterpriseSolution).toBeLessThan(0.85);
  });

  it("has a digital economy of 12–15 % of GRDP", () => {
    expect(y2025.digitalEconomyShare).toBeGreaterThan(0.12);
    expect(y2025.digitalEconomyShare).toBeLessThan(0.15);
  });

  it("grows from 2019: every share is higher in 2025", () => {
    for (const k of ["paymentAccount15", "healthRecord", "fixedBroadband", "ocopOnline", "smeEcommerce"] as const) {
      expect(y2025[k]).toBeGreaterThan(y2019[k]);
    }
    expect(y2019.vneidAdult).toBe(0);
  });

  it("together with tiny, covers every fact type", () => {
    const types = new Set<FactType>(facts.map((f) => f.type));
    for (const f of factStream({ scale: "tiny", seed: 1 })) types.add(f.type);
    // PublicationIssued is written by `kpi publish`, and the catalog changes by the catalog authority: never by a source
    expect(FACT_TYPES.filter((t) => t !== "PublicationIssued" && !isCatalogChange(t) && !types.has(t))).toEqual([]);
  });
});
