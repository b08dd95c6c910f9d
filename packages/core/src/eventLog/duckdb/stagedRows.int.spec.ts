/**
 * A bulk session's large batches go into the embedded log as tab-separated files DuckDB reads (`csvStager.ts`),
 * small ones with the appender. The two ways must store the same rows, column for column: a log written each
 * way from the same facts, at the same clock, holds the same events and subject dictionary, and verifies. Also:
 * a session rolled back after its rows were sent leaves nothing, and a stopped import's files are removed when
 * the log is next opened for writing.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { arbitraryFact } from "../../facts/arbitraries.js";
import { CATALOG_AUTHORITY, FACT_TYPES, type Fact, type FactType, isCatalogChange } from "../../facts/index.js";
import { accountOpened, fact } from "../testFacts.js";
import { CsvStager } from "./csvStager.js";
import { DuckDbEventLog } from "./duckdbEventLog.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-staged-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const types = FACT_TYPES.filter((t): t is Exclude<FactType, "FactRetracted"> => t !== "FactRetracted");

/** Facts of every type with ids made unique, some retracted in the same batch, some with awkward free text. */
const batchArb = fc
  .array(
    fc.tuple(
      fc.oneof(...types.map((t) => arbitraryFact(t))),
      fc.boolean(),
      fc.constantFrom("", "a\tb", "dòng\nmới", 'quote "x"', "\\", "\u2028", "😀"),
    ),
    { minLength: 1, maxLength: 30 },
  )
  .map((xs) =>
    xs.flatMap(([f, retracted, text], i): Fact[] => {
      const own = fact({
        ...f,
        id: `f${i}-${f.id}`,
        ...(isCatalogChange(f.type) ? { source: CATALOG_AUTHORITY } : {}),
      });
      if (!retracted) return [own];
      // free text (a retraction's reason): tabs, line breaks, quotes and the rest must survive the file (the
      // envelope's id, type, subject and source cannot hold them: the codecs refuse such strings)
      return [own, fact({ ...own, id: `r${i}`, type: "FactRetracted", data: { eventId: own.id, reason: `x${text}` } })];
    }),
  );

/** A clock that moves on a millisecond at each reading: each append of a session has its own recordedAt. */
const ticking = () => {
  let t = Date.UTC(2026, 11, 6, 6, 0, 0, 123);
  return () => new Date(t++);
};

/** The log's own connection, to read what it holds. */
const connOf = (log: DuckDbEventLog) =>
  (log as unknown as { conn: { runAndReadAll(sql: string): Promise<{ getRows(): unknown[][] }> } }).conn;

/** Every column of every event and subject, in order, as text. */
const contents = async (log: DuckDbEventLog): Promise<string[][]> => {
  const conn = connOf(log);
  const events = await conn.runAndReadAll("SELECT * FROM events ORDER BY position");
  const subjects = await conn.runAndReadAll("SELECT * FROM subjects ORDER BY subject_key");
  const text = (rows: unknown[][]) => rows.map((r) => r.map((v) => String(v)));
  return [...text(events.getRows()), ["--"], ...text(subjects.getRows())];
};

const appendAll = async (path: string, batches: readonly Fact[][], stageFromRows: number, stageBytes?: number) => {
  const log = await DuckDbEventLog.open(path, {
    now: ticking(),
    stageFromRows,
    ...(stageBytes === undefined ? {} : { stageBytes }),
  });
  const session = await log.beginBulk();
  for (const b of batches) {
    const r = await session.append(b);
    if (r._tag === "Left") throw new Error(`refused: ${JSON.stringify(r.left)}`);
  }
  await session.commit();
  return log;
};

describe("rows staged as files", () => {
  it("store what the appender stores, column for column, and verify", async () => {
    // staged from the first batch or from a later one (the appender before), in one file or in many
    const staging = fc.record({ from: fc.constantFrom(1, 5, 20), bytes: fc.constantFrom(300, 4_000, 1 << 23) });
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 4 }), staging, async (drawn, how) => {
        // ids unique across batches (a retraction names its target's new id)
        const batches = drawn.map((b, k) =>
          b.map((f) =>
            fact({
              ...f,
              id: `b${k}-${f.id}`,
              ...(f.type === "FactRetracted" ? { data: { ...f.data, eventId: `b${k}-${f.data.eventId}` } } : {}),
            }),
          ),
        );
        n++;
        const staged = await appendAll(join(dir, `s${n}.duckdb`), batches, how.from, how.bytes);
        const appended = await appendAll(join(dir, `a${n}.duckdb`), batches, Number.POSITIVE_INFINITY);
        try {
          expect(await contents(staged)).toEqual(await contents(appended));
          expect(await staged.verifyChain()).toMatchObject({ ok: true });
        } finally {
          await staged.close();
          await appended.close();
        }
      }),
      { numRuns: 25 },
    );
  }, 240_000);

  it("go in with a large batch by default, and a rolled-back session leaves nothing", async () => {
    const path = join(dir, "rollback.duckdb");
    const log = await DuckDbEventLog.open(path);
    try {
      const first = await log.append([accountOpened("k0", "p0")]);
      expect(first._tag).toBe("Right");
      const session = await log.beginBulk();
      // about 10 MB of rows: more than the 8 MiB kept in memory, so some are sent before the session ends
      const many = Array.from({ length: 40_000 }, (_, i) => accountOpened(`k${i + 1}`, `p${i % 700}`));
      const r = await session.append(many);
      expect(r._tag === "Right" && r.right.appended).toBe(40_000);
      const sent = readdirSync(dir).some((f) => f.startsWith("rollback.duckdb.append-"));
      await session.rollback();
      // a folder of files sat beside the log until the session ended
      expect(sent).toBe(true);
      expect(readdirSync(dir).filter((f) => f.startsWith("rollback.duckdb.append-"))).toEqual([]);
      expect(Number(await log.head())).toBe(1);
      expect((await contents(log)).filter((r) => r[0] !== "--")).toHaveLength(1 + 1); // one event, one subject
      // the same facts again, committed this time: nothing of the rolled-back session stands in the way
      const again = await log.beginBulk();
      expect(await again.append(many)).toMatchObject({ right: { appended: 40_000 } });
      expect(Number(await again.commit())).toBe(40_001);
      expect(await log.verifyChain()).toMatchObject({ ok: true, checked: 40_001 });
    } finally {
      await log.close();
    }
  }, 120_000);

  it("go in under a lower memory limit for DuckDB, put back when the session ends; KPI_DUCKDB_MEMORY keeps its own", async () => {
    const limitOf = async (log: DuckDbEventLog): Promise<number> => {
      const rows = (await connOf(log).runAndReadAll("SELECT current_setting('memory_limit')")).getRows();
      const text = String(rows[0]?.[0]);
      const m = /^([\d.]+) (KiB|MiB|GiB)$/.exec(text);
      if (m === null) throw new Error(`unexpected memory limit ${text}`);
      return Number(m[1]) * 1024 ** ["KiB", "MiB", "GiB"].indexOf(m[2] as string);
    };
    const many = (from: number) => Array.from({ length: 300 }, (_, i) => accountOpened(`m${from + i}`, `p${i % 7}`));
    // staged from 100 rows, in files of about 2 kB, under 100 MB
    const open = () =>
      DuckDbEventLog.open(join(dir, "memory.duckdb"), {
        stageFromRows: 100,
        stageBytes: 2_000,
        stagingMemory: "100MB",
      });
    const set = process.env.KPI_DUCKDB_MEMORY;
    delete process.env.KPI_DUCKDB_MEMORY;
    try {
      const log = await open();
      try {
        const standing = await limitOf(log);
        // DuckDB says it in MiB with one decimal: within 0.1 % of the log's 1 GB, in KiB
        expect(Math.abs(standing / (1e9 / 1024) - 1)).toBeLessThan(1e-3);
        // a session staging rows: the lower limit while it runs, the standing one after its commit
        let session = await log.beginBulk();
        await session.append(many(0));
        expect(Math.abs((await limitOf(log)) / (1e8 / 1024) - 1)).toBeLessThan(1e-3);
        await session.commit();
        expect(await limitOf(log)).toBe(standing);
        // and after a rollback
        session = await log.beginBulk();
        await session.append(many(300));
        expect(await limitOf(log)).toBeLessThan(standing);
        await session.rollback();
        expect(await limitOf(log)).toBe(standing);
        // a session of small batches (the appender) leaves it as it is
        session = await log.beginBulk();
        await session.append(many(600).slice(0, 10));
        expect(await limitOf(log)).toBe(standing);
        await session.commit();
        expect(await log.verifyChain()).toMatchObject({ ok: true, checked: 310 });
      } finally {
        await log.close();
      }
      process.env.KPI_DUCKDB_MEMORY = "600MB";
      const chosen = await open();
      try {
        const limit = await limitOf(chosen);
        const session = await chosen.beginBulk();
        await session.append(many(900));
        expect(await limitOf(chosen)).toBe(limit);
        await session.commit();
      } finally {
        await chosen.close();
      }
    } finally {
      if (set === undefined) delete process.env.KPI_DUCKDB_MEMORY;
      else process.env.KPI_DUCKDB_MEMORY = set;
    }
  });

  it("are removed when a stopped import left them, as the log opens for writing", async () => {
    const path = join(dir, "left.duckdb");
    await (await DuckDbEventLog.open(path)).close();
    const left = join(dir, "left.duckdb.append-x1y2z3");
    mkdirSync(left);
    writeFileSync(join(left, "events-0.tsv"), "half a row");
    const other = join(dir, "left2.duckdb.append-keep");
    mkdirSync(other);
    const reader = await DuckDbEventLog.open(path, { readOnly: true });
    await reader.close();
    expect(existsSync(left)).toBe(true); // a reader leaves them: a writer may be using them
    const log = await DuckDbEventLog.open(path);
    await log.close();
    expect(existsSync(left)).toBe(false);
    expect(existsSync(other)).toBe(true); // another log's
  });

  it("that DuckDB cannot insert fail the session with what to do, naming the log, and leave no files", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    // an events table without the columns a row fills: the insert fails as a damaged or foreign file would
    await conn.run("CREATE TABLE events (position BIGINT)");
    const path = join(dir, "broken.duckdb");
    const stager = new CsvStager(conn, "", path, 10);
    stager.addEvent(1, 0, "2026-12-06T06:00:00.000Z", Uint8Array.of(0), "\t1\t1\t2\tid\tT\ts\t2024-01-01\tsrc\t\t{}\n");
    const failed = await stager.finish().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failed?.message).toMatch(
      new RegExp(
        `^writing rows into the event log ${path} failed: [^]+; nothing of this session's facts was appended; the log is as it was`,
      ),
    );
    expect(readdirSync(dir).filter((f) => f.startsWith("broken.duckdb.append-"))).toEqual([]);
    conn.closeSync();
    instance.closeSync();
  });
});
