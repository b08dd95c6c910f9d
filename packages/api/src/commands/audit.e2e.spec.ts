/**
 * The auditor's path as a user runs it: the built `kpi` (run `tsc -b` first) on the tiny sample province in a
 * temporary data folder. Publish 2025's figures, export the log, verify the publication from the exported
 * copy, then edit one event of a copy on purpose and see verify fail naming that position; explain a figure.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
  }, 300_000); // the demo replays the sample's reporting history: a catch-up step per half-year

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

    // the chain checkpoint (default: one per log, kept apart from the log): the second verify checks no old link
    expect(verified.out).toMatch(
      /\n {2}checkpoint {7}none yet in \S+: the whole chain was checked; now at position [\d,]+\n/,
    );
    const again = kpi("verify", file, "--log", copy);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/\n {2}hash chain {7}ok: 0 events after position [\d,]+, head [\d,]+\n/);
    expect(again.out).toMatch(
      /\n {2}checkpoint {7}from position [\d,]+ \(\S+\): only the events after it were checked/,
    );

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

  it("checks the chain from an auditor's checkpoint: not before it, after it yes, and names a checkpoint the log left", async () => {
    const published = kpi(
      "publish",
      "--year",
      "2025",
      "--indicator",
      "PAYMENT_ACCT_15",
      "--out",
      join(dir, "one.json"),
    );
    expect(published.code).toBe(0);
    const copy = join(dir, "copy-2.duckdb");
    expect(kpi("export-log", "--out", copy).code).toBe(0);
    const checkpoint = join(dir, "auditor-checkpoint.json");
    const cold = kpi("verify", join(dir, "one.json"), "--log", copy, "--checkpoint", checkpoint);
    expect(cold.code).toBe(0);
    const head = Number(/hash chain {7}ok: ([\d,]+) events, head/.exec(cold.out)?.[1]?.replaceAll(",", ""));
    expect(head).toBeGreaterThan(2000);

    const edit = async (file: string, sql: string) => {
      copyFileSync(copy, file);
      const instance = await DuckDBInstance.create(file);
      const c = await instance.connect();
      try {
        await c.run(sql);
      } finally {
        c.closeSync();
        instance.closeSync();
      }
    };
    // an event before the checkpoint edited where the chain does not look: not re-checked
    const before = join(dir, "edited-before.duckdb");
    await edit(before, `UPDATE events SET data = json_merge_patch(data, '{"edited": true}') WHERE position = 2000`);
    const notRechecked = kpi("verify", join(dir, "one.json"), "--log", before, "--checkpoint", checkpoint);
    expect(notRechecked.out).toMatch(/hash chain {7}ok: 0 events after position/);
    // … unless asked: --no-checkpoint checks the whole chain
    const whole = kpi("verify", join(dir, "one.json"), "--log", before, "--no-checkpoint");
    expect(whole.code).toBe(1);
    expect(whole.out).toMatch(/hash chain {7}BROKEN at position 2,000: /);

    // the log rewritten up to the checkpoint: its hash there is not the one verified
    const rewritten = join(dir, "rewritten.duckdb");
    await edit(rewritten, `UPDATE events SET hash = unhex(sha256('x')) WHERE position = ${head}`);
    const saved = readFileSync(checkpoint, "utf8");
    const refused = kpi("verify", join(dir, "one.json"), "--log", rewritten, "--checkpoint", checkpoint);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(
      new RegExp(
        `checkpoint {7}FAILED: the log's chain hash at the checkpoint's position ${head} is \\w{64}, not \\w{64}`,
      ),
    );
    expect(refused.out).toMatch(/NOT VERIFIED/);
    expect(readFileSync(checkpoint, "utf8")).toBe(saved);

    // an event after the checkpoint edited: found
    const after = join(dir, "edited-after.duckdb");
    await edit(
      after,
      `INSERT INTO events SELECT * REPLACE (position + 1 AS position, id || '-x' AS id) FROM events WHERE position = ${head}`,
    );
    const found = kpi("verify-log", "--log", after, "--checkpoint", checkpoint);
    expect(found.code).toBe(1);
    expect(found.out).toMatch(new RegExp(`^chain BROKEN at position ${head + 1}: `));
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
