import { readFileSync } from "node:fs";
import { AREAS, type Definition } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { INDICATORS_DOC } from "./catalogFiles.js";
import { formatCatalogError, loadCatalog } from "./loadCatalog.js";
import { HASH_PREFIX_LENGTH, renderCatalog, showCondition, showDefinition } from "./renderCatalog.js";

const loaded = loadCatalog();
if (E.isLeft(loaded)) throw new Error(formatCatalogError(loaded.left));
const catalog = loaded.right;
const rendered = renderCatalog(catalog);

describe("docs/indicators.md", () => {
  it("is the rendered catalog (regenerate with `pnpm docs:indicators`)", () => {
    expect(readFileSync(INDICATORS_DOC, "utf8")).toBe(rendered);
  });

  it("has a section per area and a table row per indicator with its hash prefix and targets", () => {
    const headings = [...rendered.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toHaveLength(1 + AREAS.length);
    for (const i of catalog.indicators) {
      const row = rendered.split("\n").find((l) => l.startsWith(`| [${i.code}](`));
      expect(row, i.code).toBeDefined();
      expect(row).toContain(`\`${i.definitionHash.slice(0, HASH_PREFIX_LENGTH)}\``);
      expect(row).toContain(i.nameVi);
      for (const t of i.targets) expect(row).toContain(`${t.source.document} ${t.source.section}`);
      for (const f of i.facts) expect(row).toContain(f);
      expect(rendered).toContain(`- Definition hash: \`${i.definitionHash}\``);
    }
  });

  it("merges a yearly target into one span", () => {
    const row = rendered.split("\n").find((l) => l.startsWith("| [LABOR_PRODUCTIVITY_GROWTH]("));
    expect(row).toContain("≥ 7 %/yr (each year 2022–2025) — KH-NQ04-2022 §II.2b<br>≥ 8 %/yr (each year 2026–2030)");
  });

  it("keeps the catalog's text in NFC so searches for Vietnamese words find it", () => {
    expect(rendered).toBe(rendered.normalize("NFC"));
  });
});

describe("showDefinition", () => {
  it("writes each kind as a formula", () => {
    const byCode = new Map(catalog.indicators.map((i) => [i.code as string, i.definition]));
    const show = (code: string) => showDefinition(byCode.get(code) as Definition);
    expect(show("SME_ECOM_PLATFORM")).toBe(
      '100 × count(enterprise: active ∧ form = "enterprise" ∧ size ∈ {"micro", "small", "medium"} ∧ onEcommerce) ÷ count(enterprise: active ∧ form = "enterprise" ∧ size ∈ {"micro", "small", "medium"})',
    );
    expect(show("PAYMENT_ACCT_15")).toBe(
      "100 × count(person: hasPaymentAccount ∧ age ≥ 15) ÷ Σ PopulationEstimated.aged15plus",
    );
    expect(show("DE_SECTOR")).toBe(
      "100 × Σ GrdpReported.digitalEconomy ÷ Σ GrdpReported.grdp, for each sector (ALL left out)",
    );
    expect(show("AI_OFFICIALS_TRAINED")).toBe(
      'Σ CountReported.count[series = "OFFICIALS_AI_TRAINED"] over the years ≤ Y',
    );
    expect(show("IOT_FARMER_CLUBS")).toBe("count(club: active ∧ iot ∧ iotFirstYear = Y)");
    expect(show("LABOR_PRODUCTIVITY_GROWTH")).toBe(
      "100 × (V(Y) ÷ V(Y − 1) − 1) where V = LabourProductivityReported.valuePerWorker",
    );
  });

  it("brackets nested alternatives and negations", () => {
    expect(
      showCondition({
        all: [
          { attr: "active", eq: true },
          {
            any: [
              { attr: "form", eq: "cooperative" },
              { all: [{ attr: "size", in: ["micro"] }, { not: { attr: "digitalTech", eq: false } }] },
            ],
          },
          { age: { gte: 15, lt: 65 } },
        ],
      }),
    ).toBe('active ∧ (form = "cooperative" ∨ (size ∈ {"micro"} ∧ ¬(¬digitalTech))) ∧ age ≥ 15 ∧ age < 65');
  });
});
