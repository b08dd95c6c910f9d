/**
 * Targets, baselines, trajectories, status and suppression on hand-made figures (the agreement with the warehouse's SQL
 * on real figures is checked in app.int.spec.ts).
 */
import type { CatalogEntry } from "@kpi/core";
import { describe, expect, it } from "vitest";
import { disclose, judge, type RawFigure, targetFor, trajectoryFor } from "./figures.js";

const source = { document: "KH-315-2025", section: "§II" };
const targets: CatalogEntry["targets"] = [
  { year: 2025, op: ">=", value: 50, source },
  { year: 2030, op: ">=", value: 80, source },
];
const entry = { code: "X", direction: "higher_is_better", targets } as unknown as CatalogEntry;

const raw = (
  geo: string,
  year: number,
  numerator: number | null,
  denominator: number | null,
  withheld: RawFigure["withheld"] = null,
): RawFigure => ({
  indicator: "X",
  geo,
  year,
  breakdown: "",
  numerator,
  denominator,
  parts: "count",
  value: numerator === null || denominator === null || denominator === 0 ? null : (100 * numerator) / denominator,
  position: 7,
  withheld,
  provisional: false,
  estimated: false,
  breakInSeries: false,
  implausible: false,
  implausibleReason: null,
});

describe("targets and trajectory", () => {
  it("applies the nearest target year at or after the figure's year, else the last", () => {
    expect(targetFor(targets, 2020)?.year).toBe(2025);
    expect(targetFor(targets, 2026)?.year).toBe(2030);
    expect(targetFor(targets, 2031)?.year).toBe(2030);
    expect(targetFor([], 2025)).toBeUndefined();
  });

  it("runs from the baseline to the first target, between targets, then holds the target", () => {
    const first = { year: 2020, value: 30, source: "first_year" } as const;
    expect(trajectoryFor(targets, 2019, first)).toEqual({ value: null, fromBaseline: false });
    expect(trajectoryFor(targets, 2020, first)).toEqual({ value: 30, fromBaseline: true });
    expect(trajectoryFor(targets, 2023, first)).toEqual({ value: 42, fromBaseline: true });
    expect(trajectoryFor(targets, 2025, first)).toEqual({ value: 50, fromBaseline: false });
    expect(trajectoryFor(targets, 2027, first)).toEqual({ value: 62, fromBaseline: false });
    expect(trajectoryFor(targets, 2032, first)).toEqual({ value: 80, fromBaseline: false });
    expect(trajectoryFor(targets, 2023, undefined)).toEqual({ value: null, fromBaseline: false });
  });

  it("judges baseline (the first year, not on track by construction), met, on track, off track, missed, no data", () => {
    const fs = judge(entry, [
      raw("province", 2020, 30, 100),
      raw("province", 2023, 45, 100),
      raw("province", 2024, 40, 100),
      raw("province", 2025, 50, 100),
      raw("province", 2026, null, null),
      raw("province", 2031, 70, 100),
    ]);
    expect(fs.map((f) => f.status)).toEqual(["baseline", "on_track", "off_track", "met", "no_data", "missed"]);
    expect(fs[2]).toMatchObject({
      targetYear: 2025,
      targetOp: ">=",
      targetValue: 50,
      trajectory: 30 + (20 * 4) / 5,
      baselineYear: 2020,
      baselineValue: 30,
      baselineSource: "first_year",
      level: "province",
      suppressed: false,
    });
  });

  it("starts the province's trajectory from the plan's stated base value, and judges the first year against it", () => {
    const planned = { ...entry, baseline: { year: 2019, value: 35, source } } as CatalogEntry;
    const fs = judge(planned, [raw("province", 2020, 30, 100), raw("29926", 2020, 30, 100)]);
    expect(fs[0]).toMatchObject({ baselineYear: 2019, baselineValue: 35, baselineSource: "plan", status: "off_track" });
    expect(fs[0]?.trajectory).toBeCloseTo(35 + (15 * 1) / 6);
    // a commune series has no plan baseline: it starts from its own first year
    expect(fs[1]).toMatchObject({ baselineYear: 2020, baselineSource: "first_year", status: "baseline" });
  });
});

describe("disclose", () => {
  it("withholds the cells the warehouse's rule withholds, and the trajectory of their series", () => {
    const fs = disclose(
      judge(entry, [
        raw("29926", 2020, 3, 8, "primary"),
        raw("29926", 2023, 40, 100),
        raw("29926", 2026, 70, 100),
        raw("province", 2020, 3, 8, "secondary"),
        raw("province", 2023, 40, 100),
      ]),
    );
    expect(fs[0]).toMatchObject({
      numerator: null,
      denominator: null,
      value: null,
      status: null,
      suppressed: true,
      trajectory: null,
      baselineValue: null,
    });
    expect(fs[1]).toMatchObject({ value: 40, suppressed: false, trajectory: null }); // would reveal 2020's 37.5
    expect(fs[2]).toMatchObject({ value: 70, suppressed: false, trajectory: null }); // the whole series: one rule
    // a province figure equal to one withheld commune is withheld too (secondary), and its series' trajectory
    expect(fs[3]).toMatchObject({ value: null, suppressed: true, status: null });
    expect(fs[4]).toMatchObject({ value: 40, suppressed: false, trajectory: null });
  });

  it("withholds a status judged against a withheld trajectory: it would bound the withheld first value", () => {
    const judged = judge(entry, [raw("29926", 2020, 3, 8, "primary"), raw("29926", 2023, 40, 100)]);
    // the 2023 status compares 40 % with a trajectory that runs from 2020's withheld 37.5 %
    expect(["on_track", "off_track"]).toContain(judged[1]?.status);
    expect(disclose(judged)[1]).toMatchObject({ value: 40, suppressed: false, trajectory: null, status: null });
  });

  it("keeps a status that compares with the target only", () => {
    const fs = disclose(judge(entry, [raw("29926", 2020, 3, 8, "primary"), raw("29926", 2031, 95, 100)]));
    expect(fs[1]).toMatchObject({ value: 95, suppressed: false, trajectory: null });
    expect(["met", "missed"]).toContain(fs[1]?.status);
  });
});
