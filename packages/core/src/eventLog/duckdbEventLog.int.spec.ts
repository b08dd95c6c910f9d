import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { DuckDbEventLog } from "./duckdbEventLog.js";
import { eventLogContract } from "./eventLog.contract.js";
import type { EventLog } from "./eventLog.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

eventLogContract("embedded DuckDB", {
  fresh: () => DuckDbEventLog.open(join(dir, `log-${n++}.duckdb`)),
  reopen: async (log: EventLog) => {
    const path = (log as DuckDbEventLog).path;
    await log.close();
    return DuckDbEventLog.open(path);
  },
});
