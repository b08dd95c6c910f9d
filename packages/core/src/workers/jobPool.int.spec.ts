import { describe, expect, it } from "vitest";
import { JobPool, JobPoolClosedError } from "./jobPool.js";
import type { TestTask } from "./testWorker.fixture.js";

class JobFailed extends Error {}
class WorkerFailed extends Error {
  constructor(
    detail: string,
    readonly held: string | undefined,
  ) {
    super(detail);
  }
}

const poolOf = (threads: number) =>
  new JobPool<TestTask, number, string>({
    script: new URL("./testWorker.fixture.ts", import.meta.url),
    threads,
    what: "the test's jobs",
    jobFailed: (detail, context) => new JobFailed(`${context}: ${detail}`),
    workerFailed: (detail, held) => new WorkerFailed(detail, held),
  });

describe("JobPool", () => {
  it("gives each job's result to its caller, whatever order the workers finish in", async () => {
    const pool = poolOf(2);
    try {
      // the first jobs sleep longest: the later ones come back first
      const values = Array.from({ length: 12 }, (_, i) => i - 3);
      const results = await Promise.all(
        values.map((value, i) => pool.run({ op: "double", value, ms: 4 * (12 - i) }, `job ${i}`)),
      );
      expect(results).toEqual(values.map((v) => 2 * v));
      expect(pool.pending).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it("moves the buffers it is told to move to the worker", async () => {
    const pool = poolOf(1);
    try {
      const words = new Int32Array([1, 2, 3, 40]);
      const sum = pool.run({ op: "sum", words: words.buffer }, "sum", [words.buffer]);
      expect(words.byteLength).toBe(0); // the caller no longer holds it
      expect(await sum).toBe(46);
    } finally {
      await pool.close();
    }
  });

  it("fails a job its worker cannot do alone, with the caller's context, and does the next", async () => {
    const pool = poolOf(2);
    try {
      await expect(pool.run({ op: "throw" }, "the bad job")).rejects.toThrow(
        /^the bad job: Error: this job cannot be done/,
      );
      expect(await pool.run({ op: "double", value: 21 }, "next")).toBe(42);
    } finally {
      await pool.close();
    }
  });

  it("fails every waiting job when a worker dies, naming a job it held, and refuses later ones", async () => {
    const pool = poolOf(1);
    try {
      const slow = pool.run({ op: "double", value: 1, ms: 50 }, "slow");
      const exit = pool.run({ op: "exit" }, "the crash");
      const after = pool.run({ op: "double", value: 2 }, "queued behind it");
      for (const p of [slow, exit, after]) p.catch(() => undefined);
      expect(await slow).toBe(2);
      const e = await exit.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(WorkerFailed);
      expect((e as WorkerFailed).message).toBe("the worker thread stopped (exit code 7)");
      expect((e as WorkerFailed).held).toBe("the crash");
      await expect(after).rejects.toBe(e);
      await expect(pool.run({ op: "double", value: 3 }, "later")).rejects.toBe(e);
      expect(pool.pending).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it("fails the jobs still waiting when it closes, and refuses jobs after", async () => {
    const pool = poolOf(2);
    const waiting = [1, 2, 3].map((value) => pool.run({ op: "double", value, ms: 200 }, `job ${value}`));
    for (const p of waiting) p.catch(() => undefined);
    await pool.close();
    for (const p of waiting) {
      await expect(p).rejects.toThrow(JobPoolClosedError);
      await expect(p).rejects.toThrow("the test's jobs: its worker threads were stopped before the job was done");
    }
    expect(pool.pending).toBe(0);
    await expect(pool.run({ op: "double", value: 4 }, "after")).rejects.toThrow(JobPoolClosedError);
    expect(pool.pending).toBe(0); // nothing was sent: no worker was started again
    await pool.close(); // closing twice is harmless
  });

  it("refuses a number of threads that is not a whole number from 1", () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      expect(() => poolOf(threads)).toThrow(/threads must be a whole number from 1/);
    }
  });
});
