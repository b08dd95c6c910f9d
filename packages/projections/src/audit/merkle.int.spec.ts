/**
 * The Merkle roots computed for many trees at once from leaves hashed in DuckDB (`leafHashSql`), reduced there by
 * 0 to 6 levels (`subtreesSql`) and streamed in (tree, position) order into `merkleRootsOf`, equal the TypeScript
 * reference `merkleRoot` and the former SQL computation (a self-join per level, kept here as the reference), for
 * random sets of trees of 1 to 300 leaves; and the leaf counts are the trees' sizes.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LeafRow, leafHashSql, merkleRoot, merkleRootsOf, subtreesSql } from "./merkle.js";

let instance: DuckDBInstance;
let query: (sql: string) => Promise<Record<string, unknown>[]>;
let stream: (sql: string) => AsyncIterable<LeafRow[]>;
beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  query = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS();
  stream = async function* (sql) {
    const r = await c.stream(sql);
    for await (const rows of r.yieldRowObjectJs()) yield rows as unknown as LeafRow[];
  };
});
afterAll(() => instance.closeSync());

/** The former computation: the next level of every tree by a self-join, until each tree has one node. */
const levelSql = (level: string): string => `SELECT a.cell, a.i // 2 AS i,
    CASE WHEN b.h IS NULL THEN a.h ELSE unhex(sha256('\\x01'::BLOB || a.h || b.h)) END AS h
    FROM ${level} a LEFT JOIN ${level} b ON b.cell = a.cell AND b.i = a.i + 1 WHERE a.i % 2 = 0`;

const rootsBySelfJoins = async (): Promise<Record<string, unknown>[]> => {
  await query(`CREATE OR REPLACE TEMP TABLE lv_a AS SELECT cell, i, ${leafHashSql("hash")} AS h FROM chain`);
  let [from, to] = ["lv_a", "lv_b"];
  for (;;) {
    const top = await query(`SELECT CAST(coalesce(max(i), 0) AS DOUBLE) AS i FROM ${from}`);
    if (Number(top[0]?.i ?? 0) <= 0) break;
    await query(`CREATE OR REPLACE TEMP TABLE ${to} AS ${levelSql(from)}`);
    [from, to] = [to, from];
  }
  return query(`SELECT cell, lower(hex(h)) AS root FROM ${from} ORDER BY cell`);
};

describe("Merkle roots of leaves hashed in DuckDB and streamed into one fold per tree", () => {
  it("equal the reference and the former level-by-level SQL for every tree, however many levels DuckDB hashes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 300 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 0, max: 6 }),
        async (trees, levels) => {
          const values = trees.flatMap((leaves, cell) =>
            leaves.map((h, i) => `(${cell}, ${i}, unhex('${Buffer.from(h).toString("hex")}'))`),
          );
          await query("CREATE OR REPLACE TEMP TABLE chain (cell INTEGER, i BIGINT, hash BLOB)");
          await query(`INSERT INTO chain VALUES ${values.join(", ")}`);
          const folded = await merkleRootsOf(
            stream(subtreesSql(`(SELECT cell, i, ${leafHashSql("hash")} AS h FROM chain)`, levels)),
          );
          const expected = trees.map((leaves, cell) => ({ cell, root: merkleRoot(leaves) }));
          expect([...folded].map(([cell, t]) => ({ cell, root: t.root }))).toEqual(expected);
          expect([...folded].map(([, t]) => t.events)).toEqual(trees.map((l) => l.length));
          expect(await rootsBySelfJoins()).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
