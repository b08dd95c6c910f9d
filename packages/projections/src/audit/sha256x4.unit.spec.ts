/**
 * The four-lane WebAssembly SHA-256 is the text it is generated from (`sha256x4.wasm.ts` is what `wabt`
 * assembles of `sha256x4Wat.ts`), and it gives what the word-level TypeScript and `node:crypto` give: leaf
 * hashes of any number of chain hashes (batches of four and the lanes left over), and the level-by-level
 * reduction of any list of hashes, over buffers larger than its memory was.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOfWords, wordsInto } from "./hashWords.js";
import { leafInto, reduceInPlace } from "./sha256Words.js";
import { Sha256x4 } from "./sha256x4.js";
import { SHA256X4_WASM } from "./sha256x4.wasm.js";
import { sha256x4Bytes } from "./sha256x4Build.js";

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const words = (hashes: readonly Uint8Array[]): Int32Array => {
  const v = new Int32Array(8 * hashes.length);
  hashes.forEach((h, i) => {
    wordsInto(h, 0, v, 8 * i);
  });
  return v;
};

describe("SHA-256, four lanes", () => {
  it("is the WebAssembly its text assembles to (run gen:sha256x4 after changing the text)", async () => {
    expect(Buffer.from(await sha256x4Bytes()).toString("base64")).toBe(SHA256X4_WASM);
  });

  it("gives the leaf hashes of node:crypto and of the word-level TypeScript, for any count", () => {
    const x4 = new Sha256x4();
    fc.assert(
      fc.property(fc.array(hash32, { maxLength: 23 }), (chain) => {
        const v = words(chain);
        x4.leavesInPlace(v, chain.length);
        chain.forEach((c, i) => {
          expect(bytesOfWords(v, 8 * i)).toEqual(createHash("sha256").update(Uint8Array.of(0)).update(c).digest());
          const one = words([c]);
          leafInto(one, 0, one, 0);
          expect(v.subarray(8 * i, 8 * i + 8)).toEqual(one);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("reduces any list of hashes as the word-level TypeScript does, and keeps the caller's words", () => {
    const x4 = new Sha256x4();
    fc.assert(
      fc.property(fc.array(hash32, { minLength: 1, maxLength: 80 }), (hashes) => {
        const v = words(hashes);
        const root = x4.reduce(v, hashes.length);
        expect(v).toEqual(words(hashes));
        reduceInPlace(v, hashes.length);
        expect(root).toEqual(v.subarray(0, 8));
      }),
      { numRuns: 200 },
    );
  });

  it("grows its memory for a large buffer", () => {
    const n = 70_001; // more than a 64 KiB page of hashes many times over, odd at several levels
    const v = new Int32Array(8 * n).map((_, i) => Math.imul(i, 2654435761));
    const root = new Sha256x4().reduce(v, n);
    reduceInPlace(v, n);
    expect(root).toEqual(v.subarray(0, 8));
  });

  it("refuses a count that does not fit the words", () => {
    const x4 = new Sha256x4();
    expect(() => x4.reduce(new Int32Array(16), 3)).toThrow(/reduce: 3 hashes do not fit 16 words/);
    expect(() => x4.reduce(new Int32Array(16), 0)).toThrow(/reduce: 0 hashes/);
    expect(() => x4.leavesInPlace(new Int32Array(8), 2)).toThrow(/leavesInPlace: 2 hashes do not fit 8 words/);
  });
});
