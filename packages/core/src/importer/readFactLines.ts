/**
 * Streams a file of reported facts, one decoded line at a time, without holding the file in memory.
 * NDJSON: one JSON object per line (blank lines are skipped). CSV: a header with the columns `id`, `type`,
 * `subject`, `occurredOn`, `source` and `data`, where `data` holds the fact's data as a JSON object.
 * Each line comes back decoded (`Right`) or with every reason it was refused (`Left`).
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import * as E from "fp-ts/lib/Either.js";
import { decodeFact, type Fact, type FieldError } from "../facts/index.js";

export interface FactLine {
  readonly line: number;
  readonly text: string;
  readonly result: E.Either<readonly FieldError[], Fact>;
  /** Bytes of the file read so far (for progress). */
  readonly bytesRead: number;
}

export type FileFormat = "ndjson" | "csv";

export const formatOf = (file: string): FileFormat | undefined => {
  const f = file.toLowerCase();
  if (f.endsWith(".ndjson") || f.endsWith(".jsonl") || f.endsWith(".json")) return "ndjson";
  if (f.endsWith(".csv")) return "csv";
  return undefined;
};

const decodeJsonText = (text: string): E.Either<readonly FieldError[], Fact> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return E.left([{ field: "(line)", reason: `not valid JSON: ${(e as Error).message}` }]);
  }
  const r = decodeFact(value);
  return E.isLeft(r) ? E.left(r.left.errors) : r;
};

async function* readNdjson(file: string): AsyncIterable<FactLine> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    yield { line, text, result: decodeJsonText(text), bytesRead: stream.bytesRead };
  }
}

const CSV_COLUMNS = ["id", "type", "subject", "occurredOn", "source", "data"] as const;

async function* readCsv(file: string): AsyncIterable<FactLine> {
  const { parse } = await import("csv-parse");
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = stream.pipe(parse({ columns: true, info: true, raw: true, skip_empty_lines: true, bom: true }));
  let checkedHeader = false;
  for await (const rec of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
    raw: string;
  }>) {
    const { record, info, raw } = rec;
    if (!checkedHeader) {
      checkedHeader = true;
      const missing = CSV_COLUMNS.filter((c) => !(c in record));
      const extra = Object.keys(record).filter((c) => !(CSV_COLUMNS as readonly string[]).includes(c));
      if (missing.length > 0 || extra.length > 0) {
        const reason = [
          missing.length > 0 ? `missing column(s) ${missing.join(", ")}` : "",
          extra.length > 0 ? `unknown column(s) ${extra.join(", ")}` : "",
        ]
          .filter((x) => x !== "")
          .join("; ");
        yield {
          line: 1,
          text: raw,
          result: E.left([{ field: "(header)", reason: `${reason}; expected ${CSV_COLUMNS.join(",")}` }]),
          bytesRead: stream.bytesRead,
        };
        return;
      }
    }
    let data: unknown;
    try {
      data = JSON.parse(record.data ?? "");
    } catch (e) {
      yield {
        line: info.lines,
        text: raw.replace(/\r?\n$/, ""),
        result: E.left([{ field: "data", reason: `not a JSON object: ${(e as Error).message}` }]),
        bytesRead: stream.bytesRead,
      };
      continue;
    }
    const r = decodeFact({ ...record, data });
    yield {
      line: info.lines,
      text: raw.replace(/\r?\n$/, ""),
      result: E.isLeft(r) ? E.left(r.left.errors) : r,
      bytesRead: stream.bytesRead,
    };
  }
}

export const readFactLines = (file: string, format: FileFormat): AsyncIterable<FactLine> =>
  format === "csv" ? readCsv(file) : readNdjson(file);
