/**
 * Where the subtrees of the Merkle digests are reduced (`TreesOfPositions`): on this thread, or, for the large
 * ones, on worker threads, one per core, so that a publication's tens of millions of inner nodes are hashed on
 * every core while this thread lists the next leaves. Its order does not matter: each job is one subtree, and
 * the roots are folded in order once all are back.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
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

const workerScript = (): URL =>
  // Run from the TypeScript sources (the tests), the worker is the .ts module beside this one.
  new URL(import.meta.url.endsWith(".ts") ? "./merkleWorker.ts" : "./merkleWorker.js", import.meta.url);

const startWorker = (script: URL): Worker =>
  script.pathname.endsWith(".ts")
    ? new Worker(
        `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(script.href)}); });`,
        { eval: true },
      )
    : new Worker(script);

/** A worker thread of the digests failed: what to do about it. */
export class DigestWorkerError extends Error {
  constructor(detail: string) {
    super(
      `a worker thread hashing the contribution digests failed: ${detail}; nothing was published. This is a fault of kpi, not of the log: please report it`,
    );
  }
}

interface Waiting {
  readonly worker: number;
  resolve(root: Int32Array): void;
  reject(e: Error): void;
}

/**
 * Worker threads, each job given to the least busy one. Jobs smaller than `onThreadBelow` hashes are reduced on
 * this thread (a message costs more than they do); the threads start at the first larger job. The workers do not
 * keep the process alive; `close` stops them.
 */
export class ReducerPool implements Reducer {
  private workers: Worker[] | undefined;
  private busy: number[] = [];
  private readonly waiting = new Map<number, Waiting>();
  private next = 0;
  private failure: Error | undefined;
  private closing = false;

  constructor(
    readonly threads = Math.max(1, Math.min(8, availableParallelism())),
    private readonly onThreadBelow = 4096,
  ) {}

  reduce(words: Int32Array, n: number): Promise<Int32Array> {
    if (n < this.onThreadBelow || this.threads < 2) return onThisThread.reduce(words, n);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const workers = this.start();
    const worker = this.busy.indexOf(Math.min(...this.busy));
    const id = this.next++;
    this.busy[worker] = (this.busy[worker] ?? 0) + 1;
    const p = new Promise<Int32Array>((resolve, reject) => this.waiting.set(id, { worker, resolve, reject }));
    // the words move to the worker: the caller hands over a buffer of its own and does not read it again
    const buffer = words.byteOffset === 0 && words.byteLength === words.buffer.byteLength ? words : words.slice();
    (workers[worker] as Worker).postMessage({ id, words: buffer.buffer, n }, [buffer.buffer as ArrayBuffer]);
    return p;
  }

  takes(n: number): boolean {
    return n >= this.onThreadBelow && this.threads >= 2;
  }

  private start(): Worker[] {
    if (this.workers !== undefined) return this.workers;
    const script = workerScript();
    this.workers = Array.from({ length: this.threads }, (_, i) => {
      const w = startWorker(script);
      w.unref();
      w.on("message", (m: { id: number; root?: Int32Array; error?: string }) => this.settle(i, m));
      w.on("error", (e) => this.fail(e instanceof Error ? (e.stack ?? e.message) : String(e)));
      w.on("exit", (code) => {
        if (!this.closing) this.fail(`the worker thread stopped (exit code ${code})`);
      });
      return w;
    });
    this.busy = this.workers.map(() => 0);
    return this.workers;
  }

  private settle(worker: number, m: { id: number; root?: Int32Array; error?: string }): void {
    const w = this.waiting.get(m.id);
    if (w === undefined) return;
    this.waiting.delete(m.id);
    this.busy[worker] = (this.busy[worker] ?? 1) - 1;
    if (m.root !== undefined) w.resolve(m.root);
    else w.reject(new DigestWorkerError(m.error ?? "no reason given"));
  }

  /** A worker failed outside a job: every job waiting fails. */
  private fail(detail: string): void {
    if (this.failure !== undefined) return;
    this.failure = new DigestWorkerError(detail);
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    this.closing = true;
    const workers = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
