/**
 * A replay that stages only the facts a catalog reads (`stageOnlyCatalogFacts`, what verify uses) gives the same
 * figures and the same contributing events as the statisticians' warehouse that staged everything.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CatalogEntry } from "@kpi/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { factStreamArb } from "../testing/streams.js";
import { Warehouse } from "../warehouse/projector.js";
import { figureRows, withContributions } from "./publish.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-scoped-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const years = [2023, 2026] as const;

const figures = async (w: Warehouse, catalog: readonly CatalogEntry[]) => {
  const codes = catalog.map((e) => e.code as string);
  const defs = new Map(catalog.map((e) => [e.code as string, e.definition]));
  const rows = await figureRows(w, codes, [2024, 2025], "all");
  return withContributions(w, defs, rows, await w.checkpoint());
};

describe("replay of a catalog's facts only", () => {
  it("gives the full warehouse's figures and contributions for any part of the catalog", async () => {
    await fc.assert(
      fc.asyncProperty(
        factStreamArb(40),
        fc.subarray([...testCatalog], { minLength: 1, maxLength: 3 }),
        async (facts, part) => {
          const k = n++;
          const log = join(dir, `log-${k}.duckdb`);
          const full = await Warehouse.open(join(dir, `full-${k}.duckdb`), log, {
            catalog: testCatalog,
            reference: testReference,
            years,
          });
          let expected: Awaited<ReturnType<typeof figures>>;
          try {
            if (facts.length > 0 && E.isLeft(await full.log.append(facts))) throw new Error("append refused");
            await full.catchUp();
            expected = await figures(full, part);
          } finally {
            await full.close();
          }
          const scoped = await Warehouse.open(join(dir, `scoped-${k}.duckdb`), log, {
            catalog: part,
            reference: testReference,
            years,
            logReadOnly: true,
            stageOnlyCatalogFacts: true,
          });
          try {
            await scoped.catchUp();
            expect(await figures(scoped, part)).toEqual(expected);
          } finally {
            await scoped.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 300_000);
});
