/**
 * The projection contract every event-log adapter passes: facts appended to the store over several recording
 * days, projected by a warehouse that reads the store through the event-log port (`eventSource.ts`), give the
 * same tables, row for row, as the same facts appended to the embedded log and projected through its SQL fast
 * path. A spec file calls `projectionContract(name, harness)`; the harness makes a fresh empty store whose
 * appends are stamped by the given clock (so that both stores record the same days).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDbEventLog, type EventLog, type Fact } from "@kpi/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { factStreamArb } from "../testing/streams.js";
import { Warehouse, type WarehouseOptions } from "./projector.js";
import { SOURCE_EVENTS } from "./sourceEvents.js";

export interface ProjectionHarness {
  /** A new, empty store whose appends are recorded at `now()`. */
  fresh(now: () => Date): Promise<EventLog>;
}

const options: WarehouseOptions = { catalog: testCatalog, reference: testReference, years: [2023, 2026] };

/** Appends `facts` in batches of `size`, each recorded a day after the one before; a refusal throws. */
const appendByDay = async (log: EventLog, clock: { day: number }, facts: readonly Fact[], size: number) => {
  for (let at = 0; at < facts.length; at += size) {
    const r = await log.append(facts.slice(at, at + size));
    if (E.isLeft(r)) throw new Error(`append refused: ${JSON.stringify(r.left)}`);
    clock.day++;
  }
};

export const projectionContract = (name: string, harness: ProjectionHarness): void => {
  const dir = mkdtempSync(join(tmpdir(), "kpi-projection-contract-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;

  describe(`projection contract: ${name}`, () => {
    it("projects the same tables through the port as the embedded log through SQL", async () => {
      const facts = fc.sample(factStreamArb(40), { numRuns: 1, seed: 13 })[0] ?? [];
      expect(facts.length).toBeGreaterThan(0);
      const size = Math.max(1, Math.ceil(facts.length / 3));

      const clock = { day: 0 };
      const now = () => new Date(Date.UTC(2026, 0, 1 + clock.day, 12));
      const logPath = join(dir, `log-${n++}.duckdb`);
      const embedded = await DuckDbEventLog.open(logPath, { now });
      try {
        await appendByDay(embedded, clock, facts, size);
      } finally {
        await embedded.close();
      }
      const viaSql = await Warehouse.open(join(dir, `wh-${n++}.duckdb`), logPath, { ...options, logReadOnly: true });
      let expected: Record<string, unknown[]>;
      try {
        await viaSql.catchUp();
        expected = await viaSql.dump();
      } finally {
        await viaSql.close();
      }

      clock.day = 0;
      const store = await harness.fresh(now);
      const port = await Warehouse.open(join(dir, `wh-${n++}.duckdb`), store, options);
      try {
        expect(port.eventsTable).toBe(SOURCE_EVENTS);
        // appended while the warehouse is open, caught up after each batch: the incremental path
        for (let at = 0; at < facts.length; at += size) {
          await appendByDay(store, clock, facts.slice(at, at + size), size);
          await port.catchUp();
        }
        expect(await port.dump()).toEqual(expected);
        await port.rebuild();
        expect(await port.dump()).toEqual(expected);
      } finally {
        await port.close();
      }
    }, 180_000);
  });
};
