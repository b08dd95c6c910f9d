/**
 * `kpi demo`: the first quick-start command. Makes the sample province (once), imports it into the embedded
 * log, projects it into the warehouse, and prints where the province stands on its 2025 targets.
 */
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { isScaleName, type ScaleName, writeSample } from "@kpi/seeds";
import type { Config } from "../config.js";
import { importCommand } from "./importCommand.js";
import { openWarehouse, printCatchUp, writeSnapshots } from "./warehouseCommands.js";

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
  if (!existsSync(file)) {
    o.out.write(`Making the ${scale} sample province (seed 1) in ${file} ...\n`);
    const s = await writeSample({ scale, seed: 1, out: `${file}.partial` });
    renameSync(`${file}.partial`, file); // an interrupted run leaves no truncated sample behind
    o.out.write(`  ${s.facts.toLocaleString("en-US")} facts in ${s.seconds.toFixed(1)} s\n`);
  }
  const imported = await importCommand(config, {
    files: [file],
    skipInvalid: false,
    showErrors: 20,
    out: o.out,
    err: o.err,
  });
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
