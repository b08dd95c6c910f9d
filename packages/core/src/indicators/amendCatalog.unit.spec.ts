import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodeFact } from "../facts/registry.js";
import { amendCatalog, type CatalogChange } from "./amendCatalog.js";
import { type CatalogEntry, decodeCatalogEntry } from "./catalogEntry.js";
import { definitionHash } from "./definition.js";

const entry = (u: unknown): CatalogEntry => {
  const r = decodeCatalogEntry(u);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};
const base = [
  entry({
    code: "PAYMENT_ACCT_15",
    nameVi: "-",
    nameEn: "-",
    area: "digital_society",
    measure: "share",
    unit: "percent",
    direction: "higher_is_better",
    populationVi: "-",
    populationEn: "-",
    definition: {
      kind: "shareOfReported",
      entity: "person",
      numerator: { all: [{ attr: "hasPaymentAccount", eq: true }, { age: { gte: 15 } }] },
      denominator: { fact: "PopulationEstimated", field: "aged15plus" },
    },
    targets: [
      { year: 2025, op: ">=", value: 50, source: { document: "KH-315-2025", section: "§II" } },
      { year: 2030, op: ">=", value: 80, source: { document: "KH-315-2025", section: "§II" } },
    ],
  }),
];
const change = (position: number, type: string, data: Record<string, unknown>) => {
  const r = decodeFact({
    id: `c${position}`,
    type,
    subject: "stat:catalog",
    occurredOn: "2026-02-01",
    source: "kpi-catalog",
    data: {
      indicator: "PAYMENT_ACCT_15",
      effectiveOn: "2026-02-01",
      changedBy: "x",
      plan: "P-1",
      section: "§1",
      ...data,
    },
  });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return { position, fact: r.right as CatalogChange };
};

describe("amendCatalog", () => {
  it("replaces a year's target and keeps the others, in year order, with the plan as its source", () => {
    const r = amendCatalog(base, [change(7, "TargetRevised", { targetYear: 2025, op: ">", value: 60 })]);
    expect(r.catalog[0]?.targets).toEqual([
      { year: 2025, op: ">", value: 60, source: { document: "P-1", section: "§1" } },
      base[0]?.targets[1],
    ]);
    expect(r.amendedAt.get("PAYMENT_ACCT_15")).toBe(7);
    expect(r.revisedTargets.get("PAYMENT_ACCT_15|2025")?.position).toBe(7);
  });

  it("applies changes in position order whatever order they come in", () => {
    const a = change(3, "TargetRevised", { targetYear: 2025, op: ">=", value: 55 });
    const b = change(9, "TargetRevised", { targetYear: 2025, op: ">=", value: 70 });
    expect(amendCatalog(base, [b, a]).catalog).toEqual(amendCatalog(base, [a, b]).catalog);
    expect(amendCatalog(base, [b, a]).catalog[0]?.targets[0]?.value).toBe(70);
  });

  it("amends the age bound and the denominator field, changing the definition hash", () => {
    const r = amendCatalog(base, [
      change(4, "IndicatorDefinitionAmended", { minAge: 18, denominatorField: "adults", reason: "r" }),
    ]);
    const d = r.catalog[0]?.definition;
    expect(d).toEqual({
      kind: "shareOfReported",
      entity: "person",
      numerator: { all: [{ attr: "hasPaymentAccount", eq: true }, { age: { gte: 18 } }] },
      denominator: { fact: "PopulationEstimated", field: "adults" },
    });
    expect(definitionHash(d as CatalogEntry["definition"])).not.toBe(definitionHash(base[0]?.definition as never));
  });

  it("changes nothing for a change that cannot apply, and says why", () => {
    const r = amendCatalog(base, [
      change(1, "IndicatorDefinitionAmended", { denominatorField: "nope", reason: "r" }),
      { ...change(2, "TargetRevised", { targetYear: 2025, op: ">=", value: 1 }) },
    ]);
    expect(r.changes[0]?.problem).toMatch(/^denominator\.field: PopulationEstimated has no field "nope"/);
    expect(r.catalog[0]?.definition).toEqual(base[0]?.definition);
    expect(r.changes[1]?.problem).toBeNull();
    const unknown = amendCatalog(base, [
      change(3, "TargetRevised", { indicator: "NO_SUCH", targetYear: 2025, op: ">=", value: 1 }),
    ]);
    expect(unknown.changes[0]?.problem).toBe("no indicator NO_SUCH in the catalog");
    expect(unknown.catalog).toEqual(base);
    expect(unknown.amendedAt.size).toBe(0);
  });
});
