/**
 * Durability under a crash: a writer process appending batches is killed with SIGKILL at random moments,
 * several times over the same log file. Every batch it acknowledged must be there, no batch may be there in
 * part, and the hash chain must verify.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { position } from "../facts/index.js";
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
