/**
 * Worker threads that do jobs for this thread: the import's readers of chunks, the digests' reducers of
 * subtrees. Each job goes to the least busy worker with a number, and comes back with it (`serveJobs` on the
 * worker's side), so their order does not matter. A job the worker could not do fails alone; a worker that fails
 * outside a job (an uncaught error, the thread gone) fails every job waiting and the pool. `close` stops the
 * workers, fails the jobs still waiting, and refuses any later one.
 */
import { parentPort, type ResourceLimits, type TransferListItem, Worker } from "node:worker_threads";

/** The worker module `name` beside `here` (`import.meta.url`): `.ts` when run from the sources (the tests). */
export const workerModuleBeside = (here: string, name: string): URL =>
  new URL(here.endsWith(".ts") ? `./${name}.ts` : `./${name}.js`, here);

/** Starts the worker module `script`; a TypeScript one (the tests, from the sources) through tsx. */
export const startWorkerModule = (script: URL, resourceLimits?: ResourceLimits): Worker => {
  const options = resourceLimits === undefined ? {} : { resourceLimits };
  return script.pathname.endsWith(".ts")
    ? new Worker(
        `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(script.href)}); });`,
        { ...options, eval: true },
      )
    : new Worker(script, options);
};

/** What a pool sends its worker. */
export interface JobMessage<T> {
  readonly id: number;
  readonly task: T;
}

/** What a worker sends back: the job's result, or why it could not do it. */
export type ResultMessage<R> =
  | { readonly id: number; readonly result: R }
  | { readonly id: number; readonly error: string };

const textOf = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e));

/**
 * The worker's side of a `JobPool`: does each job it is sent (`work`) and sends back its result, or the error's
 * text. `transfer`: the buffers of a result that move to the pool rather than be copied.
 */
export const serveJobs = <T, R>(
  what: string,
  work: (task: T) => R,
  transfer?: (result: R) => readonly TransferListItem[],
): void => {
  const port = parentPort;
  if (port === null) throw new Error(`${what} runs as a worker thread`);
  port.on("message", (m: JobMessage<T>) => {
    let result: R;
    try {
      result = work(m.task);
    } catch (e) {
      port.postMessage({ id: m.id, error: textOf(e) } satisfies ResultMessage<R>);
      return;
    }
    port.postMessage({ id: m.id, result } satisfies ResultMessage<R>, transfer?.(result) ?? []);
  });
};

/** A job given to a pool after `close`, or still waiting when it closed. */
export class JobPoolClosedError extends Error {
  constructor(what: string) {
    super(`${what}: its worker threads were stopped before the job was done`);
  }
}

export interface JobPoolOptions<C> {
  /** The workers' module (`serveJobs` on its side). */
  readonly script: URL;
  readonly threads: number;
  readonly resourceLimits?: ResourceLimits;
  /** Whether the workers keep the process alive while it has nothing else to do (by default they do). */
  readonly keepAlive?: boolean;
  /** What the pool's jobs are, for the error of one given after `close`. */
  readonly what: string;
  /** The error of a job its worker could not do: the worker's error text, and what the caller said of the job. */
  jobFailed(detail: string, context: C): Error;
  /** The error of every job waiting when a worker failed outside a job; `held`: a job that worker held, if any. */
  workerFailed(detail: string, held: C | undefined): Error;
}

interface Waiting<R, C> {
  readonly worker: number;
  readonly context: C;
  resolve(r: R): void;
  reject(e: Error): void;
}

/** Worker threads started at the first job, each job given to the least busy one (see the module's comment). */
export class JobPool<T, R, C = undefined> {
  private workers: Worker[] | undefined;
  private busy: number[] = [];
  private readonly waiting = new Map<number, Waiting<R, C>>();
  private next = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor(private readonly options: JobPoolOptions<C>) {
    if (!(Number.isInteger(options.threads) && options.threads >= 1)) {
      throw new RangeError(`JobPool: threads must be a whole number from 1, got ${options.threads}`);
    }
  }

  /** Does `task` on a worker; `transfer`: buffers of the task that move to the worker (the caller loses them). */
  run(task: T, context: C, transfer: readonly TransferListItem[] = []): Promise<R> {
    if (this.closed) return Promise.reject(new JobPoolClosedError(this.options.what));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const workers = this.start();
    const worker = this.busy.indexOf(Math.min(...this.busy));
    const id = this.next++;
    this.busy[worker] = (this.busy[worker] ?? 0) + 1;
    const p = new Promise<R>((resolve, reject) => this.waiting.set(id, { worker, context, resolve, reject }));
    (workers[worker] as Worker).postMessage({ id, task } satisfies JobMessage<T>, transfer);
    return p;
  }

  /** Jobs sent and not yet back. */
  get pending(): number {
    return this.waiting.size;
  }

  private start(): Worker[] {
    if (this.workers !== undefined) return this.workers;
    this.workers = Array.from({ length: this.options.threads }, (_, i) => {
      const w = startWorkerModule(this.options.script, this.options.resourceLimits);
      if (this.options.keepAlive === false) w.unref();
      w.on("message", (m: ResultMessage<R>) => this.settle(i, m));
      w.on("error", (e) => this.fail(i, textOf(e)));
      w.on("exit", (code) => {
        if (!this.closed) this.fail(i, `the worker thread stopped (exit code ${code})`);
      });
      return w;
    });
    this.busy = this.workers.map(() => 0);
    return this.workers;
  }

  private settle(worker: number, m: ResultMessage<R>): void {
    const w = this.waiting.get(m.id);
    if (w === undefined) return;
    this.waiting.delete(m.id);
    this.busy[worker] = (this.busy[worker] ?? 1) - 1;
    if ("result" in m) w.resolve(m.result);
    else w.reject(this.options.jobFailed(m.error, w.context));
  }

  private fail(worker: number, detail: string): void {
    if (this.failure !== undefined || this.closed) return;
    const held = [...this.waiting.values()].find((w) => w.worker === worker);
    this.failure = this.options.workerFailed(detail, held?.context);
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }

  /** Stops the workers: the jobs still waiting fail (`JobPoolClosedError`), and so does any later one. */
  async close(): Promise<void> {
    this.closed = true;
    const closed = new JobPoolClosedError(this.options.what);
    for (const w of this.waiting.values()) w.reject(closed);
    this.waiting.clear();
    const workers = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
