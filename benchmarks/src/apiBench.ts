/**
 * `pnpm bench:api [--scale small] [--seconds 10] [--rate 500] [--connections 16] [--dir DIR]`: series-query
 * latency (p50/p99) and throughput of the HTTP API on loopback, beside baselines measured in the same process
 * on the same queries:
 *   (a) the query in DuckDB: `published_indicator_values` for one indicator and geography (what a server
 *       without the in-memory model would run per request);
 *   (b) the API without a socket: fastify's `inject` (routing, validation, negotiation, ETag, serialisation);
 *   (c) the in-memory model alone: the map look-up and JSON.stringify of the answer.
 * The server runs on 127.0.0.1 (a free port) in this process; the load generator runs in a worker thread
 * (loadWorker.ts), at a fixed rate (open loop) and then flat out with N keep-alive connections, each run
 * bounded in time and count. The sample (seed 1) is made, imported and folded in a temporary folder first.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { buildApp, listen } from "@kpi/api";
import { importFile } from "@kpi/core";
import { seedCatalog, seedReferenceTables, Warehouse } from "@kpi/projections";
import { formatCatalogError, isScaleName, loadCatalog, writeSample } from "@kpi/seeds";
import * as E from "fp-ts/lib/Either.js";
import type { LoadJob, LoadResult } from "./loadWorker.js";
import { fmt } from "./measure.js";

const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "small" },
    seconds: { type: "string", default: "10" },
    rate: { type: "string", default: "500" },
    connections: { type: "string", default: "16" },
    dir: { type: "string" },
  },
});
const scale = values.scale ?? "small";
if (!isScaleName(scale)) throw new Error("--scale must be tiny, small or province");
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const connections = Number(values.connections);

interface Stats {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly perSecond: number;
}

const stats = (latencies: readonly number[], elapsedSeconds: number): Stats => {
  const s = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return {
    count: s.length,
    p50: at(0.5),
    p99: at(0.99),
    max: s[s.length - 1] ?? Number.NaN,
    perSecond: s.length / elapsedSeconds,
  };
};

const timeEach = async (n: number, f: (i: number) => Promise<unknown> | unknown): Promise<Stats> => {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f(i);
    lat.push(performance.now() - t);
  }
  return stats(lat, (performance.now() - t0) / 1000);
};

const load = (job: LoadJob): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const w = new Worker(new URL("./loadWorker.js", import.meta.url), { workerData: job });
    w.once("message", (m: { ok: boolean; result?: LoadResult; error?: string }) => {
      if (m.ok && m.result !== undefined) resolve(m.result);
      else reject(new Error(m.error));
      void w.terminate();
    });
    w.once("error", reject);
  });

const ms = (x: number) => fmt(x, 3).padStart(9);

const main = async () => {
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), "kpi-apibench-"));
  const file = join(dir, `sample-${scale}.ndjson`);
  const years: [number, number] = [2019, new Date().getUTCFullYear()];
  process.stdout.write(`Preparing the ${scale} sample in ${dir} ...\n`);
  const sample = await writeSample({ scale, seed: 1, out: file });
  const w = await Warehouse.open(join(dir, "warehouse.duckdb"), join(dir, "events.duckdb"), {
    catalog: seedCatalog(),
    reference: seedReferenceTables(),
    years,
  });
  try {
    await importFile(w.log, file);
    const folded = await w.catchUp();
    process.stdout.write(
      `  ${fmt(sample.facts)} facts, folded to position ${fmt(folded.to)} in ${fmt(folded.seconds, 1)} s\n`,
    );
    const catalog = loadCatalog();
    if (E.isLeft(catalog)) throw new Error(formatCatalogError(catalog.left));
    const app = await buildApp({ warehouse: w, catalog: catalog.right, years, smallCellThreshold: 10 });
    const origin = await listen(app, "127.0.0.1", 0);
    try {
      // every (indicator, geography) that has figures, in a fixed shuffled order
      const pairs = await w.query<{ indicator: string; geo: string }>(
        "SELECT DISTINCT indicator, geo FROM indicator_values ORDER BY hash(indicator || geo), indicator, geo",
      );
      const paths = pairs.map((p) => `/v1/indicators/${p.indicator}/series?geo=${p.geo}`);
      process.stdout.write(
        `  ${fmt(paths.length)} distinct series queries (indicator × geography), served at ${origin}\n\n`,
      );

      const n = Math.min(5_000, Math.max(2_000, paths.length));
      const pair = (i: number) => pairs[i % pairs.length] ?? { indicator: "", geo: "" };
      const sql = await timeEach(n, (i) =>
        w.query(
          `SELECT year, breakdown, CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator,
                  value, target_year, target_op, target_value, trajectory, status, suppressed
           FROM published_indicator_values WHERE indicator = $indicator AND geo = $geo ORDER BY breakdown, year`,
          pair(i),
        ),
      );
      const inject = await timeEach(n, async (i) => {
        const r = await app.inject({ url: paths[i % paths.length] ?? "/" });
        if (r.statusCode !== 200) throw new Error(`${r.statusCode} ${r.body}`);
      });
      const { LiveWarehouse, loadReference } = await import("@kpi/api");
      const live = await LiveWarehouse.open(w, await loadReference(w, catalog.right, years, 10));
      const model = await timeEach(n * 4, (i) => {
        const p = pair(i);
        return JSON.stringify({
          position: live.current.position,
          points: live.current.figures.get(p.indicator)?.byGeo.get(p.geo),
        });
      });

      const warm = await load({ mode: "max", origin, paths, seconds: 2, connections, maxRequests: 20_000 });
      if (warm.errors > 0 || warm.non2xx > 0) throw new Error(`warm-up: ${warm.errors} errors, ${warm.non2xx} non-2xx`);
      const fixed = await load({
        mode: "rate",
        origin,
        paths,
        seconds,
        connections,
        rate,
        maxRequests: rate * seconds,
      });
      const flat = await load({ mode: "max", origin, paths, seconds, connections, maxRequests: 2_000_000 });
      const fixedStats = stats(fixed.latenciesMs, fixed.seconds);
      const flatStats = stats(flat.latenciesMs, flat.seconds);

      process.stdout.write(
        `${"series query".padEnd(48)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"max ms".padStart(9)}${"queries/s".padStart(12)}\n`,
      );
      const line = (label: string, s: Stats, note = "") =>
        process.stdout.write(
          `${label.padEnd(48)}${ms(s.p50)}${ms(s.p99)}${ms(s.max)}${fmt(s.perSecond).padStart(12)}${note}\n`,
        );
      line("(a) in process: DuckDB, published view", sql, "  (one at a time)");
      line("(b) in process: fastify inject, no socket", inject, "  (one at a time)");
      line("(c) in process: in-memory model + JSON", model, "  (one at a time)");
      line(
        `HTTP loopback, fixed ${fmt(rate)} req/s (open loop)`,
        fixedStats,
        `  (${fmt(fixed.errors + fixed.non2xx)} failed)`,
      );
      line(
        `HTTP loopback, flat out, ${connections} connections`,
        flatStats,
        `  (${fmt(flat.errors + flat.non2xx)} failed)`,
      );
      process.stdout.write(
        `\nAt ${fmt(rate)} req/s: p50 ×${fmt(fixedStats.p50 / sql.p50, 2)} and p99 ×${fmt(fixedStats.p99 / sql.p99, 2)} of the DuckDB query (a); ` +
          `p50 ×${fmt(fixedStats.p50 / inject.p50, 1)} of inject (b). Flat out: ×${fmt(flatStats.perSecond / sql.perSecond, 1)} the ` +
          `queries/s of (a) run one at a time. Goal: p99 < 10 ms at 500 req/s — ${fixedStats.p99 < 10 && fixed.errors + fixed.non2xx === 0 ? "met" : "NOT met"}.\n`,
      );
    } finally {
      await app.close();
    }
  } finally {
    await w.close();
    if (values.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
};

main().catch((e: unknown) => {
  process.stderr.write(`bench:api: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
