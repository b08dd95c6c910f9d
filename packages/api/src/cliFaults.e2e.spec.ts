/**
 * Faults as a user meets them on the command line:
 * - piped into a reader that stops early (`kpi project | head -1`): the closed pipe is no failure of the
 *   command, which finishes its work and exits quietly instead of dying on an EPIPE stack trace;
 * - `kpi import` into a log file with a damaged block: refused, saying what to do, not DuckDB's words alone;
 * - `kpi verify-log` on a log edited where the hash does not reach (`recorded_at` below the millisecond,
 *   `log_meta`): it names the event or the key and exits 1;
 * - a log in format 1 (before typed columns): `verify-log` checks it, `import` and `project` refuse it saying to
 *   run `kpi migrate`, which upgrades it, after which they work.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { toFormat1 } from "@kpi/core/logFormat1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, CLI, kpiIn, REPO_ROOT } from "./testing/runKpi.fixture.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-pipe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("kpi piped into head -1", () => {
  beforeAll(() => assertBuilt());

  it("prints the first line, finishes the projection and exits 0 without a word on stderr", () => {
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const r = spawnSync(
      "bash",
      ["-c", `set -o pipefail; ${q(process.execPath)} ${q(CLI)} project --data-dir ${q(dir)} | head -1`],
      { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, KPI_YEARS: "2019-2026" } },
    );
    expect(r.stdout).toMatch(/^Projected positions 0 → 0 in 0 step\(s\), [\d.]+ s\n$/);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, "warehouse-snapshot.duckdb"))).toBe(true);
  });
});

describe("kpi import into a damaged log", () => {
  beforeAll(() => assertBuilt());

  const account = (id: string, person: string) =>
    JSON.stringify({
      id,
      type: "PaymentAccountOpened",
      subject: `person:${person}`,
      occurredOn: "2024-03-10",
      source: "nhnn-kv15",
      data: { commune: "29926", birthYear: 1990, institution: "vcb" },
    });

  it("refuses to append and says what to do", async () => {
    const data = join(dir, "damaged");
    const kpi = kpiIn(data);
    const first = join(dir, "first.ndjson");
    writeFileSync(first, `${account("a1", "p1")}\n${account("a2", "p2")}\n`);
    expect(kpi("import", first).code).toBe(0);
    const log = join(data, "events.duckdb");
    // flip a byte inside the first block that holds the events (three 4 KiB headers, then 256 KiB blocks)
    const db = await DuckDBInstance.create(log, { access_mode: "READ_ONLY" });
    const c = await db.connect();
    const block = (
      await c.runAndReadAll(
        "SELECT CAST(min(block_id) AS DOUBLE) FROM pragma_storage_info('events') WHERE block_id >= 0",
      )
    ).getRows()[0]?.[0] as number;
    c.closeSync();
    db.closeSync();
    const fd = openSync(log, "r+");
    writeSync(fd, Buffer.from("damage"), 0, 6, 3 * 4096 + block * 262_144 + 64);
    closeSync(fd);

    const second = join(dir, "second.ndjson");
    writeFileSync(second, `${account("a3", "p3")}\n`);
    const r = kpi("import", second);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^kpi: the event log .*events\.duckdb is damaged \(.*checksum.*\); nothing was written to it/,
    );
    expect(r.err).toContain("Restore it from a backup or an exported copy (kpi export-log)");
    expect(r.out).not.toContain("accepted");
  });
});

describe("kpi verify-log on columns outside the hash", () => {
  beforeAll(() => assertBuilt());

  it("names the event whose recorded_at moved by a microsecond, and the edited log_meta key", async () => {
    const data = join(dir, "edited");
    const kpi = kpiIn(data);
    const facts = join(dir, "edited.ndjson");
    writeFileSync(
      facts,
      [1, 2, 3]
        .map((i) =>
          JSON.stringify({
            id: `e${i}`,
            type: "PaymentAccountOpened",
            subject: `person:q${i}`,
            occurredOn: "2024-03-10",
            source: "nhnn-kv15",
            data: { commune: "29926", birthYear: 1990, institution: "vcb" },
          }),
        )
        .map((l) => `${l}\n`)
        .join(""),
    );
    expect(kpi("import", facts).code).toBe(0);
    const first = kpi("verify-log");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /^chain verifies: 3 events, head 3\ncheckpoint none yet in .*: the whole chain was checked; now at position 3\n$/,
    );
    const db = await DuckDBInstance.create(join(data, "events.duckdb"));
    const c = await db.connect();
    await c.run("UPDATE events SET recorded_at = recorded_at + INTERVAL 1 MICROSECOND WHERE position = 2");
    await c.run("UPDATE log_meta SET value = 'kpi-event-log/0' WHERE key = 'format'");
    c.closeSync();
    db.closeSync();
    // from the checkpoint (position 3) the edit at 2 is not re-checked; the metadata always is
    const fromCheckpoint = kpi("verify-log");
    expect(fromCheckpoint.code).toBe(1);
    expect(fromCheckpoint.out).toMatch(/^log metadata FAILED: log_meta format/);
    const r = kpi("verify-log", "--no-checkpoint");
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      [
        "chain BROKEN at position 2: recorded_at holds sub-millisecond digits, which the hash does not cover (the log stores whole milliseconds)",
        "log metadata FAILED: log_meta format is kpi-event-log/0, not kpi-event-log/2",
        "checkpoint none: the whole chain was checked",
        "",
      ].join("\n"),
    );
  });
});

describe("a log in format 1", () => {
  beforeAll(() => assertBuilt());

  const line = (i: number) =>
    JSON.stringify({
      id: `f${i}`,
      type: "PaymentAccountOpened",
      subject: `person:f${i}`,
      occurredOn: "2024-03-10",
      source: "nhnn-kv15",
      data: { commune: "29926", birthYear: 1980 + i, institution: "vcb" },
    });

  it("verifies; import and project say to run kpi migrate, which upgrades it, and then they work", async () => {
    const data = join(dir, "format1");
    const kpi = kpiIn(data);
    const facts = join(dir, "format1.ndjson");
    writeFileSync(facts, `${line(1)}\n${line(2)}\n`);
    expect(kpi("import", facts).code).toBe(0);
    await toFormat1(join(data, "events.duckdb"));
    expect(kpi("verify-log", "--no-checkpoint")).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^chain verifies: 2 events, head 2\n/),
    });
    const more = join(dir, "format1-more.ndjson");
    writeFileSync(more, `${line(3)}\n`);
    for (const r of [kpi("import", more), kpi("project")]) {
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^kpi: the event log .*events\.duckdb is in format kpi-event-log\/1, /);
      expect(r.err).toContain("upgrade it with kpi migrate");
    }
    const m = kpi("migrate");
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/^Upgraded .*events\.duckdb to kpi-event-log\/2\n {2}events {10}2\n/);
    expect(kpi("import", more).code).toBe(0);
    expect(kpi("verify-log", "--no-checkpoint")).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^chain verifies: 3 events, head 3\n/),
    });
    expect(kpi("project").code).toBe(0);
  });
});
