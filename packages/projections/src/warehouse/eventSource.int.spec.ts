/**
 * The fold reads the log through the event-log port (`eventSource.ts`) as well as through the embedded log's SQL
 * fast path: given the same facts, recorded over several days, the warehouse read through the port (the path a
 * KurrentDB deployment takes, forced here on the embedded log with `readPath: "generic"`), caught up in any
 * steps, holds the same tables row for row as the warehouse read in SQL in one rebuild.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDbEventLog, type Fact } from "@kpi/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { factStreamArb } from "../testing/streams.js";
import { Warehouse, type WarehouseOptions } from "./projector.js";
import { SOURCE_EVENTS } from "./sourceEvents.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-source-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const catalog = testCatalog.map((e) => ({
  ...e,
  targets: [...e.targets, { year: 2030, op: ">=" as const, value: 60, source: { document: "test", section: "-" } }],
}));
const options: WarehouseOptions = { catalog, reference: testReference, years: [2023, 2026], logReadOnly: true };

/** A log holding `facts`, appended in batches cut at `cuts`, the batch after a cut with `true` a day later. */
const logOf = async (facts: readonly Fact[], cuts: readonly (readonly [number, boolean])[]): Promise<string> => {
  const path = join(dir, `log-${n++}.duckdb`);
  const clock = { day: 0 };
  const log = await DuckDbEventLog.open(path, { now: () => new Date(Date.UTC(2026, 0, 1 + clock.day, 12)) });
  try {
    const points = [...new Set(cuts.map(([c]) => c % (facts.length + 1))), facts.length].sort((a, b) => a - b);
    let at = 0;
    for (const [i, point] of points.entries()) {
      if (point > at) {
        const r = await log.append(facts.slice(at, point));
        if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      }
      at = point;
      if (cuts[i]?.[1]) clock.day++;
    }
  } finally {
    await log.close();
  }
  return path;
};

describe("the fold through the port = the fold through SQL", () => {
  it("gives the same tables, row for row, for any facts, recording days and catch-up steps", async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(
        factStreamArb(40),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        async (facts, cuts, steps) => {
          const logPath = await logOf(facts, cuts);
          const fast = await Warehouse.open(join(dir, `wh-${n++}.duckdb`), logPath, options);
          let viaSql: Record<string, unknown[]>;
          try {
            expect(fast.eventsTable).toBe("log.events");
            await fast.catchUp();
            viaSql = await fast.dump();
          } finally {
            await fast.close();
          }
          const port = await Warehouse.open(join(dir, `wh-${n++}.duckdb`), logPath, {
            ...options,
            readPath: "generic",
          });
          try {
            expect(port.eventsTable).toBe(SOURCE_EVENTS);
            for (const s of [...steps].sort((a, b) => a - b)) await port.catchUp(s % (facts.length + 1));
            await port.catchUp();
            expect(await port.dump()).toEqual(viaSql);
            const copied = await port.query<{ n: number }>(
              `SELECT CAST(count(*) AS DOUBLE) AS n FROM ${SOURCE_EVENTS}`,
            );
            expect(copied[0]?.n).toBe(facts.length);
            await port.rebuild();
            expect(await port.dump()).toEqual(viaSql);
            compared += viaSql.facts?.length ?? 0;
          } finally {
            await port.close();
          }
        },
      ),
      { numRuns: 5 },
    );
    expect(compared).toBeGreaterThan(0); // the property did compare staged facts
  }, 600_000);

  it("copies the chain hash and the typed columns of every event as the log stores them", async () => {
    const facts = fc.sample(factStreamArb(40), { numRuns: 1, seed: 7 })[0] ?? [];
    const logPath = await logOf(facts, [[Math.floor(facts.length / 2), true]]);
    const port = await Warehouse.open(join(dir, `wh-${n++}.duckdb`), logPath, { ...options, readPath: "generic" });
    try {
      await port.catchUp();
      // the log is attached (opened by path), though the fold read it through the port
      const stored = "SELECT * EXCLUDE (stream_revision, content_fp, subject_key) FROM log.events";
      const differ = await port.query<{ n: number }>(
        `SELECT CAST(count(*) AS DOUBLE) AS n FROM (
           (${stored} EXCEPT ALL SELECT * FROM ${SOURCE_EVENTS})
           UNION ALL (SELECT * FROM ${SOURCE_EVENTS} EXCEPT ALL ${stored}))`,
      );
      expect(differ[0]?.n).toBe(0);
      expect(facts.length).toBeGreaterThan(0);
    } finally {
      await port.close();
    }
  }, 120_000);
});
