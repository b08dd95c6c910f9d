/**
 * The Merkle roots DuckDB computes for many trees at once (`leafHashSql`, `merkleLevelSql`, `reduceToRoots`)
 * equal the TypeScript reference `merkleRoot`, for random sets of trees of 1 to 70 leaves.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leafHashSql, merkleRoot, reduceToRoots } from "./merkle.js";

let instance: DuckDBInstance;
let query: (sql: string) => Promise<Record<string, unknown>[]>;
beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  query = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS();
});
afterAll(() => instance.closeSync());

describe("Merkle roots in DuckDB", () => {
  it("equal the reference for every tree", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 70 }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (trees) => {
          const values = trees.flatMap((leaves, cell) =>
            leaves.map((h, i) => `(${cell}, ${i}, unhex('${Buffer.from(h).toString("hex")}'))`),
          );
          await query("CREATE OR REPLACE TEMP TABLE chain (cell INTEGER, i BIGINT, hash BLOB)");
          await query(`INSERT INTO chain VALUES ${values.join(", ")}`);
          await query(`CREATE OR REPLACE TEMP TABLE lv_a AS SELECT cell, i, ${leafHashSql("hash")} AS h FROM chain`);
          const roots = await reduceToRoots(query, "lv_a", "lv_b");
          const got = await query(`SELECT cell, lower(hex(h)) AS root FROM ${roots} ORDER BY cell`);
          expect(got).toEqual(trees.map((leaves, cell) => ({ cell, root: merkleRoot(leaves) })));
        },
      ),
      { numRuns: 40 },
    );
  });
});
