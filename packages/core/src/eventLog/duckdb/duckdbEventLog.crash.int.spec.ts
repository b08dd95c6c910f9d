/**
 * Durability under a crash: a writer process appending batches is killed with SIGKILL at random moments,
 * several times over the same log file. Every batch it acknowledged must be there, no batch may be there in
 * part, and the hash chain must verify. The same for an import of a large file, in many appends of one bulk
 * session: killed while reading, appending, committing or saving the append indexes, the file is in the log
 * whole or not at all (its rows go in as files DuckDB reads, inside the session's transaction), and the log
 * opened again (from its saved indexes or not) appends as if never killed, with the killed import's files gone.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { position } from "../../facts/index.js";
import { accountOpened } from "../testFacts.js";
import { DuckDbEventLog } from "./duckdbEventLog.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "../../../..");
const dir = mkdtempSync(join(tmpdir(), "kpi-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BATCH = 400;

/** Runs the writer from `start` and kills it after `killAfterMs`; returns the batches it acknowledged. */
const runAndKill = (path: string, start: number, killAfterMs: number): Promise<number[]> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(here, "crashWriter.fixture.ts"), path, String(start)],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const acked: number[] = [];
    let buf = "";
    let err = "";
    let started = false;
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf("\n");
      while (i >= 0) {
        const m = /^ACK (\d+) (\d+)$/.exec(buf.slice(0, i));
        if (m) acked.push(Number(m[1]));
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
      }
      if (!started) {
        started = true; // count the kill delay from the first durable batch, so the kill lands mid-stream
        setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(acked);
      else reject(new Error(`writer exited with ${code}: ${err}`));
    });
  });

it("keeps every acknowledged batch and no partial batch when the writer is killed mid-append", async () => {
  const path = join(dir, "crash.duckdb");
  const acked = new Set<number>();
  let next = 0;
  for (const killAfterMs of [150, 420, 35, 700, 260]) {
    const got = await runAndKill(path, next, killAfterMs);
    for (const b of got) acked.add(b);
    // the writer may have committed one batch it did not get to acknowledge; continue after the highest seen
    next = Math.max(next, ...got) + 2;
  }
  expect(acked.size).toBeGreaterThan(5);

  const log = await DuckDbEventLog.open(path, { readOnly: true });
  try {
    const perBatch = new Map<number, number>();
    for await (const e of log.readAll(position(0))) {
      const b = Number(e.fact.id.split("-")[1]);
      perBatch.set(b, (perBatch.get(b) ?? 0) + 1);
    }
    for (const b of acked) expect(perBatch.get(b), `acknowledged batch ${b}`).toBe(BATCH);
    for (const [b, n] of perBatch) expect(n, `batch ${b} is whole`).toBe(BATCH);
    const report = await log.verifyChain();
    expect(report).toMatchObject({ ok: true });
    expect(report.checked).toBe([...perBatch.values()].reduce((a, n) => a + n, 0));
  } finally {
    await log.close();
  }
});

/** Runs the importer on `file`, killing it after `killAfterMs` (from its start); whether it said it was done. */
const importAndKill = (path: string, file: string, killAfterMs: number): Promise<"done" | "killed"> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "crashImporter.fixture.ts"), path, file], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve(out.includes("DONE") ? "done" : "killed");
      else if (code === 0) resolve("done");
      else reject(new Error(`importer exited with ${code}: ${err}`));
    });
  });

const FILE_FACTS = 40_000;

it("keeps a large file's import whole or not at all when the importer is killed at any moment", async () => {
  const path = join(dir, "import-crash.duckdb");
  const files = [0, 1, 2, 3, 4, 5].map((k) => {
    const file = join(dir, `file-${k}.ndjson`);
    const lines = Array.from({ length: FILE_FACTS }, (_, i) =>
      JSON.stringify(accountOpened(`f${k}-${i}`, `q${i % 5_000}`, { birthYear: 1950 + (i % 50) })),
    );
    writeFileSync(file, `${lines.join("\n")}\n`);
    return file;
  });
  // kill delays from the importer's start (its start-up takes most of a second): during start-up, reading and
  // appending, around the commit and the saving of the indexes, and never (the last two)
  const delays = [300, 1_200, 2_000, 2_700, 3_300, 60_000];
  const outcomes: string[] = [];
  for (const [k, file] of files.entries()) {
    outcomes.push(await importAndKill(path, file, delays[k] as number));
    // opened for writing (from its saved indexes if they are trusted), as the next importer would; saves nothing
    const log = await DuckDbEventLog.open(path, { saveIndexFrom: Number.POSITIVE_INFINITY });
    // the files a killed import staged beside the log (its rows on their way in) are gone once it is opened again
    expect(readdirSync(dir).filter((n) => n.startsWith("import-crash.duckdb.append-"))).toEqual([]);
    try {
      const perFile = new Map<number, number>();
      for await (const e of log.readAll(position(0))) {
        const f = Number(e.fact.id.slice(1).split("-")[0]);
        perFile.set(f, (perFile.get(f) ?? 0) + 1);
      }
      for (const [f, n] of perFile) expect(n, `file ${f} is whole (after kill ${k})`).toBe(FILE_FACTS);
      if (outcomes[k] === "done") expect(perFile.get(k), `file ${k}, reported done`).toBe(FILE_FACTS);
      expect(await log.verifyChain()).toMatchObject({ ok: true });
    } finally {
      await log.close();
    }
  }
  expect(outcomes[0]).toBe("killed");
  expect(outcomes.at(-1)).toBe("done");
  // every file again, unkilled: what is there is found a duplicate, what is not is appended, once
  for (const file of files) expect(await importAndKill(path, file, 120_000)).toBe("done");
  const log = await DuckDbEventLog.open(path, { readOnly: true });
  try {
    const report = await log.verifyChain();
    expect(report).toMatchObject({ ok: true, checked: files.length * FILE_FACTS });
  } finally {
    await log.close();
  }
}, 300_000);
