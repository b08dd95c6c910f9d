/**
 * One small-cell rule everywhere (docs/semantics.md, "What is withheld"): on arbitrary figure rows, the view's
 * SQL (`disclosedSql`, as `published_indicator_values` applies it), the API (`disclose`) and a publication
 * (`figureRows`, what `publishFigures` freezes) withhold exactly the same cells, statuses and trajectories, and
 * a series with any withheld cell shows no trajectory or baseline, nor, where the trajectory runs from a withheld
 * value, a status judged against it.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { disclosedSql, figureRows, type Warehouse, withheldSql } from "@kpi/projections";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { disclose, type Figure } from "./figures.js";

const GEOS = ["province", "c1", "c2", "c3", "c4"] as const;
const STATUSES = ["met", "missed", "on_track", "off_track", "baseline", "no_data", "no_target"] as const;

const num = fc.option(fc.integer({ min: 0, max: 60 }), { nil: null });
const cell = fc.record({
  numerator: num,
  denominator: num,
  trajectory: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  status: fc.constantFrom(...STATUSES),
  baselineYear: fc.option(fc.constantFrom(2020, 2021), { nil: null }),
  baselineSource: fc.constantFrom("first_year", "plan"),
  implausible: fc.boolean(),
});
/** Series (indicator, geo, breakdown) with a cell in each of three years or not, flattened into cells. */
const cells = fc
  .uniqueArray(fc.tuple(fc.constantFrom("A", "B"), fc.constantFrom(...GEOS), fc.constantFrom("", "m")), {
    selector: (x) => x.join("|"),
    maxLength: 10,
  })
  .chain((series) =>
    fc.tuple(
      ...series.map(([indicator, geo, breakdown]) =>
        fc
          .tuple(fc.option(cell), fc.option(cell), fc.option(cell))
          .map((years) =>
            years.flatMap((x, k) => (x === null ? [] : [[indicator, geo, 2020 + k, breakdown, x] as const])),
          ),
      ),
    ),
  )
  .map((series) => series.flat());

const THRESHOLD = 10;

interface Row {
  indicator: string;
  geo: string;
  year: number;
  breakdown: string;
  numerator: number | null;
  denominator: number | null;
  value: number | null;
  trajectory: number | null;
  status: string | null;
  baseline_year: number | null;
  baseline_value: number | null;
  baseline_source: string | null;
  implausible: boolean;
  implausible_reason: string | null;
  withheld: "primary" | "secondary" | null;
  suppressed: boolean;
}

const key = (r: { indicator: string; geo: string; year: number; breakdown: string }) =>
  `${r.indicator}|${r.geo}|${r.year}|${r.breakdown}`;

describe("the small-cell rule", () => {
  it("is the same in the view, the API and a publication, and a withheld series gives nothing away", async () => {
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    const all = async <T>(sql: string, params: Record<string, string | number> = {}): Promise<T[]> =>
      (await c.runAndReadAll(sql, params)).getRowObjectsJS() as T[];
    try {
      await fc.assert(
        fc.asyncProperty(cells, async (drawn) => {
          const unique = drawn.map(([indicator, geo, year, breakdown, x]) => ({
            indicator,
            geo,
            year,
            breakdown,
            ...x,
          }));
          await c.run(`CREATE OR REPLACE TABLE indicator_values (indicator VARCHAR, geo VARCHAR, level VARCHAR,
            year INTEGER, breakdown VARCHAR, numerator DOUBLE, denominator DOUBLE, numerator_amount DOUBLE,
            denominator_amount DOUBLE, value DOUBLE, trajectory DOUBLE,
            status VARCHAR, baseline_year INTEGER, baseline_value DOUBLE, baseline_source VARCHAR, implausible BOOLEAN,
            implausible_reason VARCHAR, suppressed BOOLEAN, definition_hash VARCHAR)`);
          for (const x of unique) {
            const value = x.numerator === null || !x.denominator ? null : x.numerator / x.denominator;
            await c.run(
              `INSERT INTO indicator_values VALUES ($i, $g, $l, $y, $b, $n, $d, NULL, NULL, $v, $t, $s, $by, $bv, $bs, $im, $ir,
                 $g <> 'province' AND $d IS NOT NULL AND $d < ${THRESHOLD}, 'h')`,
              {
                i: x.indicator,
                g: x.geo,
                l: x.geo === "province" ? "province" : "commune",
                y: x.year,
                b: x.breakdown,
                n: x.numerator,
                d: x.denominator,
                v: value,
                t: x.trajectory,
                s: x.status,
                by: x.baselineYear,
                bv: x.baselineYear === null ? null : 7,
                bs: x.baselineYear === null ? null : x.baselineSource,
                im: x.implausible,
                ir: x.implausible ? `${x.numerator} of ${x.denominator}` : null,
              },
            );
          }
          const flagged = withheldSql("SELECT * FROM indicator_values", "suppressed");
          const view = await all<Row & { disclosed_suppressed: boolean }>(
            `SELECT * FROM (${disclosedSql(flagged)}) ORDER BY indicator, geo, year, breakdown`,
          );
          const raw = await all<Row>(`SELECT * FROM (${flagged}) ORDER BY indicator, geo, year, breakdown`);
          const api = disclose(
            raw.map(
              (r) =>
                ({
                  ...r,
                  baselineYear: r.baseline_year,
                  baselineValue: r.baseline_value,
                  baselineSource: r.baseline_source,
                  implausibleReason: r.implausible_reason,
                  suppressed: r.withheld !== null,
                }) as unknown as Figure,
            ),
          );
          const published = await figureRows({ query: all } as unknown as Warehouse, ["A", "B"], undefined, "all");

          // the view and the API: the same cells withheld, the same values, statuses, trajectories and baselines
          expect(
            api.map((f) => [
              key(f),
              f.suppressed,
              f.numerator,
              f.denominator,
              f.value,
              f.status,
              f.trajectory,
              f.baselineYear,
              f.baselineValue,
              f.implausibleReason,
            ]),
          ).toEqual(
            view.map((r) => [
              key(r),
              r.disclosed_suppressed,
              r.numerator,
              r.denominator,
              r.value,
              r.status,
              r.trajectory,
              r.baseline_year,
              r.baseline_value,
              r.implausible_reason,
            ]),
          );
          // a publication holds exactly the cells the view shows, with the view's values (in its own order)
          const byKey = (a: readonly unknown[], b: readonly unknown[]) => (String(a[0]) < String(b[0]) ? -1 : 1);
          expect(published.map((r) => [key(r), r.value]).sort(byKey)).toEqual(
            view
              .filter((r) => !r.disclosed_suppressed)
              .map((r) => [key(r), r.value])
              .sort(byKey),
          );
          // a series with any withheld cell: no trajectory or baseline; where it runs from a withheld first-year
          // baseline, no status judged against it
          const series = (r: Row) => `${r.indicator}|${r.geo}|${r.breakdown}`;
          const withheldSeries = new Set(raw.filter((r) => r.withheld !== null).map(series));
          const withheldBaseline = new Set(
            raw
              .filter((r) => r.withheld !== null && r.baseline_source === "first_year" && r.year === r.baseline_year)
              .map(series),
          );
          for (const r of view.filter((v) => withheldSeries.has(series(v)))) {
            expect([r.trajectory, r.baseline_year, r.baseline_value]).toEqual([null, null, null]);
          }
          for (const r of view.filter((v) => withheldBaseline.has(series(v)))) {
            expect(["on_track", "off_track"]).not.toContain(r.status);
          }
          for (const r of view.filter((v) => v.disclosed_suppressed)) {
            expect([r.numerator, r.denominator, r.value, r.status]).toEqual([null, null, null, null]);
            expect(r.implausible_reason).toBe(r.implausible ? "withheld cell" : null);
          }
        }),
        { numRuns: 50 },
      );
    } finally {
      c.closeSync();
      db.closeSync();
    }
  }, 240_000);
});
