/**
 * The warehouse over the two log formats: staging reads a format-2 log's typed columns as they are, and a
 * format-1 log's `data` through JSON extraction (only a read-only replay, such as `kpi verify`, folds one); for
 * any stream both give the same tables. A format-1 log is refused for projecting, with the advice to migrate.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDbEventLog, LogFormatOutdated } from "@kpi/core";
import { toFormat1 } from "@kpi/core/logFormat1";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { factStreamArb } from "../testing/streams.js";
import { Warehouse } from "./projector.js";
import { Params } from "./sql.js";
import { stageFactsSql } from "./stagingSql.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-logformat-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const options = {
  catalog: testCatalog,
  reference: testReference,
  years: [2023, 2026] as const,
  now: () => new Date(Date.UTC(2026, 0, 1, 12)),
};

describe("staging SQL", () => {
  it("reads a format-2 log's typed columns without JSON extraction, and extracts them from a format-1 log", () => {
    const typed = stageFactsSql("log.events", new Params(), 0, 10);
    expect(typed).not.toMatch(/json_extract/);
    expect(typed).toMatch(/e\.birth_year, e\.valid_until, e\.form, e\.size,/);
    const fromJson = stageFactsSql("log.events", new Params(), 0, 10, undefined, false);
    expect(fromJson).toMatch(/json_extract_string\(data, \['\$\.commune', '\$\.birthYear'/);
  });
});

describe("the warehouse over a format-1 log", () => {
  it("gives the same tables as over the same events in format 2", async () => {
    await fc.assert(
      fc.asyncProperty(factStreamArb(40), async (facts) => {
        const k = n++;
        const log = join(dir, `log-${k}.duckdb`);
        const typed = await Warehouse.open(join(dir, `wh-${k}.duckdb`), log, { ...options, years: [2023, 2026] });
        let want: Record<string, unknown[]>;
        try {
          const r = await typed.log.append(facts);
          if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
          await typed.catchUp();
          want = await typed.dump();
        } finally {
          await typed.close();
        }
        const old = join(dir, `log-${k}-v1.duckdb`);
        copyFileSync(log, old);
        await toFormat1(old);
        const replay = await Warehouse.open(join(dir, `wh-${k}-v1.duckdb`), old, {
          ...options,
          years: [2023, 2026],
          logReadOnly: true,
        });
        try {
          expect((replay.log as DuckDbEventLog).typed).toBe(false);
          await replay.catchUp();
          expect(await replay.dump()).toEqual(want);
        } finally {
          await replay.close();
        }
      }),
      { numRuns: 15 },
    );
  }, 300_000);

  it("is refused for projecting, with the advice to run kpi migrate", async () => {
    const log = join(dir, "refused.duckdb");
    const w = await Warehouse.open(join(dir, "refused-a.duckdb"), log, { ...options, years: [2023, 2026] });
    await w.close();
    await toFormat1(log);
    const opened = Warehouse.open(join(dir, "refused-b.duckdb"), log, { ...options, years: [2023, 2026] });
    await expect(opened).rejects.toBeInstanceOf(LogFormatOutdated);
    await expect(opened).rejects.toThrow(/upgrade it with kpi migrate/);
  });
});
