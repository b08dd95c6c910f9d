/**
 * 7. Publish a whole year: every indicator of the catalog, province and communes (`publishFigures`, level `all`),
 * the year the last with a province value (`--publish-year`), from copies of the log and the full-catalog
 * warehouse restored before each run (publishing appends a `PublicationIssued` fact). Most of a publish is the
 * contribution digests: every figure's contributing events listed and folded into a Merkle root (RFC 6962), so a
 * year's digests hash about as many inner nodes as its figures have contributing events. Beside it, that hashing
 * alone, of as many 65-byte inner nodes (0x01 ‖ left ‖ right) as the publication's trees have:
 *   (a) in JavaScript (`node:crypto`, one thread): the naive way to hash them;
 *   (b) in DuckDB (`sha256`, every core), the inputs made beforehand: the way the digests were hashed before
 *       they moved to four-lane WebAssembly on worker threads (`sha256x4.ts`).
 * Neither lists a figure's events nor makes a file: they say what the hashing alone costs done those ways.
 */
import { hash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { type Published, publishFigures } from "@kpi/projections";
import * as E from "fp-ts/lib/Either.js";
import { fmt, median, medianOf } from "../measure.js";
import { naiveRunsNote } from "../options.js";
import { type Row, type Section, seconds } from "../report.js";
import { type Bench, copyDb, ensureLog, ensureWarehouse, openWarehouse, say } from "../workspace.js";

const PUBLISH_GOAL_S = 60;

/** The year asked for, else the last year with a province value. */
const yearOf = async (b: Bench): Promise<number> => {
  if (b.options.publishYear !== undefined) return b.options.publishYear;
  const w = await ensureWarehouse(b, b.paths.whFull, b.catalog);
  try {
    const r = await w.query<{ year: number | null }>(
      "SELECT max(year) AS year FROM indicator_values WHERE geo = 'province' AND value IS NOT NULL",
    );
    return r[0]?.year ?? b.years[1];
  } finally {
    await w.close();
  }
};

/** The inner nodes of a tree of n leaves: n − 1 (none for an empty tree). */
const innerNodes = (events: number): number => Math.max(events - 1, 0);

/** (a): `n` SHA-256 of 65-byte inner nodes in JavaScript, one call each; returns a checksum of the last bytes. */
const hashInJs = (n: number): number => {
  const node = Buffer.alloc(65, 7);
  node[0] = 1;
  let x = 0;
  for (let i = 0; i < n; i++) {
    node.writeUInt32BE(i, 61);
    x ^= (hash("sha256", node, "buffer") as Buffer)[31] as number;
  }
  return x;
};

/** Inner nodes hashed per statement in (b): their inputs are made beforehand, not timed. */
const CHUNK = 4_000_000;

/**
 * (b): `n` SHA-256 of 65-byte inner nodes in DuckDB (every core), as ours hashes them: `CHUNK` distinct inputs
 * are made first (not timed), then hashed as often as it takes; returns the time of the hashing alone.
 */
const hashInDuckDb = async (n: number): Promise<number> => {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    await c.run(
      `CREATE TABLE nodes AS SELECT '\\x01'::BLOB || unhex(sha256(CAST(i AS VARCHAR))) || unhex(sha256(CAST(-i AS VARCHAR))) AS x
       FROM range(${Math.min(n, CHUNK)}) r(i)`,
    );
    const started = performance.now();
    for (let done = 0; done < n; done += CHUNK) {
      await c.run(
        `SELECT sum(octet_length(unhex(sha256(x)))) FROM (SELECT x FROM nodes LIMIT ${Math.min(CHUNK, n - done)})`,
      );
    }
    return (performance.now() - started) / 1000;
  } finally {
    c.closeSync();
    db.closeSync();
  }
};

export const publishSection = async (b: Bench): Promise<Section> => {
  const head = await ensureLog(b);
  const year = await yearOf(b);
  const dir = join(b.paths.work, "publish");
  say(
    `publish: ${year}, every indicator, province and communes, at position ${fmt(head)}, ${b.options.runs} run(s) ...`,
  );
  const log = join(dir, "log.duckdb");
  const wh = join(dir, "warehouse.duckdb");
  const restore = () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyDb(b.paths.log, log);
    if (existsSync(`${b.paths.log}.index`)) copyFileSync(`${b.paths.log}.index`, `${log}.index`);
    copyDb(b.paths.whFull, wh);
  };
  const ours = await medianOf(b.options.runs, restore, async (): Promise<Published> => {
    const w = await openWarehouse(b, wh, b.catalog, log);
    try {
      const r = await publishFigures(w, { dir, years: [year], level: "all" });
      if (E.isLeft(r)) throw new Error(`publish: ${r.left._tag}`);
      return r.right;
    } finally {
      await w.close();
    }
  });
  const figures = ours.last.publication.figures;
  const events = figures.reduce((s, f) => s + f.contribution.events, 0);
  const nodes = figures.reduce((s, f) => s + innerNodes(f.contribution.events), 0);
  say(`publish: hashing ${fmt(nodes)} inner nodes in JavaScript and in DuckDB ...`);
  const naive = await medianOf(
    b.options.naiveRuns,
    () => undefined,
    () => hashInJs(nodes),
  );
  const floorRuns: number[] = [];
  for (let r = 0; r < b.options.runs; r++) floorRuns.push(await hashInDuckDb(nodes));
  const floor = { seconds: median(floorRuns) };
  rmSync(dir, { recursive: true, force: true });
  const rows: Row[] = [
    {
      label: `publish ${year}, every indicator, province and communes`,
      ours: seconds(ours.seconds, ours.peakRssMiB),
      a: seconds(naive.seconds, naive.peakRssMiB),
      b: seconds(floor.seconds),
      goal: {
        text: `publish of a whole year (every indicator, province and communes) < ${PUBLISH_GOAL_S} s`,
        pass: ours.seconds < PUBLISH_GOAL_S,
        measured: `${fmt(ours.seconds, 1)} s for ${fmt(figures.length)} figures, ${fmt(events)} contributing events; their hashing alone ${fmt(floor.seconds, 1)} s in DuckDB (b), ${fmt(naive.seconds, 1)} s in JavaScript (a)`,
      },
    },
  ];
  return {
    name: "publish",
    title: `Publish a whole year: ${year}, ${fmt(figures.length)} figures, at log position ${fmt(head)}`,
    a: `SHA-256 of the digests' ${fmt(nodes)} inner nodes in JavaScript (node:crypto, one thread), nothing else${naiveRunsNote(b)}`,
    b: "the same hashing in DuckDB (every core; the inputs made beforehand), nothing else: how ours hashed before",
    rows,
    notes: [
      `${fmt(figures.length)} figures of ${fmt(new Set(figures.map((f) => f.indicator)).size)} indicators; ${fmt(figures.filter((f) => f.contribution.events > 0).length)} with contributing events, ${fmt(events)} in all (an event counts once in each figure it contributes to, province and commune); ${fmt(nodes)} inner nodes.`,
      `ours / (b) = ${fmt(ours.seconds / floor.seconds, 2)}: ours lists each indicator's members in DuckDB, joins them to every subject's events of the year in memory, hashes each event's leaf once and the inner nodes four at a time on worker threads.`,
    ],
  };
};
