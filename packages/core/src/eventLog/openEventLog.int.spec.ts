import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { position } from "../facts/index.js";
import { DuckDbEventLog } from "./duckdb/duckdbEventLog.js";
import { loadEventLogConfig, openEventLog } from "./openEventLog.js";
import { accountOpened } from "./testFacts.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configFor = (env: NodeJS.ProcessEnv, logPath: string) => {
  const r = loadEventLogConfig(env, { logPath, cwd: dir });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

describe("openEventLog", () => {
  it("opens the embedded log file by default, with the clock and read-only flag it is given", async () => {
    const config = configFor({}, join(dir, "events.duckdb"));
    const log = await openEventLog(config, { now: () => new Date("2025-05-05T05:05:05.005Z") });
    try {
      expect(log).toBeInstanceOf(DuckDbEventLog);
      expect(E.isRight(await log.append([accountOpened("a1", "p1")]))).toBe(true);
    } finally {
      await log.close();
    }
    const reader = await openEventLog(config, { readOnly: true });
    try {
      const events = [];
      for await (const e of reader.readAll(position(0))) events.push(e);
      expect(events.map((e) => [e.position, e.recordedAt])).toEqual([[1, "2025-05-05T05:05:05.005Z"]]);
      await expect(reader.append([accountOpened("a2", "p1")])).rejects.toThrow(/read-only/);
    } finally {
      await reader.close();
    }
  });

  it("will not open the kurrentdb side without a server address", async () => {
    const config = configFor({}, join(dir, "other.duckdb"));
    await expect(openEventLog(config, { store: "kurrentdb" })).rejects.toThrow(/needs KURRENTDB_URL/);
  });
});
