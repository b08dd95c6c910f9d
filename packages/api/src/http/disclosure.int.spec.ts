/**
 * The probe of the small-cell rule on the tiny sample: where a commune of EDU_DIGITAL is withheld (commune
 * 30157 among them), the province minus the published communes no longer gives it back, and the API (current
 * and as of a position), the published view, a CSV export and a publication withhold exactly the same cells.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishFigures } from "@kpi/projections";
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestWarehouse, testApp, testWarehouse } from "./testWarehouse.fixture.js";

let t: TestWarehouse;
let app: FastifyInstance;
const out = mkdtempSync(join(tmpdir(), "kpi-disclosure-"));

beforeAll(async () => {
  t = await testWarehouse();
  app = await testApp(t.warehouse);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
  rmSync(out, { recursive: true, force: true });
});

interface Point {
  geo: string;
  year: number;
  breakdown: string;
  numerator: number | null;
  denominator: number | null;
  suppressed: boolean;
}

const key = (p: { geo: string; year: number; breakdown: string }) => `${p.geo}|${p.year}|${p.breakdown}`;

const apiWithheld = async (indicator: string, year: number, asOf?: number): Promise<Point[]> => {
  const q = asOf === undefined ? "" : `&asOf=${asOf}`;
  const communes = (await app.inject({ url: `/v1/indicators/${indicator}/values?year=${year}${q}` })).json() as {
    province: Point | null;
    values: Point[];
  };
  return [...communes.values, ...(communes.province === null ? [] : [communes.province])];
};

describe("complementary suppression", () => {
  it("leaves no withheld EDU_DIGITAL commune recoverable from the province and its published siblings", async () => {
    let probed = 0;
    for (const year of [2023, 2024, 2025]) {
      const points = await apiWithheld("EDU_DIGITAL", year);
      const province = points.find((p) => p.geo === "province");
      const communes = points.filter((p) => p.geo !== "province");
      const withheld = communes.filter((p) => p.suppressed);
      if (withheld.length === 0) continue;
      probed++;
      if (province !== undefined && !province.suppressed && province.numerator !== null) {
        expect(withheld.length, `${year}: one withheld commune would be province − the rest`).toBeGreaterThanOrEqual(2);
        const rest = communes.filter((p) => !p.suppressed).reduce((s, p) => s + (p.numerator ?? 0), 0);
        const gap = province.numerator - rest;
        // the gap is the sum of two or more withheld cells, never one of them alone
        const raw = await t.warehouse.query<{ geo: string; n: number }>(
          "SELECT geo, CAST(numerator AS DOUBLE) AS n FROM indicator_values WHERE indicator = 'EDU_DIGITAL' AND year = $y AND level = 'commune'",
          { y: year },
        );
        const hidden = raw.filter((r) => withheld.some((w) => w.geo === r.geo));
        expect(hidden.reduce((s, r) => s + r.n, 0)).toBeCloseTo(gap, 6);
      }
    }
    expect(probed, "the tiny sample withholds some EDU_DIGITAL commune").toBeGreaterThan(0);
    const at30157: number[] = [];
    for (const year of [2023, 2024, 2025]) {
      const points = await apiWithheld("EDU_DIGITAL", year);
      if (points.find((p) => p.geo === "30157")?.suppressed) {
        at30157.push(year);
        expect(points.filter((p) => p.suppressed).length).toBeGreaterThanOrEqual(2);
      }
    }
    expect(at30157.length, "commune 30157 is a small cell of EDU_DIGITAL in the tiny sample").toBeGreaterThan(0);
    expect((await apiWithheld("EDU_DIGITAL", 2024)).filter((p) => p.suppressed).length).toBeGreaterThan(1);
  });

  it("withholds the same cells in the API (now and as of a position), the view, an export and a publication", async () => {
    const indicators = ["EDU_DIGITAL", "OCOP_ONLINE", "SCHOOL_SMART_CLASS"];
    const view = await t.warehouse.query<{ indicator: string; geo: string; year: number; breakdown: string }>(
      "SELECT indicator, geo, year, breakdown FROM published_indicator_values WHERE suppressed AND indicator IN ('EDU_DIGITAL', 'OCOP_ONLINE', 'SCHOOL_SMART_CLASS') AND year BETWEEN 2023 AND 2025",
    );
    expect(view.length).toBeGreaterThan(0);
    const position = await t.warehouse.checkpoint();
    for (const indicator of indicators) {
      const fromView = new Set(view.filter((r) => r.indicator === indicator).map(key));
      const fromApi = new Set<string>();
      const asOfApi = new Set<string>();
      for (const year of [2023, 2024, 2025]) {
        for (const p of await apiWithheld(indicator, year)) if (p.suppressed) fromApi.add(key(p));
        for (const p of await apiWithheld(indicator, year, position)) if (p.suppressed) asOfApi.add(key(p));
      }
      expect(fromApi, indicator).toEqual(fromView);
      expect(asOfApi, indicator).toEqual(fromView);
    }
    const exported = await t.warehouse.export(out, "csv");
    const csv = exported.find((f) => f.endsWith("published_indicator_values.csv")) ?? "";
    const counts = await t.warehouse.query<{ withheld: bigint; leaked: bigint }>(
      `SELECT count(*) FILTER (WHERE suppressed) AS withheld,
              count(*) FILTER (WHERE suppressed AND (numerator IS NOT NULL OR denominator IS NOT NULL
                OR numerator_amount IS NOT NULL OR denominator_amount IS NOT NULL OR value IS NOT NULL)) AS leaked
       FROM read_csv('${csv.replaceAll("'", "''")}') WHERE indicator IN ('EDU_DIGITAL', 'OCOP_ONLINE', 'SCHOOL_SMART_CLASS')
         AND year BETWEEN 2023 AND 2025`,
    );
    expect(Number(counts[0]?.withheld)).toBe(view.length);
    expect(Number(counts[0]?.leaked)).toBe(0);
    const pub = await publishFigures(t.warehouse, { dir: out, level: "all", indicators, years: [2023, 2024, 2025] });
    if (E.isLeft(pub)) throw new Error(JSON.stringify(pub.left));
    const published = new Set(pub.right.publication.figures.map((f) => `${f.indicator}|${key(f)}`));
    for (const r of view) expect(published.has(`${r.indicator}|${key(r)}`), `${r.indicator} ${key(r)}`).toBe(false);
  });
});
