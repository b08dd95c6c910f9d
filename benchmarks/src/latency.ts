/**
 * Latency statistics: queries timed one at a time in this process, and HTTP load from a worker thread
 * (`loadWorker.ts`), both summarised as p50, p99, max and requests per second.
 */
import { Worker } from "node:worker_threads";
import type { LoadJob, LoadResult } from "./loadWorker.js";
import { median } from "./measure.js";

export interface Stats {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly perSecond: number;
}

export const stats = (latencies: readonly number[], elapsedSeconds: number): Stats => {
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

/** Runs `f(0)` … `f(n - 1)` one after the other; latencies in ms. */
export const timeEach = async (n: number, f: (i: number) => Promise<unknown> | unknown): Promise<Stats> => {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f(i);
    lat.push(performance.now() - t);
  }
  return stats(lat, (performance.now() - t0) / 1000);
};

export interface LoadStats extends Stats {
  readonly failed: number;
}

/** Runs one load job in a worker thread, so that the generator does not share the server's event loop. */
export const load = (job: LoadJob): Promise<LoadStats> =>
  new Promise((resolve, reject) => {
    const w = new Worker(new URL("./loadWorker.js", import.meta.url), { workerData: job });
    w.once("message", (m: { ok: boolean; result?: LoadResult; error?: string }) => {
      if (m.ok && m.result !== undefined) {
        const r = m.result;
        resolve({ ...stats(r.latenciesMs, r.seconds), failed: r.errors + r.non2xx });
      } else reject(new Error(m.error));
      void w.terminate();
    });
    w.once("error", reject);
  });

/** The median of each statistic over several runs. */
export const medianStats = (runs: readonly Stats[]): Stats => ({
  count: median(runs.map((r) => r.count)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  max: median(runs.map((r) => r.max)),
  perSecond: median(runs.map((r) => r.perSecond)),
});
