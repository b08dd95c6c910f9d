/**
 * Forecasts in the API: the series answer carries `forecasts` (marked `forecast: true`, never among the
 * observed `points`) equal to the warehouse's `published_indicator_forecasts` at the checkpoint, and computed
 * from the figures as known then with `asOf`; the scorecard says of each target whether it is at risk; the
 * risk route ranks the communes, the most at risk first.
 */
import { forecastTargets } from "@kpi/projections";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalog, type TestWarehouse, testApp, testWarehouse } from "./testWarehouse.fixture.js";

let t: TestWarehouse;
let app: FastifyInstance;

beforeAll(async () => {
  t = await testWarehouse();
  app = await testApp(t.warehouse);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

interface Forecast {
  forecast: boolean;
  year: number;
  breakdown: string;
  value: number;
  lo: number;
  hi: number;
  coverage: number;
  method: string;
  baseYear: number;
  targetOp: string | null;
  targetValue: number | null;
  forecastStatus: string | null;
  position: number;
}
interface Series {
  position: number;
  points: { year: number; value: number | null; breakdown: string; suppressed: boolean }[];
  forecasts: Forecast[];
}

const series = async (code: string, query = ""): Promise<Series> => {
  const r = await app.inject({ url: `/v1/indicators/${code}/series${query}` });
  expect(r.statusCode).toBe(200);
  return r.json() as Series;
};

/** A province series and a commune series that the warehouse forecasts. */
const forecastSeries = async () => {
  const rows = await t.warehouse.query<{ indicator: string; geo: string }>(
    `SELECT indicator, geo FROM published_indicator_forecasts WHERE breakdown = '' AND forecast_status IS NOT NULL
     GROUP BY ALL ORDER BY count(*) DESC, indicator, geo`,
  );
  const province = rows.find((r) => r.geo === "province");
  const commune = rows.find((r) => r.geo !== "province");
  if (province === undefined || commune === undefined) throw new Error("the tiny sample has no forecast series");
  return { province, commune };
};

describe("forecasts in the API", () => {
  it("gives a series' forecasts as the warehouse's published forecasts, for the province and a commune", async () => {
    const { province, commune } = await forecastSeries();
    for (const s of [province, commune]) {
      const body = await series(s.indicator, `?geo=${s.geo}`);
      const stored = await t.warehouse.query<Record<string, number | string | null>>(
        `SELECT year, breakdown, forecast, forecast_lo, forecast_hi, method, base_year, target_op, target_value,
                forecast_status
         FROM published_indicator_forecasts WHERE indicator = $i AND geo = $g ORDER BY breakdown, year`,
        { i: s.indicator, g: s.geo },
      );
      expect(body.forecasts.length).toBeGreaterThan(0);
      expect(
        body.forecasts.map((f) => ({
          year: f.year,
          breakdown: f.breakdown,
          forecast: f.value,
          forecast_lo: f.lo,
          forecast_hi: f.hi,
          method: f.method,
          base_year: f.baseYear,
          target_op: f.targetOp,
          target_value: f.targetValue,
          forecast_status: f.forecastStatus,
        })),
      ).toEqual(stored);
      const lastObserved = Math.max(...body.points.filter((p) => p.value !== null).map((p) => p.year));
      for (const f of body.forecasts) {
        expect(f.forecast).toBe(true);
        expect(f.year).toBeGreaterThan(lastObserved);
        expect(f.lo <= f.value && f.value <= f.hi).toBe(true);
        expect(f.coverage).toBe(0.8);
        expect(f.position).toBe(body.position);
      }
      // the observed points never hold a forecast year's figure
      expect(body.points.some((p) => p.value !== null && p.year > lastObserved)).toBe(false);
    }
    // the many-series route gives each series the same forecasts
    const many = (
      await app.inject({ url: `/v1/series?indicators=${province.indicator}&geos=province,${commune.geo}` })
    ).json() as { series: { geo: string; forecasts: Forecast[] }[] };
    for (const s of many.series) {
      expect(s.forecasts).toEqual((await series(province.indicator, `?geo=${s.geo}`)).forecasts);
    }
  });

  it("forecasts from the figures as known at an earlier position with asOf", async () => {
    const { province } = await forecastSeries();
    const now = await series(province.indicator);
    const head = now.position;
    const early = await series(province.indicator, `?asOf=${Math.floor(head / 2)}`);
    expect(early.position).toBe(Math.floor(head / 2));
    for (const f of early.forecasts) expect(f.position).toBe(early.position);
    const entry = catalog().indicators.find((e) => e.code === province.indicator);
    if (entry === undefined) throw new Error(`no ${province.indicator} in the catalog`);
    const overall = early.points.filter((p) => p.breakdown === "");
    const want = overall.some((p) => p.suppressed)
      ? []
      : forecastTargets(
          entry,
          overall.flatMap((p) => (p.value === null ? [] : [{ year: p.year, value: p.value }])),
        );
    expect(early.forecasts.filter((f) => f.breakdown === "").map((f) => [f.year, f.value, f.lo, f.hi])).toEqual(
      want.map((f) => [f.year, f.value, f.lo, f.hi]),
    );
    expect(early.points).not.toEqual(now.points); // the figures did move since: the forecasts are of then
  });

  it("says of each scorecard target whether it is at risk, as the series' forecast at that year", async () => {
    const r = await app.inject({ url: "/v1/scorecard" });
    const body = r.json() as {
      areas: {
        indicators: {
          indicator: string;
          forecast: { targetYear: number; value: number; lo: number; hi: number; status: string } | null;
        }[];
      }[];
    };
    const entries = body.areas.flatMap((a) => a.indicators);
    const forecast = entries.filter((e) => e.forecast !== null);
    expect(forecast.length).toBeGreaterThan(0);
    expect(forecast.some((e) => e.forecast?.status === "at_risk")).toBe(true);
    for (const e of forecast) {
      const s = await series(e.indicator);
      const at = s.forecasts.find((f) => f.breakdown === "" && f.year === e.forecast?.targetYear);
      expect(at?.forecastStatus).toBe(e.forecast?.status);
      expect(at?.value).toBe(e.forecast?.value);
    }
    const csv = await app.inject({ url: "/v1/scorecard?format=csv" });
    const [header, ...lines] = csv.body.trim().split("\r\n");
    expect(header?.split(",")).toContain("forecast_status");
    expect(lines.some((l) => l.includes("at_risk"))).toBe(true);
  });

  it("ranks the communes by risk of missing a target: at_risk first, then by shortfall", async () => {
    const { commune } = await forecastSeries();
    const r = await app.inject({ url: `/v1/indicators/${commune.indicator}/risk` });
    expect(r.statusCode).toBe(200);
    const body = r.json() as {
      targetYear: number;
      ranking: { rank: number; geo: string; shortfall: number | null; forecast: Forecast }[];
    };
    expect(body.ranking.length).toBeGreaterThan(1);
    const order = { at_risk: 0, uncertain: 1, likely: 2 } as Record<string, number>;
    for (const [i, x] of body.ranking.entries()) {
      expect(x.rank).toBe(i + 1);
      expect(x.forecast.year).toBe(body.targetYear);
      const next = body.ranking[i + 1];
      if (next === undefined) continue;
      const a = order[x.forecast.forecastStatus ?? ""] ?? 9;
      const b = order[next.forecast.forecastStatus ?? ""] ?? 9;
      expect(a < b || (a === b && (x.shortfall ?? 0) >= (next.shortfall ?? 0))).toBe(true);
    }
    const bad = await app.inject({ url: `/v1/indicators/${commune.indicator}/risk?year=2099` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain("target years");
  });
});
