/**
 * Timing and memory for benchmarks: time a run with the process's peak RSS during it, take the median of
 * several runs, and format numbers. On Linux the peak is exact: the kernel's high-water mark (VmHWM) is reset
 * before each run (/proc/self/clear_refs) and read after it, so a peak inside a long synchronous stretch of
 * JavaScript is not missed; elsewhere RSS is sampled every 20 ms.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface Measured {
  readonly seconds: number;
  readonly peakRssMiB: number;
}

export interface MeasuredRuns<T> extends Measured {
  readonly runs: readonly Measured[];
  /** What the last run returned. */
  readonly last: T;
}

const highWaterMiB = (): number | undefined => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return m?.[1] === undefined ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
};

const resetHighWater = (): boolean => {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return highWaterMiB() !== undefined;
  } catch {
    return false;
  }
};

/** V8's `gc`, exposed at run time (a context made after the flag is set gets it), without a node flag. */
const gc = ((): (() => void) => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** A full garbage collection, so one run's garbage is not counted in the next run's memory. */
export const collectGarbage = (): void => gc();

export const measure = async <T>(f: () => Promise<T> | T): Promise<Measured & { readonly result: T }> => {
  collectGarbage();
  const exact = resetHighWater();
  let peak = process.memoryUsage.rss();
  const timer = exact ? undefined : setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const t0 = performance.now();
  let result: T;
  try {
    result = await f();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  const peakRssMiB = exact ? (highWaterMiB() ?? 0) : Math.max(peak, process.memoryUsage.rss()) / 2 ** 20;
  return { seconds, peakRssMiB, result };
};

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0
    ? Number.NaN
    : s.length % 2 === 1
      ? (s[m] as number)
      : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Runs `setUp` (not timed) then `f` (timed) `runs` times: the median time, the highest peak, the last result. */
export const medianOf = async <T>(
  runs: number,
  setUp: () => Promise<void> | void,
  f: () => Promise<T> | T,
): Promise<MeasuredRuns<T>> => {
  const all: Measured[] = [];
  let last: T | undefined;
  for (let i = 0; i < runs; i++) {
    await setUp();
    const m = await measure(f);
    all.push({ seconds: m.seconds, peakRssMiB: m.peakRssMiB });
    last = m.result;
  }
  return {
    seconds: median(all.map((m) => m.seconds)),
    peakRssMiB: Math.max(...all.map((m) => m.peakRssMiB)),
    runs: all,
    last: last as T,
  };
};

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : String(n);
