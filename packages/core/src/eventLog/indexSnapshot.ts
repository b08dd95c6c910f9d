/**
 * The embedded log's append indexes (`logIndex.ts`) saved beside the log file (`<log>.index`), so that opening a
 * large log for writing reads a few arrays instead of re-deriving them from every stored event (98 s at 17 M
 * facts). A snapshot is a cache: it names the head it was taken at (position and chain hash), and the log trusts
 * it only if its own event at that position has that hash — then it reads just the events after it. Anything
 * else (no file, another log, a torn or foreign file, spot checks that disagree) and the log derives its
 * indexes from the events as before and writes a new snapshot.
 *
 * Layout: the magic line `KPI-LOG-INDEX 2\n`, a little-endian u32 length and that many bytes of JSON (the
 * header), then each array of the header's `sections`, in order, each starting at a multiple of 8 bytes.
 * Written to a temporary file, flushed to disk and renamed over the old one, so a reader sees a whole snapshot
 * or the previous one.
 */
import { open, rename, rm } from "node:fs/promises";
import { FactIndex, type FactIndexArrays, SourceCodes, StreamRevisions } from "./logIndex.js";

const MAGIC = Buffer.from("KPI-LOG-INDEX 2\n", "latin1");

/** What a snapshot holds: the indexes as of `head`. */
export interface IndexSnapshot {
  readonly head: number;
  /** The chain hash of the event at `head` (hex), or "" when the log was empty. */
  readonly headHash: string;
  readonly ids: FactIndex;
  readonly sources: SourceCodes;
  readonly revisions: StreamRevisions;
}

interface Header {
  readonly head: number;
  readonly headHash: string;
  readonly count: number;
  readonly sources: readonly string[];
  readonly streams: number;
  readonly sections: readonly { readonly name: string; readonly bytes: number }[];
}

type Section = { readonly name: string; readonly view: ArrayBufferView };

const pad8 = (n: number) => (8 - (n % 8)) % 8;

/** The path of the snapshot of the log at `logPath`. */
export const snapshotPath = (logPath: string): string => `${logPath}.index`;

/** Writes the snapshot of `s` for the log at `logPath` (atomically: a temporary file renamed over the old one). */
export const writeIndexSnapshot = async (logPath: string, s: IndexSnapshot): Promise<void> => {
  const a = s.ids.arrays();
  const r = s.revisions.arrays();
  const sections: Section[] = [
    { name: "keys", view: a.keys },
    { name: "data", view: a.data },
    { name: "positions", view: a.positions },
    { name: "sources", view: a.sources },
    { name: "flags", view: a.flags },
    { name: "streamKeys", view: r.keys },
    { name: "streamRevisions", view: r.revisions },
    { name: "streamNameAt", view: r.nameAt },
    { name: "streamNameLength", view: r.nameLength },
    { name: "streamNames", view: r.names },
  ];
  const header: Header = {
    head: s.head,
    headHash: s.headHash,
    count: a.count,
    sources: s.sources.all(),
    streams: r.count,
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

/** Reads exactly `into.byteLength` bytes at `at`; false if the file ends first. */
const readFully = async (
  fh: import("node:fs/promises").FileHandle,
  into: ArrayBufferView,
  at: number,
): Promise<boolean> => {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  let done = 0;
  while (done < bytes.length) {
    const { bytesRead } = await fh.read(bytes, done, Math.min(bytes.length - done, 2 ** 30), at + done);
    if (bytesRead === 0) return false;
    done += bytesRead;
  }
  return true;
};

const isHeader = (h: unknown): h is Header => {
  const x = h as Header;
  return (
    typeof x === "object" &&
    x !== null &&
    Number.isSafeInteger(x.head) &&
    x.head >= 0 &&
    typeof x.headHash === "string" &&
    Number.isSafeInteger(x.count) &&
    Array.isArray(x.sources) &&
    x.sources.every((n) => typeof n === "string") &&
    Number.isSafeInteger(x.streams) &&
    Array.isArray(x.sections) &&
    x.sections.every((s) => typeof s?.name === "string" && Number.isSafeInteger(s.bytes) && s.bytes >= 0)
  );
};

/**
 * The snapshot saved for the log at `logPath`, or why there is none to use (no file, or one that is not a whole
 * snapshot). Whether it belongs to this log is for the log to check (`head`, `headHash`).
 */
export const readIndexSnapshot = async (
  logPath: string,
): Promise<{ readonly snapshot: IndexSnapshot } | { readonly unusable: string }> => {
  let fh: import("node:fs/promises").FileHandle;
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
    let header: unknown;
    try {
      header = JSON.parse(json.toString("utf8"));
    } catch {
      return { unusable: "the saved index's header is not JSON" };
    }
    if (!isHeader(header)) return { unusable: "the saved index's header is not a snapshot header" };
    let at = lead.length + jsonLength;
    at += pad8(at);
    const expected = at + header.sections.reduce((n, s) => n + s.bytes + pad8(s.bytes), 0);
    if (expected !== size) return { unusable: `the saved index is ${size} bytes, its header says ${expected}` };
    const bytesOf = new Map(header.sections.map((s) => [s.name, s.bytes]));
    const views = new Map<string, ArrayBufferView>();
    const make: Record<string, (n: number) => ArrayBufferView> = {
      keys: (n) => new Int32Array(n / 4),
      data: (n) => new Int32Array(n / 4),
      positions: (n) => new Uint32Array(n / 4),
      sources: (n) => new Uint16Array(n / 2),
      flags: (n) => new Uint8Array(n),
      streamKeys: (n) => new Int32Array(n / 4),
      streamRevisions: (n) => new Int32Array(n / 4),
      streamNameAt: (n) => new Uint32Array(n / 4),
      streamNameLength: (n) => new Uint32Array(n / 4),
      // read into the start of a larger buffer: the subjects of the next appends go after them without a copy
      streamNames: (n) => new Uint8Array(n + (n >> 3) + 4096).subarray(0, n),
    };
    for (const s of header.sections) {
      const f = make[s.name];
      if (f === undefined) return { unusable: `the saved index has an unknown section ${s.name}` };
      const view = f(s.bytes);
      if (view.byteLength !== s.bytes) return { unusable: `the saved index's section ${s.name} is misaligned` };
      if (!(await readFully(fh, view, at))) return { unusable: "the saved index is torn" };
      views.set(s.name, view);
      at += s.bytes + pad8(s.bytes);
    }
    if (Object.keys(make).some((k) => !bytesOf.has(k))) return { unusable: "the saved index lacks a section" };
    const ids = FactIndex.fromArrays({
      keys: views.get("keys") as Int32Array,
      data: views.get("data") as Int32Array,
      positions: views.get("positions") as Uint32Array,
      sources: views.get("sources") as Uint16Array,
      flags: views.get("flags") as Uint8Array,
      count: header.count,
    } satisfies FactIndexArrays);
    const sources = new SourceCodes();
    for (const n of header.sources) sources.code(n);
    const revisions = StreamRevisions.fromArrays({
      keys: views.get("streamKeys") as Int32Array,
      revisions: views.get("streamRevisions") as Int32Array,
      nameAt: views.get("streamNameAt") as Uint32Array,
      nameLength: views.get("streamNameLength") as Uint32Array,
      names: views.get("streamNames") as Uint8Array,
      count: header.streams,
    });
    return { snapshot: { head: header.head, headHash: header.headHash, ids, sources, revisions } };
  } catch (e) {
    if (e instanceof Error && /do not have the shape/.test(e.message))
      return { unusable: `the saved index: ${e.message}` };
    throw e;
  } finally {
    await fh.close();
  }
};

/** Removes the snapshot of the log at `logPath`, if any. */
export const removeIndexSnapshot = (logPath: string): Promise<void> => rm(snapshotPath(logPath), { force: true });
