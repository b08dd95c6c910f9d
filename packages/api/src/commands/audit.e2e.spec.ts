/**
 * The auditor's path as a user runs it: the built `kpi` (run `tsc -b` first) on the tiny sample province in a
 * temporary data folder. Publish 2025's figures, export the log, verify the publication from the exported
 * copy, then edit one event of a copy on purpose and see verify fail naming that position; explain a figure.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, kpiIn } from "../testing/runKpi.fixture.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-audit-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kpi = kpiIn(dir);

describe("kpi publish, export-log, verify, explain", () => {
  beforeAll(() => {
    assertBuilt();
    const demo = kpi("demo", "--scale", "tiny", "--no-serve");
    expect(demo.code).toBe(0);
  }, 120_000);

  it("publishes 2025, verifies it from an exported log, and fails at the position of an edited event", async () => {
    const published = kpi("publish", "--year", "2025", "--level", "all");
    expect(published.err).toBe("");
    expect(published.code).toBe(0);
    const file = /file {6}(\S+)/.exec(published.out)?.[1] ?? "";
    expect(existsSync(file)).toBe(true);

    const copy = join(dir, "auditor-copy.duckdb");
    const exported = kpi("export-log", "--out", copy);
    expect(exported.code).toBe(0);

    const verified = kpi("verify", file, "--log", copy);
    expect(verified.err).toBe("");
    expect(verified.code).toBe(0);
    expect(verified.out).toMatch(/figures {10}[\d,]+ match, 0 mismatch/);
    expect(verified.out).toMatch(/VERIFIED: every check passed/);

    const k = 2000;
    const tampered = join(dir, "tampered.duckdb");
    copyFileSync(copy, tampered);
    const instance = await DuckDBInstance.create(tampered);
    const c = await instance.connect();
    try {
      await c.run(`UPDATE events SET data = json_merge_patch(data, '{"edited": true}') WHERE position = ${k}`);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    const failed = kpi("verify", file, "--log", tampered);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/hash chain {7}BROKEN at position 2,000: /);
    expect(failed.out).toMatch(/NOT VERIFIED: first bad log position 2,000/);
  }, 180_000);

  it("explains a figure now and as known at an earlier position", () => {
    const now = kpi("explain", "PAYMENT_ACCT_15", "province", "2025");
    expect(now.err).toBe("");
    expect(now.code).toBe(0);
    expect(now.out).toMatch(/^PAYMENT_ACCT_15 for province in 2025, as known at log position [\d,]+/);
    expect(now.out).toMatch(/\n {2}\d+\t\S+\tPaymentAccountOpened\tperson:\S+\t/);
    const early = kpi("explain", "PAYMENT_ACCT_15", "province", "2025", "--as-of", "1");
    expect(early.code).toBe(0);
    expect(early.out).toMatch(/as known at log position 1\n/);
    expect(early.out).toMatch(/\nNumerator: [01] fact\(s\)/);
  }, 120_000);
});
