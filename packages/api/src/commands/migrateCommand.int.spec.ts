/**
 * `kpi migrate` between two embedded logs in real DuckDB files (the part of the migration path that can run
 * without a KurrentDB server): the copy keeps every position, recordedAt, stream revision, hash and fact.
 * `kpi migrate` alone upgrades a format-1 log to format 2 in a proven copy, keeping the original as a backup.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  DuckDbEventLog,
  decodeFact,
  type Fact,
  LogFormatOutdated,
  type Position,
  position,
  type StoredEvent,
  snapshotPath,
} from "@kpi/core";
import { toFormat1 } from "@kpi/core/logFormat1";
import { seedCatalog, seedReferenceTables, Warehouse } from "@kpi/projections";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { migrateCommand, migrateLog, pinnedClock, upgradeLogCommand } from "./migrateCommand.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = loadConfig({}, { dataDir: dir });

const fact = (raw: unknown): Fact => {
  const r = decodeFact(raw);
  if (E.isLeft(r)) throw new Error("test fact does not decode");
  return r.right;
};

const account = (id: string, person: string, birthYear = 1990): Fact =>
  fact({
    id,
    type: "PaymentAccountOpened",
    subject: `person:${person}`,
    occurredOn: "2024-03-10",
    source: "nhnn-kv15",
    data: { commune: "29926", birthYear, institution: "vcb" },
  });
const retract = (id: string, person: string, eventId: string): Fact =>
  fact({
    id,
    type: "FactRetracted",
    subject: `person:${person}`,
    occurredOn: "2024-06-01",
    source: "nhnn-kv15",
    data: { eventId, reason: "reported in error" },
  });

const sink = () => {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
};

const migrate = async (fromLog: string, toLog: string, env: NodeJS.ProcessEnv = {}) => {
  const out = sink();
  const err = sink();
  const code = await migrateCommand(config, {
    from: "embedded",
    to: "embedded",
    fromLog,
    toLog,
    env,
    out: out.stream,
    err: err.stream,
  });
  return { code, out: out.text(), err: err.text() };
};

const events = async (path: string): Promise<StoredEvent[]> => {
  const log = await DuckDbEventLog.open(path, { readOnly: true });
  try {
    const out: StoredEvent[] = [];
    for await (const e of log.readAll(position(0))) out.push(e);
    return out;
  } finally {
    await log.close();
  }
};

const ok = async (r: Promise<E.Either<unknown, unknown>>) => {
  const x = await r;
  if (E.isLeft(x)) throw new Error(JSON.stringify(x.left));
};

const source = join(dir, "source.duckdb");
const target = join(dir, "target.duckdb");

beforeAll(async () => {
  let now = new Date("2025-03-01T08:00:00.000Z");
  const later = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  const log = await DuckDbEventLog.open(source, { now: () => now });
  try {
    await ok(log.append([account("a1", "p1"), account("a2", "p2"), account("a3", "p1")]));
    later(1_234);
    await ok(log.append([retract("r1", "p2", "a2"), account("a4", "p3")]));
    later(86_400_000);
    const bulk = await log.beginBulk();
    await ok(bulk.append([account("a5", "p4"), account("a6", "p1")]));
    later(7);
    await ok(bulk.append([retract("r5", "p4", "a5"), account("a6", "p1")]));
    await bulk.commit();
    later(1);
    await ok(log.append([account("a7", "p5"), account("a1", "p1")]));
    // same instant, another batch: the copy may merge them, the chain cannot tell
    await ok(log.append([account("a8", "p2", 1970)]));
  } finally {
    await log.close();
  }
});

describe("kpi migrate --from embedded --to embedded", () => {
  it("copies every event with its position, recordedAt, stream revision and hash, and proves it", async () => {
    const r = await migrate(source, target);
    expect(r.err).toContain(`copying embedded ${source} → embedded ${target}`);
    expect(r.code).toBe(0);
    const from = await events(source);
    expect(from).toHaveLength(10);
    expect(new Set(from.map((e) => e.recordedAt)).size).toBe(5);
    expect(await events(target)).toEqual(from);
    expect(r.out).toContain("  events          10\n");
    expect(r.out).toContain(`  last hash       ${from[9]?.hash}\n`);
    expect(r.out).toMatch(/verified {8}target chain verifies; heads, last hashes and every event match the source/);
    const copy = await DuckDbEventLog.open(target, { readOnly: true });
    try {
      expect(await copy.verifyChain()).toEqual({ ok: true, head: 10, checked: 10 });
    } finally {
      await copy.close();
    }
  });

  it("refuses a target that is not empty and leaves it as it was", async () => {
    const before = await events(target);
    const r = await migrate(source, target);
    expect(r.code).toBe(1);
    expect(r.err).toContain("kpi migrate: the target log is not empty (head 10); migrate only into a new, empty log");
    expect(await events(target)).toEqual(before);
  });

  it("refuses to copy a log onto itself", async () => {
    const r = await migrate(source, source);
    expect(r.code).toBe(1);
    expect(r.err).toContain("source and target are the same log");
  });

  it("copies a copy back into a third log hash for hash, whatever the size of each append", async () => {
    const third = join(dir, "third.duckdb");
    const clock = pinnedClock();
    const from = await DuckDbEventLog.open(target, { readOnly: true });
    const to = await DuckDbEventLog.open(third, { now: clock.now });
    try {
      const r = await migrateLog(from, to, clock, { chunk: 2 });
      expect(E.isRight(r) && r.right).toMatchObject({ events: 10, head: 10 as Position });
      expect(E.isRight(r) && r.right.appends).toBeGreaterThanOrEqual(6);
    } finally {
      await from.close();
      await to.close();
    }
    expect(await events(third)).toEqual(await events(source));
  });

  it("copies an empty log", async () => {
    const empty = join(dir, "empty.duckdb");
    await (await DuckDbEventLog.open(empty)).close();
    const r = await migrate(empty, join(dir, "empty-copy.duckdb"));
    expect(r.code).toBe(0);
    expect(r.out).toContain("  events          0\n");
    expect(r.out).toContain("  last hash       (empty log)\n");
  });

  it("stops on a bad log configuration, and on a kurrentdb side without a server address", async () => {
    const bad = await migrate(source, join(dir, "x.duckdb"), { KPI_LOG_STORE: "postgres" });
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.err).toContain("kpi migrate: KPI_LOG_STORE: must be embedded or kurrentdb");
    const out = sink();
    const err = sink();
    const code = await migrateCommand(config, {
      from: "embedded",
      to: "kurrentdb",
      fromLog: source,
      env: {},
      out: out.stream,
      err: err.stream,
    });
    expect(code).toBe(2);
    expect(err.text()).toContain("the kurrentdb side needs KURRENTDB_URL");
  });
});

describe("kpi migrate (upgrade a format-1 log to format 2)", () => {
  const at = new Date("2026-02-01T10:00:00.000Z");
  const upgrade = async (log: string) => {
    const out = sink();
    const err = sink();
    const code = await upgradeLogCommand(config, { log, out: out.stream, err: err.stream, now: () => at });
    return { code, out: out.text(), err: err.text() };
  };
  const format1 = async (name: string): Promise<string> => {
    const path = join(dir, name);
    copyFileSync(source, path);
    await toFormat1(path);
    return path;
  };
  /** The warehouse's tables over a log, replayed read-only (as kpi verify does). */
  const tables = async (log: string, name: string) => {
    const w = await Warehouse.open(join(dir, name), log, {
      catalog: seedCatalog(),
      reference: seedReferenceTables(),
      years: [2023, 2026],
      logReadOnly: true,
      now: () => at,
    });
    try {
      await w.catchUp();
      return await w.dump();
    } finally {
      await w.close();
    }
  };

  it("upgrades in a proven copy, keeps the original as a backup, and the warehouse over it is the same", async () => {
    const log = await format1("v1.duckdb");
    await expect(DuckDbEventLog.open(log)).rejects.toBeInstanceOf(LogFormatOutdated);
    const before = await events(log);
    const original = readFileSync(log);
    // the indexes a format-1 writer saved beside it (any content: they are of the old file)
    writeFileSync(snapshotPath(log), "KPI-LOG-INDEX 2\n");
    const r = await upgrade(log);
    expect(r.err).toContain(`copying ${log} into format kpi-event-log/2`);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Upgraded ${log} to kpi-event-log/2`);
    expect(r.out).toContain("  events          10\n");
    const backup = `${log}.kpi-event-log-1-2026-02-01T10-00-00-000Z.bak`;
    expect(r.out).toContain(`  original        kept as ${backup}`);
    expect(readFileSync(backup).equals(original)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes(".upgrade-"))).toEqual([]);
    // event for event: positions, ids, recordedAt, stream revisions, hashes and facts (canonical bytes)
    expect(await events(log)).toEqual(before);
    const upgraded = await DuckDbEventLog.open(log, { readOnly: true });
    try {
      expect(upgraded.typed).toBe(true);
      expect(await upgraded.verifyChain()).toEqual({ ok: true, head: 10, checked: 10 });
      expect(await upgraded.verifyChainSequentially()).toEqual({ ok: true, head: 10, checked: 10 });
    } finally {
      await upgraded.close();
    }
    const db = await DuckDBInstance.create(log, { access_mode: "READ_ONLY" });
    const c = await db.connect();
    try {
      const r = await c.runAndReadAll(
        `SELECT count(*) FILTER (WHERE birth_year = CAST(json_extract_string(data, '$.birthYear') AS INTEGER)
                                   AND commune = json_extract_string(data, '$.commune') AND e.subject = s.subject)
         FROM events e JOIN subjects s USING (subject_key) WHERE type = 'PaymentAccountOpened'`,
      );
      expect(Number(r.getRows()[0]?.[0])).toBe(8);
    } finally {
      c.closeSync();
      db.closeSync();
    }
    expect(await tables(log, "wh-upgraded.duckdb")).toEqual(await tables(backup, "wh-original.duckdb"));
    // the upgraded log takes appends again
    const writable = await DuckDbEventLog.open(log);
    try {
      // the copy's saved indexes came into place with it
      expect(writable.indexLoad).toEqual({ snapshot: true, tail: 0 });
      expect(E.isRight(await writable.append([account("a9", "p9")]))).toBe(true);
    } finally {
      await writable.close();
    }
    const again = await upgrade(log);
    expect(again).toMatchObject({ code: 0, out: `${log} is in format kpi-event-log/2 already; nothing to do\n` });
  });

  it("refuses a log that does not verify, and leaves it as it was", async () => {
    const log = await format1("v1-broken.duckdb");
    const db = await DuckDBInstance.create(log);
    const c = await db.connect();
    await c.run("UPDATE events SET data = json_merge_patch(data, '{\"birthYear\":1991}') WHERE position = 4");
    c.closeSync();
    db.closeSync();
    const content = readFileSync(log);
    const r = await upgrade(log);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/kpi migrate: .*v1-broken\.duckdb does not verify \(position 4: stored hash does not match/);
    expect(r.err).toContain("it was not upgraded and is left as it was");
    expect(readFileSync(log).equals(content)).toBe(true);
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith("v1-broken.duckdb."))
        .sort(),
    ).toEqual([]);
  });

  it("re-keys a format-2 log whose dictionary gives a subject a second key, in a proven copy", async () => {
    const log = join(dir, "second-key.duckdb");
    copyFileSync(source, log);
    // p1's later facts carry a second key, as a version whose index lost keys as it grew wrote them
    const db = await DuckDBInstance.create(log);
    const c = await db.connect();
    await c.run(`INSERT INTO subjects SELECT max(subject_key) + 1, 'person:p1' FROM subjects;
      UPDATE events SET subject_key = (SELECT max(subject_key) FROM subjects) WHERE subject = 'person:p1' AND position > 3`);
    c.closeSync();
    db.closeSync();
    const damaged = await DuckDbEventLog.open(log, { readOnly: true });
    try {
      expect(await damaged.verifyChain()).toMatchObject({
        ok: false,
        firstBad: { position: 7, reason: expect.stringMatching(/^subject_key is a second key/) },
      });
      expect(await damaged.subjectsWithSecondKeys()).toBe(1);
    } finally {
      await damaged.close();
    }
    // a warehouse folded from the log as it was: its staged facts keep the old keys
    const folded = join(dir, "wh-second-key.duckdb");
    const warehouse = () =>
      Warehouse.open(folded, log, {
        catalog: seedCatalog(),
        reference: seedReferenceTables(),
        years: [2023, 2026],
        now: () => at,
      });
    const w0 = await warehouse();
    await w0.catchUp();
    await w0.close();
    const before = await events(log);
    const original = readFileSync(log);
    const r = await upgrade(log);
    expect(r.err).toContain("gives 1 subject(s) a second key");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `Re-keyed ${log} (kpi-event-log/2): 1 subject(s) had a second key; each now has one. A warehouse folded from it before holds the old keys: run kpi rebuild`,
    );
    const backup = `${log}.kpi-event-log-2-2026-02-01T10-00-00-000Z.bak`;
    expect(readFileSync(backup).equals(original)).toBe(true);
    expect(await events(log)).toEqual(before);
    const mended = await DuckDbEventLog.open(log, { readOnly: true });
    try {
      expect(await mended.verifyChain()).toEqual({ ok: true, head: 10, checked: 10 });
      expect(await mended.subjectsWithSecondKeys()).toBe(0);
    } finally {
      await mended.close();
    }
    expect((await upgrade(log)).out).toBe(`${log} is in format kpi-event-log/2 already; nothing to do\n`);
    // the warehouse sees the log's keys changed: its next catch-up folds everything again, not incrementally
    const w1 = await warehouse();
    try {
      expect(E.isRight(await w1.log.append([account("a9", "p1")]))).toBe(true);
      expect((await w1.catchUp()).rebuilt).toBe(true);
      expect(E.isRight(await w1.log.append([account("a10", "p1")]))).toBe(true);
      expect((await w1.catchUp()).rebuilt).toBe(false);
    } finally {
      await w1.close();
    }
  });

  it("says so when there is no log", async () => {
    const r = await upgrade(join(dir, "none.duckdb"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("there is no event log at");
    expect(existsSync(join(dir, "none.duckdb"))).toBe(false);
  });
});
