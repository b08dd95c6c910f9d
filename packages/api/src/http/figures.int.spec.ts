/**
 * Targets, baselines, trajectories, status and suppression on hand-made figures, judged by the warehouse's own
 * rules (`judgeFigures`, the SQL of `statusSql.ts` that also fills `indicator_values`) as the API judges figures
 * as of an earlier position or day, then disclosed as the API serves them.
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { CatalogEntry } from "@kpi/core";
import { judgeFigures } from "@kpi/projections";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disclose, type Figure, type RawFigure } from "./figures.js";

let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  conn = await instance.connect();
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

const judge = async (entry: CatalogEntry, raws: readonly RawFigure[]): Promise<Figure[]> => {
  const js = await judgeFigures(conn, entry, raws);
  expect(js).toHaveLength(raws.length);
  return raws.map((f, i) => ({ ...f, ...js[i], suppressed: f.withheld !== null }) as Figure);
};

const source = { document: "KH-315-2025", section: "§II" };
const targets = [
  { year: 2025, op: ">=", value: 50, source },
  { year: 2030, op: ">=", value: 80, source },
] as unknown as CatalogEntry["targets"];
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
  it("applies the nearest target year at or after the figure's year, else the last; none without targets", async () => {
    const fs = await judge(entry, [
      raw("province", 2020, 1, 2),
      raw("province", 2026, 1, 2),
      raw("province", 2031, 1, 2),
    ]);
    expect(fs.map((f) => f.targetYear)).toEqual([2025, 2030, 2030]);
    const none = await judge({ ...entry, targets: [] } as CatalogEntry, [raw("province", 2025, 1, 2)]);
    expect(none[0]).toMatchObject({ targetYear: null, trajectory: null, status: "no_target" });
  });

  it("runs from the baseline to the first target, between targets, then holds the target", async () => {
    const years = [2020, 2023, 2025, 2027, 2032];
    const fs = await judge(entry, [
      raw("province", 2019, null, null),
      ...years.map((y) => raw("province", y, 30, 100)),
    ]);
    // the first value (2020, 30 %) is the baseline; 2019 comes before it
    expect(fs.map((f) => f.trajectory)).toEqual([null, 30, 42, 50, 62, 80]);
    const noBaseline = await judge(entry, [raw("province", 2023, null, null)]);
    expect(noBaseline[0]?.trajectory).toBeNull();
  });

  it("judges baseline (the first year, not on track by construction), met, on track, off track, missed, no data", async () => {
    const fs = await judge(entry, [
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

  it("starts the province's trajectory from the plan's stated base value, and judges the first year against it", async () => {
    const planned = { ...entry, baseline: { year: 2019, value: 35, source } } as CatalogEntry;
    const fs = await judge(planned, [raw("province", 2020, 30, 100), raw("29926", 2020, 30, 100)]);
    expect(fs[0]).toMatchObject({ baselineYear: 2019, baselineValue: 35, baselineSource: "plan", status: "off_track" });
    expect(fs[0]?.trajectory).toBeCloseTo(35 + (15 * 1) / 6);
    // a commune series has no plan baseline: it starts from its own first year
    expect(fs[1]).toMatchObject({ baselineYear: 2020, baselineSource: "first_year", status: "baseline" });
  });
});

describe("disclose", () => {
  it("withholds the cells the warehouse's rule withholds, and the trajectory of their series", async () => {
    const fs = disclose(
      await judge(entry, [
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

  it("withholds a status judged against a withheld trajectory: it would bound the withheld first value", async () => {
    const judged = await judge(entry, [raw("29926", 2020, 3, 8, "primary"), raw("29926", 2023, 40, 100)]);
    // the 2023 status compares 40 % with a trajectory that runs from 2020's withheld 37.5 %
    expect(["on_track", "off_track"]).toContain(judged[1]?.status);
    expect(disclose(judged)[1]).toMatchObject({ value: 40, suppressed: false, trajectory: null, status: null });
  });

  it("keeps a status that compares with the target only", async () => {
    const fs = disclose(await judge(entry, [raw("29926", 2020, 3, 8, "primary"), raw("29926", 2031, 95, 100)]));
    expect(fs[1]).toMatchObject({ value: 95, suppressed: false, trajectory: null });
    expect(["met", "missed"]).toContain(fs[1]?.status);
  });
});
