/**
 * Reads one chunk of a file of facts (whole lines, `lineChunksOfFile`): splits it into lines, parses, decodes
 * and canonicalises each one, exactly as `readFactLines` reads the same lines. Pure and self-contained, so a
 * worker thread runs it (`importWorker.ts`); line numbers are counted from 1 at the chunk's first line (the
 * caller, who knows how many lines came before, adds them).
 */
import * as E from "fp-ts/lib/Either.js";
import { FP1, FP2, fingerprintInto } from "../eventLog/fingerprintTable.js";
import type { Fact, FieldError } from "../facts/index.js";
import type { FileFormat } from "./readFactLines.js";
import { factOfCsvLine, factOfNdjsonLine, notUtf8, withParts } from "./readFactLines.js";
import { splitLines } from "./utf8Lines.js";

export interface FactChunkTask {
  readonly bytes: Uint8Array;
  readonly atStart: boolean;
  readonly format: FileFormat;
  /** The CSV header's columns (a CSV chunk holds records only: the header was read before). */
  readonly header?: readonly string[];
}

/** A line that is not a fact, and why. */
export interface BadLine {
  /** How many good facts of the chunk come before it. */
  readonly before: number;
  readonly line: number;
  readonly text: string;
  /** Its bytes when they are not valid UTF-8. */
  readonly bytes?: Uint8Array;
  readonly errors: readonly FieldError[];
}

/**
 * The facts of a chunk, in file order, with their lines; parallel arrays, cheap to pass between threads. A fact
 * travels as its envelope's strings and its canonical JSON, whose `data` part the receiving thread parses
 * (`factAt`): a structured clone of the fact objects themselves cost several times as much, on both threads.
 */
export interface FactChunk {
  /** Lines in the chunk, blank ones included. */
  readonly lineCount: number;
  /** How many facts the chunk holds: the length of every array below but `bad`. */
  readonly count: number;
  readonly ids: string[];
  readonly types: string[];
  readonly subjects: string[];
  readonly occurredOns: string[];
  /** Each fact's `reportedOn`, "" when it has none. */
  readonly reportedOns: string[];
  readonly sources: string[];
  readonly lines: number[];
  /** Where each fact's line lies in the chunk's bytes (without its "\r\n"): `[starts[i], ends[i])`. */
  readonly starts: number[];
  readonly ends: number[];
  /** Each fact's canonical JSON (`canonicalFactParts`). */
  readonly canonicals: string[];
  /** The length of each canonical's `data` part, which starts at character 8 (`{"data":`). */
  readonly dataLengths: number[];
  readonly bad: BadLine[];
  /** Each fact's content fingerprint (`fingerprint` of its canonical), two numbers per fact. */
  readonly contents: number[];
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const hasBom = (b: Uint8Array) => b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

/** The text of a good fact's line: its bytes are valid UTF-8 (it was read). */
export const lineText = (bytes: Uint8Array, start: number, end: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("utf8");

/**
 * Fact `i` of a chunk, as it was decoded (its `data` read back from its canonical JSON, which gives the same
 * values).
 */
/** The canonical JSON of fact `i`'s `data`: its part of the fact's canonical JSON, from character 8. */
export const dataAt = (c: FactChunk, i: number): string =>
  (c.canonicals[i] as string).slice(8, 8 + (c.dataLengths[i] as number));

export const factAt = (c: FactChunk, i: number): Fact => {
  const data = JSON.parse(dataAt(c, i)) as unknown;
  const reportedOn = c.reportedOns[i] as string;
  // two literals rather than a spread: this runs for every fact an import appends
  const envelope =
    reportedOn === ""
      ? {
          id: c.ids[i],
          type: c.types[i],
          subject: c.subjects[i],
          occurredOn: c.occurredOns[i],
          source: c.sources[i],
          data,
        }
      : {
          id: c.ids[i],
          type: c.types[i],
          subject: c.subjects[i],
          occurredOn: c.occurredOns[i],
          reportedOn,
          source: c.sources[i],
          data,
        };
  return envelope as Fact;
};

export const readFactChunk = (task: FactChunkTask): FactChunk => {
  const out: Omit<FactChunk, "count"> = {
    lineCount: 0,
    ids: [],
    types: [],
    subjects: [],
    occurredOns: [],
    reportedOns: [],
    sources: [],
    lines: [],
    starts: [],
    ends: [],
    canonicals: [],
    dataLengths: [],
    bad: [],
    contents: [],
  };
  const { bytes } = task;
  const { header } = task;
  if (task.format === "csv" && header === undefined) throw new Error("a CSV chunk needs the file's header");
  let lineCount = 0;
  let next = 0;
  for (const l of splitLines(bytes, 1, task.atStart)) {
    lineCount = l.line;
    const start = next;
    const newline = bytes.indexOf(NEWLINE, start);
    next = newline < 0 ? bytes.length : newline + 1;
    if (l.text === undefined) {
      if (l.bytes === undefined) continue;
      const bad = notUtf8({ ...l, bytes: l.bytes }, 0);
      const errors = E.isLeft(bad.result) ? bad.result.left : [];
      // its own copy: a view of the chunk would take the whole chunk along to the thread it is sent to
      const bytes = l.bytes.slice();
      out.bad.push({ before: out.ids.length, line: l.line, text: bad.text, bytes, errors });
      continue;
    }
    if (l.text.trim() === "") continue;
    const r = withParts(header === undefined ? factOfNdjsonLine(l.text) : factOfCsvLine(l.text, header));
    if (E.isLeft(r)) {
      out.bad.push({ before: out.ids.length, line: l.line, text: l.text, errors: r.left });
      continue;
    }
    const { fact: f, ...parts } = r.right;
    out.ids.push(f.id);
    out.types.push(f.type);
    out.subjects.push(f.subject);
    out.occurredOns.push(f.occurredOn);
    out.reportedOns.push(f.reportedOn ?? "");
    out.sources.push(f.source);
    out.lines.push(l.line);
    const end = newline < 0 ? bytes.length : newline;
    out.starts.push(start === 0 && task.atStart && hasBom(bytes) ? 3 : start);
    out.ends.push(bytes[end - 1] === CR ? end - 1 : end);
    out.canonicals.push(parts.canonical);
    out.dataLengths.push(parts.data.length);
    fingerprintInto(parts.canonical);
    out.contents.push(FP1, FP2);
  }
  return { ...out, lineCount, count: out.ids.length };
};
