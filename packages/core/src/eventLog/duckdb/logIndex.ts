/**
 * In-memory indexes the embedded log rebuilds when it opens, so that an append needs no scan of the events
 * table:
 * - `FactIndex`: fact id → position, fingerprints of its content and subject, its source (a code of
 *   `SourceCodes`) and whether it is retracted (below).
 * - `SourceCodes`: the few sources' names as small integers.
 * - `StreamRevisions`: the current revision of every subject, and its key in the log's subject dictionary.
 * Both tables are typed arrays without an object per entry, so that the log saves them beside itself and reads
 * them back as a few arrays (`indexSnapshot.ts`).
 */
import {
  between,
  capacityFor,
  FP1,
  FP2,
  fingerprintInto,
  fits,
  homeSlot,
  isEmptySlot,
  nextSlot as next,
  probe,
} from "../fingerprintTable.js";

/** The typed arrays of a `StreamRevisions`, as they are stored in a snapshot. */
export interface StreamRevisionsArrays {
  readonly keys: Int32Array;
  readonly revisions: Int32Array;
  /** Each slot's subject key (the `subjects` table's `subject_key`), 0 when the subject has none yet. */
  readonly subjectKeys: Int32Array;
  readonly nameAt: Uint32Array;
  readonly nameLength: Uint32Array;
  /** The subjects' UTF-8 bytes, one after the other (`nameAt`, `nameLength` say where). */
  readonly names: Uint8Array;
  readonly count: number;
}

/**
 * Subject → its current stream revision and its subject key, exact (the subject's bytes are kept and compared,
 * not only its fingerprint), in open addressing over typed arrays: about 24 bytes a slot and the subject's bytes,
 * and no object per subject, so that millions of subjects are saved and read back as a few arrays. The subject
 * key lives here because every subject the dictionary names has a stream: a log opened from its saved indexes
 * has its dictionary without reading the `subjects` table.
 */
export class StreamRevisions {
  private keys: Int32Array;
  private revs: Int32Array;
  private subjectKeys: Int32Array;
  private nameAt: Uint32Array;
  private nameLength: Uint32Array;
  private names: Uint8Array;
  private used = 0;
  private cap: number;
  private count = 0;

  constructor(expected = 1 << 10) {
    this.cap = capacityFor(expected);
    this.keys = new Int32Array(this.cap * 2);
    this.revs = new Int32Array(this.cap);
    this.subjectKeys = new Int32Array(this.cap);
    this.nameAt = new Uint32Array(this.cap);
    this.nameLength = new Uint32Array(this.cap);
    this.names = new Uint8Array(Math.max(1 << 14, expected * 24));
  }

  get size(): number {
    return this.count;
  }

  /** Whether slot `i` holds exactly `subject` (compared with its UTF-8 bytes; ASCII without encoding it). */
  private holds(i: number, subject: string): boolean {
    const n = this.nameLength[i] as number;
    const at = this.nameAt[i] as number;
    if (n === subject.length) {
      let k = 0;
      for (; k < n; k++) {
        const c = subject.charCodeAt(k);
        if (c >= 0x80) break;
        if (this.names[at + k] !== c) return false;
      }
      if (k === n) return true;
    }
    const bytes = Buffer.from(subject, "utf8");
    if (n !== bytes.length) return false;
    for (let k = 0; k < n; k++) if (this.names[at + k] !== bytes[k]) return false;
    return true;
  }

  /** The slot of `subject`, or the empty slot where it would go. */
  private slot(h1: number, h2: number, subject: string): number {
    let i = homeSlot(h1, h2, this.cap);
    for (;;) {
      const a = this.keys[2 * i];
      const b = this.keys[2 * i + 1];
      if (a === 0 && b === 0) return i;
      if (a === h1 && b === h2 && this.holds(i, subject)) return i;
      i = next(i, this.cap);
    }
  }

  /** The current revision, or -1 when the stream has no event. */
  get(subject: string): number {
    fingerprintInto(subject);
    const i = this.slot(FP1, FP2, subject);
    return this.keys[2 * i] === 0 && this.keys[2 * i + 1] === 0 ? -1 : (this.revs[i] as number);
  }

  set(subject: string, revision: number): void {
    // the slot first: entering a new subject may grow the table, and with it replace `this.revs`
    const i = this.slotFor(subject);
    this.revs[i] = revision;
  }

  /** The subject's key in the log's subject dictionary, or 0 when it has none. */
  subjectKey(subject: string): number {
    fingerprintInto(subject);
    const i = this.slot(FP1, FP2, subject);
    return this.keys[2 * i] === 0 && this.keys[2 * i + 1] === 0 ? 0 : (this.subjectKeys[i] as number);
  }

  /** Gives the subject its dictionary key (0: none); a subject not yet in the table enters it with revision -1. */
  setSubjectKey(subject: string, key: number): void {
    const i = this.slotFor(subject); // before reading `this.subjectKeys`, which a growth replaces
    this.subjectKeys[i] = key;
  }

  /**
   * The slot of `subject`, which enters the table (revision -1, no key) if it was not there: one look-up for
   * `keyAt`, `setKeyAt` and `setRevisionAt`. A slot holds only until the next subject enters (the table may grow).
   */
  enter(subject: string): number {
    return this.slotFor(subject);
  }

  keyAt(slot: number): number {
    return this.subjectKeys[slot] as number;
  }

  setKeyAt(slot: number, key: number): void {
    this.subjectKeys[slot] = key;
  }

  setRevisionAt(slot: number, revision: number): void {
    this.revs[slot] = revision;
  }

  /** The slot holding `subject`, which enters the table (revision -1, no key) if it was not there. */
  private slotFor(subject: string): number {
    fingerprintInto(subject);
    const h1 = FP1;
    const h2 = FP2;
    let i = this.slot(h1, h2, subject);
    if (this.keys[2 * i] === 0 && this.keys[2 * i + 1] === 0) {
      if (!fits(this.count + 1, this.cap)) {
        this.grow();
        i = this.slot(h1, h2, subject);
      }
      const bytes = Buffer.from(subject, "utf8");
      if (this.used + bytes.length > this.names.length) {
        // a quarter more each time: doubling left up to half of the largest array of a big import unused
        const more = new Uint8Array(Math.max(Math.ceil(this.names.length * 1.25), this.used + bytes.length));
        more.set(this.names.subarray(0, this.used));
        this.names = more;
      }
      this.names.set(bytes, this.used);
      this.keys[2 * i] = h1;
      this.keys[2 * i + 1] = h2;
      this.nameAt[i] = this.used;
      this.nameLength[i] = bytes.length;
      this.used += bytes.length;
      this.count++;
      this.revs[i] = -1;
      this.subjectKeys[i] = 0;
    }
    return i;
  }

  *entries(): IterableIterator<[string, number]> {
    const text = new TextDecoder();
    for (let i = 0; i < this.cap; i++) {
      if (this.keys[2 * i] === 0 && this.keys[2 * i + 1] === 0) continue;
      const at = this.nameAt[i] as number;
      yield [text.decode(this.names.subarray(at, at + (this.nameLength[i] as number))), this.revs[i] as number];
    }
  }

  private grow(): void {
    const old = {
      keys: this.keys,
      revs: this.revs,
      subjectKeys: this.subjectKeys,
      nameAt: this.nameAt,
      nameLength: this.nameLength,
      cap: this.cap,
    };
    this.cap = Math.ceil(old.cap * 1.5); // from 7/10 full to under half: a snapshot keeps little empty space
    this.keys = new Int32Array(this.cap * 2);
    this.revs = new Int32Array(this.cap);
    this.subjectKeys = new Int32Array(this.cap);
    this.nameAt = new Uint32Array(this.cap);
    this.nameLength = new Uint32Array(this.cap);
    for (let j = 0; j < old.cap; j++) {
      const a = old.keys[2 * j] as number;
      const b = old.keys[2 * j + 1] as number;
      if (a === 0 && b === 0) continue;
      let i = homeSlot(a, b, this.cap);
      while (!isEmptySlot(this.keys, i)) i = next(i, this.cap);
      this.keys[2 * i] = a;
      this.keys[2 * i + 1] = b;
      this.revs[i] = old.revs[j] as number;
      this.subjectKeys[i] = old.subjectKeys[j] as number;
      this.nameAt[i] = old.nameAt[j] as number;
      this.nameLength[i] = old.nameLength[j] as number;
    }
  }

  /** The arrays themselves (names cut to what is used), for a snapshot; the table must not change meanwhile. */
  arrays(): StreamRevisionsArrays {
    return {
      keys: this.keys,
      revisions: this.revs,
      subjectKeys: this.subjectKeys,
      nameAt: this.nameAt,
      nameLength: this.nameLength,
      names: this.names.subarray(0, this.used),
      count: this.count,
    };
  }

  /** A table over arrays read back from a snapshot (`arrays()`). */
  static fromArrays(a: StreamRevisionsArrays): StreamRevisions {
    const cap = a.revisions.length;
    if (
      cap < 1 ||
      a.keys.length !== cap * 2 ||
      a.subjectKeys.length !== cap ||
      a.nameAt.length !== cap ||
      a.nameLength.length !== cap ||
      !fits(a.count, cap)
    ) {
      throw new Error("the stream revision arrays do not have the shape of a table");
    }
    const t = new StreamRevisions(1);
    t.cap = cap;
    t.keys = a.keys;
    t.revs = a.revisions;
    t.subjectKeys = a.subjectKeys;
    t.nameAt = a.nameAt;
    t.nameLength = a.nameLength;
    // the whole buffer the names are a view of (a reader may leave room after them)
    t.names = new Uint8Array(a.names.buffer, a.names.byteOffset, a.names.buffer.byteLength - a.names.byteOffset);
    t.used = a.names.length;
    t.count = a.count;
    return t;
  }
}

/** What the log remembers of each stored fact, to plan appends without reading the events table. */
export interface IndexedFact {
  readonly position: number;
  /** 64-bit fingerprint of the fact's canonical bytes (which include its id). */
  readonly content: readonly [number, number];
  /**
   * Its subject's key in the log's subject dictionary (the stream revisions give a subject's key): 4 bytes a
   * fact instead of the 8 of a fingerprint, and exact.
   */
  readonly subjectKey: number;
  readonly isRetraction: boolean;
  /** Its source, as a code of the log's `SourceCodes`. */
  readonly source: number;
  /** Whether a retraction of it is stored. */
  readonly retracted: boolean;
}

/** Source names as small integers (there are tens of sources, not millions). */
export class SourceCodes {
  private readonly codes = new Map<string, number>();
  private readonly names: string[] = [];

  code(name: string): number {
    let c = this.codes.get(name);
    if (c === undefined) {
      c = this.names.length;
      if (c > 0xffff) throw new Error("more than 65,536 sources");
      this.codes.set(name, c);
      this.names.push(name);
    }
    return c;
  }

  /** Every name, in code order (a snapshot's list; `code` gives them back the same codes in that order). */
  all(): readonly string[] {
    return this.names;
  }

  name(code: number): string {
    const n = this.names[code];
    if (n === undefined) throw new Error(`no source has code ${code}`);
    return n;
  }
}

/** Slot flags: 0 empty, 1 a fact, 2 a retraction; RETRACTED is or-ed in once a retraction of it is stored. */
const RETRACTED = 4;

/** The typed arrays of a `FactIndex`, as they are stored in a snapshot. */
export interface FactIndexArrays {
  readonly keys: Int32Array;
  readonly data: Int32Array;
  readonly positions: Uint32Array;
  readonly sources: Uint16Array;
  readonly flags: Uint8Array;
  readonly count: number;
}

type Slots = Omit<FactIndexArrays, "count"> & { readonly cap: number };

/**
 * How full the fact index may be, in tenths: 8, not the 7 of the other tables. It is the largest table a writer
 * holds (17 M facts: 580 MB at 8/10, 670 MB at 7/10), and a miss costs thirteen probes of one array instead of six.
 */
const FACT_LOAD = 8;

/** The 32-bit words of `data` per slot: the content fingerprint's two halves and the subject's key. */
const SLOT_DATA = 3;

/**
 * Fact id → (position, content fingerprint, subject key, is-a-retraction, source, retracted), in open
 * addressing over typed arrays: 27 bytes a slot, at most 8/10 of the slots used (17 M facts: about 580 MB). An
 * id whose 64-bit fingerprint collides with a stored one is caught by the content fingerprint, which covers the
 * id. Positions are 32-bit (the embedded log holds up to 4,294,967,295 events).
 */
export class FactIndex {
  private keys: Int32Array;
  private data: Int32Array; // per slot: content h1, h2, subject key
  private positions: Uint32Array;
  private sources: Uint16Array;
  private flags: Uint8Array;
  private cap: number;
  private count = 0;

  constructor(expected = 1 << 12) {
    this.cap = capacityFor(expected, FACT_LOAD);
    this.keys = new Int32Array(this.cap * 2);
    this.data = new Int32Array(this.cap * SLOT_DATA);
    this.positions = new Uint32Array(this.cap);
    this.sources = new Uint16Array(this.cap);
    this.flags = new Uint8Array(this.cap);
  }

  get size(): number {
    return this.count;
  }

  /** Moves every fact into new arrays of `cap` slots (growing, or making room ahead). */
  private rehash(cap: number): void {
    const old: Slots = { ...this.arrays(), cap: this.cap };
    this.cap = cap;
    this.keys = new Int32Array(cap * 2);
    this.data = new Int32Array(cap * SLOT_DATA);
    this.positions = new Uint32Array(cap);
    this.sources = new Uint16Array(cap);
    this.flags = new Uint8Array(cap);
    this.count = 0;
    this.copySlots(old);
  }

  private home(h1: number, h2: number): number {
    return homeSlot(h1, h2, this.cap);
  }

  private slot(h1: number, h2: number): number {
    return probe(this.keys, this.cap, h1, h2);
  }

  /** Whether a fact with id `id` is held (without building its entry: the planner asks this of every fact). */
  has(id: string): boolean {
    fingerprintInto(id);
    return (this.flags[this.slot(FP1, FP2)] ?? 0) !== 0;
  }

  get(id: string): IndexedFact | undefined {
    fingerprintInto(id);
    const h1 = FP1;
    const h2 = FP2;
    const i = this.slot(h1, h2);
    const flag = this.flags[i] ?? 0;
    if (flag === 0) return undefined;
    const d = this.data;
    return {
      position: this.positions[i] as number,
      content: [d[SLOT_DATA * i] as number, d[SLOT_DATA * i + 1] as number],
      subjectKey: d[SLOT_DATA * i + 2] as number,
      isRetraction: (flag & 3) === 2,
      source: this.sources[i] as number,
      retracted: (flag & RETRACTED) !== 0,
    };
  }

  add(id: string, f: IndexedFact): void {
    fingerprintInto(id);
    const h1 = FP1;
    const h2 = FP2;
    const flag = (f.isRetraction ? 2 : 1) | (f.retracted ? RETRACTED : 0);
    this.put(h1, h2, f.position, f.content[0], f.content[1], f.subjectKey, f.source, flag);
  }

  /** Makes room for `more` facts beyond those held, at once (one rehash now rather than several on the way). */
  reserve(more: number): void {
    if (!fits(this.count + more, this.cap, FACT_LOAD)) this.rehash(capacityFor(this.count + more, FACT_LOAD));
  }

  /** Records that a retraction of `id` is stored; false if no fact has that id here. */
  markRetracted(id: string): boolean {
    fingerprintInto(id);
    const h1 = FP1;
    const h2 = FP2;
    const i = this.slot(h1, h2);
    const flag = this.flags[i] ?? 0;
    if (flag === 0) return false;
    this.flags[i] = flag | RETRACTED;
    return true;
  }

  /** Clears the retracted mark of `id` (a rolled-back retraction); false if no fact has that id here. */
  unmarkRetracted(id: string): boolean {
    fingerprintInto(id);
    const h1 = FP1;
    const h2 = FP2;
    const i = this.slot(h1, h2);
    const flag = this.flags[i] ?? 0;
    if (flag === 0) return false;
    this.flags[i] = flag & ~RETRACTED;
    return true;
  }

  /**
   * Forgets the fact with id `id` (false if there is none), by backward-shift deletion: the entries after it
   * in its run move back where their probe sequence allows, so every other id is still found.
   */
  delete(id: string): boolean {
    fingerprintInto(id);
    const h1 = FP1;
    const h2 = FP2;
    let i = this.slot(h1, h2);
    if ((this.flags[i] ?? 0) === 0) return false;
    let j = i;
    for (;;) {
      j = next(j, this.cap);
      if ((this.flags[j] ?? 0) === 0) break;
      if (between(i, this.home(this.keys[2 * j] as number, this.keys[2 * j + 1] as number), j)) continue;
      this.keys[2 * i] = this.keys[2 * j] as number;
      this.keys[2 * i + 1] = this.keys[2 * j + 1] as number;
      for (let d = 0; d < SLOT_DATA; d++) this.data[SLOT_DATA * i + d] = this.data[SLOT_DATA * j + d] as number;
      this.positions[i] = this.positions[j] as number;
      this.sources[i] = this.sources[j] as number;
      this.flags[i] = this.flags[j] as number;
      i = j;
    }
    this.keys[2 * i] = 0;
    this.keys[2 * i + 1] = 0;
    this.flags[i] = 0;
    this.count--;
    return true;
  }

  /** The arrays themselves (not copies), for a snapshot; the index must not change while they are written. */
  arrays(): FactIndexArrays {
    return {
      keys: this.keys,
      data: this.data,
      positions: this.positions,
      sources: this.sources,
      flags: this.flags,
      count: this.count,
    };
  }

  /** An index over arrays read back from a snapshot (`arrays()`). */
  static fromArrays(a: FactIndexArrays): FactIndex {
    const cap = a.flags.length;
    if (
      cap < 1 ||
      a.keys.length !== cap * 2 ||
      a.data.length !== cap * SLOT_DATA ||
      a.positions.length !== cap ||
      a.sources.length !== cap ||
      !fits(a.count, cap, FACT_LOAD)
    ) {
      throw new Error("the fact index arrays do not have the shape of an index");
    }
    const index = new FactIndex(1);
    index.keys = a.keys;
    index.data = a.data;
    index.positions = a.positions;
    index.sources = a.sources;
    index.flags = a.flags;
    index.cap = cap;
    index.count = a.count;
    return index;
  }

  /** Inserts every occupied slot of `from` (this index's arrays before a rehash). */
  private copySlots(from: Slots): void {
    const d = from.data;
    for (let i = 0; i < from.cap; i++) {
      const flag = from.flags[i] ?? 0;
      if (flag === 0) continue;
      this.put(
        from.keys[2 * i] as number,
        from.keys[2 * i + 1] as number,
        from.positions[i] as number,
        d[SLOT_DATA * i] as number,
        d[SLOT_DATA * i + 1] as number,
        d[SLOT_DATA * i + 2] as number,
        from.sources[i] as number,
        flag,
      );
    }
  }

  private put(
    h1: number,
    h2: number,
    pos: number,
    c1: number,
    c2: number,
    subjectKey: number,
    source: number,
    flag: number,
  ): void {
    if (!fits(this.count + 1, this.cap, FACT_LOAD)) this.grow();
    if (pos > 0xffffffff) throw new RangeError(`position ${pos} is beyond what the embedded log holds`);
    const i = this.slot(h1, h2);
    if (this.flags[i] !== 0) return; // the first fact with this id stays (a later one is a duplicate or refused)
    this.keys[2 * i] = h1;
    this.keys[2 * i + 1] = h2;
    this.positions[i] = pos;
    this.data[SLOT_DATA * i] = c1;
    this.data[SLOT_DATA * i + 1] = c2;
    this.data[SLOT_DATA * i + 2] = subjectKey;
    this.sources[i] = source;
    this.flags[i] = flag;
    this.count++;
  }

  private grow(): void {
    this.rehash(Math.ceil(this.cap * 1.5)); // from 8/10 full to just over half: a snapshot keeps little empty space
  }
}

/** The content fingerprint as one signed 64-bit integer, for the events table's `content_fp` column. */
export const fingerprintToBigInt = ([h1, h2]: readonly [number, number]): bigint =>
  (BigInt(h1) << 32n) | BigInt(h2 >>> 0);
