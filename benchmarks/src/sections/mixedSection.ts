/**
 * 6. Reads under write load: the series reads of the query section over HTTP on loopback, open loop at
 * `--rate` req/s (500), first alone, then while a second worker POSTs new facts (the tail, a few facts per
 * batch) at 20 writes/s with `wait=true`, so every write waits for its batch to be folded and the read model to
 * be swapped. Both generators run in worker threads, open loop (a latency runs from the moment a request was
 * due, so a backlog counts in full). Goal: read p99 under write load < 50 ms.
 *
 * Every run starts from copies of the head's log and warehouse (restored untimed), so each run folds new facts.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildApp, DEFAULT_API_CONFIG, listen, tokenHash } from "@kpi/api";
import { formatCatalogError, loadCatalog } from "@kpi/reference";
import * as E from "fp-ts/lib/Either.js";
import { type LoadStats, load, medianStats } from "../latency.js";
import type { LoadJob } from "../loadWorker.js";
import { fmt, measure } from "../measure.js";
import { millis, type Row, type Section, type Value } from "../report.js";
import { type Bench, copyDb, ensureWarehouse, openWarehouse, say } from "../workspace.js";

const READ_P99_GOAL_MS = 50;
const WRITE_RATE = 20;
const TOKEN = "bench-writer-token";

interface Run {
  readonly reads: LoadStats;
  readonly writes?: LoadStats;
  readonly peakRssMiB: number;
}

/** The tail's facts in batches, enough for `batches` writes, and the sources they report for. */
const batchesOf = (tailFile: string, batches: number): { bodies: string[]; sources: string[]; perBatch: number } => {
  const lines = readFileSync(tailFile, "utf8")
    .split("\n")
    .filter((l) => l !== "");
  const perBatch = Math.max(1, Math.min(10, Math.floor(lines.length / batches)));
  const bodies: string[] = [];
  for (let i = 0; i + perBatch <= lines.length && bodies.length < batches; i += perBatch) {
    bodies.push(lines.slice(i, i + perBatch).join("\n"));
  }
  const sources = [...new Set(lines.map((l) => (JSON.parse(l) as { source: string }).source))];
  return { bodies, sources, perBatch };
};

const summarise = (all: readonly LoadStats[]): LoadStats => ({
  ...medianStats(all),
  failed: Math.max(...all.map((x) => x.failed)),
});

export const mixedSection = async (b: Bench): Promise<Section> => {
  const { runs, seconds, rate, connections } = b.options;
  const catalog = loadCatalog();
  if (E.isLeft(catalog)) throw new Error(formatCatalogError(catalog.left));
  const base = await ensureWarehouse(b, b.paths.whFull, b.catalog);
  const pairs = await base.query<{ indicator: string; geo: string }>(
    "SELECT DISTINCT indicator, geo FROM indicator_values ORDER BY hash(indicator || geo), indicator, geo",
  );
  await base.close();
  const paths = pairs.map((x) => `/v1/indicators/${x.indicator}/series?geo=${x.geo}`);
  const writes = WRITE_RATE * seconds;
  const { bodies, sources, perBatch } = batchesOf(b.paths.tail, writes);
  mkdirSync(b.paths.work, { recursive: true });
  const logCopy = join(b.paths.work, "mixed-log.duckdb");
  const whCopy = join(b.paths.work, "mixed-warehouse.duckdb");
  const api = {
    ...DEFAULT_API_CONFIG,
    tokens: new Map([[tokenHash(TOKEN), { name: "bench", sources }]]),
    writeLimitPerMinute: 1_000_000,
  };
  say(
    `mixed: ${runs} run(s) of ${seconds} s: reads alone at ${fmt(rate)} req/s, then with ${WRITE_RATE} writes/s of ${perBatch} fact(s) ...`,
  );

  const readJob: LoadJob = { mode: "rate", origin: "", paths, seconds, connections, rate, maxRequests: rate * seconds };
  const alone: Run[] = [];
  const mixed: Run[] = [];
  for (let r = 0; r < runs; r++) {
    copyDb(b.paths.log, logCopy);
    copyDb(b.paths.whFull, whCopy);
    const w = await openWarehouse(b, whCopy, b.catalog, logCopy);
    const app = await buildApp({ warehouse: w, catalog: catalog.right, years: b.years, smallCellThreshold: 10, api });
    try {
      const origin = await listen(app, "127.0.0.1", 0);
      const reads = { ...readJob, origin };
      await load({ ...reads, mode: "max", seconds: 1, maxRequests: 5_000 });
      const a = await measure(() => load(reads));
      alone.push({ reads: a.result, peakRssMiB: a.peakRssMiB });
      const writeJob: LoadJob = {
        mode: "rate",
        origin,
        paths: ["/v1/facts?wait=true"],
        seconds,
        connections: 64,
        rate: WRITE_RATE,
        maxRequests: bodies.length,
        post: {
          bodies,
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/x-ndjson" },
        },
      };
      const m = await measure(() => Promise.all([load(reads), load(writeJob)]));
      const [rd, wr] = m.result;
      mixed.push({ reads: rd, writes: wr, peakRssMiB: m.peakRssMiB });
      say(
        `  run ${r + 1}: alone p99 ${fmt(a.result.p99, 1)} ms; under writes p50 ${fmt(rd.p50, 1)} ms, p99 ${fmt(rd.p99, 1)} ms, max ${fmt(rd.max, 0)} ms; writes p50 ${fmt(wr.p50, 0)} ms, p99 ${fmt(wr.p99, 0)} ms, ${fmt(wr.failed)} failed`,
      );
    } finally {
      await app.close();
      await w.close();
    }
  }
  const peak = (xs: readonly Run[]) => Math.max(...xs.map((x) => x.peakRssMiB));
  const ra = summarise(alone.map((x) => x.reads));
  const rm = summarise(mixed.map((x) => x.reads));
  const wm = summarise(mixed.flatMap((x) => (x.writes === undefined ? [] : [x.writes])));
  const v = (s: LoadStats, q: "p50" | "p99" | "max", xs: readonly Run[]): Value => millis(s[q], peak(xs));
  const pass = rm.p99 < READ_P99_GOAL_MS && rm.failed === 0 && wm.failed === 0;
  const rows: Row[] = [
    { label: `reads alone at ${fmt(rate)} req/s: p50`, ours: v(ra, "p50", alone) },
    { label: `reads alone at ${fmt(rate)} req/s: p99`, ours: v(ra, "p99", alone) },
    { label: `reads + ${WRITE_RATE} writes/s: read p50`, ours: v(rm, "p50", mixed) },
    {
      label: `reads + ${WRITE_RATE} writes/s: read p99`,
      ours: v(rm, "p99", mixed),
      goal: {
        text: `series read p99 < ${READ_P99_GOAL_MS} ms at ${fmt(rate)} req/s while ${WRITE_RATE} writes/s fold`,
        pass,
        measured: `p99 ${fmt(rm.p99, 1)} ms, p50 ${fmt(rm.p50, 2)} ms, max ${fmt(rm.max, 0)} ms (alone: p99 ${fmt(ra.p99, 1)} ms); writes p50 ${fmt(wm.p50, 0)} ms, p99 ${fmt(wm.p99, 0)} ms; ${fmt(rm.failed)} reads and ${fmt(wm.failed)} writes failed`,
      },
    },
    { label: `reads + ${WRITE_RATE} writes/s: read max`, ours: v(rm, "max", mixed) },
    { label: `reads + ${WRITE_RATE} writes/s: write p50 (wait=true)`, ours: v(wm, "p50", mixed) },
    { label: `reads + ${WRITE_RATE} writes/s: write p99 (wait=true)`, ours: v(wm, "p99", mixed) },
  ];
  return {
    name: "mixed",
    title: `Series reads over HTTP while facts are posted and folded (${fmt(pairs.length)} series)`,
    a: "—",
    b: "—",
    rows,
    notes: [
      `Per run: ${seconds} s of reads alone, then ${seconds} s of reads with ${WRITE_RATE} POST /v1/facts?wait=true a second, each ${perBatch} new fact(s) of the tail; both open loop from worker threads, latencies from the moment a request was due. Failed (errors or non-2xx): ${fmt(ra.failed)} reads alone, ${fmt(rm.failed)} reads and ${fmt(wm.failed)} writes under load.`,
    ],
  };
};
