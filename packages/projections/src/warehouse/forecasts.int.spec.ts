/**
 * `indicator_forecasts`: given the figures of a series, when the warehouse folds, then its forecasts are the
 * pure `forecastTargets` of those figures, stamped with the checkpoint they come from, recomputed when a later
 * report revises a figure, and published (as forecasts) in `published_indicator_forecasts`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { forecastTargets } from "../forecast/forecast.js";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-forecast-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const catalog = testCatalog.map((e) =>
  e.code === "DTI_RANK"
    ? {
        ...e,
        targets: [...e.targets, { year: 2030, op: "<=" as const, value: 20, source: { document: "t", section: "-" } }],
      }
    : e,
);
const dtiEntry = catalog.find((e) => e.code === "DTI_RANK");

const dti = (id: string, year: number, rank: number) =>
  fact({
    id,
    type: "DtiRankPublished",
    subject: "stat:dti",
    occurredOn: `${year + 1}-03-01`,
    source: "bkhcn",
    data: { year, rank, of: 34 },
  });

interface Row {
  year: number;
  value: number;
  lo: number;
  hi: number;
  method: string;
  base_year: number;
  observations: number;
  target_op: string | null;
  target_value: number | null;
  forecast_status: string | null;
  position: number;
}

const forecasts = (w: Warehouse, relation = "indicator_forecasts") =>
  w.query<Row>(
    `SELECT year, value, lo, hi, method, base_year, observations, target_op, target_value, forecast_status,
            CAST(position AS DOUBLE) AS position
     FROM ${relation} WHERE indicator = 'DTI_RANK' AND geo = 'province' ORDER BY year`,
  );

/** What the pure function gives for the warehouse's own figures of the series. */
const expected = async (w: Warehouse) => {
  const obs = await w.query<{ year: number; value: number }>(
    "SELECT year, value FROM indicator_values WHERE indicator = 'DTI_RANK' AND geo = 'province' AND value IS NOT NULL",
  );
  if (dtiEntry === undefined) throw new Error("the test catalog has no DTI_RANK");
  return forecastTargets(dtiEntry, obs);
};

describe("indicator_forecasts", () => {
  it("holds the forecast of each series with enough history, moves with revisions, and is published", async () => {
    const w = await Warehouse.open(join(dir, "wh.duckdb"), join(dir, "log.duckdb"), {
      catalog,
      reference: testReference,
      years: [2023, 2026],
    });
    try {
      // given three years: too short to forecast
      await w.log.append([dti("d23", 2023, 31), dti("d24", 2024, 27), dti("d25", 2025, 26)]);
      await w.catchUp();
      expect(await forecasts(w)).toEqual([]);

      // when a fourth year arrives: every year to the 2030 target, judged there
      await w.log.append([dti("d26", 2026, 24)]);
      await w.catchUp();
      const first = await forecasts(w);
      const want = await expected(w);
      expect(first.map((r) => r.year)).toEqual([2027, 2028, 2029, 2030]);
      expect(first.map((r) => [r.year, r.value, r.lo, r.hi, r.method, r.base_year, r.observations])).toEqual(
        want.map((f) => [f.year, f.value, f.lo, f.hi, f.method, f.baseYear, f.observations]),
      );
      const at2030 = first.find((r) => r.year === 2030);
      expect(at2030).toMatchObject({ target_op: "<=", target_value: 20, forecast_status: want.at(-1)?.forecastStatus });
      expect(first.every((r) => r.position === 4)).toBe(true);

      // when a later report revises 2026: the forecasts are recomputed from the revised figures
      await w.log.append([dti("d26b", 2026, 33)]);
      await w.catchUp();
      const second = await forecasts(w);
      expect(second.map((r) => [r.year, r.value, r.lo, r.hi])).toEqual(
        (await expected(w)).map((f) => [f.year, f.value, f.lo, f.hi]),
      );
      expect(second).not.toEqual(first);
      expect(second.every((r) => r.position === 5)).toBe(true);

      // published as forecasts, with the same numbers
      const published = await w.query<{ year: number; forecast: number; forecast_lo: number; forecast_hi: number }>(
        "SELECT year, forecast, forecast_lo, forecast_hi FROM published_indicator_forecasts WHERE indicator = 'DTI_RANK' ORDER BY year",
      );
      expect(published.map((r) => [r.year, r.forecast, r.forecast_lo, r.forecast_hi])).toEqual(
        second.map((r) => [r.year, r.value, r.lo, r.hi]),
      );
    } finally {
      await w.close();
    }
  });
});
