/**
 * Reads one chunk of a file of facts (whole lines, `lineChunksOfFile`): splits it into lines, parses, decodes
 * and canonicalises each one, exactly as `readFactLines` reads the same lines. Pure and self-contained, so a
 * worker thread runs it (`importWorker.ts`); line numbers are counted from 1 at the chunk's first line (the
 * caller, who knows how many lines came before, adds them).
 */
import * as E from "fp-ts/lib/Either.js";
import { FP1, FP2, fingerprintInto } from "../eventLog/fingerprintTable.js";
import { canonicalFactParts, type Fact, type FieldError } from "../facts/index.js";
import type { FileFormat } from "./readFactLines.js";
import { factOfCsvLine, factOfNdjsonLine, notUtf8 } from "./readFactLines.js";
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

/** The facts of a chunk, in file order, with their lines; parallel arrays, cheap to pass between threads. */
export interface FactChunk {
  /** Lines in the chunk, blank ones included. */
  readonly lineCount: number;
  readonly facts: Fact[];
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

export const readFactChunk = (task: FactChunkTask): FactChunk => {
  const out: FactChunk = {
    lineCount: 0,
    facts: [],
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
      out.bad.push({ before: out.facts.length, line: l.line, text: bad.text, bytes, errors });
      continue;
    }
    if (l.text.trim() === "") continue;
    const r = header === undefined ? factOfNdjsonLine(l.text) : factOfCsvLine(l.text, header);
    if (E.isLeft(r)) {
      out.bad.push({ before: out.facts.length, line: l.line, text: l.text, errors: r.left });
      continue;
    }
    const parts = canonicalFactParts(r.right);
    out.facts.push(r.right);
    out.lines.push(l.line);
    const end = newline < 0 ? bytes.length : newline;
    out.starts.push(start === 0 && task.atStart && hasBom(bytes) ? 3 : start);
    out.ends.push(bytes[end - 1] === CR ? end - 1 : end);
    out.canonicals.push(parts.canonical);
    out.dataLengths.push(parts.data.length);
    fingerprintInto(parts.canonical);
    out.contents.push(FP1, FP2);
  }
  return { ...out, lineCount };
};
