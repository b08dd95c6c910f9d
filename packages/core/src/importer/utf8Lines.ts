/**
 * Lines of UTF-8 text from bytes (a file, streamed, or a request body), with invalid UTF-8 reported per line
 * instead of silently replaced by U+FFFD. Lines end at "\n" (a "\r" before it is dropped); a byte order mark
 * at the very start is dropped; line numbers start at 1 and count every line, blank ones included.
 *
 * Valid input, the usual case, is decoded a chunk at a time (one native call); only a chunk that fails is
 * decoded again line by line to find its bad lines.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";

export interface Utf8Line {
  readonly line: number;
  /** The line's text, or `undefined` when its bytes are not valid UTF-8. */
  readonly text: string | undefined;
  /** The line's bytes (without "\r\n"), given only when they are not valid UTF-8 (for the reject file). */
  readonly bytes?: Uint8Array;
}

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const NEWLINE = 0x0a;

const dropCr = (s: string): string => (s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s);
const dropCrBytes = (b: Uint8Array): Uint8Array => (b[b.length - 1] === 13 ? b.subarray(0, -1) : b);

/** `bytes` as UTF-8 text (a byte order mark kept), or `undefined` when they are not valid UTF-8. */
export const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return fatal.decode(bytes);
  } catch {
    return undefined;
  }
};

/** Why `bytes` (which are not valid UTF-8) are not: the first bad byte and where it is. */
export const invalidUtf8Reason = (bytes: Uint8Array): string => {
  const lossy = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const at = lossy.indexOf("\ufffd");
  const offset = at < 0 ? 0 : Buffer.byteLength(lossy.slice(0, at), "utf8");
  const bad = bytes[offset] ?? 0;
  return `not valid UTF-8: byte 0x${bad.toString(16).padStart(2, "0")} at byte ${offset + 1} of the line is not part of a character; save the file (or send the body) as UTF-8 — it may be in another encoding such as Windows-1258 or UTF-16`;
};

/**
 * Splits `bytes` (whole lines, each ending in "\n" except maybe the last) into lines from number `first`;
 * `atStart`: the bytes start the file (a byte order mark there is dropped).
 */
export function* splitLines(bytes: Uint8Array, first: number, atStart: boolean): Generator<Utf8Line> {
  let text: string | undefined;
  try {
    text = fatal.decode(bytes);
  } catch {
    text = undefined;
  }
  let line = first;
  if (text !== undefined) {
    if (atStart && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const parts = text.split("\n");
    if (parts[parts.length - 1] === "") parts.pop();
    for (const p of parts) yield { line: line++, text: dropCr(p) };
    return;
  }
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    const lineBytes = dropCrBytes(bytes.subarray(start, end));
    let s: string | undefined;
    try {
      s = fatal.decode(lineBytes);
      if (atStart && start === 0 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      yield { line, text: s };
    } catch {
      yield { line, text: undefined, bytes: lineBytes };
    }
    line++;
    start = end + 1;
  }
}

/** The lines of a whole buffer (a request body). */
export const utf8LinesOf = (bytes: Uint8Array): Utf8Line[] => [...splitLines(bytes, 1, true)];

/** The lines of a file, streamed; `bytesRead()` says how far the file has been read (for progress). */
export const utf8LinesOfFile = (
  file: string,
): { readonly lines: AsyncIterable<Utf8Line>; readonly bytesRead: () => number } => {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  async function* lines(): AsyncIterable<Utf8Line> {
    let rest: Uint8Array = new Uint8Array(0);
    let line = 1;
    let atStart = true;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const bytes = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      const last = bytes.lastIndexOf(NEWLINE);
      if (last < 0) {
        rest = bytes;
        continue;
      }
      for (const l of splitLines(bytes.subarray(0, last + 1), line, atStart)) {
        line = l.line + 1;
        yield l;
      }
      atStart = false;
      rest = bytes.subarray(last + 1);
    }
    if (rest.length > 0) yield* splitLines(rest, line, atStart);
  }
  return { lines: lines(), bytesRead: () => stream.bytesRead };
};

/** Whole lines of a file, as bytes: a chunk of a file cut at a line end. */
export interface LineChunk {
  /** The chunk's own bytes (a buffer of their exact length, so it can be transferred to a worker). */
  readonly bytes: Uint8Array;
  /** The chunk starts the file (a byte order mark there is dropped). */
  readonly atStart: boolean;
  /** Bytes of the file read up to the end of this chunk (for progress). */
  readonly bytesRead: number;
}

/**
 * The file in chunks of about `chunkBytes`, each cut after a "\n" (the last one at the end of the file), so that
 * every line lies whole in one chunk; a line longer than `chunkBytes` makes its chunk longer. Empty chunks are
 * not given.
 */
export async function* lineChunksOfFile(file: string, chunkBytes = 1 << 20): AsyncGenerator<LineChunk> {
  const fh = await open(file, "r");
  try {
    const buf = new Uint8Array(Math.max(1, chunkBytes));
    let rest: Uint8Array = new Uint8Array(0);
    let atStart = true;
    let bytesRead = 0;
    for (;;) {
      const { bytesRead: n } = await fh.read(buf, 0, buf.length, null);
      if (n === 0) {
        if (rest.length > 0) yield { bytes: rest, atStart, bytesRead };
        return;
      }
      bytesRead += n;
      const read = buf.subarray(0, n);
      const last = read.lastIndexOf(NEWLINE);
      if (last < 0) {
        rest = concat(rest, read);
        continue;
      }
      yield { bytes: concat(rest, read.subarray(0, last + 1)), atStart, bytesRead };
      atStart = false;
      rest = read.slice(last + 1);
    }
  } finally {
    await fh.close();
  }
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
};
