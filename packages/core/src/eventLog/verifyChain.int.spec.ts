/**
 * `verifyChain` checks every link at once in SQL; `verifyChainSequentially` walks the chain in TypeScript. On
 * random logs, tampered in random ways, both must give the same report, and a tampered log never verifies.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { DuckDbEventLog } from "./duckdbEventLog.js";
import { accountOpened } from "./testFacts.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-chain-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Fact ids may hold `"` and `\`, which JSON escapes: those events take the TypeScript path. */
const idArb = fc.stringMatching(/^[a-z"\\]{1,6}$/);

type Tamper = (count: number, k: number) => string | undefined;

const tampers: Record<string, Tamper> = {
  none: () => undefined,
  data: (_, k) => `UPDATE events SET data = json_merge_patch(data, '{"institution":"forged"}') WHERE position = ${k}`,
  idNonAscii: (_, k) => `UPDATE events SET id = id || 'é' WHERE position = ${k}`,
  idQuote: (_, k) => `UPDATE events SET id = id || '"' WHERE position = ${k}`,
  recordedAt: (_, k) => `UPDATE events SET recorded_at = recorded_at + INTERVAL 1 MILLISECOND WHERE position = ${k}`,
  hash: (_, k) => `UPDATE events SET hash = sha256('x')::BLOB WHERE position = ${k}`,
  // Cutting the last events off is not a broken chain (a publication's position and head catch it).
  deleted: (count, k) => (k < count ? `DELETE FROM events WHERE position = ${k}` : undefined),
  swapped: (count, k) =>
    k < count
      ? `UPDATE events SET position = CASE position WHEN ${k} THEN ${k + 1} ELSE ${k} END WHERE position IN (${k}, ${k + 1})`
      : undefined,
  repeated: (_, k) => `INSERT INTO events SELECT * FROM events WHERE position = ${k}`,
  truncatedHead: (count) => (count > 1 ? `DELETE FROM events WHERE position = 1` : undefined),
};

const build = async (ids: readonly string[]): Promise<string> => {
  const path = join(dir, `log-${n++}.duckdb`);
  const log = await DuckDbEventLog.open(path);
  try {
    let i = 0;
    for (const id of ids) {
      const r = await log.append([accountOpened(`${id}-${i}`, `p${i % 3}`)]);
      if (r._tag !== "Right") throw new Error(JSON.stringify(r));
      i++;
    }
  } finally {
    await log.close();
  }
  return path;
};

const runSql = async (path: string, sql: string) => {
  const db = await DuckDBInstance.create(path);
  const c = await db.connect();
  await c.run(sql);
  c.closeSync();
  db.closeSync();
};

describe("verifyChain in SQL", () => {
  it("gives the sequential check's report on random logs, tampered or not", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(idArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(...Object.keys(tampers)),
        fc.nat(),
        async (ids, kind, at) => {
          const path = await build(ids);
          const k = 1 + (at % ids.length);
          const sql = (tampers[kind] as Tamper)(ids.length, k);
          if (sql !== undefined) await runSql(path, sql);
          const log = await DuckDbEventLog.open(path, { readOnly: true });
          try {
            const fast = await log.verifyChain();
            expect(fast).toEqual(await log.verifyChainSequentially());
            expect(fast.ok).toBe(sql === undefined);
            if (sql === undefined) expect(fast).toEqual({ ok: true, head: ids.length, checked: ids.length });
          } finally {
            await log.close();
            rmSync(path, { force: true });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
