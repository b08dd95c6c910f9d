/**
 * 1. Import: the head facts from NDJSON into a new embedded log, validated, hash-chained and durable (the
 * log the later sections use), beside
 *   (a) the same reading, JSON.parse and io-ts decoding on one thread (`readFactLines`, the sequential reader;
 *       the importer now reads in worker threads, `factChunksOfFile`) with no log: the naive importer in
 *       JavaScript;
 *   (b) DuckDB's NDJSON reader loading the file into a table of a new database file: close to the limit of the
 *       storage engine (no validation, no hash chain, no idempotency).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { readFactLines } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { fmt, medianOf } from "../measure.js";
import type { Section } from "../report.js";
import { type Bench, clearLog, importHead, markLogImported, removeDb, say } from "../workspace.js";

const IMPORT_GOAL = 300_000;

const decodeOnly = async (file: string): Promise<number> => {
  let n = 0;
  for await (const l of readFactLines(file, "ndjson")) if (E.isRight(l.result)) n++;
  return n;
};

const duckdbReadJson = async (file: string, db: string): Promise<void> => {
  const inst = await DuckDBInstance.create(db);
  const c = await inst.connect();
  try {
    await c.run(
      `CREATE TABLE facts AS SELECT * FROM read_json($file, format = 'newline_delimited', columns = {
         id: 'VARCHAR', type: 'VARCHAR', subject: 'VARCHAR', occurredOn: 'DATE', source: 'VARCHAR', data: 'JSON'})`,
      { file },
    );
    await c.run("CHECKPOINT");
  } finally {
    c.closeSync();
    inst.closeSync();
  }
};

export const importSection = async (b: Bench): Promise<Section> => {
  const { runs } = b.options;
  const file = b.paths.head;
  const n = b.inputs.headFacts;
  say(`import: ${fmt(n)} facts, ${runs} run(s) each of ours, (a), (b) ...`);
  const ours = await medianOf(
    runs,
    () => clearLog(b.paths),
    () => importHead(b),
  );
  markLogImported(b, ours.last.head);
  const a = await medianOf(
    runs,
    () => undefined,
    () => decodeOnly(file),
  );
  const db = join(b.paths.dir, "import-baseline.duckdb");
  const engine = await medianOf(
    runs,
    () => removeDb(db),
    () => duckdbReadJson(file, db),
  );
  removeDb(db);
  rmSync(`${file.replace(/\.ndjson$/, "")}.rejected.txt`, { force: true });
  const rate = (m: { seconds: number; peakRssMiB: number }, count: number) => ({
    value: count / m.seconds,
    unit: "facts/s" as const,
    peakRssMiB: m.peakRssMiB,
  });
  const oursRate = rate(ours, ours.last.accepted);
  return {
    name: "import",
    title: `Import of ${fmt(n)} facts from NDJSON into the embedded log, durable`,
    a: "read + JSON.parse + io-ts decode of every line (the importer's front end), no log",
    b: "DuckDB read_json of the file into a table of a new database file (no validation, no chain)",
    rows: [
      {
        label: "import rate",
        ours: oursRate,
        a: rate(a, a.last),
        b: rate(engine, n),
        goal: {
          text: `import ≥ ${fmt(IMPORT_GOAL)} facts/s`,
          pass: oursRate.value >= IMPORT_GOAL,
          measured: `${fmt(oursRate.value)} facts/s (${fmt(ours.seconds, 1)} s for ${fmt(ours.last.accepted)} facts); ×${fmt(oursRate.value / (a.last / a.seconds), 2)} the rate of decoding alone (a), ×${fmt(oursRate.value / (n / engine.seconds), 2)} of DuckDB read_json (b)`,
        },
      },
    ],
    notes: [
      `ours/(a) and ours/(b) compare rates here: above 1 is faster than the baseline. Log head after import: ${fmt(ours.last.head)}.`,
    ],
  };
};
