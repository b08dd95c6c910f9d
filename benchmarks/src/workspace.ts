/**
 * The benchmark's folder and what the sections share in it: the input facts split into a head (imported and
 * folded) and a tail (the incremental update), the embedded log of the head, the warehouses folded to its end
 * (full catalog and the hand-SQL subset), and copies restored before each run that must start from the same
 * state. Everything is made on first use and reused by later runs in the same folder; a change of inputs
 * (scale, facts, tail, sample) clears what was derived from the old ones.
 */
import { once } from "node:events";
import {
  constants,
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { CatalogEntry } from "@kpi/core";
import { DuckDbEventLog, importFile } from "@kpi/core";
import {
  type FigureRow,
  type ReferenceTables,
  type ResolveCommune,
  seedCatalog,
  seedReferenceTables,
  seedResolve,
  Warehouse,
} from "@kpi/projections";
import { factStream, writeSample } from "@kpi/seeds";
import type { FlatTable } from "./baselines/flatTable.js";
import { SUBSET } from "./baselines/handSql.js";
import { fmt, type Measured, measure } from "./measure.js";
import type { BenchOptions } from "./options.js";

export const YEARS: readonly [number, number] = [2019, 2026];

export interface Paths {
  readonly dir: string;
  readonly head: string;
  readonly tail: string;
  readonly inputsStamp: string;
  readonly log: string;
  /** Written after the head is imported, with the log's head position. */
  readonly logStamp: string;
  readonly whFull: string;
  readonly whSubset: string;
  /** The full catalog's warehouse read through the event-log port (`readPath: "generic"`). */
  readonly whPort: string;
  readonly flat: string;
  readonly work: string;
  readonly verify: string;
  readonly results: string;
}

export interface Inputs {
  /** Where the facts came from: a sample file, or the generator. */
  readonly source: string;
  readonly headFacts: number;
  readonly tailFacts: number;
}

export interface Bench {
  readonly options: BenchOptions;
  readonly paths: Paths;
  readonly inputs: Inputs;
  readonly years: readonly [number, number];
  readonly catalog: readonly CatalogEntry[];
  /** The indicators the hand SQL computes, as catalog entries. */
  readonly subset: readonly CatalogEntry[];
  readonly reference: ReferenceTables;
  readonly resolve: ResolveCommune;
  /** Results one section leaves for a later one in the same process. */
  readonly memo: { oracleFigures?: readonly FigureRow[] };
}

/** Progress goes to stderr, so stdout holds only the results. */
export const say = (text: string): void => void process.stderr.write(`${text}\n`);

export const pathsOf = (dir: string): Paths => ({
  dir,
  head: join(dir, "head.ndjson"),
  tail: join(dir, "tail.ndjson"),
  inputsStamp: join(dir, "inputs.json"),
  log: join(dir, "log.duckdb"),
  logStamp: join(dir, "log.json"),
  whFull: join(dir, "warehouse-full.duckdb"),
  whSubset: join(dir, "warehouse-subset.duckdb"),
  whPort: join(dir, "warehouse-port.duckdb"),
  flat: join(dir, "flat.duckdb"),
  work: join(dir, "work"),
  verify: join(dir, "verify"),
  results: join(dir, "bench-results.json"),
});

export const removeDb = (path: string): void => {
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
};

/** Copies a closed DuckDB file (and its write-ahead log, if any) over `to`. */
export const copyDb = (from: string, to: string): void => {
  removeDb(to);
  copyFileSync(from, to, constants.COPYFILE_FICLONE);
  if (existsSync(`${from}.wal`)) copyFileSync(`${from}.wal`, `${to}.wal`, constants.COPYFILE_FICLONE);
};

/** Everything derived from the log: removed whenever the log is made again. */
export const clearDerived = (p: Paths): void => {
  for (const db of [p.whFull, p.whSubset, p.whPort, p.flat]) removeDb(db);
  for (const d of [p.work, p.verify]) rmSync(d, { recursive: true, force: true });
};

export const clearLog = (p: Paths): void => {
  rmSync(p.logStamp, { force: true });
  removeDb(p.log);
  clearDerived(p);
};

async function* fileLines(file: string): AsyncIterable<string> {
  const rl = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of rl) if (line !== "") yield line;
}

function* generatedLines(scale: BenchOptions["scale"]): Iterable<string> {
  for (const f of factStream({ scale, seed: 1 })) yield JSON.stringify(f);
}

/**
 * Writes the first `limit` lines but the last `tail` to `headFile` and those last ones to `tailFile`, keeping
 * only `tail` lines in memory (a ring).
 */
const splitLines = async (
  lines: AsyncIterable<string> | Iterable<string>,
  limit: number,
  tail: number,
  headFile: string,
  tailFile: string,
): Promise<{ head: number; tail: number }> => {
  const out = createWriteStream(`${headFile}.partial`);
  const ring: string[] = new Array(tail);
  let n = 0;
  let chunk = "";
  for await (const line of lines) {
    const slot = n % tail;
    if (n >= tail) chunk += `${ring[slot]}\n`;
    ring[slot] = line;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
    if (++n >= limit) break;
  }
  out.end(chunk);
  await once(out, "finish");
  const kept = Math.min(n, tail);
  const last = Array.from({ length: kept }, (_, k) => ring[(n - kept + k) % tail]);
  writeFileSync(`${tailFile}.partial`, last.map((l) => `${l}\n`).join(""));
  renameSync(`${headFile}.partial`, headFile);
  renameSync(`${tailFile}.partial`, tailFile);
  return { head: n - kept, tail: kept };
};

/** The sample the facts come from: `--sample`, a sample file in DIR, or (province) the generator itself. */
const sourceOf = async (
  o: BenchOptions,
): Promise<{ name: string; lines: AsyncIterable<string> | Iterable<string> }> => {
  if (o.sample !== undefined) return { name: o.sample, lines: fileLines(o.sample) };
  const file = join(o.dir, `sample-${o.scale}.ndjson`);
  if (existsSync(file)) return { name: file, lines: fileLines(file) };
  if (o.scale === "province") {
    // the first N facts of the stream are the first N lines of `kpi sample --scale province --seed 1`
    return { name: "factStream({scale: province, seed: 1})", lines: generatedLines("province") };
  }
  say(`Making the ${o.scale} sample in ${file} ...`);
  const s = await writeSample({ scale: o.scale, seed: 1, out: `${file}.partial` });
  renameSync(`${file}.partial`, file);
  say(`  ${fmt(s.facts)} facts in ${fmt(s.seconds, 1)} s`);
  return { name: file, lines: fileLines(file) };
};

/** The head and tail files for the options, made again (and derived state cleared) when the options changed. */
export const prepareInputs = async (o: BenchOptions, p: Paths): Promise<Inputs> => {
  mkdirSync(o.dir, { recursive: true });
  const wanted = { scale: o.scale, facts: o.facts ?? "all", tail: o.tail, sample: o.sample ?? null };
  if (existsSync(p.inputsStamp) && existsSync(p.head) && existsSync(p.tail)) {
    const stamp = JSON.parse(readFileSync(p.inputsStamp, "utf8")) as { wanted: unknown; inputs: Inputs };
    if (JSON.stringify(stamp.wanted) === JSON.stringify(wanted)) return stamp.inputs;
  }
  clearLog(p);
  const source = await sourceOf(o);
  say(`Taking ${o.facts === undefined ? "every fact" : `the first ${fmt(o.facts)} facts`} of ${source.name} ...`);
  const n = await splitLines(source.lines, o.facts ?? Number.POSITIVE_INFINITY, o.tail, p.head, p.tail);
  const inputs: Inputs = { source: source.name, headFacts: n.head, tailFacts: n.tail };
  writeFileSync(p.inputsStamp, JSON.stringify({ wanted, inputs }, null, 2));
  return inputs;
};

export const openBench = async (o: BenchOptions): Promise<Bench> => {
  const paths = pathsOf(o.dir);
  const inputs = await prepareInputs(o, paths);
  const catalog = seedCatalog();
  return {
    options: o,
    paths,
    inputs,
    years: YEARS,
    catalog,
    subset: SUBSET.map((code) => {
      const e = catalog.find((x) => x.code === code);
      if (e === undefined) throw new Error(`the catalog has no ${code}`);
      return e;
    }),
    reference: seedReferenceTables(),
    resolve: seedResolve(),
    memo: {},
  };
};

/** Imports the head into the log, cleared first (`clearLog`; the import section times this). */
export const importHead = async (b: Bench): Promise<{ accepted: number; head: number }> => {
  const log = await DuckDbEventLog.open(b.paths.log);
  try {
    const s = await importFile(log, b.paths.head);
    if (!s.committed) throw new Error(`import refused: ${JSON.stringify(s.errors.slice(0, 3))}`);
    return { accepted: s.accepted + s.duplicates, head: s.finalPosition };
  } finally {
    await log.close();
  }
};

export const markLogImported = (b: Bench, head: number): void =>
  writeFileSync(b.paths.logStamp, JSON.stringify({ head }));

/** The head position of the imported log, importing the head first if no complete log is there. */
export const ensureLog = async (b: Bench): Promise<number> => {
  if (existsSync(b.paths.logStamp) && existsSync(b.paths.log)) {
    return (JSON.parse(readFileSync(b.paths.logStamp, "utf8")) as { head: number }).head;
  }
  say(`Importing ${fmt(b.inputs.headFacts)} facts into ${b.paths.log} ...`);
  clearLog(b.paths);
  const r = await importHead(b);
  markLogImported(b, r.head);
  return r.head;
};

export const openWarehouse = (
  b: Bench,
  path: string,
  catalog: readonly CatalogEntry[],
  logPath = b.paths.log,
  readPath: "sql" | "generic" = "sql",
): Promise<Warehouse> => Warehouse.open(path, logPath, { catalog, reference: b.reference, years: b.years, readPath });

/** Opens a warehouse over the log and folds it to the log's head if it is not there yet. */
export const ensureWarehouse = async (b: Bench, path: string, catalog: readonly CatalogEntry[]): Promise<Warehouse> => {
  const head = await ensureLog(b);
  const w = await openWarehouse(b, path, catalog);
  if ((await w.checkpoint()) !== head) {
    say(`Folding the log into ${path} ...`);
    await w.catchUp();
  }
  return w;
};

/** Loads the flat table if it does not hold the log yet; how long its (last) load took. */
export const ensureFlat = async (b: Bench, flat: FlatTable, head: number): Promise<Measured | undefined> => {
  if ((await flat.loadedHead()) === head) return flat.recordedLoad();
  say("  loading the flat table for (b) ...");
  const m = await measure(() => flat.load(b.paths.log, b.reference));
  await flat.recordLoad(m.seconds, m.peakRssMiB);
  return m;
};
