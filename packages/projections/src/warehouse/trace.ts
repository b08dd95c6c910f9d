/**
 * How long the phases of a fold, a rebuild or a verify take, on stderr, when `KPI_TRACE=1` (a line per phase,
 * `<prefix><label> <ms> ms`); without it, nothing is measured or written.
 */
export interface Tracer {
  /** Writes the time since the tracer was made or since the last `lap`, under `label`. */
  lap(label: string): void;
  /** Runs `f` and writes how long it took, under `label`; the laps are not moved. */
  time<T>(label: string, f: () => Promise<T>): Promise<T>;
}

const quiet: Tracer = { lap: () => undefined, time: (_label, f) => f() };

export const tracer = (prefix: string): Tracer => {
  if (process.env.KPI_TRACE !== "1") return quiet;
  const write = (label: string, ms: number) => process.stderr.write(`${prefix}${label} ${ms.toFixed(0)} ms\n`);
  let last = performance.now();
  return {
    lap: (label) => {
      const now = performance.now();
      write(label, now - last);
      last = now;
    },
    time: async (label, f) => {
      const t0 = performance.now();
      const r = await f();
      write(label, performance.now() - t0);
      return r;
    },
  };
};
