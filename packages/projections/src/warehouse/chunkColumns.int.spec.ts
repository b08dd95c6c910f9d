import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { float64Column, inlineAt, inlineBlobColumn, inlineLength, int32Column } from "./chunkColumns.js";

const chunksOf = async (sql: string) => {
  const c = await (await DuckDBInstance.create(":memory:")).connect();
  const result = await c.stream(sql);
  const out = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return out;
    out.push(chunk);
  }
};

describe("chunk columns read from DuckDB's memory", () => {
  it("give the values getItem gives, over several chunks", async () => {
    const chunks = await chunksOf(
      `SELECT CAST(i * 7 - 5000 AS INTEGER), CAST(i AS DOUBLE) / 4, sha256(CAST(i AS VARCHAR))::BLOB,
              unhex(sha256(CAST(i AS VARCHAR)))[1:12], unhex(sha256(CAST(i AS VARCHAR)))[25:32]
       FROM range(5000) t(i)`,
    );
    expect(chunks.length).toBeGreaterThan(1);
    let rows = 0;
    for (const chunk of chunks) {
      const ints = int32Column(chunk, 0);
      const doubles = float64Column(chunk, 1);
      const twelve = inlineBlobColumn(chunk, 3);
      const eight = inlineBlobColumn(chunk, 4);
      for (let r = 0; r < chunk.rowCount; r++) {
        expect(ints[r]).toBe(chunk.getColumnVector(0).getItem(r));
        expect(doubles[r]).toBe(chunk.getColumnVector(1).getItem(r));
        for (const [view, column, bytes] of [
          [twelve, 3, 12],
          [eight, 4, 8],
        ] as const) {
          const want = Buffer.from((chunk.getColumnVector(column).getItem(r) as { bytes: Uint8Array }).bytes);
          expect(inlineLength(view, r)).toBe(bytes);
          const got = Buffer.from(view.buffer, view.byteOffset + inlineAt(r), bytes);
          expect(got.equals(want)).toBe(true);
        }
      }
      rows += chunk.rowCount;
    }
    expect(rows).toBe(5000);
  });

  it("say the length of a value too long to be held inline, so that it is not read as one", async () => {
    const [chunk] = await chunksOf(`SELECT unhex(sha256('x'))`);
    expect(inlineLength(inlineBlobColumn(chunk as NonNullable<typeof chunk>, 0), 0)).toBe(32);
  });

  it("refuse a NULL, naming the row", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3000 }), async (at) => {
        const chunks = await chunksOf(
          `SELECT CASE WHEN i = ${at} THEN NULL ELSE CAST(i AS INTEGER) END FROM range(3001) t(i)`,
        );
        let before = 0;
        for (const chunk of chunks) {
          if (at >= before && at < before + chunk.rowCount) {
            expect(() => int32Column(chunk, 0)).toThrow(
              `an INTEGER column: row ${at - before} of a chunk is NULL where a value was expected`,
            );
          } else expect(int32Column(chunk, 0)).toHaveLength(chunk.rowCount);
          before += chunk.rowCount;
        }
        expect(before).toBe(3001);
      }),
      { numRuns: 10 },
    );
  });
});
