/**
 * Imports a file of facts into the event log as one unit.
 *
 * Every line is validated. Without `skipInvalid`, a file with any bad line appends nothing: every bad line is
 * reported (file, line, field, reason) and the bulk session is rolled back. With `skipInvalid`, bad lines —
 * undecodable ones and ones the log refuses (an id reused for other content, a retraction of an unknown
 * fact) — are written, as they were, to a reject file beside the input (`<name>.rejected.<ext>`, with the
 * reasons in `<name>.rejected.txt`) and the rest is appended; then `accepted + duplicates + rejected = lines`.
 * A file that cannot be read as facts at all (a wrong CSV header) appends nothing even with `skipInvalid`:
 * `fileError` says why. The import is durable when it returns.
 *
 * Worker threads read, parse, validate and canonicalise the file in chunks (`factChunksOfFile`) and fingerprint
 * each fact's canonical form; this thread takes the facts in file order, plans and hashes them and appends them
 * (the embedded log inserts a large session's rows from files, on DuckDB's threads: `csvStager.ts`). A worker
 * that fails rolls the import back (`ImportWorkerError`).
 */
import { createWriteStream, statSync, type WriteStream } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { type AppendError, type AppendOptions, describeAppendError, type EventLog } from "../eventLog/index.js";
import type { Fact, FieldError, Position } from "../facts/index.js";
import { dataAt, factAt, lineText } from "./factChunk.js";
import { factChunksOfFile, type ImportPipelineOptions } from "./factChunksOfFile.js";
import { type FileFormat, formatOf } from "./readFactLines.js";

export interface LineError {
  readonly file: string;
  readonly line: number;
  readonly field: string;
  readonly reason: string;
}

export const formatLineError = (e: LineError): string => `${e.file}:${e.line}: ${e.field}: ${e.reason}`;

export interface ImportProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly lines: number;
  readonly accepted: number;
}

export interface ImportOptions {
  readonly skipInvalid?: boolean;
  /** Options of every append (e.g. the retraction grants in force). */
  readonly append?: AppendOptions;
  readonly batchSize?: number;
  /** How many line errors to keep in the result (all are counted, and all go to the reject file). */
  readonly keepErrors?: number;
  readonly format?: FileFormat;
  readonly onProgress?: (p: ImportProgress) => void;
  /** How the file is read: worker threads, chunk size, chunks read ahead. */
  readonly pipeline?: ImportPipelineOptions;
}

type CanonicalParts = NonNullable<AppendOptions["canonicalParts"]>[number];

export interface ImportSummary {
  readonly file: string;
  /** True when the facts were appended (the file was clean, or bad lines were skipped). */
  readonly committed: boolean;
  readonly lines: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly errors: readonly LineError[];
  readonly rejectFile?: string;
  /** Why the file as a whole was refused (nothing was read past it), when it was. */
  readonly fileError?: LineError;
  readonly finalPosition: Position;
  readonly seconds: number;
}

const appendErrorLine = (e: AppendError, lines: readonly number[], file: string): LineError => {
  const line = "index" in e ? (lines[e.index] ?? 0) : 0;
  const field =
    e._tag === "IdConflict"
      ? "id"
      : e._tag === "RetractionRefused"
        ? "data.eventId"
        : e._tag === "CatalogChangeRefused"
          ? "source"
          : "subject";
  return { file, line, field, reason: describeAppendError(e).replace(/^fact \d+ \(id [^)]*\): /, "") };
};

/** A large file's bytes per fact, roughly (the province sample: 204), to size the log's indexes ahead. */
const BYTES_PER_FACT = 200;

export const importFile = async (log: EventLog, file: string, options: ImportOptions = {}): Promise<ImportSummary> => {
  const started = performance.now();
  const format = options.format ?? formatOf(file);
  if (format === undefined) throw new Error(`${file}: unknown file type; use .ndjson (or .jsonl) or .csv`);
  const totalBytes = statSync(file).size;
  const batchSize = options.batchSize ?? 5_000;
  const keep = options.keepErrors ?? 1_000;
  const skip = options.skipInvalid === true;

  const errors: LineError[] = [];
  let rejected = 0;
  let rejectOut: WriteStream | undefined;
  let reasonsOut: WriteStream | undefined;
  const rejectBase = file.replace(/\.[^./]+$/, "");
  const rejectFile = `${rejectBase}.rejected.${format === "csv" ? "csv" : "ndjson"}`;
  const reject = (text: string, es: readonly LineError[], bytes?: Uint8Array) => {
    rejected++;
    for (const e of es) if (errors.length < keep) errors.push(e);
    if (skip) {
      rejectOut ??= createWriteStream(rejectFile);
      reasonsOut ??= createWriteStream(`${rejectBase}.rejected.txt`);
      rejectOut.write(bytes ?? text); // a line that is not UTF-8 goes out as the bytes it was
      rejectOut.write("\n");
      for (const e of es) reasonsOut.write(`${formatLineError(e)}\n`);
    }
  };

  // about 200 bytes a fact in the province's files: room in the log's indexes at once, not grown on the way
  log.reserve?.(totalBytes / BYTES_PER_FACT);
  const session = await log.beginBulk();
  let accepted = 0;
  let duplicates = 0;
  let lines = 0;
  let failed = false;
  let fileError: LineError | undefined;
  let head = await log.head();
  let batch: Fact[] = [];
  let batchLines: number[] = [];
  /** Each fact's line, as the chunk's bytes and where it lies in them (its text is needed only if refused). */
  let batchBytes: Uint8Array[] = [];
  let batchStarts: number[] = [];
  let batchEnds: number[] = [];
  const textAt = (i: number): string => {
    const bytes = batchBytes[i];
    return bytes === undefined ? "" : lineText(bytes, batchStarts[i] as number, batchEnds[i] as number);
  };
  let batchParts: CanonicalParts[] = [];

  const flush = async () => {
    while (batch.length > 0 && !failed) {
      const r = await session.append(batch, { ...options.append, canonicalParts: batchParts });
      if (E.isRight(r)) {
        accepted += r.right.appended;
        duplicates += r.right.duplicates;
        head = r.right.head;
        break;
      }
      const err = appendErrorLine(r.left, batchLines, file);
      const index = "index" in r.left ? r.left.index : -1;
      if (!skip || index < 0) {
        failed = true;
        reject(textAt(index), [err]);
        break;
      }
      reject(textAt(index), [err]);
      batch.splice(index, 1);
      batchLines.splice(index, 1);
      batchBytes.splice(index, 1);
      batchStarts.splice(index, 1);
      batchEnds.splice(index, 1);
      batchParts.splice(index, 1);
    }
    batch = [];
    batchLines = [];
    batchBytes = [];
    batchStarts = [];
    batchEnds = [];
    batchParts = [];
  };

  try {
    let bytesRead = 0;
    const lineErrors = (line: number, es: readonly FieldError[]) =>
      es.map((e: FieldError) => ({ file, line, field: e.field, reason: e.reason }));
    for await (const c of factChunksOfFile(file, format, options.pipeline)) {
      if (c.kind === "fatal") {
        const l = c.line;
        fileError = E.isLeft(l.result) ? lineErrors(l.line, l.result.left)[0] : undefined;
        if (fileError !== undefined && errors.length < keep) errors.push(fileError);
        failed = true;
        break;
      }
      bytesRead = c.bytesRead;
      const { count, lines: factLines, starts, ends, canonicals, bad, contents } = c.chunk;
      let b = 0;
      for (let i = 0; i <= count; i++) {
        for (let x = bad[b]; x !== undefined && x.before === i; x = bad[++b]) {
          lines++;
          reject(x.text, lineErrors(x.line, x.errors), x.bytes);
          if (!skip) failed = true;
        }
        if (i === count) break;
        lines++;
        if (failed) continue; // keep reading to report every bad line, but append nothing more
        const canonical = canonicals[i] as string;
        batch.push(factAt(c.chunk, i));
        batchParts.push({
          canonical,
          data: dataAt(c.chunk, i),
          content: [contents[2 * i] as number, contents[2 * i + 1] as number],
        });
        batchLines.push(factLines[i] as number);
        batchBytes.push(c.bytes);
        batchStarts.push(starts[i] as number);
        batchEnds.push(ends[i] as number);
        if (batch.length >= batchSize) {
          await flush();
          options.onProgress?.({ bytesRead, totalBytes, lines, accepted });
        }
      }
    }
    await flush();
    options.onProgress?.({ bytesRead: totalBytes, totalBytes, lines, accepted });
    if (failed) await session.rollback();
    else head = await session.commit();
  } catch (e) {
    await session.rollback().catch(() => undefined);
    throw e;
  } finally {
    await Promise.all([rejectOut, reasonsOut].map((s) => (s === undefined ? undefined : new Promise((r) => s.end(r)))));
  }
  return {
    file,
    committed: !failed,
    lines,
    accepted: failed ? 0 : accepted,
    duplicates: failed ? 0 : duplicates,
    rejected,
    errors,
    ...(skip && rejected > 0 ? { rejectFile } : {}),
    ...(fileError === undefined ? {} : { fileError }),
    finalPosition: failed ? await log.head() : head,
    seconds: (performance.now() - started) / 1000,
  };
};
