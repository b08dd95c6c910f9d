/**
 * Faults while projecting: a step that fails midway (a full disk) reports its own cause, not the failed
 * ROLLBACK that follows it; snapshots killed midway leave no temporary files behind for good.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { hookStatements } from "../testing/statements.js";
import { Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-whfault-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const pop = (id: string, commune: string, year: number) =>
  fact({
    id,
    type: "PopulationEstimated",
    subject: `stat:pop-${commune}`,
    occurredOn: `${year}-07-01`,
    source: "gso",
    data: { commune, year, total: 5, aged15plus: 4, adults: 3 },
  });

const open = async () => {
  const k = n++;
  return Warehouse.open(join(dir, `wh-${k}.duckdb`), join(dir, `log-${k}.duckdb`), {
    catalog: testCatalog,
    reference: testReference,
    years: [2023, 2026],
  });
};

/** The DuckDB error text of a full disk, as the storage layer reports it. */
const ENOSPC = 'IO Error: Could not write file "wh.duckdb.wal": No space left on device';

/**
 * Makes the warehouse's connection fail like a full disk on the first statement that matches `when`. Inside a
 * transaction, DuckDB then ends the transaction itself (here: COMMIT on the real connection), so the ROLLBACK
 * that follows fails.
 */
const failLikeAFullDisk = (w: Warehouse, when: RegExp, inTransaction = true): void => {
  let failed = false;
  hookStatements(w, async (sql, real, rest) => {
    if (!failed && when.test(sql)) {
      failed = true;
      if (inTransaction) await real("COMMIT");
      throw new Error(ENOSPC);
    }
    return real(sql, ...rest);
  });
};

describe("a projection step that fails midway", () => {
  it("reports the full disk and what to do, not the failed rollback", async () => {
    const w = await open();
    try {
      await w.log.append([pop("p24", "29926", 2024), pop("p25", "29926", 2025)]);
      failLikeAFullDisk(w, /^DELETE FROM reports/);
      const e = await w.catchUp().then(
        () => undefined,
        (x: unknown) => x as Error,
      );
      expect(e).toBeInstanceOf(Error);
      const m = (e as Error).message;
      expect(m).toMatch(/^folding log positions 0 → 2 into the warehouse failed: IO Error: .*No space left on device/);
      expect(m).toContain("free disk space");
      // the rollback's own failure is appended, after the cause
      expect(m.indexOf("no transaction is active")).toBeGreaterThan(m.indexOf("free disk space"));
      // nothing was folded; once the disk has room, the same step succeeds
      expect(await w.checkpoint()).toBe(0);
      expect((await w.catchUp()).to).toBe(2);
      expect(await w.checkpoint()).toBe(2);
    } finally {
      await w.close();
    }
  });

  it("reports the cause when the rollback succeeds, without mentioning a rollback", async () => {
    const w = await open();
    try {
      await w.log.append([pop("p24", "29926", 2024)]);
      const conn = (w as unknown as { conn: DuckDBConnection }).conn;
      const real = conn.run.bind(conn);
      conn.run = (async (sql: string, ...rest: unknown[]) => {
        if (/^DELETE FROM reports/.test(sql)) throw new Error(ENOSPC);
        return (real as (...a: unknown[]) => ReturnType<DuckDBConnection["run"]>)(sql, ...rest);
      }) as DuckDBConnection["run"];
      const e = (await w.catchUp().catch((x: unknown) => x)) as Error;
      expect(e.message).toContain("No space left on device; the disk is full: free disk space");
      expect(e.message).not.toContain("rollback");
      conn.run = real;
      expect(await w.checkpoint()).toBe(0);
    } finally {
      await w.close();
    }
  });
});

describe("a full fold, whose stage commits before the rest", () => {
  /** Rows of `sql` on the warehouse's own connection. */
  const read = async (w: Warehouse, sql: string): Promise<unknown[][]> =>
    (await (w as unknown as { conn: DuckDBConnection }).conn.runAndReadAll(sql)).getRows();
  const figures = (w: Warehouse) =>
    read(
      w,
      `SELECT indicator, geo, year, CAST(numerator AS VARCHAR), CAST(denominator AS VARCHAR) FROM indicator_values
       ORDER BY ALL`,
    );

  it("stages nothing twice when it failed after that commit: the next fold equals a clean one", async () => {
    const w = await open();
    const clean = await open();
    try {
      const facts = [pop("p24", "29926", 2024), pop("p25", "29926", 2025), pop("q25", "29927", 2025)];
      await w.log.append(facts);
      await clean.log.append(facts);
      // fails in the second transaction, whose rollback succeeds: the stage's commit stands
      failLikeAFullDisk(w, /^DELETE FROM reports/, false);
      await expect(w.catchUp()).rejects.toThrow(/No space left on device/);
      expect(await w.checkpoint()).toBe(0);
      expect(await read(w, "SELECT CAST(count(*) AS INTEGER) FROM facts")).toEqual([[3]]);
      expect((await w.catchUp()).to).toBe(3);
      await clean.catchUp();
      expect(await read(w, "SELECT CAST(count(*) AS INTEGER) FROM facts")).toEqual([[3]]);
      const got = await figures(w);
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(await figures(clean));
      expect(await read(w, "SELECT * FROM geo_warnings ORDER BY ALL")).toEqual(
        await read(clean, "SELECT * FROM geo_warnings ORDER BY ALL"),
      );
    } finally {
      await w.close();
      await clean.close();
    }
  });
});

describe("snapshot temporary files", () => {
  /** The id of a process that has ended. */
  const deadPid = (): number =>
    Number(execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]));

  it("removes those of dead processes and of earlier runs, keeps others, and leaves none of its own", async () => {
    const w = await open();
    const snap = join(dir, `snap-${n}.duckdb`);
    const dead = deadPid();
    const stale = [`${snap}.tmp-${dead}`, `${snap}.tmp-${dead}.wal`, `${snap}.tmp-${process.ppid}`];
    const kept = [`${snap}.tmp-${process.ppid}.wal`, `${snap}.tmp-x1`, `${snap}.tmp-${dead}.bak`];
    try {
      for (const f of [...stale, ...kept]) writeFileSync(f, "partial copy");
      // a live process's file written before this warehouse was opened: a reused process id
      const before = new Date(Date.now() - 60_000);
      utimesSync(`${snap}.tmp-${process.ppid}`, before, before);
      await w.snapshot(snap);
      for (const f of stale) expect(existsSync(f), f).toBe(false);
      for (const f of kept) expect(existsSync(f), f).toBe(true);
      expect(existsSync(snap)).toBe(true);
      expect(existsSync(`${snap}.tmp-${process.pid}`)).toBe(false);
    } finally {
      await w.close();
    }
  });

  it("removes its own temporary file when the copy fails, and says what to do about a full disk", async () => {
    const w = await open();
    const snap = join(dir, `snap-${n}.duckdb`);
    try {
      failLikeAFullDisk(w, /^FORCE CHECKPOINT/, false);
      const e = (await w.snapshot(snap).catch((x: unknown) => x)) as Error;
      expect(e.message).toMatch(/^writing the snapshot .* failed: .*No space left on device; .*free disk space/);
      expect(existsSync(`${snap}.tmp-${process.pid}`)).toBe(false);
      expect(existsSync(snap)).toBe(false);
    } finally {
      await w.close();
    }
  });
});
