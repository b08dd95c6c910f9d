/**
 * 4. Series query: one indicator for one geography, year by year, for every (indicator, geography) pair with
 * figures in a fixed shuffled order —
 *   in process, one at a time: the API's in-memory model (map look-up + JSON) and a direct SQL query on the
 *   warehouse's published view;
 *   over HTTP on loopback, from a worker thread: at a fixed rate (open loop, no coordinated omission) and flat
 *   out over keep-alive connections;
 * beside
 *   (a) filtering an array of the oracle fold's figure rows (+ JSON);
 *   (b) a prepared SELECT on a flat figures table in DuckDB (+ JSON).
 * The figures are those of the full-catalog warehouse at the head; (a)'s rows come from the rebuild section's
 * oracle fold when it ran in this process, else from the warehouse (the same figures, checked there).
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { buildApp, LiveWarehouse, listen, loadReference } from "@kpi/api";
import type { FigureRow, Warehouse } from "@kpi/projections";
import { formatCatalogError, loadCatalog } from "@kpi/reference";
import * as E from "fp-ts/lib/Either.js";
import { load, medianStats, type Stats, timeEach } from "../latency.js";
import type { LoadJob } from "../loadWorker.js";
import { fmt, measure } from "../measure.js";
import { millis, type Row, type Section, type Value } from "../report.js";
import { type Bench, ensureWarehouse, say } from "../workspace.js";

const P99_GOAL_MS = 10;

interface Pair {
  readonly indicator: string;
  readonly geo: string;
}

interface Timed {
  readonly stats: Stats;
  readonly peakRssMiB: number;
}

const figureRows = (w: Warehouse): Promise<FigureRow[]> =>
  w.query<FigureRow>(
    `SELECT indicator, geo, year, breakdown, CAST(numerator AS DOUBLE) AS numerator,
            CAST(denominator AS DOUBLE) AS denominator, value FROM indicator_values ORDER BY ALL`,
  );

/** An in-memory DuckDB with one table `figures` holding `rows`. */
const flatFigures = async (rows: readonly FigureRow[]): Promise<{ db: DuckDBInstance; conn: DuckDBConnection }> => {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  await conn.run(`CREATE TABLE figures (indicator VARCHAR, geo VARCHAR, year INTEGER, breakdown VARCHAR,
                  numerator DOUBLE, denominator DOUBLE, value DOUBLE)`);
  const a = await conn.createAppender("figures");
  const orNull = (x: number | null, f: (x: number) => void) => (x === null ? a.appendNull() : f(x));
  for (const r of rows) {
    a.appendVarchar(r.indicator);
    a.appendVarchar(r.geo);
    a.appendInteger(r.year);
    a.appendVarchar(r.breakdown);
    orNull(r.numerator, (x) => a.appendDouble(x));
    orNull(r.denominator, (x) => a.appendDouble(x));
    orNull(r.value, (x) => a.appendDouble(x));
    a.endRow();
  }
  a.flushSync();
  a.closeSync();
  return { db, conn };
};

const timed = async (n: number, f: (i: number) => Promise<unknown> | unknown): Promise<Timed> => {
  const m = await measure(() => timeEach(n, f));
  return { stats: m.result, peakRssMiB: m.peakRssMiB };
};

/** Runs `f` `runs` times: the median of each statistic and the highest peak. */
const repeat = async <T extends Timed>(runs: number, f: () => Promise<T>): Promise<T[]> => {
  const out: T[] = [];
  for (let r = 0; r < runs; r++) out.push(await f());
  return out;
};

const summarise = (runs: readonly Timed[]): Timed => ({
  stats: medianStats(runs.map((r) => r.stats)),
  peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
});

const p = (t: Timed, q: "p50" | "p99"): Value => millis(t.stats[q], t.peakRssMiB);

export const querySection = async (b: Bench): Promise<Section> => {
  const { runs, seconds, rate, connections } = b.options;
  const catalog = loadCatalog();
  if (E.isLeft(catalog)) throw new Error(formatCatalogError(catalog.left));
  const w = await ensureWarehouse(b, b.paths.whFull, b.catalog);
  const app = await buildApp({ warehouse: w, catalog: catalog.right, years: b.years, smallCellThreshold: 10 });
  const live = await LiveWarehouse.open(w, await loadReference(w, catalog.right, b.years, 10));
  const rows = b.memo.oracleFigures ?? (await figureRows(w));
  const flat = await flatFigures(rows);
  try {
    const origin = await listen(app, "127.0.0.1", 0);
    const pairs = await w.query<Pair>(
      "SELECT DISTINCT indicator, geo FROM indicator_values ORDER BY hash(indicator || geo), indicator, geo",
    );
    const pair = (i: number): Pair => pairs[i % pairs.length] ?? { indicator: "", geo: "" };
    const paths = pairs.map((x) => `/v1/indicators/${x.indicator}/series?geo=${x.geo}`);
    const n = Math.min(5_000, Math.max(2_000, pairs.length));
    say(
      `query: ${fmt(pairs.length)} series, ${runs} run(s) of ${fmt(n)} queries in process and ${seconds} s of HTTP ...`,
    );

    const model = summarise(
      await repeat(runs, () =>
        timed(n, (i) => {
          const x = pair(i);
          const points = live.current.figures.get(x.indicator)?.byGeo.get(x.geo);
          return JSON.stringify({ position: live.current.position, points });
        }),
      ),
    );
    const sql = summarise(
      await repeat(runs, () =>
        timed(n, (i) =>
          w.query(
            `SELECT year, breakdown, CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator,
                    value, target_year, target_op, target_value, trajectory, status, suppressed
             FROM published_indicator_values WHERE indicator = $indicator AND geo = $geo ORDER BY breakdown, year`,
            { ...pair(i) },
          ),
        ),
      ),
    );
    const naive = summarise(
      await repeat(runs, () =>
        timed(n, (i) => {
          const x = pair(i);
          return JSON.stringify(rows.filter((r) => r.indicator === x.indicator && r.geo === x.geo));
        }),
      ),
    );
    const select = await flat.conn.prepare(
      "SELECT * FROM figures WHERE indicator = $indicator AND geo = $geo ORDER BY breakdown, year",
    );
    const hand = summarise(
      await repeat(runs, () =>
        timed(n, async (i) => {
          select.bind({ ...pair(i) });
          return JSON.stringify((await select.runAndReadAll()).getRowObjectsJS());
        }),
      ),
    );

    const job = (mode: LoadJob["mode"]): LoadJob =>
      mode === "rate"
        ? { mode, origin, paths, seconds, connections, rate, maxRequests: rate * seconds }
        : { mode, origin, paths, seconds, connections, maxRequests: 2_000_000 };
    const warm = await load({ ...job("max"), seconds: 2, maxRequests: 20_000 });
    if (warm.failed > 0) throw new Error(`HTTP warm-up: ${warm.failed} requests failed`);
    const http = async (mode: LoadJob["mode"]): Promise<Timed & { failed: number }> => {
      const all: (Timed & { failed: number })[] = [];
      for (let r = 0; r < runs; r++) {
        const m = await measure(() => load(job(mode)));
        all.push({ stats: m.result, peakRssMiB: m.peakRssMiB, failed: m.result.failed });
      }
      return { ...summarise(all), failed: Math.max(...all.map((x) => x.failed)) };
    };
    const fixed = await http("rate");
    const flatOut = await http("max");

    const p99ok = fixed.stats.p99 < P99_GOAL_MS && fixed.failed === 0;
    const perSecond = (t: Timed): Value => ({ value: t.stats.perSecond, unit: "req/s", peakRssMiB: t.peakRssMiB });
    const result: Row[] = [
      { label: "in process, model look-up + JSON: p50", ours: p(model, "p50"), a: p(naive, "p50"), b: p(hand, "p50") },
      { label: "in process, model look-up + JSON: p99", ours: p(model, "p99"), a: p(naive, "p99"), b: p(hand, "p99") },
      { label: "in process, SQL on the warehouse: p50", ours: p(sql, "p50"), a: p(naive, "p50"), b: p(hand, "p50") },
      { label: "in process, SQL on the warehouse: p99", ours: p(sql, "p99"), a: p(naive, "p99"), b: p(hand, "p99") },
      { label: `HTTP at ${fmt(rate)} req/s (open loop): p50`, ours: p(fixed, "p50") },
      {
        label: `HTTP at ${fmt(rate)} req/s (open loop): p99`,
        ours: p(fixed, "p99"),
        goal: {
          text: `series query over HTTP p99 < ${P99_GOAL_MS} ms at ${fmt(rate)} req/s`,
          pass: p99ok,
          measured: `p99 ${fmt(fixed.stats.p99, 2)} ms, p50 ${fmt(fixed.stats.p50, 2)} ms, ${fmt(fixed.stats.perSecond)} req/s served, ${fmt(fixed.failed)} failed; flat out ${fmt(flatOut.stats.perSecond)} req/s (p99 ${fmt(flatOut.stats.p99, 1)} ms)`,
        },
      },
      { label: `HTTP at ${fmt(rate)} req/s (open loop): served`, ours: perSecond(fixed) },
      { label: `HTTP flat out, ${connections} connections: p50`, ours: p(flatOut, "p50") },
      { label: `HTTP flat out, ${connections} connections: p99`, ours: p(flatOut, "p99") },
      { label: `HTTP flat out, ${connections} connections: served`, ours: perSecond(flatOut) },
    ];
    return {
      name: "query",
      title: `Series query (one indicator, one geography, every year) over ${fmt(pairs.length)} series`,
      a: `Array.filter over ${fmt(rows.length)} figure rows (the oracle fold's output) + JSON.stringify`,
      b: "a prepared SELECT on a flat figures table in DuckDB (in memory) + JSON.stringify",
      rows: result,
      notes: [
        `In process: ${fmt(n)} queries one at a time per run. HTTP: ${seconds} s per run on loopback; failed requests (errors or non-2xx): ${fmt(fixed.failed)} at the fixed rate, ${fmt(flatOut.failed)} flat out.`,
        `(a)'s rows come from ${b.memo.oracleFigures === undefined ? "the warehouse's indicator_values (the rebuild section did not run in this process)" : "the rebuild section's oracle fold"}.`,
      ],
    };
  } finally {
    await app.close();
    await live.close();
    flat.conn.closeSync();
    flat.db.closeSync();
    await w.close();
  }
};
