/**
 * The restricted snapshot is the whole warehouse: copied as the warehouse's file after a checkpoint, or, when
 * the file is not settled in it (a write-ahead log not checkpointed), table by table. Either way every table
 * of the snapshot holds exactly the warehouse's rows, after a first fold and after a catch-up that replaces
 * the snapshot.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { hookStatements } from "../testing/statements.js";
import { factStreamArb } from "../testing/streams.js";
import { Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-snapshot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const open = async () => {
  const k = n++;
  return {
    w: await Warehouse.open(join(dir, `wh-${k}.duckdb`), join(dir, `log-${k}.duckdb`), {
      catalog: testCatalog,
      reference: testReference,
      years: [2023, 2026],
    }),
    snap: join(dir, `snap-${k}.duckdb`),
  };
};

/** The statements the warehouse's connection runs, recorded from now on. */
const recordStatements = (w: Warehouse, skip?: RegExp): string[] => {
  const seen: string[] = [];
  hookStatements(w, async (sql, real, rest) => {
    seen.push(sql);
    return skip?.test(sql) ? undefined : real(sql, ...rest);
  });
  return seen;
};

/** Tables of the warehouse or the snapshot whose rows differ (both ways, duplicates counted), with the reason. */
const differences = async (w: Warehouse, snap: string): Promise<string[]> => {
  await w.query(`ATTACH '${snap}' AS snap (READ_ONLY)`);
  try {
    const tables = async (db: string) =>
      (
        await w.query<{ t: string }>(
          `SELECT table_name AS t FROM duckdb_tables() WHERE database_name = '${db}' AND NOT temporary ORDER BY 1`,
        )
      ).map((r) => r.t);
    const ours = await tables((await w.query<{ db: string }>("SELECT current_database() AS db"))[0]?.db ?? "");
    const theirs = await tables("snap");
    const out: string[] = [];
    if (ours.join() !== theirs.join()) out.push(`tables: ${ours.join()} against ${theirs.join()}`);
    for (const t of ours.filter((x) => theirs.includes(x))) {
      const [d] = await w.query<{ a: number; b: number; n: number }>(
        `SELECT CAST((SELECT count(*) FROM (SELECT * FROM "${t}" EXCEPT ALL SELECT * FROM snap."${t}")) AS DOUBLE) AS a,
                CAST((SELECT count(*) FROM (SELECT * FROM snap."${t}" EXCEPT ALL SELECT * FROM "${t}")) AS DOUBLE) AS b,
                CAST((SELECT count(*) FROM "${t}") AS DOUBLE) AS n`,
      );
      if (d === undefined || d.a > 0 || d.b > 0)
        out.push(`${t}: ${d?.a} rows only in the warehouse, ${d?.b} only in the snapshot`);
    }
    return out;
  } finally {
    await w.query("DETACH snap");
  }
};

describe("the restricted snapshot", () => {
  it("holds every table's rows, copied as the warehouse's file, after a fold and after a catch-up", async () => {
    await fc.assert(
      fc.asyncProperty(factStreamArb(40), fc.nat(), async (stream, cut) => {
        const { w, snap } = await open();
        try {
          const at = stream.length === 0 ? 0 : cut % stream.length;
          const seen = recordStatements(w);
          await w.log.append(stream.slice(0, at));
          await w.catchUp();
          await w.snapshot(snap);
          expect(await differences(w, snap)).toEqual([]);
          await w.log.append(stream.slice(at));
          await w.catchUp();
          await w.snapshot(snap);
          expect(await differences(w, snap)).toEqual([]);
          // both were copies of the file, not table by table
          expect(seen.filter((s) => s.startsWith("COPY FROM DATABASE"))).toEqual([]);
          expect(seen.filter((s) => s === "FORCE CHECKPOINT")).toHaveLength(2);
        } finally {
          await w.close();
        }
      }),
      { numRuns: 8 },
    );
  });

  it("is copied table by table when the warehouse's file is not settled (its write-ahead log holds commits)", async () => {
    const { w, snap } = await open();
    try {
      const [stream] = fc.sample(factStreamArb(40), { numRuns: 1, seed: 7 });
      // commits stay in the write-ahead log, and the checkpoint before the copy does not happen
      await w.query("SET checkpoint_threshold = '1GB'");
      const seen = recordStatements(w, /^FORCE CHECKPOINT$/);
      await w.log.append(stream ?? []);
      await w.catchUp();
      await w.snapshot(snap);
      expect(seen.filter((s) => s.startsWith("COPY FROM DATABASE"))).toHaveLength(1);
      expect(await differences(w, snap)).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
