/**
 * `pnpm bench:import [--lines N] [--runs R]`: the import rate into the embedded log, durable, beside two
 * baselines measured in the same process on the same file:
 *   (a) reading the lines and JSON.parse alone — the floor for any importer written in JavaScript;
 *   (b) DuckDB's own NDJSON reader loading the file into a table — close to the limit of the storage engine
 *       (no validation, no hash chain, no idempotency).
 * The file is the first N facts of the province-scale sample stream (seed 1).
 */

import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { DuckDbEventLog, importFile } from "@kpi/core";
import { factStream } from "@kpi/seeds";
import { fmt, medianOf, row } from "./measure.js";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "1000000" },
    runs: { type: "string", default: "3" },
    dir: { type: "string" },
  },
});
const lines = Number(values.lines);
const runs = Number(values.runs);
const dir = values.dir ?? tmpdir();
const file = join(dir, `kpi-bench-${lines}.ndjson`);

const writeFile = async () => {
  if (existsSync(file)) return;
  const out = createWriteStream(`${file}.partial`);
  let n = 0;
  for (const f of factStream({ scale: "province", seed: 1 })) {
    if (!out.write(`${JSON.stringify(f)}\n`)) await once(out, "drain");
    if (++n >= lines) break;
  }
  out.end();
  await once(out, "finish");
  renameSync(`${file}.partial`, file);
};

const main = async () => {
  process.stdout.write(`Preparing ${fmt(lines)} facts in ${file} ...\n`);
  await writeFile();
  const bytes = statSync(file).size;
  process.stdout.write(`${fmt(bytes / 2 ** 20, 1)} MiB; median of ${runs} runs each\n\n`);

  const parseOnly = await medianOf(
    runs,
    () => undefined,
    async () => {
      const rl = createInterface({
        input: createReadStream(file, { highWaterMark: 1 << 20 }),
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      let n = 0;
      for await (const line of rl) if (JSON.parse(line) !== null) n++;
      if (n !== lines) throw new Error(`read ${n} lines`);
    },
  );

  const db = join(dir, "kpi-bench-baseline.duckdb");
  const engine = await medianOf(
    runs,
    () => {
      rmSync(db, { force: true });
      rmSync(`${db}.wal`, { force: true });
    },
    async () => {
      const inst = await DuckDBInstance.create(db);
      const c = await inst.connect();
      await c.run(`CREATE TABLE facts AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {
        id: 'VARCHAR', type: 'VARCHAR', subject: 'VARCHAR', occurredOn: 'DATE', source: 'VARCHAR', data: 'JSON'})`);
      c.closeSync();
      inst.closeSync();
    },
  );

  const logPath = join(dir, "kpi-bench-log.duckdb");
  let accepted = 0;
  const ours = await medianOf(
    runs,
    () => {
      rmSync(logPath, { force: true });
      rmSync(`${logPath}.wal`, { force: true });
    },
    async () => {
      const log = await DuckDbEventLog.open(logPath);
      try {
        const s = await importFile(log, file);
        if (!s.committed) throw new Error(`import refused: ${JSON.stringify(s.errors.slice(0, 3))}`);
        accepted = s.accepted + s.duplicates;
      } finally {
        await log.close();
      }
    },
  );

  process.stdout.write(`${"".padEnd(44)} ${"time".padStart(10)} ${"facts".padStart(15)} ${"peak RSS".padStart(11)}\n`);
  process.stdout.write(`${row("(a) read + JSON.parse only", parseOnly, lines)}\n`);
  process.stdout.write(`${row("(b) DuckDB read_json into a table", engine, lines)}\n`);
  process.stdout.write(`${row("kpi import (validated, chained, durable)", ours, accepted, engine)}\n`);
  process.stdout.write(
    `\nkpi import is ×${fmt(ours.seconds / parseOnly.seconds, 2)} the time of (a) and ×${fmt(ours.seconds / engine.seconds, 2)} of (b)\n`,
  );
};

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
