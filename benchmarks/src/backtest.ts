/**
 * `pnpm backtest [--scale small|tiny] [--seed 1] [--dir DIR] [--out FILE]`: the forecasts' backtest on a sample
 * province. Makes the sample, imports and folds it into a warehouse in DIR, takes every indicator × geography
 * (× breakdown) series of `indicator_values`, holds out its last one and two observed years, and prints per
 * indicator family the mean absolute error and the interval's actual coverage of each method (the naive last
 * value beside the trend), as the markdown table of docs/forecasts.md (also written to FILE with --out).
 * Exits 1 when a family ships a method that does not beat the naive forecast (`unsupportedShipments`).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDbEventLog, importFile } from "@kpi/core";
import {
  type BacktestRow,
  type BacktestSeries,
  backtest,
  type Family,
  METHOD_BY_FAMILY,
  METHODS,
  type Method,
  MIN_HISTORY,
  modelOf,
  NOMINAL_COVERAGE,
  seedCatalog,
  seedReferenceTables,
  unsupportedShipments,
  Warehouse,
} from "@kpi/projections";
import { writeSample } from "@kpi/seeds";

const say = (s: string) => process.stderr.write(`${s}\n`);

const f = (x: number, d: number) => x.toFixed(d);

/** The markdown table: one line per family and horizon, each method's MAE and coverage side by side. */
export const formatBacktest = (rows: readonly BacktestRow[]): string => {
  const pct = (x: number) => `${f(100 * x, 0)} %`;
  const lines = [
    `| family | horizon | series | MAE ${METHODS.join(" | MAE ")} | coverage ${METHODS.join(" | coverage ")} | shipped |`,
    `|---|---|---|${METHODS.map(() => "---|---|").join("")}---|`,
  ];
  const keys = [...new Set(rows.map((r) => `${r.family}\u0000${r.horizon}`))];
  for (const k of keys) {
    const [family, horizon] = k.split("\u0000") as [Family, string];
    const of = (m: Method) => rows.find((r) => r.family === family && String(r.horizon) === horizon && r.method === m);
    const mae = METHODS.map((m) => {
      const r = of(m);
      return r === undefined ? "—" : f(r.mae, 2);
    });
    const cov = METHODS.map((m) => {
      const r = of(m);
      return r === undefined ? "—" : pct(r.coverage);
    });
    lines.push(
      `| ${family} | ${horizon} y | ${of("naive")?.series ?? 0} | ${mae.join(" | ")} | ${cov.join(" | ")} | ${METHOD_BY_FAMILY[family]} |`,
    );
  }
  return `${lines.join("\n")}\n\nNominal coverage of the intervals: ${pct(NOMINAL_COVERAGE)}. MAE in the indicator's unit (percentage points for shares).`;
};

const main = async (): Promise<void> => {
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv[0] === "--" ? argv.slice(1) : argv, // `pnpm backtest -- --dir X` passes the "--" on
    options: {
      scale: { type: "string", default: "small" },
      seed: { type: "string", default: "1" },
      dir: { type: "string", default: join(tmpdir(), "kpi-backtest") },
      out: { type: "string" },
    },
  });
  const scale = values.scale;
  if (scale !== "small" && scale !== "tiny" && scale !== "province") {
    throw new Error(`--scale takes tiny, small or province, not ${scale}`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const dir = values.dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sample = join(dir, "sample.ndjson");
  say(`Making the ${scale} sample (seed ${seed}) in ${sample} ...`);
  await writeSample({ scale, seed, out: `${sample}.partial` });
  renameSync(`${sample}.partial`, sample);
  const log = await DuckDbEventLog.open(join(dir, "events.duckdb"));
  try {
    const s = await importFile(log, sample);
    if (!s.committed) throw new Error(`the sample was refused: ${JSON.stringify(s.errors.slice(0, 3))}`);
  } finally {
    await log.close();
  }
  const catalog = seedCatalog();
  const years: [number, number] = [2019, new Date().getUTCFullYear()];
  const w = await Warehouse.open(join(dir, "warehouse.duckdb"), join(dir, "events.duckdb"), {
    catalog,
    reference: seedReferenceTables(),
    years,
  });
  try {
    say("Folding ...");
    await w.catchUp();
    const rows = await w.query<{ indicator: string; geo: string; breakdown: string; year: number; value: number }>(
      "SELECT indicator, geo, breakdown, year, value FROM indicator_values WHERE value IS NOT NULL ORDER BY ALL",
    );
    const bySeries = new Map<string, { indicator: string; obs: { year: number; value: number }[] }>();
    for (const r of rows) {
      const k = `${r.indicator}\u0000${r.geo}\u0000${r.breakdown}`;
      const s = bySeries.get(k) ?? { indicator: r.indicator, obs: [] };
      s.obs.push({ year: r.year, value: r.value });
      bySeries.set(k, s);
    }
    const series: BacktestSeries[] = [];
    for (const s of bySeries.values()) {
      const entry = catalog.find((e) => e.code === s.indicator);
      if (entry !== undefined) series.push({ model: modelOf(entry), observations: s.obs });
    }
    const result = backtest(series);
    const table = formatBacktest(result);
    const heading =
      `Backtest, ${scale} sample (seed ${seed}), years ${years[0]}–${years[1]}: ${series.length} series, ` +
      `${series.filter((s) => s.observations.length >= MIN_HISTORY + 1).length} with enough history to hold out a year.`;
    process.stdout.write(`${heading}\n\n${table}\n`);
    if (values.out !== undefined) writeFileSync(values.out, `${heading}\n\n${table}\n`);
    const bad = unsupportedShipments(result);
    if (bad.length > 0) {
      say(`These families ship a method that does not beat the naive forecast: ${bad.join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    await w.close();
  }
};

const USAGE = "pnpm backtest [--scale small|tiny|province] [--seed 1] [--dir DIR] [--out FILE]";

main().catch((e: unknown) => {
  process.stderr.write(`backtest: ${e instanceof Error ? e.message : String(e)}\nusage: ${USAGE}\n`);
  process.exitCode = 1;
});
