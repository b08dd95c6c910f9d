/**
 * `pnpm bench:projection [--file F] [--tail 10000] [--dir D] [--runs R]`: full rebuild and incremental update
 * of every indicator for every commune and year, on a sample fact file (default: the province-scale sample,
 * made once in DIR). All but the last TAIL lines are imported and projected (the full rebuild is timed R
 * times); then the last TAIL lines are imported and the warehouse catches up (the incremental update).
 * Prints figures with peak memory.
 */

import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { importFile } from "@kpi/core";
import { seedCatalog, seedReferenceTables, Warehouse } from "@kpi/projections";
import { writeSample } from "@kpi/seeds";
import { fmt, type Measured, measure, median } from "./measure.js";

const { values } = parseArgs({
  options: {
    file: { type: "string" },
    tail: { type: "string", default: "10000" },
    dir: { type: "string", default: tmpdir() },
    runs: { type: "string", default: "1" },
    scale: { type: "string", default: "province" },
  },
});
const dir = values.dir ?? tmpdir();
const tail = Number(values.tail);
const runs = Number(values.runs);

/** Splits FILE into head (all but the last `tail` lines) and tail files. */
const split = async (file: string): Promise<[string, string, number]> => {
  let total = 0;
  for await (const _ of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY }))
    total++;
  const headFile = join(dir, "bench-head.ndjson");
  const tailFile = join(dir, "bench-tail.ndjson");
  const h = createWriteStream(headFile);
  const t = createWriteStream(tailFile);
  let i = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    const out = i++ < total - tail ? h : t;
    if (!out.write(`${line}\n`)) await once(out, "drain");
  }
  h.end();
  t.end();
  await Promise.all([once(h, "finish"), once(t, "finish")]);
  return [headFile, tailFile, total];
};

const main = async () => {
  const scale = values.scale === "small" || values.scale === "tiny" ? values.scale : "province";
  const file = values.file ?? join(dir, `sample-${scale}.ndjson`);
  if (!existsSync(file)) {
    process.stdout.write(`Making the ${scale} sample in ${file} ...\n`);
    const s = await writeSample({ scale, seed: 1, out: `${file}.partial` });
    renameSync(`${file}.partial`, file); // a run stopped half-way leaves no truncated sample behind
    process.stdout.write(`  ${fmt(s.facts)} facts in ${fmt(s.seconds, 1)} s\n`);
  }
  const [headFile, tailFile, total] = await split(file);
  const wh = join(dir, "bench-warehouse.duckdb");
  const log = join(dir, "bench-log.duckdb");
  for (const f of [wh, `${wh}.wal`, log, `${log}.wal`]) rmSync(f, { force: true });

  const w = await Warehouse.open(wh, log, {
    catalog: seedCatalog(),
    reference: seedReferenceTables(),
    years: [2019, 2026],
  });
  try {
    let imported = 0;
    const imp = await measure(async () => {
      const s = await importFile(w.log, headFile);
      if (!s.committed) throw new Error(`import refused: ${JSON.stringify(s.errors.slice(0, 3))}`);
      imported = s.accepted + s.duplicates;
    });
    process.stdout.write(
      `import of ${fmt(imported)} facts: ${fmt(imp.seconds, 1)} s (${fmt(imported / imp.seconds)} facts/s), peak ${fmt(imp.peakRssMiB)} MiB\n`,
    );

    const rebuilds: Measured[] = [];
    for (let r = 0; r < runs; r++) rebuilds.push(await measure(async () => void (await w.rebuild())));
    const rebuild = {
      seconds: median(rebuilds.map((m) => m.seconds)),
      peakRssMiB: Math.max(...rebuilds.map((m) => m.peakRssMiB)),
    };
    const cells = await w.query<{ n: number }>("SELECT CAST(count(*) AS DOUBLE) AS n FROM indicator_values");
    process.stdout.write(
      `full rebuild of ${fmt(imported)} facts: ${fmt(rebuild.seconds, 2)} s (median of ${runs}), peak ${fmt(rebuild.peakRssMiB)} MiB, ${fmt(cells[0]?.n ?? 0)} figures\n`,
    );

    let added = 0;
    const imp2 = await measure(async () => {
      const s = await importFile(w.log, tailFile);
      added = s.accepted;
    });
    const inc = await measure(async () => void (await w.catchUp()));
    process.stdout.write(
      `incremental: ${fmt(added)} new facts appended in ${fmt(imp2.seconds * 1000)} ms, folded in ${fmt(inc.seconds * 1000)} ms, peak ${fmt(inc.peakRssMiB)} MiB\n`,
    );
    process.stdout.write(`(file: ${fmt(total)} lines; the last ${fmt(tail)} make the incremental update)\n`);
  } finally {
    await w.close();
  }
};

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
