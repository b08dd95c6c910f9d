/**
 * Streams a file of reported facts, one decoded line at a time, without holding the file in memory.
 * NDJSON: one JSON object per line (blank lines are skipped). CSV: a header with the columns `id`, `type`,
 * `subject`, `occurredOn`, `source` and `data` (in any order; optionally `reportedOn`, whose empty cell leaves it
 * out), then one record per line, where `data` holds the fact's data as a JSON object (quoted, with its quotes
 * doubled). Both are UTF-8; a byte order mark at the start is ignored.
 *
 * Each line comes back decoded (`Right`) or with every reason it was refused (`Left`): a line that is not
 * valid UTF-8, not JSON, has a key twice or nests too deep (`factJson.ts`), a CSV record with the wrong number
 * of fields or a quote left open. Such a line never stops the reading. Only a CSV header that is not the
 * expected one does (`fatal`): without it no record can be read.
 */
import * as E from "fp-ts/lib/Either.js";
import {
  acceptedFact,
  canonicalFactParts,
  decodeFact,
  type Fact,
  type FieldError,
  jsonShapeProblem,
  parseFactJson,
} from "../facts/index.js";
import { invalidUtf8Reason, type Utf8Line, utf8LinesOfFile } from "./utf8Lines.js";

export interface FactLine {
  readonly line: number;
  readonly text: string;
  /** The line's bytes when they are not valid UTF-8 (`text` then shows them with U+FFFD). */
  readonly bytes?: Uint8Array;
  readonly result: E.Either<readonly FieldError[], Fact>;
  /** Bytes of the file read so far (for progress). */
  readonly bytesRead: number;
  /** The file cannot be read past this line (a wrong CSV header): it is refused as a whole. */
  readonly fatal?: true;
}

export type FileFormat = "ndjson" | "csv";

export const formatOf = (file: string): FileFormat | undefined => {
  const f = file.toLowerCase();
  if (f.endsWith(".ndjson") || f.endsWith(".jsonl") || f.endsWith(".json")) return "ndjson";
  if (f.endsWith(".csv")) return "csv";
  return undefined;
};

const decoded = (value: unknown): E.Either<readonly FieldError[], Fact> => {
  const r = decodeFact(value);
  return E.isLeft(r) ? E.left(r.left.errors) : r;
};

/** The line of bytes that are not valid UTF-8. */
export const notUtf8 = (l: Utf8Line & { bytes: Uint8Array }, bytesRead: number): FactLine => ({
  line: l.line,
  text: Buffer.from(l.bytes).toString("utf8"),
  bytes: l.bytes,
  result: E.left([{ field: "(line)", reason: invalidUtf8Reason(l.bytes) }]),
  bytesRead,
});

/** A fact read from its line, with its canonical JSON and that of its `data` (`canonicalFactParts`). */
export interface FactWithParts {
  readonly fact: Fact;
  readonly canonical: string;
  readonly data: string;
}

/** How many times `"` occurs in `s`. */
const quotesIn = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 34) n++;
  return n;
};

/**
 * How many quotes the canonical JSON of a fact holds when none of its strings needs escaping: two for each key
 * and each string value. The envelope has six keys (seven with `reportedOn`) and five string values (six).
 */
const quotesOfFact = (f: Fact): number => {
  let n = f.reportedOn === undefined ? 22 : 26;
  const data = f.data as Readonly<Record<string, unknown>>;
  for (const k in data) n += typeof data[k] === "string" ? 4 : 2;
  return n;
};

/**
 * Whether the JSON `text`, which parses to the fact `value`, has no key twice in one object. A text without a
 * backslash has a quote only at either end of each of its strings, and its value's strings hold no quote,
 * backslash or control character: a key given twice adds at least its two quotes to the text that the value
 * lacks (`quotesOfFact`). Otherwise `JSON.stringify`, which writes each key of the value once, gives the text
 * back only when it has no key twice; and when it does not, the scan says.
 */
const noKeyTwice = (text: string, value: Fact): boolean =>
  text.indexOf("\\") < 0
    ? quotesIn(text) === quotesOfFact(value)
    : JSON.stringify(value) === text || jsonShapeProblem(text) === undefined;

/**
 * The fact on one NDJSON line (not blank, valid UTF-8), or every reason it is not one. The usual line is read the
 * fast way: `JSON.parse`, then `acceptedFact` (a fact nests no deeper than its fields), then `noKeyTwice`. A line
 * refused on the way is read again the careful way (`factOfNdjsonLineCarefully`), which says why; a line is
 * accepted here exactly when it is there, as the same fact.
 */
export const factOfNdjsonLine = (text: string): E.Either<readonly FieldError[], Fact> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const fact = acceptedFact(value);
  return fact !== undefined && noKeyTwice(text, fact) ? E.right(fact) : factOfNdjsonLineCarefully(text);
};

/** A fact with its canonical parts (`canonicalFactParts`), for a reader whose facts go to the log. */
export const withParts = (r: E.Either<readonly FieldError[], Fact>): E.Either<readonly FieldError[], FactWithParts> =>
  E.isLeft(r) ? r : E.right({ fact: r.right, ...canonicalFactParts(r.right) });

/** `factOfNdjsonLine` the careful way: the text's shape, then `JSON.parse`, then decoding, each saying why. */
export const factOfNdjsonLineCarefully = (text: string): E.Either<readonly FieldError[], Fact> => {
  const json = parseFactJson(text);
  return E.isLeft(json) ? json : decoded(json.right);
};

async function* readNdjson(file: string): AsyncIterable<FactLine> {
  const { lines, bytesRead } = utf8LinesOfFile(file);
  for await (const l of lines) {
    if (l.text === undefined) {
      if (l.bytes !== undefined) yield notUtf8({ ...l, bytes: l.bytes }, bytesRead());
      continue;
    }
    if (l.text.trim() === "") continue;
    yield { line: l.line, text: l.text, result: factOfNdjsonLine(l.text), bytesRead: bytesRead() };
  }
}

const CSV_COLUMNS = ["id", "type", "subject", "occurredOn", "source", "data"] as const;
/** Columns a CSV file may add: an empty cell leaves the field out of that fact. */
const CSV_OPTIONAL = ["reportedOn"] as const;

/**
 * The fields of one CSV record on one line (RFC 4180: comma-separated, a field in double quotes may hold commas
 * and doubled quotes), or why the line is not one.
 */
export const splitCsvRecord = (line: string): string[] | string => {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let value = "";
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) {
          return `the quote that opens field ${out.length + 1} (character ${i + 1}) is not closed on this line; a record is one line, and a quote inside a quoted field is written twice ("")`;
        }
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(value);
      if (i >= n) return out;
      if (line.charCodeAt(i) !== 44) {
        return `${JSON.stringify(line[i])} after the closing quote of field ${out.length} (character ${i + 1}); a quoted field ends with its quote, then a comma or the end of the line`;
      }
      i++;
    } else {
      const comma = line.indexOf(",", i);
      const end = comma < 0 ? n : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) {
        return `field ${out.length + 1} holds a quote but does not start with one; quote the whole field and write each quote inside it twice, e.g. "{""commune"":""29926""}"`;
      }
      out.push(value);
      if (comma < 0) return out;
      i = comma + 1;
    }
  }
};

/** Why `header` is not the CSV header of facts, or `undefined`. */
const headerProblem = (header: readonly string[]): string | undefined => {
  const known = CSV_COLUMNS as readonly string[];
  const optional = CSV_OPTIONAL as readonly string[];
  const missing = known.filter((c) => !header.includes(c));
  const extra = header.filter((c) => !known.includes(c) && !optional.includes(c));
  const twice = header.filter((c, i) => header.indexOf(c) !== i);
  const problems = [
    missing.length > 0 ? `missing column(s) ${missing.join(", ")}` : "",
    extra.length > 0 ? `unknown column(s) ${extra.map((c) => JSON.stringify(c)).join(", ")}` : "",
    twice.length > 0 ? `column(s) given twice: ${[...new Set(twice)].join(", ")}` : "",
  ].filter((x) => x !== "");
  return problems.length === 0
    ? undefined
    : `${problems.join("; ")}; the first line must name the columns ${CSV_COLUMNS.join(",")} (in any order, optionally also ${CSV_OPTIONAL.join(",")}), so no record of this file was read`;
};

/** The `data` cell's JSON, its errors named as fields of `data`. */
const dataOf = (cell: string): E.Either<readonly FieldError[], unknown> => {
  const r = parseFactJson(cell);
  if (E.isRight(r)) return r;
  return E.left(
    r.left.map((e) => ({
      field: e.field === "(line)" || e.field === "(fact)" ? "data" : `data.${e.field}`,
      reason: e.reason.replace(/^not valid JSON/, "not a JSON object"),
    })),
  );
};

/** The header's columns when `text` is the CSV header of facts, or why it is not. */
export const csvHeaderOf = (text: string): string[] | string => {
  const cells = splitCsvRecord(text);
  return typeof cells === "string" ? cells : (headerProblem(cells) ?? cells);
};

/** The fact of one CSV record (a line, not blank, valid UTF-8) under `header`, or every reason it is not one. */
export const factOfCsvLine = (text: string, header: readonly string[]): E.Either<readonly FieldError[], Fact> => {
  const cells = splitCsvRecord(text);
  if (typeof cells === "string") return E.left([{ field: "(line)", reason: cells }]);
  if (cells.length !== header.length) {
    return E.left([
      {
        field: "(line)",
        reason: `${cells.length} field(s), but the header names ${header.length} (${header.join(",")}); quote a field that holds a comma`,
      },
    ]);
  }
  const record: Record<string, string> = {};
  header.forEach((h, i) => {
    const cell = cells[i] ?? "";
    if (cell !== "" || !(CSV_OPTIONAL as readonly string[]).includes(h)) record[h] = cell;
  });
  const data = dataOf(record.data ?? "");
  return E.isLeft(data) ? data : decoded({ ...record, data: data.right });
};

async function* readCsv(file: string): AsyncIterable<FactLine> {
  const { lines, bytesRead } = utf8LinesOfFile(file);
  let header: string[] | undefined;
  for await (const l of lines) {
    if (l.text === undefined) {
      if (l.bytes === undefined) continue;
      const bad = notUtf8({ ...l, bytes: l.bytes }, bytesRead());
      yield header === undefined ? { ...bad, fatal: true } : bad;
      if (header === undefined) return;
      continue;
    }
    if (l.text.trim() === "") continue;
    if (header === undefined) {
      const h = csvHeaderOf(l.text);
      if (typeof h === "string") {
        yield { ...csvHeaderError(l.line, l.text, h), bytesRead: bytesRead() };
        return;
      }
      header = h;
      continue;
    }
    yield { line: l.line, text: l.text, result: factOfCsvLine(l.text, header), bytesRead: bytesRead() };
  }
}

/** The line that refuses a file whose CSV header is not the header of facts. */
export const csvHeaderError = (line: number, text: string, problem: string): FactLine => ({
  line,
  text,
  result: E.left([{ field: "(header)", reason: problem }]),
  bytesRead: 0,
  fatal: true,
});

export const readFactLines = (file: string, format: FileFormat): AsyncIterable<FactLine> =>
  format === "csv" ? readCsv(file) : readNdjson(file);
