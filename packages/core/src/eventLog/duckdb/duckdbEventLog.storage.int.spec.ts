/**
 * Storage faults of the embedded log. A log file whose stored blocks are damaged (a block's checksum fails) is
 * not written to: opening it for appends reads every block once and refuses with what to do, even when the
 * damage is in a column that loading the indexes does not read. A commit that fails (a full disk) says so and
 * what to do, and leaves the log as it was.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { accountOpened } from "../testFacts.js";
import { DuckDbEventLog, LogStorageDamaged } from "./duckdbEventLog.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-storage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** DuckDB's file layout: three 4 KiB headers, then 256 KiB blocks, each starting with its 8-byte checksum. */
const HEADERS = 3 * 4096;
const BLOCK = 262_144;

/** The blocks that hold only segments of `columns` (none of another column). */
const blocksOnlyOf = async (path: string, columns: readonly string[]): Promise<number[]> => {
  const db = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const c = await db.connect();
  try {
    const rows = (
      await c.runAndReadAll(
        "SELECT column_name, CAST(block_id AS DOUBLE) AS block FROM pragma_storage_info('events') WHERE block_id >= 0",
      )
    ).getRowObjectsJS() as { column_name: string; block: number }[];
    const byBlock = new Map<number, Set<string>>();
    for (const r of rows) byBlock.set(r.block, (byBlock.get(r.block) ?? new Set()).add(r.column_name));
    return [...byBlock].filter(([, cs]) => [...cs].every((x) => columns.includes(x))).map(([b]) => b);
  } finally {
    c.closeSync();
    db.closeSync();
  }
};

/** Flips one byte inside the block, after its checksum. */
const corrupt = (path: string, block: number): void => {
  const fd = openSync(path, "r+");
  try {
    const at = HEADERS + block * BLOCK + 1000;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = (b[0] ?? 0) ^ 0xff;
    writeSync(fd, b, 0, 1, at);
  } finally {
    closeSync(fd);
  }
};

describe("a log file with a damaged block", () => {
  it("is refused for appends with what to do, though the indexes never read the damaged column", async () => {
    const path = join(dir, "events.duckdb");
    const log = await DuckDbEventLog.open(path);
    const facts = Array.from({ length: 20_000 }, (_, i) => accountOpened(`a${i}`, `p${i}`));
    expect((await log.append(facts))._tag).toBe("Right");
    await log.close();
    // the chain hashes: 32 random bytes an event, which loading the indexes does not read
    const [block] = await blocksOnlyOf(path, ["hash"]);
    expect(block).toBeDefined();
    corrupt(path, block as number);

    const e = await DuckDbEventLog.open(path).then(
      async (l) => {
        await l.close();
        return undefined;
      },
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(LogStorageDamaged);
    const m = (e as Error).message;
    expect(m).toContain(`the event log ${path} is damaged (`);
    expect(m).toMatch(/checksum/);
    expect(m).toContain("nothing was written to it");
    expect(m).toContain("Restore it from a backup");
    expect(m).toContain("kpi verify-log");

    // checking the chain of the damaged file says the same, not DuckDB's words alone
    const chain = await DuckDbEventLog.open(path, { readOnly: true }).then(
      async (l) => {
        try {
          return await l.verifyChain().catch((x: unknown) => x);
        } finally {
          await l.close();
        }
      },
      (x: unknown) => x,
    );
    expect(chain).toBeInstanceOf(LogStorageDamaged);
  });
});

describe("a commit that fails for a full disk", () => {
  it("says so and what to do, appends nothing, and the next append succeeds", async () => {
    const log = await DuckDbEventLog.open(join(dir, "full.duckdb"));
    try {
      expect((await log.append([accountOpened("a0", "p0")]))._tag).toBe("Right");
      const conn = (log as unknown as { writeConn: DuckDBConnection }).writeConn;
      const real = conn.run.bind(conn);
      conn.run = (async (sql: string, ...rest: unknown[]) => {
        if (sql === "COMMIT") {
          await real("ROLLBACK"); // DuckDB ends the transaction it could not write
          throw new Error('IO Error: Could not write file "full.duckdb.wal": No space left on device');
        }
        return (real as (...a: unknown[]) => ReturnType<DuckDBConnection["run"]>)(sql, ...rest);
      }) as DuckDBConnection["run"];
      const e = (await log
        .append([accountOpened("a1", "p1"), accountOpened("a2", "p2")])
        .catch((x: unknown) => x)) as Error;
      expect(e.message).toMatch(
        /^committing 2 events to the event log .*full\.duckdb failed: IO Error: .*No space left on device; nothing was appended; the disk is full: free disk space/,
      );
      conn.run = real;
      expect(await log.head()).toBe(1);
      const again = await log.append([accountOpened("a1", "p1")]);
      expect(again).toMatchObject({ _tag: "Right", right: { appended: 1, head: 2 } });
      expect((await log.verifyChain()).ok).toBe(true);
    } finally {
      await log.close();
    }
  });
});
