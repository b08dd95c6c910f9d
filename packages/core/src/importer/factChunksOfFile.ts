/**
 * The parallel front end of an import: the file is read in chunks cut at line ends (`lineChunksOfFile`), worker
 * threads split, parse, decode and canonicalise each chunk (`readFactChunk`), and the chunks come back here in
 * file order with their line numbers counted from the start of the file. At most `inFlight` chunks are read
 * ahead of the one the caller holds, so memory does not grow with the file. The facts, errors and line numbers
 * are those `readFactLines` gives for the same file, however the chunks cut it.
 *
 * A CSV file's header is read here first (a wrong one refuses the file: `fatal`), then its records go to the
 * workers with the header's columns. A file of one chunk is read on this thread (no worker is worth starting).
 * A worker that fails (an error thrown, or the thread gone) fails the iteration with `ImportWorkerError`; the
 * workers are stopped whenever the iteration ends.
 */
import { availableParallelism } from "node:os";
import { JobPool, workerModuleBeside } from "../workers/jobPool.js";
import { type FactChunk, type FactChunkTask, readFactChunk } from "./factChunk.js";
import { csvHeaderError, csvHeaderOf, type FactLine, type FileFormat, notUtf8 } from "./readFactLines.js";
import { type LineChunk, lineChunksOfFile, splitLines } from "./utf8Lines.js";

export interface ImportPipelineOptions {
  /** Worker threads (0: read on this thread); by default one per core but one, at least one. */
  readonly workers?: number;
  /** Bytes read per chunk (a chunk ends at a line end, so a longer line makes a longer chunk). */
  readonly chunkBytes?: number;
  /**
   * Chunks being read ahead of the one being appended: by default 4 MiB of them (more than a batch of facts, so
   * the workers keep reading while a batch is appended; at most 64 chunks), and at least two per worker.
   */
  readonly inFlight?: number;
  /** The worker's module (`importWorker.js` by default). */
  readonly workerScript?: URL;
}

const CHUNK_BYTES = 1 << 18;
const READ_AHEAD_BYTES = 4 << 20;

export type FileChunk =
  | {
      readonly kind: "facts";
      readonly chunk: FactChunk;
      /** The chunk's bytes (`chunk.starts`, `chunk.ends` point into them: `lineText`). */
      readonly bytes: Uint8Array;
      readonly bytesRead: number;
    }
  | { readonly kind: "fatal"; readonly line: FactLine };

/** A worker thread failed while reading a chunk: what it was reading, and what happened. */
export class ImportWorkerError extends Error {
  constructor(
    readonly file: string,
    readonly bytes: { readonly from: number; readonly to: number } | undefined,
    readonly detail: string,
  ) {
    super(
      `${file}: ${
        bytes === undefined
          ? "a worker thread reading the file"
          : `reading bytes ${bytes.from}–${bytes.to} in a worker thread`
      } failed: ${detail}; nothing of the file was appended. This is a fault of kpi, not of the file: please report it with the file's lines around these bytes`,
    );
  }
}

const defaultWorkerScript = (): URL => workerModuleBeside(import.meta.url, "importWorker");

/**
 * A worker allocates short-lived objects fast (lines, parsed JSON, decoded facts): a larger young generation
 * than the default keeps most of them out of the old one, which took a quarter of a worker's time.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 64 };

interface Runner {
  run(task: FactChunkTask, from: number): Promise<FactChunk>;
  close(): Promise<void>;
}

const onThisThread: Runner = {
  run: (task) => Promise.resolve(readFactChunk(task)),
  close: () => Promise.resolve(),
};

type Bytes = { readonly from: number; readonly to: number };

/** Worker threads that read chunks (`JobPool`); a failure names the file, and the bytes being read. */
const workerPool = (file: string, threads: number, script: URL): Runner => {
  const pool = new JobPool<FactChunkTask, FactChunk, Bytes>({
    script,
    threads,
    resourceLimits: WORKER_LIMITS,
    what: `${file}: a chunk's reading`,
    jobFailed: (detail, bytes) => new ImportWorkerError(file, bytes, detail),
    workerFailed: (detail, held) => new ImportWorkerError(file, held, detail),
  });
  return {
    // a copy goes to the worker: the bytes stay here, for the text of a line the log refuses
    run: (task, from) => pool.run(task, { from, to: from + task.bytes.length - 1 }),
    close: () => pool.close(),
  };
};

type Header =
  | { readonly kind: "header"; readonly header: string[]; readonly nextLine: number; readonly rest?: LineChunk }
  | { readonly kind: "fatal"; readonly line: FactLine }
  | { readonly kind: "none" };

const NEWLINE = 0x0a;

/** The CSV header (the first line not blank), and the rest of its chunk; as `readFactLines` reads it. */
const readCsvHeader = async (chunks: AsyncIterator<LineChunk>): Promise<Header> => {
  let line = 1;
  for (;;) {
    const n = await chunks.next();
    if (n.done === true) return { kind: "none" };
    const c = n.value;
    let start = 0;
    for (const l of splitLines(c.bytes, line, c.atStart)) {
      line = l.line + 1;
      const end = c.bytes.indexOf(NEWLINE, start);
      const next = end < 0 ? c.bytes.length : end + 1;
      start = next;
      if (l.text === undefined) {
        if (l.bytes === undefined) continue;
        return { kind: "fatal", line: { ...notUtf8({ ...l, bytes: l.bytes }, c.bytesRead), fatal: true } };
      }
      if (l.text.trim() === "") continue;
      const header = csvHeaderOf(l.text);
      if (typeof header === "string") {
        return { kind: "fatal", line: { ...csvHeaderError(l.line, l.text, header), bytesRead: c.bytesRead } };
      }
      const rest = c.bytes.slice(next);
      return {
        kind: "header",
        header,
        nextLine: l.line + 1,
        ...(rest.length > 0 ? { rest: { bytes: rest, atStart: false, bytesRead: c.bytesRead } } : {}),
      };
    }
  }
};

/** The facts of `file` chunk by chunk, in file order, read by worker threads. */
export const factChunksOfFile = (
  file: string,
  format: FileFormat,
  options: ImportPipelineOptions = {},
): AsyncGenerator<FileChunk> =>
  factChunksOf(lineChunksOfFile(file, options.chunkBytes ?? CHUNK_BYTES), file, format, options);

/**
 * The facts of the chunks of `file` that `source` gives (`lineChunksOfFile`), in order; a chunk is taken from
 * `source` only when fewer than `inFlight` are being read.
 */
export async function* factChunksOf(
  source: AsyncGenerator<LineChunk>,
  file: string,
  format: FileFormat,
  options: ImportPipelineOptions = {},
): AsyncGenerator<FileChunk> {
  let runner: Runner | undefined;
  try {
    let header: string[] | undefined;
    let nextLine = 1;
    const ahead: LineChunk[] = [];
    if (format === "csv") {
      const h = await readCsvHeader(source);
      if (h.kind === "none") return;
      if (h.kind === "fatal") {
        yield h;
        return;
      }
      header = h.header;
      nextLine = h.nextLine;
      if (h.rest !== undefined) ahead.push(h.rest);
    }
    while (ahead.length < 2) {
      const n = await source.next();
      if (n.done === true) break;
      ahead.push(n.value);
    }
    const workers = options.workers ?? Math.max(1, availableParallelism() - 1);
    runner =
      workers <= 0 || ahead.length < 2
        ? onThisThread
        : workerPool(file, workers, options.workerScript ?? defaultWorkerScript());
    const inFlight = Math.max(
      1,
      options.inFlight ??
        Math.max(
          2 * Math.max(1, workers),
          Math.min(64, Math.ceil(READ_AHEAD_BYTES / (options.chunkBytes ?? CHUNK_BYTES))),
        ),
    );

    const queue: { readonly chunk: Promise<FactChunk>; readonly bytes: Uint8Array; readonly bytesRead: number }[] = [];
    const fill = async (r: Runner) => {
      while (queue.length < inFlight) {
        let c = ahead.shift();
        if (c === undefined) {
          const n = await source.next();
          if (n.done === true) return;
          c = n.value;
        }
        const task: FactChunkTask = { bytes: c.bytes, atStart: c.atStart, format, ...(header ? { header } : {}) };
        const chunk = r.run(task, c.bytesRead - c.bytes.length);
        chunk.catch(() => undefined); // awaited in turn below; a failure must not go unhandled meanwhile
        queue.push({ chunk, bytes: c.bytes, bytesRead: c.bytesRead });
      }
    };
    await fill(runner);
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const chunk = await next.chunk;
      await fill(runner);
      const base = nextLine - 1;
      nextLine += chunk.lineCount;
      for (let i = 0; i < chunk.lines.length; i++) chunk.lines[i] = (chunk.lines[i] as number) + base;
      for (let i = 0; i < chunk.bad.length; i++) {
        const b = chunk.bad[i] as FactChunk["bad"][number];
        chunk.bad[i] = { ...b, line: b.line + base };
      }
      yield { kind: "facts", chunk, bytes: next.bytes, bytesRead: next.bytesRead };
    }
  } finally {
    await runner?.close();
    await source.return(undefined);
  }
}
