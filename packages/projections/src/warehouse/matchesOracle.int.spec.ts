/**
 * The DuckDB projection against the oracle fold (plain TypeScript, written separately from
 * docs/semantics.md): on random fact streams they must give the same figures, row for row — at the
 * checkpoint and as known at any earlier position.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { position, type StoredEvent } from "@kpi/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { type FigureRow, oracleFigures } from "../oracle/oracleFold.js";
import { resolveTest, testCatalog, testReference } from "../testing/fixtures.js";
import { factStreamArb } from "../testing/streams.js";
import { Warehouse } from "./projector.js";
import { seedCatalog } from "./seedTables.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-ref-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const YEARS = [2023, 2024, 2025, 2026];
/** The test catalog and every shipped indicator it lacks: every attribute of every entity kind is read. */
const catalog = [...testCatalog, ...seedCatalog().filter((e) => !testCatalog.some((t) => t.code === e.code))];

const sortRows = (rows: readonly FigureRow[]) =>
  [...rows]
    .map((r) => ({ ...r, year: Number(r.year) }))
    .sort((a, b) =>
      a.indicator !== b.indicator
        ? a.indicator < b.indicator
          ? -1
          : 1
        : a.geo !== b.geo
          ? a.geo < b.geo
            ? -1
            : 1
          : a.year !== b.year
            ? a.year - b.year
            : a.breakdown < b.breakdown
              ? -1
              : a.breakdown > b.breakdown
                ? 1
                : 0,
    );

describe("the DuckDB projection matches the oracle fold", () => {
  it("on random fact streams, at the checkpoint and as of a random earlier position", async () => {
    await fc.assert(
      fc.asyncProperty(factStreamArb(40), fc.nat(), async (facts, cut) => {
        const k = n++;
        const w = await Warehouse.open(join(dir, `wh-${k}.duckdb`), join(dir, `log-${k}.duckdb`), {
          catalog,
          reference: testReference,
          years: [2023, 2026],
        });
        try {
          const r = await w.log.append(facts);
          if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
          await w.catchUp();
          const events: StoredEvent[] = [];
          for await (const e of w.log.readAll(position(0))) events.push(e);
          const specs = catalog.map((e) => ({ code: e.code, definition: e.definition }));

          const expected = sortRows(oracleFigures(events, specs, YEARS, resolveTest));
          const actual = sortRows(
            await w.query<FigureRow>(
              `SELECT indicator, geo, year, breakdown, CAST(coalesce(numerator, numerator_amount) AS DOUBLE) AS numerator,
                      CAST(coalesce(denominator, denominator_amount) AS DOUBLE) AS denominator, value
               FROM indicator_values`,
            ),
          );
          expect(actual).toEqual(expected);
          // counts in the integer pair, amounts in the decimal pair, as the indicator's parts say
          const misplaced = await w.query(
            `SELECT v.indicator, v.geo, v.year FROM indicator_values v JOIN indicators i ON i.code = v.indicator
             WHERE i.parts = 'count' AND (v.numerator_amount IS NOT NULL OR v.denominator_amount IS NOT NULL)
                OR i.parts = 'amount' AND (v.numerator IS NOT NULL OR v.denominator IS NOT NULL)`,
          );
          expect(misplaced).toEqual([]);

          const asOf = cut % (events.length + 1);
          const expectedAsOf = sortRows(oracleFigures(events, specs, YEARS, resolveTest, asOf));
          const actualAsOf = sortRows(
            (await w.figuresAsOf({ position: asOf })).map(
              // the oracle fold computes the figures; withholding and quality flags are checked elsewhere
              ({ indicator, geo, year, breakdown, numerator, denominator, value }) => ({
                indicator,
                geo,
                year,
                breakdown,
                numerator,
                denominator,
                value,
              }),
            ),
          );
          expect(actualAsOf).toEqual(expectedAsOf);
        } finally {
          await w.close();
        }
      }),
      { numRuns: 25 },
    );
  }, 300_000);
});
