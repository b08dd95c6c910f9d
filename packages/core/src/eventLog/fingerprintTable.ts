/**
 * The one fingerprint table of the event-log adapters: 64-bit fingerprints of strings (fact ids, subjects,
 * batch ids) as two 32-bit halves, and the open-addressing rule of every in-memory table keyed by them (the
 * embedded log's `FactIndex` and `StreamRevisions`, KurrentDB's `IdSubjects`): a table of `cap` slots keeps its
 * keys as pairs in one `Int32Array` (0, 0 marks an empty slot, which no fingerprint is), a key's home slot is
 * `homeSlot`, collisions probe linearly (`probe`), and a table grows before it is more than 7/10 full.
 *
 * The home slot is part of the embedded log's saved indexes (`indexSnapshot.ts`): changing it changes where a
 * saved table's keys are looked for.
 */

/** The two halves of the last `fingerprintInto` (no array allocated on the hot paths of the indexes). */
export let FP1 = 0;
export let FP2 = 0;

/** The last mixing of both string hashes, into `FP1`, `FP2` (never both zero). */
const settle = (a: number, b: number): void => {
  let h1 = a ^ (a >>> 16);
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  let h2 = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  if (h1 === 0 && h2 === 0) h2 = 1;
  FP1 = h1;
  FP2 = h2;
};

/** Fingerprints `s` into `FP1`, `FP2`. */
export const fingerprintInto = (s: string): void => {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x9747b28c | 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  settle(h1, h2);
};

/**
 * Fingerprints, into `FP1`, `FP2`, the string whose UTF-8 bytes are `bytes[start..end)`: the same two halves as
 * `fingerprintInto` of the decoded string (which hashes UTF-16 code units), without decoding it — a character
 * beyond the BMP is hashed as its two surrogates. The bytes must be well-formed UTF-8, as DuckDB keeps every
 * VARCHAR; the whole-chain check hashes millions of canonical forms this way, read in blocks of bytes.
 */
export const fingerprintUtf8Into = (bytes: Uint8Array, start: number, end: number): void => {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x9747b28c | 0;
  for (let i = start; i < end; ) {
    let c = bytes[i] as number;
    if (c < 0x80) i += 1;
    else if (c < 0xe0) {
      c = ((c & 0x1f) << 6) | ((bytes[i + 1] as number) & 0x3f);
      i += 2;
    } else if (c < 0xf0) {
      c = ((c & 0x0f) << 12) | (((bytes[i + 1] as number) & 0x3f) << 6) | ((bytes[i + 2] as number) & 0x3f);
      i += 3;
    } else {
      const cp =
        (((c & 0x07) << 18) |
          (((bytes[i + 1] as number) & 0x3f) << 12) |
          (((bytes[i + 2] as number) & 0x3f) << 6) |
          ((bytes[i + 3] as number) & 0x3f)) -
        0x10000;
      i += 4;
      const high = 0xd800 + (cp >> 10);
      h1 = Math.imul(h1 ^ high, 0x01000193);
      h2 = Math.imul(h2 ^ high, 0x5bd1e995);
      h2 ^= h2 >>> 15;
      c = 0xdc00 + (cp & 0x3ff);
    }
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  settle(h1, h2);
};

/** Two independent 32-bit string hashes (FNV-1a and a multiplicative mix), never both zero. */
export const fingerprint = (s: string): [number, number] => {
  fingerprintInto(s);
  return [FP1, FP2];
};

/** The slot where the key (h1, h2) is first looked for in a table of `cap` slots. */
export const homeSlot = (h1: number, h2: number, cap: number): number => ((h1 ^ Math.imul(h2, 0x27d4eb2d)) >>> 0) % cap;

/** The next slot after `i` in a table of `cap` slots. */
export const nextSlot = (i: number, cap: number): number => (i + 1 === cap ? 0 : i + 1);

/** Whether slot `i` of `keys` is empty. */
export const isEmptySlot = (keys: Int32Array, i: number): boolean => keys[2 * i] === 0 && keys[2 * i + 1] === 0;

/** The slot of `keys` (a table of `cap` slots) that holds (h1, h2), or the empty slot where it would go. */
export const probe = (keys: Int32Array, cap: number, h1: number, h2: number): number => {
  let i = homeSlot(h1, h2, cap);
  for (;;) {
    const a = keys[2 * i];
    const b = keys[2 * i + 1];
    if ((a === 0 && b === 0) || (a === h1 && b === h2)) return i;
    i = nextSlot(i, cap);
  }
};

/** Whether `k` lies cyclically in (i, j] (backward-shift deletion: an entry whose home is there stays). */
export const between = (i: number, k: number, j: number): boolean => (i <= j ? i < k && k <= j : i < k || k <= j);

/** The slot count for `expected` entries at the load a table grows at (`fits`, `tenths` of its slots). */
export const capacityFor = (expected: number, tenths = 7): number =>
  Math.max(1024, Math.ceil((expected * 10) / tenths) + 1);

/**
 * A table grows when it would be more than `tenths`/10 full: 7 by default (linear probing still needs about two
 * probes a hit and six a miss); the embedded log's fact index, the largest, allows 8 (three and thirteen).
 */
export const fits = (count: number, capacity: number, tenths = 7): boolean => count * 10 <= capacity * tenths;
