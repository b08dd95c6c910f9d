/**
 * Targets, trajectories, status and suppression on hand-made figures (the agreement with the warehouse's SQL
 * on real figures is checked in app.int.spec.ts).
 */
import type { CatalogEntry } from "@kpi/core";
import { describe, expect, it } from "vitest";
import { judge, publish, type RawFigure, targetFor, trajectoryFor } from "./figures.js";

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
  value: numerator === null || denominator === null || denominator === 0 ? null : (100 * numerator) / denominator,
  position: 7,
  withheld,
});

describe("targets and trajectory", () => {
  it("applies the nearest target year at or after the figure's year, else the last", () => {
    expect(targetFor(targets, 2020)?.year).toBe(2025);
    expect(targetFor(targets, 2026)?.year).toBe(2030);
    expect(targetFor(targets, 2031)?.year).toBe(2030);
    expect(targetFor([], 2025)).toBeUndefined();
  });

  it("runs from the first value to the first target, between targets, then holds the target", () => {
    const first = { year: 2020, value: 30 };
    expect(trajectoryFor(targets, 2019, first)).toEqual({ value: null, fromFirst: false });
    expect(trajectoryFor(targets, 2020, first)).toEqual({ value: 30, fromFirst: true });
    expect(trajectoryFor(targets, 2023, first)).toEqual({ value: 42, fromFirst: true });
    expect(trajectoryFor(targets, 2025, first)).toEqual({ value: 50, fromFirst: false });
    expect(trajectoryFor(targets, 2027, first)).toEqual({ value: 62, fromFirst: false });
    expect(trajectoryFor(targets, 2032, first)).toEqual({ value: 80, fromFirst: false });
    expect(trajectoryFor(targets, 2023, undefined)).toEqual({ value: null, fromFirst: false });
  });

  it("judges met, on track, off track, no data", () => {
    const fs = judge(entry, [
      raw("province", 2020, 30, 100),
      raw("province", 2023, 45, 100),
      raw("province", 2024, 40, 100),
      raw("province", 2025, 50, 100),
      raw("province", 2026, null, null),
    ]);
    expect(fs.map((f) => f.status)).toEqual(["on_track", "on_track", "off_track", "met", "no_data"]);
    expect(fs[2]).toMatchObject({
      targetYear: 2025,
      targetOp: ">=",
      targetValue: 50,
      trajectory: 30 + (20 * 4) / 5,
      level: "province",
      suppressed: false,
    });
  });
});

describe("publish", () => {
  it("withholds the cells the warehouse's rule withholds, and the trajectory of their series", () => {
    const fs = publish(
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
      status: "suppressed",
      suppressed: true,
      trajectory: null,
    });
    expect(fs[1]).toMatchObject({ value: 40, suppressed: false, trajectory: null }); // would reveal 2020's 37.5
    expect(fs[2]).toMatchObject({ value: 70, suppressed: false, trajectory: null }); // the whole series: one rule
    // a province figure equal to one withheld commune is withheld too (secondary), and its series' trajectory
    expect(fs[3]).toMatchObject({ value: null, suppressed: true, status: "suppressed" });
    expect(fs[4]).toMatchObject({ value: 40, suppressed: false, trajectory: null });
  });
});
