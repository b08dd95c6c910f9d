/**
 * The word-level SHA-256 of the Merkle digests gives, for any input, what `node:crypto` gives for the same
 * message bytes: the leaf (0x00 ‖ c), the inner node (0x01 ‖ l ‖ r), and a level-by-level reduction of any list
 * of hashes; and it refuses a count that does not fit.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOfWords, wordsInto } from "./hashWords.js";
import { leafInto, nodeInto, reduceInPlace } from "./sha256Words.js";

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

const words = (...hashes: Uint8Array[]): Int32Array => {
  const v = new Int32Array(8 * hashes.length);
  hashes.forEach((h, i) => {
    wordsInto(h, 0, v, 8 * i);
  });
  return v;
};

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Pairs neighbours and promotes an odd last one, with node:crypto: the reduction as defined. */
const reduced = (hashes: readonly Buffer[]): Buffer => {
  let level = [...hashes];
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(sha256(Uint8Array.of(1), level[i] as Buffer, level[i + 1] as Buffer));
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Buffer);
    level = next;
  }
  return level[0] as Buffer;
};

describe("SHA-256 over words", () => {
  it("reads and writes the bytes of a hash unchanged", () => {
    fc.assert(
      fc.property(hash32, (h) => {
        expect(bytesOfWords(words(h))).toEqual(Buffer.from(h));
      }),
    );
  });

  it("gives node:crypto's leaf hash SHA-256(0x00 ‖ c), also written over its input", () => {
    fc.assert(
      fc.property(hash32, (c) => {
        const v = words(c);
        const out = new Int32Array(8);
        leafInto(v, 0, out, 0);
        expect(bytesOfWords(out)).toEqual(sha256(Uint8Array.of(0), c));
        leafInto(v, 0, v, 0);
        expect(v).toEqual(out);
      }),
      { numRuns: 300 },
    );
  });

  it("gives node:crypto's inner node SHA-256(0x01 ‖ l ‖ r), whichever words hold them and wherever it is written", () => {
    fc.assert(
      fc.property(hash32, hash32, fc.nat(3), (l, r, pad) => {
        const v = new Int32Array(8 * (pad + 2));
        wordsInto(l, 0, v, 8 * pad);
        wordsInto(r, 0, v, 8 * pad + 8);
        const want = sha256(Uint8Array.of(1), l, r);
        nodeInto(v, 8 * pad + 8, 8 * pad, v, 0); // r ‖ l: another message
        expect(bytesOfWords(v, 0)).toEqual(sha256(Uint8Array.of(1), r, l));
        wordsInto(l, 0, v, 8 * pad);
        wordsInto(r, 0, v, 8 * pad + 8);
        nodeInto(v, 8 * pad, 8 * pad + 8, v, 8 * pad);
        expect(bytesOfWords(v, 8 * pad)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("reduces any list of hashes level by level in place, as defined", () => {
    fc.assert(
      fc.property(fc.array(hash32, { minLength: 1, maxLength: 70 }), (hashes) => {
        const v = words(...hashes);
        reduceInPlace(v, hashes.length);
        expect(bytesOfWords(v, 0)).toEqual(reduced(hashes.map((h) => Buffer.from(h))));
      }),
      { numRuns: 150 },
    );
  });

  it("refuses to reduce no hash, or more than the words hold", () => {
    const v = new Int32Array(16);
    expect(() => reduceInPlace(v, 0)).toThrow(/0 hashes do not fit 16 words/);
    expect(() => reduceInPlace(v, 3)).toThrow(/3 hashes do not fit 16 words/);
  });
});
