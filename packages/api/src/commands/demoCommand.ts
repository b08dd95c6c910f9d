/**
 * `kpi demo`: the first quick-start command. Makes the sample province (once), imports it into the embedded
 * log in its reporting batches — one per half-year of the sources' reporting, each recorded on the last day
 * of its half-year, so that the warehouse has the vintages a real history of imports would give (late reports and
 * revised statistics revise earlier figures) — projects it into the warehouse, and prints where the province
 * stands on its 2025 targets. One batch also carries a catalog change (`DEMO_CATALOG_CHANGE`, a target revised by
 * the catalog authority), so the demo's history has a figure re-judged by a definition as well as by data.
 */

import { once } from "node:events";
import {
  appendFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { finished } from "node:stream/promises";
import { CATALOG_AUTHORITY, DuckDbEventLog, importFile, parseRetractionGrants } from "@kpi/core";
import { isScaleName, type ReportingBatch, reportingBatches, type ScaleName, writeSample } from "@kpi/seeds";
import type { Config } from "../config.js";
import { reportImport } from "./importCommand.js";
import { openWarehouse, printCatchUp, writeSnapshots } from "./warehouseCommands.js";

const n = (x: number) => x.toLocaleString("en-US");

/**
 * The demo's catalog change: the province raises its 2025 target for adults with a digital signature from the
 * catalog's 50 % to 60 %, a decision of the plan KH-315-2025 (2 October 2025) as the demo tells it — an
 * illustration of a revision on the record, not the plan's text. It is appended with the first batch recorded
 * on or after `DEMO_CATALOG_CHANGE_DAY`, so figures as of before that day are judged against 50 and after it
 * against 60, and `indicator_revisions` has the 2025 figures re-judged with cause `definition` (or `both`).
 */
export const DEMO_CATALOG_CHANGE = {
  id: "demo-target-digsig-adult-2025",
  type: "TargetRevised",
  subject: "stat:catalog",
  occurredOn: "2025-10-02",
  source: CATALOG_AUTHORITY,
  data: {
    indicator: "DIGSIG_ADULT",
    targetYear: 2025,
    op: ">=",
    value: 60,
    effectiveOn: "2025-10-02",
    changedBy: "UBND tỉnh Đồng Tháp",
    plan: "KH-315-2025",
    section: "§II",
    note: "Raised after the mid-year review (an illustration recorded by kpi demo)",
  },
} as const;
export const DEMO_CATALOG_CHANGE_DAY = "2025-12-31";

/** Splits `file` into one NDJSON file per batch in `dir` (lines `from`..`to`); returns their paths. */
const splitBatches = async (file: string, batches: readonly ReportingBatch[], dir: string): Promise<string[]> => {
  mkdirSync(dir, { recursive: true });
  const paths = batches.map((b) => join(dir, `reported-by-${b.until}.ndjson`));
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let i = 0;
  let line = 0;
  let out = createWriteStream(paths[0] ?? join(dir, "empty.ndjson"));
  for await (const text of lines) {
    line++;
    while (i < batches.length - 1 && line > (batches[i]?.to ?? 0)) {
      out.end();
      await finished(out);
      i++;
      out = createWriteStream(paths[i] as string);
    }
    if (!out.write(`${text}\n`)) await once(out, "drain");
  }
  out.end();
  await finished(out);
  return paths;
};

/**
 * Appends the sample batch by batch, each recorded on its day (the log's clock is set to the end of it), and
 * prints one summary line per batch and the totals. Facts already in the log are duplicates (a second run
 * appends nothing). Returns 0, or 1 if a batch was refused.
 */
const importInBatches = async (
  config: Config,
  file: string,
  reportedFile: string,
  o: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): Promise<number> => {
  const batches = reportingBatches(reportedFile);
  const dir = `${file}.batches`;
  const paths = await splitBatches(file, batches, dir);
  // the catalog change goes in with the first batch recorded on or after its day (the last, if none is)
  const changeAt = batches.findIndex((b) => b.until >= DEMO_CATALOG_CHANGE_DAY);
  const changeBatch = changeAt < 0 ? batches.length - 1 : changeAt;
  if (changeBatch >= 0) appendFileSync(paths[changeBatch] as string, `${JSON.stringify(DEMO_CATALOG_CHANGE)}\n`);
  let day = "";
  mkdirSync(config.dataDir, { recursive: true });
  const log = await DuckDbEventLog.open(config.logPath, { now: () => new Date(`${day}T23:59:59Z`) });
  const totals = { accepted: 0, duplicates: 0, rejected: 0 };
  try {
    const append = { retractionGrants: parseRetractionGrants(process.env.KPI_RETRACTION_GRANTS) };
    for (const [i, b] of batches.entries()) {
      day = b.until;
      const path = paths[i] as string;
      const s = await importFile(log, path, { skipInvalid: false, append });
      if (!s.committed) {
        reportImport(s, path, { showErrors: 20, out: o.out, err: o.err });
        return 1;
      }
      totals.accepted += s.accepted;
      totals.duplicates += s.duplicates;
      totals.rejected += s.rejected;
      o.out.write(`  reported by ${b.until}: ${n(s.accepted).padStart(9)} accepted, ${n(s.duplicates)} duplicates\n`);
      if (i === changeBatch) {
        const d = DEMO_CATALOG_CHANGE.data;
        o.out.write(
          `    with a catalog change: ${d.indicator} target for ${d.targetYear} revised to ${d.op} ${d.value} (${d.plan} ${d.section}, effective ${d.effectiveOn})\n`,
        );
      }
    }
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
  o.out.write(
    [
      `Imported ${file} in ${batches.length} reporting batches (${batches[0]?.until} … ${batches.at(-1)?.until}), each recorded on its day`,
      `  accepted        ${n(totals.accepted)}`,
      `  duplicates      ${n(totals.duplicates)}`,
      `  rejected        ${n(totals.rejected)}`,
      "",
    ].join("\n"),
  );
  return 0;
};

export const demoCommand = async (
  config: Config,
  o: { scale: string; out: NodeJS.WritableStream; err: NodeJS.WritableStream & { isTTY?: boolean } },
): Promise<number> => {
  if (!isScaleName(o.scale)) {
    o.err.write(`kpi demo: --scale must be tiny, small or province, not ${JSON.stringify(o.scale)}\n`);
    return 2;
  }
  const scale: ScaleName = o.scale;
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, `sample-${scale}.ndjson`);
  const reported = join(config.dataDir, `sample-${scale}.reported.csv`);
  if (!existsSync(file) || !existsSync(reported)) {
    o.out.write(`Making the ${scale} sample province (seed 1) in ${file} ...\n`);
    const s = await writeSample({ scale, seed: 1, out: `${file}.partial`, reportedOut: `${reported}.partial` });
    renameSync(`${file}.partial`, file); // an interrupted run leaves no truncated sample behind
    renameSync(`${reported}.partial`, reported);
    o.out.write(`  ${s.facts.toLocaleString("en-US")} facts in ${s.seconds.toFixed(1)} s\n`);
  }
  const imported = await importInBatches(config, file, reported, o);
  if (imported !== 0) return imported;
  const w = await openWarehouse(config);
  try {
    printCatchUp(await w.catchUp(), o.out);
    await writeSnapshots(w, config);
    const rows = await w.query<{
      indicator: string;
      name_vi: string;
      value: number | null;
      target: string;
      status: string;
    }>(
      `SELECT indicator, name_vi, value, coalesce(target_op || ' ' || target_value || ' (' || target_year || ')', '') AS target, status
       FROM province_scorecard WHERE year = 2025 AND breakdown = '' ORDER BY area, indicator`,
    );
    o.out.write("\nĐồng Tháp, 2025 — province against its targets\n");
    for (const r of rows) {
      o.out.write(
        `  ${r.indicator.padEnd(26)} ${(r.value === null ? "—" : r.value.toFixed(1)).padStart(8)}  ${r.target.padEnd(18)} ${r.status}\n`,
      );
    }
    o.out.write(`\nWarehouse snapshot for DuckDB clients: ${config.snapshotPath}\n`);
    return 0;
  } finally {
    await w.close();
  }
};
