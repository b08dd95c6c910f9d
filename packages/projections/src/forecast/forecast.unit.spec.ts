/**
 * The forecast of a series: shares stay within 0–100 %, counts and ranks are whole numbers, a cumulative count
 * never falls, the interval holds the point, the answer does not depend on the order of the observations, and
 * the status of a target follows where the interval lies.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backtest, supportedMethods, unsupportedShipments } from "./backtest.js";
import {
  forecastSeries,
  forecastStatus,
  forecastTargets,
  METHOD_BY_FAMILY,
  type Method,
  MIN_HISTORY,
  type SeriesModel,
} from "./forecast.js";

const share: SeriesModel = { family: "share", cumulative: false };
const methods: Method[] = ["naive", "drift", "trend"];
const seriesArb = (lo: number, hi: number) =>
  fc
    .array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: MIN_HISTORY, maxLength: 8 })
    .map((vs) => vs.map((value, i) => ({ year: 2019 + i, value })));

describe("forecastSeries", () => {
  it("keeps shares and their intervals within 0–100 % and the point inside its interval", () => {
    fc.assert(
      fc.property(seriesArb(0, 100), fc.constantFrom(...methods), (obs, method) => {
        for (const p of forecastSeries(obs, share, [2030, 2035], method) ?? []) {
          expect(p.lo).toBeGreaterThanOrEqual(0);
          expect(p.hi).toBeLessThanOrEqual(100);
          expect(p.lo).toBeLessThanOrEqual(p.value + 1e-9);
          expect(p.value).toBeLessThanOrEqual(p.hi + 1e-9);
        }
      }),
    );
  });

  it("gives whole counts, never below the last value of a cumulative count, and ranks of at least 1", () => {
    fc.assert(
      fc.property(seriesArb(0, 500), fc.constantFrom(...methods), (raw, method) => {
        const obs = raw.map((o) => ({ ...o, value: Math.round(o.value) }));
        const last = obs[obs.length - 1]?.value ?? 0;
        for (const p of forecastSeries(obs, { family: "count", cumulative: true }, [2030], method) ?? []) {
          for (const x of [p.value, p.lo, p.hi]) expect(Number.isInteger(x) && x >= last).toBe(true);
        }
        for (const p of forecastSeries(obs, { family: "rank", cumulative: false }, [2030], method) ?? []) {
          for (const x of [p.value, p.lo, p.hi]) expect(Number.isInteger(x) && x >= 1).toBe(true);
        }
      }),
    );
  });

  it("does not depend on the order the observations come in", () => {
    fc.assert(
      fc.property(seriesArb(0, 100), fc.constantFrom(...methods), (obs, method) => {
        const reversed = [...obs].reverse();
        expect(forecastSeries(reversed, share, [2030], method)).toEqual(forecastSeries(obs, share, [2030], method));
      }),
    );
  });

  it("follows a straight line on the logit scale exactly, with no width left (trend and drift)", () => {
    const logit = (y: number) => 100 / (1 + Math.exp(-y));
    const obs = [0, 1, 2, 3, 4].map((i) => ({ year: 2020 + i, value: logit(-2 + 0.5 * i) }));
    for (const method of ["trend", "drift"] as const) {
      const [p] = forecastSeries(obs, share, [2026], method) ?? [];
      expect(p?.value).toBeCloseTo(logit(-2 + 0.5 * 6), 9);
      expect((p?.hi ?? 0) - (p?.lo ?? 1)).toBeCloseTo(0, 9);
    }
  });

  it("widens the interval with the horizon", () => {
    const obs = [30, 34, 41, 43, 50].map((value, i) => ({ year: 2020 + i, value }));
    for (const method of methods) {
      const [a, b] = forecastSeries(obs, share, [2025, 2028], method) ?? [];
      expect((b?.hi ?? 0) - (b?.lo ?? 0)).toBeGreaterThan((a?.hi ?? 0) - (a?.lo ?? 0));
    }
  });

  it("forecasts nothing for a series shorter than the minimum history, and only years after its last value", () => {
    const obs = [10, 20, 30].map((value, i) => ({ year: 2020 + i, value }));
    expect(forecastSeries(obs, share, [2025])).toBeUndefined();
    const more = [...obs, { year: 2023, value: 40 }];
    expect(forecastSeries(more, share, [2022, 2023, 2024])?.map((p) => p.year)).toEqual([2024]);
  });
});

describe("forecastStatus", () => {
  it("is likely when the whole interval meets the target, at_risk when none of it does, uncertain otherwise", () => {
    const p = { year: 2030, value: 60, lo: 50, hi: 70 };
    expect(forecastStatus(p, { op: ">=", value: 45 })).toBe("likely");
    expect(forecastStatus(p, { op: ">=", value: 65 })).toBe("uncertain");
    expect(forecastStatus(p, { op: ">", value: 70 })).toBe("at_risk");
    expect(forecastStatus(p, { op: "<=", value: 40 })).toBe("at_risk");
    expect(forecastStatus(undefined, { op: ">=", value: 1 })).toBe("no_forecast");
  });
});

describe("forecastTargets", () => {
  const entry = {
    unit: "percent" as const,
    definition: { kind: "share" } as never,
    targets: [
      { year: 2025, op: ">=" as const, value: 80, source: { document: "d", section: "s" } },
      { year: 2030, op: ">=" as const, value: 99, source: { document: "d", section: "s" } },
    ],
  };
  it("forecasts every year up to the last target after the data, judging the target years", () => {
    const obs = [20, 25, 31, 36].map((value, i) => ({ year: 2020 + i, value }));
    const rows = forecastTargets(entry, obs);
    expect(rows.map((r) => r.year)).toEqual([2024, 2025, 2026, 2027, 2028, 2029, 2030]);
    expect(rows.every((r) => r.method === METHOD_BY_FAMILY.share && r.baseYear === 2023)).toBe(true);
    expect(rows.find((r) => r.year === 2025)?.forecastStatus).toBe("at_risk");
    expect(rows.find((r) => r.year === 2026)?.forecastStatus).toBeNull();
  });
});

describe("backtest", () => {
  it("ships trend where it beats naive on every horizon and naive where nothing does", () => {
    // straight lines: the trend is exact, the naive forecast is not; noisy series that settled: naive wins
    const lines = [0, 1, 2].map((k) => ({
      model: { family: "count" as const, cumulative: false },
      observations: [0, 1, 2, 3, 4, 5].map((i) => ({ year: 2019 + i, value: Math.round(Math.expm1(1 + k + 0.3 * i)) })),
    }));
    const flat = [0, 1, 2].map((k) => ({
      model: { family: "growth" as const, cumulative: false },
      observations: [9, 4, 8, 6, 6, 6].map((v, i) => ({ year: 2019 + i, value: v + k })),
    }));
    const rows = backtest([...lines, ...flat]);
    expect(rows.filter((r) => r.family === "count").map((r) => r.horizon)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(supportedMethods(rows)).toEqual({ count: "trend", growth: "naive" });
    expect(unsupportedShipments(rows)).toEqual(["count"]); // the catalog ships naive for counts
  });
});
