/**
 * Calibration of the `small` sample (1 in 70 people and businesses of the whole province), measured from the
 * generated facts by the reference fold of `@kpi/projections` (the oracle: docs/semantics.md in plain TypeScript,
 * no DuckDB) over the catalog's own definitions. Bounds are wide enough for sampling noise at this scale and
 * narrow enough to catch a model that drifts from the published figures and targets.
 */
import type { Fact, FactType, StoredEvent } from "@kpi/core";
import { decodeDefinition, FACT_TYPES, formatFieldErrors, isCatalogChange, position } from "@kpi/core";
import {
  type FigureRow,
  type IndicatorSpec,
  oracleFigures,
  PROVINCE,
  seedCatalog,
  seedResolve,
} from "@kpi/projections";
import * as E from "fp-ts/lib/Either.js";
import { beforeAll, describe, expect, it } from "vitest";
import { factStream } from "./generateFacts.js";

const SMALL = 70;

/** The catalog indicators the checks read, by code. */
const CATALOG_CODES = [
  "PAYMENT_ACCT_15",
  "VNEID_ADULT",
  "DIGSIG_ADULT",
  "POP_EHR",
  "HH_FIXED_BROADBAND",
  "OCOP_ONLINE",
  "ENT_DIGITAL_SOLUTION",
  "SME_ECOM_PLATFORM",
  "DE_GRDP",
] as const;

/** Counts the catalog has no indicator for, in the catalog's definition language (checked as an entry's would be). */
const count = (code: string, numerator: unknown): IndicatorSpec => {
  const d = decodeDefinition({ kind: "entityCount", entity: "enterprise", numerator });
  if (E.isLeft(d)) throw new Error(`${code}: ${formatFieldErrors(d.left)}`);
  return { code, definition: d.right };
};
const COUNTS = [
  count("ACTIVE_COOPERATIVES", {
    all: [
      { attr: "active", eq: true },
      { attr: "form", eq: "cooperative" },
    ],
  }),
  count("ACTIVE_HOUSEHOLD_BUSINESSES", {
    all: [
      { attr: "active", eq: true },
      { attr: "form", eq: "household" },
    ],
  }),
  count("NEW_ENTERPRISES", {
    all: [
      { attr: "form", eq: "enterprise" },
      { attr: "foundedYear", isYear: true },
    ],
  }),
];

/** The facts as the log stores them: the first of each id at consecutive positions (a re-sent id is not stored). */
const stored = (facts: readonly Fact[]): StoredEvent[] => {
  const seen = new Set<string>();
  const events: StoredEvent[] = [];
  for (const fact of facts) {
    if (seen.has(fact.id)) continue;
    seen.add(fact.id);
    events.push({ position: position(events.length + 1), streamRevision: 0, recordedAt: "", hash: "", fact });
  }
  return events;
};

/** The province's figures of one year, by indicator code. */
type Province = ReadonlyMap<string, FigureRow>;

const provinceRow = (p: Province, code: string): FigureRow => {
  const r = p.get(code);
  if (r === undefined) throw new Error(`no province figure for ${code}`);
  return r;
};
/** The figure's value (a percentage for a share), which the checks need to be there. */
const value = (p: Province, code: string): number => {
  const v = provinceRow(p, code).value;
  if (v === null) throw new Error(`${code} has no value`);
  return v;
};
const numerator = (p: Province, code: string): number => provinceRow(p, code).numerator ?? 0;
const denominator = (p: Province, code: string): number => provinceRow(p, code).denominator ?? 0;

let facts: Fact[] = [];
let y2025: Province;
let y2019: Province;

beforeAll(() => {
  facts = [...factStream({ scale: "small", seed: 1 })];
  const catalog = seedCatalog().filter((e) => (CATALOG_CODES as readonly string[]).includes(e.code));
  expect(catalog.map((e) => e.code).sort()).toEqual([...CATALOG_CODES].sort());
  const rows = oracleFigures(stored(facts), [...catalog, ...COUNTS], [2019, 2025], seedResolve());
  const province = (year: number): Province =>
    new Map(rows.filter((r) => r.geo === PROVINCE && r.year === year).map((r) => [r.indicator, r]));
  y2025 = province(2025);
  y2019 = province(2019);
});

describe("the small sample, 2025", () => {
  it("has 100–300 thousand facts", () => {
    expect(facts.length).toBeGreaterThan(100_000);
    expect(facts.length).toBeLessThan(300_000);
  });

  it("has about 4.4 M people and 1.2–1.4 M households once scaled up", () => {
    expect(denominator(y2025, "POP_EHR") * SMALL).toBeGreaterThan(4.2e6);
    expect(denominator(y2025, "POP_EHR") * SMALL).toBeLessThan(4.6e6);
    expect(denominator(y2025, "HH_FIXED_BROADBAND") * SMALL).toBeGreaterThan(1.15e6);
    expect(denominator(y2025, "HH_FIXED_BROADBAND") * SMALL).toBeLessThan(1.45e6);
  });

  it("has about 13,000 enterprises, 120,000 household businesses and ~500 cooperatives once scaled up", () => {
    expect(denominator(y2025, "ENT_DIGITAL_SOLUTION") * SMALL).toBeGreaterThan(11_500);
    expect(denominator(y2025, "ENT_DIGITAL_SOLUTION") * SMALL).toBeLessThan(14_500);
    expect(numerator(y2025, "ACTIVE_HOUSEHOLD_BUSINESSES") * SMALL).toBeGreaterThan(110_000);
    expect(numerator(y2025, "ACTIVE_HOUSEHOLD_BUSINESSES") * SMALL).toBeLessThan(132_000);
    expect(numerator(y2025, "ACTIVE_COOPERATIVES") * SMALL).toBeGreaterThan(200);
    expect(numerator(y2025, "ACTIVE_COOPERATIVES") * SMALL).toBeLessThan(900);
    expect(numerator(y2025, "NEW_ENTERPRISES") * SMALL).toBeGreaterThan(1_700);
    expect(numerator(y2025, "NEW_ENTERPRISES") * SMALL).toBeLessThan(3_800);
  });

  it("has ~1,100 certified OCOP products (the programme is not sampled), 75–90 % of them online", () => {
    expect(denominator(y2025, "OCOP_ONLINE")).toBeGreaterThan(1_000);
    expect(denominator(y2025, "OCOP_ONLINE")).toBeLessThan(1_200);
    expect(value(y2025, "OCOP_ONLINE")).toBeGreaterThan(75);
    expect(value(y2025, "OCOP_ONLINE")).toBeLessThan(90);
  });

  it("has people's shares near the 2025 targets", () => {
    expect(value(y2025, "PAYMENT_ACCT_15")).toBeGreaterThan(75);
    expect(value(y2025, "PAYMENT_ACCT_15")).toBeLessThan(85);
    expect(value(y2025, "VNEID_ADULT")).toBeGreaterThan(75);
    expect(value(y2025, "VNEID_ADULT")).toBeLessThan(88);
    expect(value(y2025, "DIGSIG_ADULT")).toBeGreaterThan(25);
    expect(value(y2025, "DIGSIG_ADULT")).toBeLessThan(45);
    expect(value(y2025, "POP_EHR")).toBeGreaterThan(75);
    expect(value(y2025, "POP_EHR")).toBeLessThan(90);
    expect(value(y2025, "HH_FIXED_BROADBAND")).toBeGreaterThan(80);
    expect(value(y2025, "HH_FIXED_BROADBAND")).toBeLessThan(92);
  });

  it("has SMEs on e-commerce at 50–62 %, enterprises with a digital solution at 65–85 %", () => {
    expect(value(y2025, "SME_ECOM_PLATFORM")).toBeGreaterThan(50);
    expect(value(y2025, "SME_ECOM_PLATFORM")).toBeLessThan(62);
    expect(value(y2025, "ENT_DIGITAL_SOLUTION")).toBeGreaterThan(65);
    expect(value(y2025, "ENT_DIGITAL_SOLUTION")).toBeLessThan(85);
  });

  it("has a digital economy of 12–15 % of GRDP", () => {
    expect(value(y2025, "DE_GRDP")).toBeGreaterThan(12);
    expect(value(y2025, "DE_GRDP")).toBeLessThan(15);
  });

  it("grows from 2019: every share is higher in 2025", () => {
    for (const code of ["PAYMENT_ACCT_15", "POP_EHR", "HH_FIXED_BROADBAND", "OCOP_ONLINE", "SME_ECOM_PLATFORM"]) {
      expect(value(y2025, code), code).toBeGreaterThan(value(y2019, code));
    }
    expect(value(y2019, "VNEID_ADULT")).toBe(0);
  });

  it("together with tiny, covers every fact type", () => {
    const types = new Set<FactType>(facts.map((f) => f.type));
    for (const f of factStream({ scale: "tiny", seed: 1 })) types.add(f.type);
    // PublicationIssued is written by `kpi publish`, and the catalog changes by the catalog authority: never by a source
    expect(FACT_TYPES.filter((t) => t !== "PublicationIssued" && !isCatalogChange(t) && !types.has(t))).toEqual([]);
  });
});
