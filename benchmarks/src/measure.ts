/**
 * Small helpers for benchmarks: time a run, take the median of several, sample peak RSS while it runs, and
 * print figures with their ratio to a baseline measured in the same process.
 */
export interface Measured {
  readonly seconds: number;
  readonly peakRssMiB: number;
}

export const measure = async (f: () => Promise<void>): Promise<Measured> => {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const t0 = performance.now();
  try {
    await f();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds, peakRssMiB: peak / 2 ** 20 };
};

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export const medianOf = async (
  runs: number,
  setUp: () => Promise<void> | void,
  f: () => Promise<void>,
): Promise<Measured> => {
  const all: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    await setUp();
    all.push(await measure(f));
  }
  return { seconds: median(all.map((m) => m.seconds)), peakRssMiB: Math.max(...all.map((m) => m.peakRssMiB)) };
};

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const row = (label: string, m: Measured, count: number, baseline?: Measured): string =>
  `${label.padEnd(44)} ${fmt(m.seconds, 2).padStart(8)} s ${fmt(count / m.seconds).padStart(12)} /s ${fmt(
    m.peakRssMiB,
  ).padStart(7)} MiB${baseline === undefined ? "" : `   ×${fmt(m.seconds / baseline.seconds, 2)} of baseline`}`;
