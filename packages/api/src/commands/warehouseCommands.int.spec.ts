/**
 * `kpi project` over a log store that is not the embedded file (KurrentDB in production; here an embedded log
 * opened on its own, which the warehouse can only read through the event-log port): the command folds that
 * store's events, not the configured file's.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { DuckDBInstance } from "@duckdb/node-api";
import { DuckDbEventLog } from "@kpi/core";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { importCommand } from "./importCommand.js";
import { projectCommand } from "./warehouseCommands.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-project-cmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (n: number) =>
  `csv-${n},PaymentAccountOpened,person:a11ce0000000000${n},2024-03-10,nhnn-kv15,"{""commune"":""29926"",""birthYear"":1990}"`;

describe("kpi project over another log store", () => {
  it("folds the store it is given, read through the port, and not the embedded file", async () => {
    const file = join(dir, "facts.csv");
    writeFileSync(file, `id,type,subject,occurredOn,source,data\n${[1, 2, 3].map(row).join("\n")}\n`);
    const store = join(dir, "store.duckdb");
    const config = loadConfig({}, { dataDir: join(dir, "data") });
    const sink = new PassThrough();
    sink.resume();
    const imported = await importCommand(config, {
      openLog: () => DuckDbEventLog.open(store),
      files: [file],
      skipInvalid: false,
      showErrors: 10,
      out: sink,
      err: sink,
    });
    expect(imported).toBe(0);

    const out = new PassThrough();
    let said = "";
    out.on("data", (d: Buffer) => {
      said += d.toString();
    });
    const code = await projectCommand(config, { rebuild: false, out, log: await DuckDbEventLog.open(store) });
    expect(code).toBe(0);
    expect(said).toContain("Projected positions 0 → 3");

    const instance = await DuckDBInstance.create(config.warehousePath, { access_mode: "READ_ONLY" });
    const c = await instance.connect();
    try {
      const r = await c.runAndReadAll(
        "SELECT (SELECT count(*) FROM facts)::INTEGER, (SELECT count(*) FROM source_events)::INTEGER",
      );
      expect(r.getRows()[0]).toEqual([3, 3]);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  }, 120_000);
});
