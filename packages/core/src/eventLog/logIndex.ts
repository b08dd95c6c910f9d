/**
 * In-memory indexes the embedded log rebuilds when it opens, so that an append needs no scan of the events
 * table:
 * - `FactIndex`: fact id → position, fingerprints of its content and subject, its source (a code of
 *   `SourceCodes`) and whether it is retracted (below).
 * - `SourceCodes`: the few sources' names as small integers.
 * - `StreamRevisions`: the current revision of every subject, in sharded Maps (a single Map holds at most
 *   2^24 entries).
 */

/** Two independent 32-bit string hashes (FNV-1a and a multiplicative mix), never both zero. */
export const fingerprint = (s: string): [number, number] => {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x9747b28c | 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  if (h1 === 0 && h2 === 0) h2 = 1;
  return [h1, h2];
};

const SHARDS = 64;

export class StreamRevisions {
  private readonly shards: Map<string, number>[] = Array.from({ length: SHARDS }, () => new Map());

  /** A cheap spread over the last characters (subject ids end in their most varying part). */
  private shard(subject: string): Map<string, number> {
    const n = subject.length;
    const h =
      (subject.charCodeAt(n - 1) * 31 + subject.charCodeAt(n - 2) * 7 + subject.charCodeAt(n - 3)) & (SHARDS - 1);
    return this.shards[h] as Map<string, number>;
  }

  /** The current revision, or -1 when the stream has no event. */
  get(subject: string): number {
    return this.shard(subject).get(subject) ?? -1;
  }

  set(subject: string, revision: number): void {
    this.shard(subject).set(subject, revision);
  }

  get size(): number {
    return this.shards.reduce((n, m) => n + m.size, 0);
  }

  *entries(): IterableIterator<[string, number]> {
    for (const m of this.shards) yield* m;
  }
}

/** What the log remembers of each stored fact, to plan appends without reading the events table. */
export interface IndexedFact {
  readonly position: number;
  /** 64-bit fingerprint of the fact's canonical bytes (which include its id). */
  readonly content: readonly [number, number];
  /** 64-bit fingerprint of its subject. */
  readonly subject: readonly [number, number];
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

/**
 * The table grows when it would be more than 5/8 full: linear probing still needs about three probes for an
 * absent id, and 17 M facts fit in 2^25 slots (35 bytes a slot: 1.1 GiB) instead of 2^26.
 */
const fits = (count: number, capacity: number): boolean => count * 8 <= capacity * 5;

/** The typed arrays of a `FactIndex`, as they are stored in a snapshot. */
export interface FactIndexArrays {
  readonly keys: Int32Array;
  readonly data: Int32Array;
  readonly positions: Float64Array;
  readonly sources: Uint16Array;
  readonly flags: Uint8Array;
  readonly count: number;
}

interface Slots {
  readonly keys: Int32Array;
  readonly data: Int32Array;
  readonly positions: Float64Array;
  readonly sources: Uint16Array;
  readonly flags: Uint8Array;
  readonly mask: number;
}

/**
 * Fact id → (position, content fingerprint, subject fingerprint, is-a-retraction, source, retracted), in open
 * addressing over typed arrays (about 74 bytes per fact at the 0.5 load factor). An id whose 64-bit fingerprint collides
 * with a stored one is caught by the content fingerprint, which covers the id.
 */
export class FactIndex {
  private keys: Int32Array;
  private data: Int32Array; // per slot: content h1, h2, subject h1, h2
  private positions: Float64Array;
  private sources: Uint16Array;
  private flags: Uint8Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1 << 12) {
    let cap = 1 << 12;
    while (!fits(expected, cap)) cap *= 2;
    this.keys = new Int32Array(cap * 2);
    this.data = new Int32Array(cap * 4);
    this.positions = new Float64Array(cap);
    this.sources = new Uint16Array(cap);
    this.flags = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private home(h1: number, h2: number): number {
    return (h1 ^ Math.imul(h2, 0x27d4eb2d)) & this.mask;
  }

  private slot(h1: number, h2: number): number {
    let i = this.home(h1, h2);
    for (;;) {
      const a = this.keys[2 * i];
      const b = this.keys[2 * i + 1];
      if ((a === 0 && b === 0) || (a === h1 && b === h2)) return i;
      i = (i + 1) & this.mask;
    }
  }

  get(id: string): IndexedFact | undefined {
    const [h1, h2] = fingerprint(id);
    const i = this.slot(h1, h2);
    const flag = this.flags[i] ?? 0;
    if (flag === 0) return undefined;
    const d = this.data;
    return {
      position: this.positions[i] as number,
      content: [d[4 * i] as number, d[4 * i + 1] as number],
      subject: [d[4 * i + 2] as number, d[4 * i + 3] as number],
      isRetraction: (flag & 3) === 2,
      source: this.sources[i] as number,
      retracted: (flag & RETRACTED) !== 0,
    };
  }

  add(id: string, f: IndexedFact): void {
    const [h1, h2] = fingerprint(id);
    const flag = (f.isRetraction ? 2 : 1) | (f.retracted ? RETRACTED : 0);
    this.put(h1, h2, f.position, f.content[0], f.content[1], f.subject[0], f.subject[1], f.source, flag);
  }

  /** Records that a retraction of `id` is stored; false if no fact has that id here. */
  markRetracted(id: string): boolean {
    const [h1, h2] = fingerprint(id);
    const i = this.slot(h1, h2);
    const flag = this.flags[i] ?? 0;
    if (flag === 0) return false;
    this.flags[i] = flag | RETRACTED;
    return true;
  }

  /** Clears the retracted mark of `id` (a rolled-back retraction); false if no fact has that id here. */
  unmarkRetracted(id: string): boolean {
    const [h1, h2] = fingerprint(id);
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
    const [h1, h2] = fingerprint(id);
    let i = this.slot(h1, h2);
    if ((this.flags[i] ?? 0) === 0) return false;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      if ((this.flags[j] ?? 0) === 0) break;
      const k = this.home(this.keys[2 * j] as number, this.keys[2 * j + 1] as number);
      // the entry at j stays if its home lies cyclically in (i, j]
      if (i <= j ? i < k && k <= j : i < k || k <= j) continue;
      this.keys[2 * i] = this.keys[2 * j] as number;
      this.keys[2 * i + 1] = this.keys[2 * j + 1] as number;
      for (let d = 0; d < 4; d++) this.data[4 * i + d] = this.data[4 * j + d] as number;
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

  /** Forgets every fact at `position` or later (the facts of a rolled-back session), rehashing the rest. */
  dropFrom(position: number): void {
    const old = this.arrays();
    let keep = 0;
    for (let i = 0; i < old.flags.length; i++)
      if (old.flags[i] !== 0 && (old.positions[i] as number) < position) keep++;
    if (keep === this.count) return;
    const flags = old.flags.slice();
    for (let i = 0; i < flags.length; i++) if ((old.positions[i] as number) >= position) flags[i] = 0;
    this.keys = new Int32Array(old.keys.length);
    this.data = new Int32Array(old.data.length);
    this.positions = new Float64Array(old.positions.length);
    this.sources = new Uint16Array(old.sources.length);
    this.flags = new Uint8Array(old.flags.length);
    this.count = 0;
    this.copySlots({ ...old, flags, mask: this.mask });
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

  /** An index over arrays read back from a snapshot (`arrays()`); their capacity must be a power of two. */
  static fromArrays(a: FactIndexArrays): FactIndex {
    const cap = a.flags.length;
    if (
      cap < 1 ||
      (cap & (cap - 1)) !== 0 ||
      a.keys.length !== cap * 2 ||
      a.data.length !== cap * 4 ||
      a.positions.length !== cap ||
      a.sources.length !== cap ||
      !fits(a.count, cap)
    ) {
      throw new Error("the fact index arrays do not have the shape of an index");
    }
    const index = new FactIndex(1);
    index.keys = a.keys;
    index.data = a.data;
    index.positions = a.positions;
    index.sources = a.sources;
    index.flags = a.flags;
    index.mask = cap - 1;
    index.count = a.count;
    return index;
  }

  addAll(other: FactIndex): void {
    this.copySlots({
      keys: other.keys,
      data: other.data,
      positions: other.positions,
      sources: other.sources,
      flags: other.flags,
      mask: other.mask,
    });
  }

  /** Inserts every occupied slot of `from` (another index, or this one's arrays before growing). */
  private copySlots(from: Slots): void {
    const d = from.data;
    for (let i = 0; i <= from.mask; i++) {
      const flag = from.flags[i] ?? 0;
      if (flag === 0) continue;
      this.put(
        from.keys[2 * i] as number,
        from.keys[2 * i + 1] as number,
        from.positions[i] as number,
        d[4 * i] as number,
        d[4 * i + 1] as number,
        d[4 * i + 2] as number,
        d[4 * i + 3] as number,
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
    s1: number,
    s2: number,
    source: number,
    flag: number,
  ): void {
    if (!fits(this.count + 1, this.mask + 1)) this.grow();
    const i = this.slot(h1, h2);
    if (this.flags[i] !== 0) return; // the first fact with this id stays (a later one is a duplicate or refused)
    this.keys[2 * i] = h1;
    this.keys[2 * i + 1] = h2;
    this.positions[i] = pos;
    this.data[4 * i] = c1;
    this.data[4 * i + 1] = c2;
    this.data[4 * i + 2] = s1;
    this.data[4 * i + 3] = s2;
    this.sources[i] = source;
    this.flags[i] = flag;
    this.count++;
  }

  private grow(): void {
    const old = {
      keys: this.keys,
      data: this.data,
      positions: this.positions,
      sources: this.sources,
      flags: this.flags,
      mask: this.mask,
    };
    const cap = (old.mask + 1) * 2;
    this.keys = new Int32Array(cap * 2);
    this.data = new Int32Array(cap * 4);
    this.positions = new Float64Array(cap);
    this.sources = new Uint16Array(cap);
    this.flags = new Uint8Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    this.copySlots(old);
  }
}

/** The content fingerprint as one signed 64-bit integer, for the events table's `content_fp` column. */
export const fingerprintToBigInt = ([h1, h2]: readonly [number, number]): bigint =>
  (BigInt(h1) << 32n) | BigInt(h2 >>> 0);
