/**
 * The one small-cell rule (`disclosureSql.ts`), run in DuckDB on random groups: every primary cell is withheld,
 * and no withheld cell can be recovered by subtraction — in every (indicator, year, breakdown) the province total
 * and its communes have either no withheld part or at least two, so the one relation (province = Σ communes)
 * never has a single unknown. And it withholds no more than it must: at most one secondary cell per group.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smallCellSql, withheldSql } from "./disclosureSql.js";

const THRESHOLD = 10;
let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
});
afterAll(() => instance?.closeSync());

interface Cell {
  readonly geo: string;
  readonly numerator: number | null;
  readonly denominator: number | null;
}
interface Group {
  readonly indicator: string;
  readonly year: number;
  readonly breakdown: string;
  readonly communes: readonly Cell[];
  readonly withProvince: boolean;
}

const cellArb = (i: number): fc.Arbitrary<Cell> =>
  fc
    .oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: fc.constant(null) })
    .chain((d) =>
      d === null
        ? fc.constant({ geo: String(29900 + i), numerator: null, denominator: null })
        : fc.integer({ min: 0, max: d }).map((n) => ({ geo: String(29900 + i), numerator: n, denominator: d })),
    );

const groupArb: fc.Arbitrary<Group> = fc
  .record({
    indicator: fc.constantFrom("A", "B"),
    year: fc.integer({ min: 2023, max: 2025 }),
    breakdown: fc.constantFrom("", "C"),
    size: fc.integer({ min: 1, max: 7 }),
    withProvince: fc.boolean(),
  })
  .chain(({ size, ...g }) =>
    fc.tuple(...Array.from({ length: size }, (_, i) => cellArb(i))).map((communes) => ({ ...g, communes })),
  );

const groupsArb = fc.uniqueArray(groupArb, {
  minLength: 1,
  maxLength: 12,
  selector: (g) => `${g.indicator}|${g.year}|${g.breakdown}`,
});

const sqlValue = (x: number | string | null) => (x === null ? "NULL" : typeof x === "number" ? String(x) : `'${x}'`);

const rowsOf = (groups: readonly Group[]): string =>
  groups
    .flatMap((g) => {
      const cells = [...g.communes];
      if (g.withProvince) {
        const known = g.communes.filter((c) => c.denominator !== null);
        cells.push({
          geo: "province",
          numerator: known.reduce((s, c) => s + (c.numerator ?? 0), 0),
          denominator: known.reduce((s, c) => s + (c.denominator ?? 0), 0),
        });
      }
      return cells.map(
        (c) => `(${[g.indicator, c.geo, g.year, g.breakdown, c.numerator, c.denominator].map(sqlValue).join(", ")})`,
      );
    })
    .join(",\n");

describe("the small-cell rule", () => {
  it("withholds every small cell and leaves none recoverable by subtraction", async () => {
    const c = await instance.connect();
    try {
      await fc.assert(
        fc.asyncProperty(groupsArb, async (groups) => {
          // counts, as most indicators' parts are (the amount pair is empty)
          const rows = `SELECT *, CAST(NULL AS DECIMAL(20,3)) AS numerator_amount,
                          CAST(NULL AS DECIMAL(20,3)) AS denominator_amount
                        FROM (VALUES ${rowsOf(groups)}) AS t(indicator, geo, year, breakdown, numerator, denominator)`;
          const out = (
            await c.runAndReadAll(
              `SELECT indicator, geo, CAST(year AS INTEGER) AS year, breakdown, denominator, withheld
               FROM (${withheldSql(rows, smallCellSql(String(THRESHOLD)))})`,
            )
          ).getRowObjectsJS() as {
            indicator: string;
            geo: string;
            year: number;
            breakdown: string;
            denominator: number | null;
            withheld: string | null;
          }[];
          for (const g of groups) {
            const mine = out.filter(
              (r) => r.indicator === g.indicator && r.year === g.year && r.breakdown === g.breakdown,
            );
            expect(mine).toHaveLength(g.communes.length + (g.withProvince ? 1 : 0));
            for (const r of mine) {
              const small = r.geo !== "province" && r.denominator !== null && r.denominator < THRESHOLD;
              expect(r.withheld === "primary", `${r.geo} primary`).toBe(small);
            }
            const withheld = mine.filter((r) => r.withheld !== null).length;
            if (g.withProvince) {
              // the one relation, province = Σ communes, never has a single unknown
              expect(withheld, JSON.stringify(mine)).not.toBe(1);
            }
            expect(mine.filter((r) => r.withheld === "secondary").length).toBeLessThanOrEqual(1);
          }
        }),
        { numRuns: 200 },
      );
    } finally {
      c.closeSync();
    }
  }, 120_000);
});
