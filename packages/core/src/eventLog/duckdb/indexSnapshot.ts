/**
 * The embedded log's append indexes (`logIndex.ts`) saved beside the log file (`<log>.index`), so that opening a
 * large log for writing reads a few arrays instead of re-deriving them from every stored event (98 s at 17 M
 * facts). A snapshot is a cache: it names the head it was taken at (position and chain hash), and the log trusts
 * it only if its own event at that position has that hash — then it reads just the events after it. Anything
 * else (no file, another log, a torn or foreign file, spot checks that disagree) and the log derives its
 * indexes from the events as before and writes a new snapshot.
 *
 * The stream revisions carry each subject's key in the log's subject dictionary (format `kpi-event-log/2`), and
 * the header says how many keys were given (`subjects`): a log opened from its snapshot reads only the
 * dictionary's rows after that many, as it reads only the events after `head`.
 *
 * Layout: the magic line `KPI-LOG-INDEX 4\n`, a little-endian u32 length and that many bytes of JSON (the
 * header), then each array of the header's `sections`, in order, each starting at a multiple of 8 bytes.
 * Written to a temporary file, flushed to disk and renamed over the old one, so a reader sees a whole snapshot
 * or the previous one.
 */
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { FactIndex, SourceCodes, StreamRevisions } from "./logIndex.js";

/**
 * Version 3 added the subject keys (`streamSubjectKeys`, `subjects`); version 4 keeps each fact's subject key in
 * the fact index instead of its subject's fingerprint (`data`: three words a slot, not four). A snapshot of an
 * earlier version is derived again, once, when the log is next opened for writing.
 */
const MAGIC = Buffer.from("KPI-LOG-INDEX 4\n", "latin1");

/** What a snapshot holds: the indexes as of `head`. */
export interface IndexSnapshot {
  readonly head: number;
  /** The chain hash of the event at `head` (hex), or "" when the log was empty. */
  readonly headHash: string;
  readonly ids: FactIndex;
  readonly sources: SourceCodes;
  readonly revisions: StreamRevisions;
  /** How many subject keys were given as of `head` (keys are 1, 2, … in the order subjects first appeared). */
  readonly subjects: number;
}

/**
 * The arrays of a snapshot, in file order, each with how it is read back from `n` bytes: the fact index's
 * (`FactIndexArrays`), then the stream revisions' (`StreamRevisionsArrays`, prefixed `stream`).
 */
const SECTIONS = {
  keys: (n: number) => new Int32Array(n / 4),
  data: (n: number) => new Int32Array(n / 4),
  positions: (n: number) => new Uint32Array(n / 4),
  sources: (n: number) => new Uint16Array(n / 2),
  flags: (n: number) => new Uint8Array(n),
  streamKeys: (n: number) => new Int32Array(n / 4),
  streamRevisions: (n: number) => new Int32Array(n / 4),
  streamSubjectKeys: (n: number) => new Int32Array(n / 4),
  streamNameAt: (n: number) => new Uint32Array(n / 4),
  streamNameLength: (n: number) => new Uint32Array(n / 4),
  // read into the start of a larger buffer: the subjects of the next appends go after them without a copy
  streamNames: (n: number) => new Uint8Array(n + (n >> 3) + 4096).subarray(0, n),
};
type SectionName = keyof typeof SECTIONS;
type Sections = { readonly [K in SectionName]: ReturnType<(typeof SECTIONS)[K]> };

const NonNegative = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, "NonNegativeInteger");
const Header = t.readonly(
  t.type({
    head: NonNegative,
    headHash: t.string,
    count: NonNegative,
    sources: t.readonlyArray(t.string),
    streams: NonNegative,
    subjects: NonNegative,
    sections: t.readonlyArray(t.type({ name: t.keyof(SECTIONS), bytes: NonNegative })),
  }),
);
type Header = t.TypeOf<typeof Header>;

const pad8 = (n: number) => (8 - (n % 8)) % 8;

/** The path of the snapshot of the log at `logPath`. */
export const snapshotPath = (logPath: string): string => `${logPath}.index`;

/** Writes the snapshot of `s` for the log at `logPath` (atomically: a temporary file renamed over the old one). */
export const writeIndexSnapshot = async (logPath: string, s: IndexSnapshot): Promise<void> => {
  const { count, ...a } = s.ids.arrays();
  const r = s.revisions.arrays();
  const views: Record<SectionName, ArrayBufferView> = {
    ...a,
    streamKeys: r.keys,
    streamRevisions: r.revisions,
    streamSubjectKeys: r.subjectKeys,
    streamNameAt: r.nameAt,
    streamNameLength: r.nameLength,
    streamNames: r.names,
  };
  const sections = (Object.keys(SECTIONS) as SectionName[]).map((name) => ({ name, view: views[name] }));
  const header: Header = {
    head: s.head,
    headHash: s.headHash,
    count,
    sources: s.sources.all(),
    streams: r.count,
    subjects: s.subjects,
    sections: sections.map((x) => ({ name: x.name, bytes: x.view.byteLength })),
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const tmp = `${snapshotPath(logPath)}.tmp`;
  const fh = await open(tmp, "w", 0o600);
  try {
    const lead = MAGIC.length + 4 + json.length;
    await fh.write(Buffer.concat([MAGIC, len, json, Buffer.alloc(pad8(lead))]));
    for (const { view } of sections) {
      const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
      // one write per GiB at most (a single write of more than 2 GiB is refused)
      for (let at = 0; at < bytes.length; at += 2 ** 30) await fh.write(bytes.subarray(at, at + 2 ** 30));
      await fh.write(Buffer.alloc(pad8(view.byteLength)));
    }
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, snapshotPath(logPath));
};

/** How much one read of a section asks for: a section is read in as many parts as it has, side by side. */
const READ_PART = 2 ** 26;

/**
 * Reads exactly `into.byteLength` bytes at `at`; false if the file ends first. The parts are read side by side
 * (the reads run on the thread pool), so that filling a gigabyte of pages keeps every core busy.
 */
const readFully = async (fh: FileHandle, into: ArrayBufferView, at: number): Promise<boolean> => {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  const part = async (from: number, to: number): Promise<boolean> => {
    let done = from;
    while (done < to) {
      const { bytesRead } = await fh.read(bytes, done, to - done, at + done);
      if (bytesRead === 0) return false;
      done += bytesRead;
    }
    return true;
  };
  const parts: Promise<boolean>[] = [];
  for (let from = 0; from < bytes.length; from += READ_PART) {
    parts.push(part(from, Math.min(bytes.length, from + READ_PART)));
  }
  return (await Promise.all(parts)).every(Boolean);
};

/**
 * The snapshot saved for the log at `logPath`, or why there is none to use (no file, or one that is not a whole
 * snapshot). Whether it belongs to this log is for the log to check (`head`, `headHash`).
 */
export const readIndexSnapshot = async (
  logPath: string,
): Promise<{ readonly snapshot: IndexSnapshot } | { readonly unusable: string }> => {
  let fh: FileHandle;
  try {
    fh = await open(snapshotPath(logPath), "r");
  } catch {
    return { unusable: "no saved index" };
  }
  try {
    const size = (await fh.stat()).size;
    const lead = Buffer.alloc(MAGIC.length + 4);
    if (!(await readFully(fh, lead, 0)) || !lead.subarray(0, MAGIC.length).equals(MAGIC)) {
      return { unusable: "the saved index is not a snapshot of this version" };
    }
    const jsonLength = lead.readUInt32LE(MAGIC.length);
    if (jsonLength > size) return { unusable: "the saved index is torn" };
    const json = Buffer.alloc(jsonLength);
    if (!(await readFully(fh, json, lead.length))) return { unusable: "the saved index is torn" };
    let parsed: unknown;
    try {
      parsed = JSON.parse(json.toString("utf8"));
    } catch {
      return { unusable: "the saved index's header is not JSON" };
    }
    const decoded = Header.decode(parsed);
    if (E.isLeft(decoded)) return { unusable: "the saved index's header is not a snapshot header" };
    const header = decoded.right;
    let at = lead.length + jsonLength;
    at += pad8(at);
    const expected = at + header.sections.reduce((n, s) => n + s.bytes + pad8(s.bytes), 0);
    if (expected !== size) return { unusable: `the saved index is ${size} bytes, its header says ${expected}` };
    const views: Partial<Record<SectionName, ArrayBufferView>> = {};
    const reads: Promise<boolean>[] = [];
    for (const s of header.sections) {
      const view = SECTIONS[s.name](s.bytes);
      if (view.byteLength !== s.bytes) return { unusable: `the saved index's section ${s.name} is misaligned` };
      views[s.name] = view;
      reads.push(readFully(fh, view, at));
      at += s.bytes + pad8(s.bytes);
    }
    // every section at once (at province scale they are a gigabyte and more)
    if (!(await Promise.all(reads)).every(Boolean)) return { unusable: "the saved index is torn" };
    if ((Object.keys(SECTIONS) as SectionName[]).some((k) => views[k] === undefined)) {
      return { unusable: "the saved index lacks a section" };
    }
    const v = views as Sections;
    const { streamKeys, streamRevisions, streamSubjectKeys, streamNameAt, streamNameLength, streamNames, ...facts } = v;
    const ids = FactIndex.fromArrays({ ...facts, count: header.count });
    const sources = new SourceCodes();
    for (const n of header.sources) sources.code(n);
    const revisions = StreamRevisions.fromArrays({
      keys: streamKeys,
      revisions: streamRevisions,
      subjectKeys: streamSubjectKeys,
      nameAt: streamNameAt,
      nameLength: streamNameLength,
      names: streamNames,
      count: header.streams,
    });
    return {
      snapshot: { head: header.head, headHash: header.headHash, ids, sources, revisions, subjects: header.subjects },
    };
  } catch (e) {
    if (e instanceof Error && /do not have the shape/.test(e.message))
      return { unusable: `the saved index: ${e.message}` };
    throw e;
  } finally {
    await fh.close();
  }
};
