/**
 * Where the subtrees of the Merkle digests are reduced (`TreesOfPositions`): on this thread, or, for the large
 * ones, on worker threads, one per core, so that a publication's tens of millions of inner nodes are hashed on
 * every core while this thread lists the next leaves. Its order does not matter: each job is one subtree, and
 * the roots are folded in order once all are back.
 */
import { availableParallelism } from "node:os";
import { JobPool, workerModuleBeside } from "@kpi/core/workers";
import { sha256x4 } from "./sha256x4.js";

/** Reduces `n` hashes held in `words` (8 words each) to their root's 8 words. */
export interface Reducer {
  reduce(words: Int32Array, n: number): Promise<Int32Array>;
  /** Whether `reduce` of `n` hashes takes the caller's `words` away (the caller then needs a new buffer). */
  takes(n: number): boolean;
  close(): Promise<void>;
}

/** Reduces on this thread, before `reduce` returns. */
export const onThisThread: Reducer = {
  reduce: (words, n) => Promise.resolve(sha256x4().reduce(words, n)),
  takes: () => false,
  close: () => Promise.resolve(),
};

/** A worker thread of the digests failed: what to do about it. */
export class DigestWorkerError extends Error {
  constructor(detail: string) {
    super(
      `a worker thread hashing the contribution digests failed: ${detail}; nothing was published. This is a fault of kpi, not of the log: please report it`,
    );
  }
}

/** The job of a worker thread: `n` hashes, 8 words each, in `words` (moved to the worker). */
export interface ReduceTask {
  readonly words: ArrayBuffer;
  readonly n: number;
}

/**
 * Worker threads (a `JobPool`), each job given to the least busy one. Jobs smaller than `onThreadBelow` hashes
 * are reduced on this thread (a message costs more than they do); the threads start at the first larger job.
 * The workers do not keep the process alive. `close` stops them: a job still waiting on them fails, and so does
 * a later one given to them.
 */
export class ReducerPool implements Reducer {
  private readonly pool: JobPool<ReduceTask, Int32Array, undefined>;

  constructor(
    readonly threads = Math.max(1, Math.min(8, availableParallelism())),
    private readonly onThreadBelow = 4096,
  ) {
    this.pool = new JobPool({
      script: workerModuleBeside(import.meta.url, "merkleWorker"),
      threads,
      keepAlive: false,
      what: "the contribution digests",
      jobFailed: (detail) => new DigestWorkerError(detail),
      workerFailed: (detail) => new DigestWorkerError(detail),
    });
  }

  reduce(words: Int32Array, n: number): Promise<Int32Array> {
    if (!this.takes(n)) return onThisThread.reduce(words, n);
    // the words move to the worker: the caller hands over a buffer of its own and does not read it again
    const own = words.byteOffset === 0 && words.byteLength === words.buffer.byteLength ? words : words.slice();
    const buffer = own.buffer as ArrayBuffer;
    return this.pool.run({ words: buffer, n }, undefined, [buffer]);
  }

  takes(n: number): boolean {
    return n >= this.onThreadBelow && this.threads >= 2;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
