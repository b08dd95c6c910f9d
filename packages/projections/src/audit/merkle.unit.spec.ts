/**
 * The Merkle digest is RFC 6962's Merkle Tree Hash: the reference tree heads of the Certificate Transparency
 * implementation, the recursive definition of the RFC on random leaf lists, and the ambiguities it avoids.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesOfWords, wordsInto } from "./hashWords.js";
import { EMPTY_ROOT, LeafStore, leafHash, MerkleFold, merkleRoot, nodeHash, TreesOfPositions } from "./merkle.js";
import { onThisThread, ReducerPool } from "./merkleThreads.js";

const hex = (s: string) => Buffer.from(s, "hex");

// The leaves and tree heads of the Certificate Transparency reference implementation's merkle tree tests.
const CT_LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(hex);
const CT_ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/** RFC 6962 §2.1 as written: split at the largest power of two below n. */
const mth = (d: readonly Uint8Array[]): Buffer => {
  if (d.length === 0) return createHash("sha256").digest();
  if (d.length === 1) return leafHash(d[0] as Uint8Array);
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
};

/**
 * The former implementation, level by level: pair neighbours (0,1), (2,3), … and promote an odd last node, until
 * one is left. The one-pass fold must give the same roots.
 */
const levelByLevel = (chainHashes: readonly Uint8Array[]): string => {
  if (chainHashes.length === 0) return EMPTY_ROOT;
  let level: Buffer[] = chainHashes.map(leafHash);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i] as Buffer, level[i + 1] as Buffer));
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Buffer);
    level = next;
  }
  return (level[0] as Buffer).toString("hex");
};

const chainHash = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("merkleRoot", () => {
  it("gives the reference tree heads of RFC 6962 (Certificate Transparency) for 0 to 8 leaves", () => {
    for (let n = 0; n <= 8; n++) expect(merkleRoot(CT_LEAVES.slice(0, n)), `${n} leaves`).toBe(CT_ROOTS[n]);
    expect(EMPTY_ROOT).toBe(CT_ROOTS[0]);
  });

  it("equals the recursive definition of the RFC for any number of leaves", () => {
    fc.assert(
      fc.property(fc.array(chainHash, { maxLength: 70 }), (leaves) => {
        expect(merkleRoot(leaves)).toBe(mth(leaves).toString("hex"));
      }),
      { numRuns: 200 },
    );
  });

  it("equals the former level-by-level computation for any number of leaves", () => {
    fc.assert(
      fc.property(fc.array(chainHash, { maxLength: 300 }), (leaves) => {
        expect(merkleRoot(leaves)).toBe(levelByLevel(leaves));
      }),
      { numRuns: 200 },
    );
  });

  it("gives, at every prefix, the root of that prefix (the fold can be read as it goes)", () => {
    fc.assert(
      fc.property(fc.array(chainHash, { maxLength: 40 }), (leaves) => {
        const fold = new MerkleFold();
        leaves.forEach((l, i) => {
          fold.push(leafHash(l));
          expect(fold.leaves).toBe(i + 1);
          expect(fold.root()).toBe(mth(leaves.slice(0, i + 1)).toString("hex"));
        });
      }),
      { numRuns: 50 },
    );
  });

  it("depends on every leaf and on their order", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(chainHash, { minLength: 2, maxLength: 20, selector: (b) => Buffer.from(b).toString("hex") }),
        fc.nat(),
        (leaves, k) => {
          const root = merkleRoot(leaves);
          const i = k % leaves.length;
          const changed = leaves.map((l, j) => (j === i ? Uint8Array.from(l, (b) => b ^ 1) : l));
          expect(merkleRoot(changed)).not.toBe(root);
          expect(merkleRoot([...leaves].reverse())).not.toBe(root);
          expect(merkleRoot(leaves.filter((_, j) => j !== i))).not.toBe(root);
        },
      ),
    );
  });

  it("promotes an odd last node instead of duplicating it, so [a, b, c] and [a, b, c, c] differ", () => {
    const [a, b, c] = [hex("aa".repeat(32)), hex("bb".repeat(32)), hex("cc".repeat(32))];
    expect(merkleRoot([a, b, c])).toBe(nodeHash(nodeHash(leafHash(a), leafHash(b)), leafHash(c)).toString("hex"));
    expect(merkleRoot([a, b, c, c])).not.toBe(merkleRoot([a, b, c]));
    // a leaf is never read as an inner node: the tree of the two inner hashes is another tree
    expect(merkleRoot([nodeHash(leafHash(a), leafHash(b)), leafHash(c)])).not.toBe(merkleRoot([a, b, c]));
  });
});

/** A store holding `trees`' chain hashes at positions 10·tree + 3·i + 1 (increasing within a tree). */
const storeOf = (trees: readonly (readonly Uint8Array[])[]): LeafStore => {
  const store = new LeafStore();
  trees.forEach((leaves, t) => {
    leaves.forEach((c, i) => {
      store.put(1000 * t + 3 * i + 1, c);
    });
  });
  return store;
};

const rowsOf = (trees: readonly (readonly Uint8Array[])[]): { cell: number; position: number }[] =>
  trees.flatMap((leaves, t) => leaves.map((_, i) => ({ cell: 7 * t, position: 1000 * t + 3 * i + 1 })));

describe("TreesOfPositions", () => {
  const expected = (trees: readonly (readonly Uint8Array[])[]) =>
    Object.fromEntries(trees.map((leaves, t) => [7 * t, { events: leaves.length, root: mth(leaves).toString("hex") }]));

  it("gives every tree's size and root from its leaves' positions, whatever the subtree size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(chainHash, { minLength: 1, maxLength: 40 }), { minLength: 0, maxLength: 6 }),
        fc.integer({ min: 0, max: 6 }),
        async (trees, bits) => {
          const t = new TreesOfPositions(storeOf(trees), onThisThread, 2 ** bits);
          for (const r of rowsOf(trees)) t.add(r.cell, r.position);
          expect(Object.fromEntries(await t.finish())).toEqual(expected(trees));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("gives the same roots with the subtrees reduced on worker threads", async () => {
    const pool = new ReducerPool(2, 2);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(chainHash, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 5 }),
          fc.integer({ min: 1, max: 4 }),
          async (trees, bits) => {
            const t = new TreesOfPositions(storeOf(trees), pool, 2 ** bits);
            for (const r of rowsOf(trees)) {
              t.add(r.cell, r.position);
              await t.drain();
            }
            expect(Object.fromEntries(await t.finish())).toEqual(expected(trees));
          },
        ),
        { numRuns: 20 },
      );
    } finally {
      await pool.close();
    }
  });

  it("fails a job a worker thread cannot do with what to do about it, and still does the next", async () => {
    const pool = new ReducerPool(2, 1);
    try {
      await expect(pool.reduce(new Int32Array(16), 5)).rejects.toThrow(
        /worker thread hashing the contribution digests failed: RangeError: reduce: 5 hashes do not fit 16 words.*nothing was published/s,
      );
      const v = new Int32Array(16);
      const root = await pool.reduce(v, 2);
      expect(bytesOfWords(root)).toEqual(nodeHash(Buffer.alloc(32), Buffer.alloc(32)));
      expect(v.byteLength).toBe(0); // handed over to the worker
    } finally {
      await pool.close();
    }
  });

  it("fails a job still waiting on the worker threads when the pool closes, and refuses them after", async () => {
    const pool = new ReducerPool(2, 2);
    const waiting = pool.reduce(new Int32Array(16), 2);
    waiting.catch(() => undefined);
    await pool.close();
    await expect(waiting).rejects.toThrow(
      "the contribution digests: its worker threads were stopped before the job was done",
    );
    await expect(pool.reduce(new Int32Array(16), 2)).rejects.toThrow(/worker threads were stopped/);
    // a subtree too small for the threads is still reduced here
    expect(bytesOfWords(await pool.reduce(new Int32Array(8), 1))).toEqual(Buffer.alloc(32));
  });

  it("refuses a tree whose leaves are not together, or not in increasing position, rather than give a wrong root", () => {
    const store = storeOf([[hex("aa".repeat(32)), hex("bb".repeat(32))]]);
    const apart = new TreesOfPositions(store);
    apart.add(1, 1);
    apart.add(2, 4);
    expect(() => apart.add(1, 4)).toThrow(/tree 1 are not contiguous/);
    const twice = new TreesOfPositions(store);
    twice.add(1, 1);
    expect(() => twice.add(1, 1)).toThrow(/not in increasing log position \(1 after 1\)/);
    const back = new TreesOfPositions(store);
    back.add(1, 4);
    expect(() => back.add(1, 1)).toThrow(/\(1 after 4\)/);
  });

  it("refuses a subtree size that is not a power of two", () => {
    expect(() => new TreesOfPositions(new LeafStore(), onThisThread, 6)).toThrow(/power of two, got 6/);
  });
});

describe("LeafStore", () => {
  it("holds each position's leaf hash, given one at a time or many at once", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(300_000)), fc.array(chainHash, { minLength: 1 }), (positions, hashes) => {
        const one = new LeafStore();
        const many = new LeafStore();
        const words = new Int32Array(8 * positions.length);
        positions.forEach((p, i) => {
          const c = hashes[i % hashes.length] as Uint8Array;
          one.put(p, c);
          wordsInto(c, 0, words, 8 * i);
        });
        many.putChainHashes(positions, words, positions.length);
        expect(one.size).toBe(positions.length);
        expect(many.size).toBe(positions.length);
        positions.forEach((p, i) => {
          const [a, b] = [new Int32Array(8), new Int32Array(8)];
          one.copyInto(p, a, 0);
          many.copyInto(p, b, 0);
          expect(bytesOfWords(a)).toEqual(leafHash(hashes[i % hashes.length] as Uint8Array));
          expect(b).toEqual(a);
        });
      }),
      { numRuns: 50 },
    );
  });

  it("holds every leaf of a page filled to the last position, and of positions spread over many pages, put again or not", () => {
    // a page's room grows as it fills (from 64 leaves to all of its 32,768 positions); a thin spread touches
    // many pages with a few leaves each; a position put again keeps its slot and takes the newer hash
    fc.assert(
      fc.property(
        fc.constantFrom(1, 7, 28, 1_000),
        fc.integer({ min: 1, max: 3_000 }),
        fc.nat(1 << 20),
        fc.integer({ min: 0, max: 0xffff }),
        (gap, n, first, seed) => {
          const store = new LeafStore();
          const expected = new Map<number, Uint8Array>();
          const chainOf = (p: number, round: number) => {
            const c = new Uint8Array(32);
            new DataView(c.buffer).setUint32(0, p);
            new DataView(c.buffer).setUint32(4, seed + round);
            return c;
          };
          const words = new Int32Array(8 * n);
          const positions = Array.from({ length: n }, (_, i) => first + gap * i);
          positions.forEach((p, i) => {
            wordsInto(chainOf(p, 0), 0, words, 8 * i);
          });
          store.putChainHashes(positions, words, n);
          for (const p of positions) expected.set(p, chainOf(p, 0));
          const again = positions.filter((_, i) => i % 3 === 0);
          for (const p of again) {
            store.put(p, chainOf(p, 1));
            expected.set(p, chainOf(p, 1));
          }
          expect(store.size).toBe(n);
          const got = new Int32Array(8);
          for (const [p, c] of expected) {
            expect(store.has(p)).toBe(true);
            store.copyInto(p, got, 0);
            expect(bytesOfWords(got)).toEqual(leafHash(c));
          }
          expect(store.has(first + gap * n)).toBe(false);
          if (gap > 1) expect(store.has(first + 1)).toBe(false);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("holds a page filled to its last position and the next page's first", () => {
    const store = new LeafStore();
    const n = (1 << 15) + 2; // a page's positions, and two of the next page
    const chain = (p: number) => {
      const c = new Uint8Array(32);
      new DataView(c.buffer).setUint32(28, p);
      return c;
    };
    const words = new Int32Array(8 * n);
    const positions = Array.from({ length: n }, (_, i) => i);
    for (const p of positions) wordsInto(chain(p), 0, words, 8 * p);
    store.putChainHashes(positions, words, n);
    expect(store.size).toBe(n);
    const got = new Int32Array(8);
    for (const p of [0, 63, 64, 65, 1_000, (1 << 15) - 1, 1 << 15, (1 << 15) + 1]) {
      store.copyInto(p, got, 0);
      expect(bytesOfWords(got)).toEqual(leafHash(chain(p)));
    }
  });

  it("refuses a position it does not hold, and a chain hash that is not 32 bytes", () => {
    const store = new LeafStore();
    store.put(70_000, hex("aa".repeat(32)));
    expect(() => store.copyInto(70_001, new Int32Array(8), 0)).toThrow(/no leaf hash is held for event 70001/);
    expect(() => store.copyInto(5, new Int32Array(8), 0)).toThrow(/event 5/);
    expect(() => store.put(3, hex("aa".repeat(31)))).toThrow(/31 bytes, not 32/);
    store.clear();
    expect(store.size).toBe(0);
    expect(() => store.copyInto(70_000, new Int32Array(8), 0)).toThrow(/no leaf hash/);
  });
});
