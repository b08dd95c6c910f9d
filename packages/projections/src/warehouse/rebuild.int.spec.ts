/**
 * Properties of the warehouse fold: catching up in any number of steps gives the same tables as one rebuild,
 * whatever the split points and recording days; facts of different subjects commute. The tables include the
 * forecasts (`indicator_forecasts`): the catalog here has a 2030 target beside the 2025 one, so that series of
 * 2023–2026 are forecast.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Fact } from "@kpi/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { factStreamArb, withCatalogChangesArb } from "../testing/streams.js";
import { Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-rebuild-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const catalog = testCatalog.map((e) => ({
  ...e,
  targets: [...e.targets, { year: 2030, op: ">=" as const, value: 60, source: { document: "test", section: "-" } }],
}));

/** A warehouse whose log stamps appends with the day we set. */
const open = async () => {
  const k = n++;
  const clock = { day: 0 };
  const w = await Warehouse.open(join(dir, `wh-${k}.duckdb`), join(dir, `log-${k}.duckdb`), {
    catalog,
    reference: testReference,
    years: [2023, 2026],
    now: () => new Date(Date.UTC(2026, 0, 1 + clock.day, 12)),
  });
  return { w, clock };
};

const append = async (w: Warehouse, facts: readonly Fact[]) => {
  if (facts.length === 0) return;
  const r = await w.log.append(facts);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
};

/** Appends `facts` in the splits `cuts` says, catching up after each; then checks a rebuild gives the same tables. */
const foldInSplits = async (
  facts: readonly Fact[],
  cuts: readonly [number, boolean][],
  inspect: (w: Warehouse) => Promise<void> = async () => {},
) => {
  const { w, clock } = await open();
  try {
    const points = [...new Set(cuts.map(([c]) => c % (facts.length + 1)))].sort((a, b) => a - b);
    let at = 0;
    for (const [i, point] of points.entries()) {
      await append(w, facts.slice(at, point));
      at = point;
      if (cuts[i]?.[1]) clock.day++; // the next batch is recorded on a later day
      await w.catchUp();
    }
    await append(w, facts.slice(at));
    await w.catchUp();
    const incremental = await w.dump();
    await w.rebuild();
    const rebuilt = await w.dump();
    expect(rebuilt).toEqual(incremental);
    await inspect(w);
    return incremental;
  } finally {
    await w.close();
  }
};

const cutsArb = fc.array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 4 });

describe("rebuild = incremental", () => {
  it("gives the same tables for any split of the stream into catch-ups and recording days", async () => {
    let forecasts = 0;
    await fc.assert(
      fc.asyncProperty(factStreamArb(40), cutsArb, async (facts, cuts) => {
        const tables = await foldInSplits(facts, cuts);
        forecasts += tables.indicator_forecasts?.length ?? 0;
      }),
      { numRuns: 30 },
    );
    expect(forecasts).toBeGreaterThan(0); // the property did compare forecasts
  }, 300_000);

  it("holds with target revisions and definition amendments (and their retractions) interleaved", async () => {
    let applied = 0;
    await fc.assert(
      fc.asyncProperty(withCatalogChangesArb(factStreamArb(30)), cutsArb, async (facts, cuts) => {
        await foldInSplits(facts, cuts, async (w) => {
          const [r] = await w.query<{ n: number }>(
            "SELECT CAST(count(*) AS INTEGER) AS n FROM catalog_changes WHERE applied",
          );
          applied += r?.n ?? 0;
        });
      }),
      { numRuns: 12 },
    );
    expect(applied).toBeGreaterThan(0); // the property did compare folds with catalog changes in force
  }, 600_000);
});
