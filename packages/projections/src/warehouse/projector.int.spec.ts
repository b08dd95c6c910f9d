import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-wh-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const person = (id: string, type: string, subject: string, on: string, data: Record<string, unknown>) =>
  fact({ id, type, subject: `person:${subject}`, occurredOn: on, source: "nhnn-kv15", data });
const pop = (id: string, commune: string, year: number, total: number, aged15plus: number, adults: number) =>
  fact({
    id,
    type: "PopulationEstimated",
    subject: `stat:pop-${commune}`,
    occurredOn: `${year}-07-01`,
    source: "gso",
    data: { commune, year, total, aged15plus, adults },
  });

const open = async (k = n++, smallCellThreshold?: number) =>
  Warehouse.open(join(dir, `wh-${k}.duckdb`), join(dir, `log-${k}.duckdb`), {
    catalog: testCatalog,
    reference: testReference,
    years: [2023, 2026],
    ...(smallCellThreshold === undefined ? {} : { smallCellThreshold }),
  });

const figure = async (w: Warehouse, indicator: string, geo: string, year: number) =>
  (
    await w.query<{ numerator: number | null; denominator: number | null; value: number | null; status: string }>(
      "SELECT CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator, value, status FROM indicator_values WHERE indicator = $i AND geo = $g AND year = $y",
      { i: indicator, g: geo, y: year },
    )
  )[0];

describe("warehouse projection", () => {
  it("computes the worked example of facts.md: PAYMENT_ACCT_15 for commune 29926", async () => {
    const w = await open();
    try {
      await w.log.append([
        pop("p24", "29926", 2024, 5, 4, 3),
        pop("p25", "29926", 2025, 5, 4, 3),
        person("a1", "PaymentAccountOpened", "h1990", "2024-03-10", {
          commune: "29926",
          birthYear: 1990,
          institution: "vcb",
        }),
        person("a2", "PaymentAccountOpened", "h2008", "2024-03-10", {
          commune: "29926",
          birthYear: 2008,
          institution: "vcb",
        }),
        person("a3", "PaymentAccountOpened", "h2015", "2024-03-10", {
          commune: "29926",
          birthYear: 2015,
          institution: "vcb",
        }),
        person("c1", "PaymentAccountClosed", "h1990", "2025-05-01", {
          commune: "29926",
          birthYear: 1990,
          institution: "vcb",
        }),
      ]);
      await w.catchUp();
      expect(await figure(w, "PAYMENT_ACCT_15", "29926", 2025)).toMatchObject({
        numerator: 1,
        denominator: 4,
        value: 25,
      });
      expect(await figure(w, "PAYMENT_ACCT_15", "29926", 2024)).toMatchObject({
        numerator: 2,
        denominator: 4,
        value: 50,
      });
      expect(await figure(w, "PAYMENT_ACCT_15", "province", 2025)).toMatchObject({ numerator: 1, denominator: 4 });
    } finally {
      await w.close();
    }
  });

  it("judges each year against the target applied from a declared baseline: baseline, on track, off track, met, missed", async () => {
    const w = await open();
    try {
      const dti = (id: string, year: number, rank: number) =>
        fact({
          id,
          type: "DtiRankPublished",
          subject: "stat:dti",
          occurredOn: `${year + 1}-03-01`,
          source: "bkhcn",
          data: { year, rank, of: 34 },
        });
      await w.log.append([dti("d23", 2023, 31), dti("d24", 2024, 27), dti("d25", 2025, 26), dti("d26", 2026, 24)]);
      await w.catchUp();
      const read = () =>
        w.query<{
          year: number;
          value: number | null;
          trajectory: number | null;
          status: string;
          target_value: number;
          baseline_year: number;
          baseline_value: number;
          baseline_source: string;
        }>(
          `SELECT year, value, trajectory, status, target_value, baseline_year, baseline_value, baseline_source
           FROM indicator_values WHERE indicator = 'DTI_RANK' ORDER BY year`,
        );
      const rows = await read();
      // lower is better, target <= 25 in 2025 (the last target also judges 2026); the path runs from the
      // baseline, 31 in 2023 (the first year with a value), which is itself not judged
      expect(rows.map((r) => [r.year, r.value, r.trajectory, r.status])).toEqual([
        [2023, 31, 31, "baseline"],
        [2024, 27, 28, "on_track"],
        [2025, 26, 25, "off_track"],
        [2026, 24, 25, "met"],
      ]);
      expect(rows.every((r) => r.target_value === 25)).toBe(true);
      expect(
        rows.every((r) => r.baseline_year === 2023 && r.baseline_value === 31 && r.baseline_source === "first_year"),
      ).toBe(true);
      // a year after its target year that does not meet it has missed it, not gone off track
      await w.log.append([dti("d26-revised", 2026, 27)]);
      await w.catchUp();
      expect((await read()).map((r) => [r.year, r.status])).toEqual([
        [2023, "baseline"],
        [2024, "on_track"],
        [2025, "off_track"],
        [2026, "missed"],
      ]);
    } finally {
      await w.close();
    }
  });

  it("recomputes the figures when the small-cell threshold changes", async () => {
    const k = n++;
    const suppressed = async (w: Warehouse) =>
      (
        await w.query<{ suppressed: boolean }>(
          "SELECT suppressed FROM indicator_values WHERE indicator = 'PAYMENT_ACCT_15' AND geo = '29926' AND year = 2024",
        )
      )[0]?.suppressed;
    let w = await open(k, 10);
    try {
      await w.log.append([pop("p24", "29926", 2024, 5, 4, 3)]);
      await w.catchUp();
      expect(await suppressed(w)).toBe(true); // a denominator of 4 is below 10
    } finally {
      await w.close();
    }
    w = await open(k, 3);
    try {
      const r = await w.catchUp();
      expect(r.rebuilt).toBe(true);
      expect(await suppressed(w)).toBe(false); // and not below 3
    } finally {
      await w.close();
    }
  });

  it("changes the standing reports in a catch-up that brings a report or only retracts one, and not otherwise", async () => {
    const w = await open();
    const standing = async () =>
      (await w.query<{ position: number }>("SELECT CAST(position AS DOUBLE) AS position FROM reports ORDER BY 1")).map(
        (r) => r.position,
      );
    try {
      await w.log.append([pop("p24", "29926", 2024, 5, 4, 3)]);
      await w.catchUp();
      expect(await standing()).toEqual([1]);
      // a later estimate of the same commune and year stands in for the first
      await w.log.append([pop("p24b", "29926", 2024, 6, 5, 4)]);
      await w.catchUp();
      expect(await standing()).toEqual([2]);
      // facts of people only: the reports stay
      await w.log.append([
        person("a1", "PaymentAccountOpened", "h1990", "2024-03-10", {
          commune: "29926",
          birthYear: 1990,
          institution: "vcb",
        }),
      ]);
      await w.catchUp();
      expect(await standing()).toEqual([2]);
      // a catch-up that only retracts the later estimate brings the first one back
      await w.log.append([
        fact({
          id: "r1",
          type: "FactRetracted",
          subject: "stat:pop-29926",
          occurredOn: "2024-08-01",
          source: "gso",
          data: { eventId: "p24b", reason: "reported twice" },
        }),
      ]);
      await w.catchUp();
      expect(await standing()).toEqual([1]);
      expect(await figure(w, "PAYMENT_ACCT_15", "29926", 2024)).toMatchObject({ numerator: 1, denominator: 4 });
    } finally {
      await w.close();
    }
  });

  it("drops, when it opens, the index on the facts' subject key that earlier versions made", async () => {
    const k = n++;
    const indexes = async (w: Warehouse) =>
      (
        await w.query<{ n: number }>(
          "SELECT CAST(count(*) AS DOUBLE) AS n FROM duckdb_indexes() WHERE table_name = 'facts'",
        )
      )[0]?.n;
    let w = await open(k);
    try {
      await w.log.append([pop("p24", "29926", 2024, 5, 4, 3)]);
      await w.catchUp();
      expect(await indexes(w)).toBe(0);
    } finally {
      await w.close();
    }
    // as an earlier version left the warehouse: the index kept up at every commit and never read through, and
    // the note of what it was set up with
    const db = await DuckDBInstance.create(join(dir, `wh-${k}.duckdb`));
    const c = await db.connect();
    await c.run("CREATE INDEX facts_subject_key ON facts (subject_key)");
    await c.run("UPDATE projection_meta SET value = 'an earlier set-up' WHERE key = 'set_up'");
    expect(
      (await c.runAndReadAll("SELECT count(*)::INTEGER FROM duckdb_indexes() WHERE table_name = 'facts'")).getRows(),
    ).toEqual([[1]]);
    c.closeSync();
    db.closeSync();
    w = await open(k);
    try {
      expect(await indexes(w)).toBe(0);
      await w.log.append([
        person("a1", "PaymentAccountOpened", "h1990", "2024-03-10", {
          commune: "29926",
          birthYear: 1990,
          institution: "vcb",
        }),
      ]);
      expect((await w.catchUp()).rebuilt).toBe(false);
      expect(await indexes(w)).toBe(0);
      expect(await figure(w, "PAYMENT_ACCT_15", "29926", 2024)).toMatchObject({ numerator: 1, denominator: 4 });
    } finally {
      await w.close();
    }
  });
});
