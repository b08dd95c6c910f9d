/**
 * The command line of `pnpm bench`: which sample, how many facts, how many runs, which sections. Parsing is
 * pure: bad options come back as a message, not a throw.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as E from "fp-ts/lib/Either.js";

export const SECTIONS = ["import", "open", "rebuild", "incremental", "query", "verify", "publish", "mixed"] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface BenchOptions {
  readonly scale: "small" | "province";
  /** Facts to take from the start of the sample; `undefined` = the whole sample (small) or 10 M (province). */
  readonly facts: number | undefined;
  readonly tail: number;
  readonly runs: number;
  /** Runs of the slow baseline (a) in rebuild, incremental, verify and publish (default: `runs`). */
  readonly naiveRuns: number;
  readonly only: readonly SectionName[];
  readonly dir: string;
  /** An existing sample file to take the facts from instead of generating them. */
  readonly sample: string | undefined;
  /** HTTP load: seconds per run, the fixed rate, connections for the flat-out run. */
  readonly seconds: number;
  readonly rate: number;
  readonly connections: number;
  /** The figure `verify` publishes and checks: an indicator, and a year (default: the last with a value). */
  readonly verifyIndicator: string;
  readonly verifyYear: number | undefined;
  /** The year `publish` publishes whole (default: the last with a province value). */
  readonly publishYear: number | undefined;
}

export const USAGE = `pnpm bench [--facts N] [--tail 10000] [--runs 3] [--naive-runs R] [--only ${SECTIONS.join(",")}]
           [--scale province|small] [--dir DIR] [--sample FILE] [--seconds 10] [--rate 500] [--connections 16]
           [--verify INDICATOR[:YEAR]] [--publish-year YEAR]`;

const positive = (name: string, s: string | undefined, fallback: number): E.Either<string, number> => {
  if (s === undefined) return E.right(fallback);
  const n = Number(s.replaceAll("_", ""));
  return Number.isInteger(n) && n > 0 ? E.right(n) : E.left(`--${name} must be a positive integer, got ${s}`);
};

const sectionsOf = (s: string | undefined): E.Either<string, readonly SectionName[]> => {
  if (s === undefined) return E.right(SECTIONS);
  const names = s.split(",").map((x) => x.trim());
  const bad = names.filter((x) => !(SECTIONS as readonly string[]).includes(x));
  return bad.length > 0
    ? E.left(`--only takes ${SECTIONS.join(", ")}; not ${bad.join(", ")}`)
    : E.right(SECTIONS.filter((x) => names.includes(x)));
};

export const parseOptions = (argv: readonly string[]): E.Either<string, BenchOptions> => {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        facts: { type: "string" },
        tail: { type: "string" },
        runs: { type: "string" },
        "naive-runs": { type: "string" },
        only: { type: "string" },
        scale: { type: "string" },
        dir: { type: "string" },
        sample: { type: "string" },
        seconds: { type: "string" },
        rate: { type: "string" },
        connections: { type: "string" },
        verify: { type: "string" },
        "publish-year": { type: "string" },
      },
    }).values;
  } catch (e) {
    return E.left(e instanceof Error ? e.message : String(e));
  }
  const str = (k: string): string | undefined => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const scale = str("scale") ?? "province";
  if (scale !== "small" && scale !== "province") return E.left(`--scale must be small or province, got ${scale}`);
  const [verifyIndicator = "DIGSIG_ADULT", verifyYear] = (str("verify") ?? "").split(":").filter((x) => x !== "");
  const numbers = {
    facts: str("facts") === undefined ? E.right(undefined) : positive("facts", str("facts"), 0),
    tail: positive("tail", str("tail"), 10_000),
    runs: positive("runs", str("runs"), 3),
    naiveRuns: positive("naive-runs", str("naive-runs"), 0),
    seconds: positive("seconds", str("seconds"), 10),
    rate: positive("rate", str("rate"), 500),
    connections: positive("connections", str("connections"), 16),
    year: verifyYear === undefined ? E.right(undefined) : positive("verify year", verifyYear, 0),
    publishYear:
      str("publish-year") === undefined ? E.right(undefined) : positive("publish-year", str("publish-year"), 0),
  };
  for (const v of Object.values(numbers)) if (E.isLeft(v)) return v;
  const only = sectionsOf(str("only"));
  if (E.isLeft(only)) return only;
  const get = <T>(x: E.Either<string, T>): T => (x as E.Right<T>).right;
  const facts = get(numbers.facts) ?? (scale === "province" ? 10_000_000 : undefined);
  const tail = get(numbers.tail);
  if (facts !== undefined && facts <= tail) return E.left(`--facts (${facts}) must be more than --tail (${tail})`);
  return E.right({
    scale,
    facts,
    tail,
    runs: get(numbers.runs),
    naiveRuns: str("naive-runs") === undefined ? get(numbers.runs) : get(numbers.naiveRuns),
    only: only.right,
    dir: str("dir") ?? join(tmpdir(), `kpi-bench-${scale}-${facts ?? "all"}`),
    sample: str("sample"),
    seconds: get(numbers.seconds),
    rate: get(numbers.rate),
    connections: get(numbers.connections),
    verifyIndicator,
    verifyYear: get(numbers.year),
    publishYear: get(numbers.publishYear),
  });
};

/** Said beside baseline (a) when it ran fewer times than the rest. */
export const naiveRunsNote = (b: { readonly options: BenchOptions }): string =>
  b.options.naiveRuns === b.options.runs ? "" : ` — median of ${b.options.naiveRuns} run(s)`;
