import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll } from "vitest";
import { eventLogContract } from "../eventLog.contract.js";
import type { EventLog } from "../eventLog.js";
import { DuckDbEventLog } from "./duckdbEventLog.js";

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

const attached = async (path: string): Promise<EventLog> => {
  const instance = await DuckDBInstance.create(":memory:");
  const log = await DuckDbEventLog.open(path, { attach: { instance, alias: "log" } });
  const close = log.close.bind(log);
  return Object.assign(log, {
    close: async () => {
      await close();
      instance.closeSync();
    },
  });
};

eventLogContract("embedded DuckDB attached to another instance", {
  fresh: () => attached(join(dir, `attached-${n++}.duckdb`)),
  reopen: async (log: EventLog) => {
    const path = (log as DuckDbEventLog).path;
    await log.close();
    return attached(path);
  },
});
