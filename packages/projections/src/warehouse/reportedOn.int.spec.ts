/**
 * The day a source reported a fact (`reportedOn`, optional on the envelope) in the warehouse: given facts with
 * and without it, recorded on one day, when folded through the log's SQL path or through the event-log port,
 * then `facts.reported_on` is the fact's reportedOn, else its recording day, and `source_completeness` measures
 * the lag from occurrence to that day (not to the day the log happened to record it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeAppendError } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-reported-on-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const account = (id: string, occurredOn: string, reportedOn?: string) =>
  fact({
    id,
    type: "PaymentAccountOpened",
    subject: `person:${id}`,
    occurredOn,
    ...(reportedOn === undefined ? {} : { reportedOn }),
    source: "nhnn-kv15",
    data: { commune: "29926", birthYear: 1990, institution: "vcb" },
  });

/** Every fact recorded on 2024-09-01. */
const RECORDED = "2024-09-01";
const facts = [
  account("a1", "2024-03-10", "2024-03-20"), // reported 10 days on, recorded 175 days on
  account("a2", "2024-05-01"), // no reportedOn: the recording day, 123 days on
  account("a3", "2024-01-01", "2024-06-30"), // reported 181 days on, recorded 244 days on
];

describe.each(["sql", "generic"] as const)("reportedOn in the warehouse, read through %s", (readPath) => {
  it("is facts.reported_on (else the recording day), and source_completeness measures the lag to it", async () => {
    const k = n++;
    const w = await Warehouse.open(join(dir, `wh-${k}.duckdb`), join(dir, `log-${k}.duckdb`), {
      catalog: testCatalog,
      reference: testReference,
      years: [2023, 2026],
      smallCellThreshold: 1,
      readPath,
      now: () => new Date(`${RECORDED}T12:00:00Z`),
    });
    try {
      const r = await w.log.append(facts);
      if (E.isLeft(r)) throw new Error(describeAppendError(r.left));
      await w.catchUp();
      const staged = await w.query<{ id: string; reported_on: string }>(
        "SELECT id, CAST(reported_on AS VARCHAR) AS reported_on FROM facts ORDER BY id",
      );
      expect(staged).toEqual([
        { id: "a1", reported_on: "2024-03-20" },
        { id: "a2", reported_on: RECORDED },
        { id: "a3", reported_on: "2024-06-30" },
      ]);
      const got = await w.query<Record<string, number>>(
        `SELECT CAST(facts AS DOUBLE) AS facts, CAST(late_facts AS DOUBLE) AS late_facts, median_lag_days,
                p90_lag_days, max_lag_days
         FROM source_completeness WHERE source = 'nhnn-kv15' AND year = 2024`,
      );
      // lags 10, 123 and 181 days; to the recording day they would be 175, 123 and 244 (all late)
      expect(got).toEqual([{ facts: 3, late_facts: 2, median_lag_days: 123, p90_lag_days: 181, max_lag_days: 181 }]);
    } finally {
      await w.close();
    }
  });
});
