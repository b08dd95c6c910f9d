/**
 * In-memory indexes of the KurrentDB adapter, built from the log before its first write (as the embedded log
 * builds `logIndex.ts` when it opens), in typed arrays so that tens of millions of facts fit:
 * - `IdSubjects`: the 64-bit fingerprint of every fact id → the subject whose stream holds it (about 24 bytes
 *   per id). The adapter confirms a hit by reading that stream; a miss is certain. Two ids with the same
 *   fingerprint but different subjects keep both subjects (an overflow map), so a collision costs one more read,
 *   never a missed duplicate.
 * - `SubjectTable`: subject ↔ a small integer, with the subject's stream revision in the log.
 * - `MarkerTable`: per committed batch (its index is the marker's revision in `ns/head`): its first position,
 *   the fingerprint of its batch id, and where its marker sits in `$all` (when known).
 */
import { capacityFor, fingerprint, fits, isEmptySlot, probe } from "../fingerprintTable.js";

class Growable<T extends Float64Array | Int32Array> {
  private arr: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.arr = make(1024);
  }
  push(v: number): void {
    if (this.length === this.arr.length) {
      const next = this.make(this.arr.length * 2);
      next.set(this.arr);
      this.arr = next;
    }
    this.arr[this.length++] = v;
  }
  get(i: number): number {
    return this.arr[i] as number;
  }
  set(i: number, v: number): void {
    this.arr[i] = v;
  }
}

const MANY = -2;

/**
 * Fact id fingerprint → the subject(s) whose stream may hold the fact, in the adapters' one fingerprint table
 * (`../fingerprintTable.ts`): keys in pairs, one value per slot, `MANY` where ids of different subjects share a
 * fingerprint (their subjects are then in `overflow`).
 */
export class IdSubjects {
  private keys: Int32Array;
  private values: Int32Array;
  private cap: number;
  private count = 0;
  private readonly overflow = new Map<string, number[]>();

  constructor(expected = 1 << 16) {
    this.cap = capacityFor(expected);
    this.keys = new Int32Array(this.cap * 2);
    this.values = new Int32Array(this.cap);
  }

  get size(): number {
    return this.count;
  }

  /** The subjects that may hold a fact with this id (empty: certainly none). */
  get(id: string): readonly number[] {
    const [h1, h2] = fingerprint(id);
    const i = probe(this.keys, this.cap, h1, h2);
    if (isEmptySlot(this.keys, i)) return [];
    const v = this.values[i] as number;
    return v === MANY ? (this.overflow.get(`${h1}:${h2}`) ?? []) : [v];
  }

  add(id: string, subject: number): void {
    const [h1, h2] = fingerprint(id);
    this.insert(h1, h2, subject);
  }

  /** Adds every entry of `other` (a bulk session's ids) to this index. */
  addAll(other: IdSubjects): void {
    const k = other.keys;
    for (let i = 0; i < other.cap; i++) {
      if (isEmptySlot(k, i)) continue;
      const a = k[2 * i] as number;
      const b = k[2 * i + 1] as number;
      const v = other.values[i] as number;
      for (const s of v === MANY ? (other.overflow.get(`${a}:${b}`) ?? []) : [v]) this.insert(a, b, s);
    }
  }

  private insert(h1: number, h2: number, subject: number): void {
    if (!fits(this.count + 1, this.cap)) this.grow();
    const i = probe(this.keys, this.cap, h1, h2);
    if (isEmptySlot(this.keys, i)) {
      this.keys[2 * i] = h1;
      this.keys[2 * i + 1] = h2;
      this.values[i] = subject;
      this.count++;
      return;
    }
    const v = this.values[i] as number;
    if (v === subject) return;
    const key = `${h1}:${h2}`;
    if (v !== MANY) {
      this.overflow.set(key, [v, subject]);
      this.values[i] = MANY;
      return;
    }
    const list = this.overflow.get(key) ?? [];
    if (!list.includes(subject)) list.push(subject);
    this.overflow.set(key, list);
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldCap = this.cap;
    this.cap = capacityFor(this.count * 2);
    this.keys = new Int32Array(this.cap * 2);
    this.values = new Int32Array(this.cap);
    for (let i = 0; i < oldCap; i++) {
      if (isEmptySlot(oldKeys, i)) continue;
      const a = oldKeys[2 * i] as number;
      const b = oldKeys[2 * i + 1] as number;
      const j = probe(this.keys, this.cap, a, b);
      this.keys[2 * j] = a;
      this.keys[2 * j + 1] = b;
      this.values[j] = oldValues[i] as number;
    }
  }
}

const SHARDS = 64;

export class SubjectTable {
  private readonly shards: Map<string, number>[] = Array.from({ length: SHARDS }, () => new Map());
  private readonly names: string[] = [];
  private readonly revisions: number[] = [];

  private shard(subject: string): Map<string, number> {
    const [h] = fingerprint(subject);
    return this.shards[(h >>> 0) % SHARDS] as Map<string, number>;
  }

  /** The subject's number, registering it (at revision -1) when new. */
  intern(subject: string): number {
    const m = this.shard(subject);
    const i = m.get(subject);
    if (i !== undefined) return i;
    const n = this.names.length;
    m.set(subject, n);
    this.names.push(subject);
    this.revisions.push(-1);
    return n;
  }

  name(i: number): string {
    const s = this.names[i];
    if (s === undefined) throw new RangeError(`unknown subject number ${i}`);
    return s;
  }

  /** The subject's stream revision in the log, -1 when it has no event. */
  revision(subject: string): number {
    const i = this.shard(subject).get(subject);
    return i === undefined ? -1 : (this.revisions[i] as number);
  }

  setRevision(subject: string, revision: number): void {
    this.revisions[this.intern(subject)] = revision;
  }
}

export interface AllPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export class MarkerTable {
  private readonly firsts = new Growable((n) => new Float64Array(n));
  private readonly fpA = new Growable((n) => new Int32Array(n));
  private readonly fpB = new Growable((n) => new Int32Array(n));
  private readonly commits = new Growable((n) => new Float64Array(n));
  private readonly prepares = new Growable((n) => new Float64Array(n));
  private lastPos = 0;

  /** Number of batches known, which is also the next revision of `ns/head`. */
  get length(): number {
    return this.firsts.length;
  }

  /** The last position of the last known batch (0 when none). */
  get head(): number {
    return this.lastPos;
  }

  push(m: { readonly batch: string; readonly first: number; readonly last: number }): void {
    const [a, b] = fingerprint(m.batch);
    this.firsts.push(m.first);
    this.fpA.push(a);
    this.fpB.push(b);
    this.commits.push(Number.NaN);
    this.prepares.push(Number.NaN);
    this.lastPos = m.last;
  }

  first(i: number): number {
    return this.firsts.get(i);
  }

  last(i: number): number {
    return i + 1 < this.length ? this.firsts.get(i + 1) - 1 : this.lastPos;
  }

  /** The batch holding position `p`, or -1 when no known batch does. */
  find(p: number): number {
    if (p < 1 || p > this.lastPos) return -1;
    let lo = 0;
    let hi = this.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.firsts.get(mid) <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  isBatch(i: number, batch: string): boolean {
    const [a, b] = fingerprint(batch);
    return this.fpA.get(i) === a && this.fpB.get(i) === b;
  }

  setAt(i: number, at: AllPosition): void {
    this.commits.set(i, Number(at.commit));
    this.prepares.set(i, Number(at.prepare));
  }

  /** Where marker `i` sits in `$all`, when known. */
  at(i: number): AllPosition | undefined {
    const c = this.commits.get(i);
    return Number.isNaN(c) ? undefined : { commit: BigInt(c), prepare: BigInt(this.prepares.get(i)) };
  }
}
