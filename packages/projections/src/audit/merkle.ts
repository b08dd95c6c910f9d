/**
 * The digest of a set of log events: the Merkle Tree Hash of RFC 6962 §2.1 (Certificate Transparency) over
 * the events' chain hashes, taken in increasing log position.
 *
 *   leaf(e)    = SHA-256(0x00 ‖ chainHash(e))             chainHash: the 32-byte `hash` the log stores
 *   node(l, r) = SHA-256(0x01 ‖ l ‖ r)
 *   MTH([])    = SHA-256("")                               MTH([e]) = leaf(e)
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n]))            k = the largest power of two below n
 *
 * Computed in one pass over the leaves (`MerkleFold`): a stack holds the roots of the perfect subtrees seen so
 * far, of strictly decreasing sizes; a new leaf is pushed and merged with the top while the top has its size
 * (like carrying in binary addition), and at the end the stack is folded from the right. The subtrees on the
 * stack are exactly the left parts of the RFC's splits (sizes are the binary digits of n), so the fold is MTH.
 * The 0x00/0x01 prefixes keep a leaf from ever being read as an inner node, and an odd last subtree is carried
 * up unchanged (never duplicated), which keeps [a, b, c] and [a, b, c, c] apart.
 *
 * `merkleRootsOf` folds many trees at once from rows streamed in (tree, position) order, such as DuckDB gives
 * them (`leafHashSql` hashes the leaves there, in parallel): memory is one stack per tree being read, O(log n).
 */
import { createHash, hash } from "node:crypto";

const sha256 = (...parts: readonly Uint8Array[]): Buffer => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** The root of the empty set: SHA-256 of no bytes. */
export const EMPTY_ROOT = sha256().toString("hex");

export const leafHash = (chainHash: Uint8Array): Buffer => sha256(LEAF, chainHash);
/** One buffer reused for every inner node's bytes (0x01 ‖ l ‖ r), hashed in one call: the fold's hot path. */
const inner = Buffer.alloc(65, 1);
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => {
  if (left.length !== 32 || right.length !== 32) return sha256(NODE, left, right);
  inner.set(left, 1);
  inner.set(right, 33);
  return hash("sha256", inner, "buffer");
};

/** The RFC 6962 stack fold of one tree, fed leaf hashes in order. */
export class MerkleFold {
  private readonly hashes: Uint8Array[] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  /** Adds the next leaf, given by its leaf hash (`leafHash`). */
  push(leaf: Uint8Array): void {
    let h = leaf;
    let size = 1;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      this.sizes.pop();
      h = nodeHash(this.hashes.pop() as Uint8Array, h);
      size *= 2;
    }
    this.hashes.push(h);
    this.sizes.push(size);
    this.count++;
  }

  /** How many leaves were pushed. */
  get leaves(): number {
    return this.count;
  }

  /** The Merkle Tree Hash (lower-case hex) of the leaves pushed so far. */
  root(): string {
    const n = this.hashes.length;
    if (n === 0) return EMPTY_ROOT;
    let acc = this.hashes[n - 1] as Uint8Array;
    for (let i = n - 2; i >= 0; i--) acc = nodeHash(this.hashes[i] as Uint8Array, acc);
    return Buffer.from(acc).toString("hex");
  }
}

/** The Merkle Tree Hash (lower-case hex) of events given by their chain hashes, in log position order. */
export const merkleRoot = (chainHashes: readonly Uint8Array[]): string => {
  const fold = new MerkleFold();
  for (const c of chainHashes) fold.push(leafHash(c));
  return fold.root();
};

/** SQL: the leaf hash (BLOB) of an event whose chain hash (BLOB) is `chainHash`. */
export const leafHashSql = (chainHash: string): string => `unhex(sha256('\\x00'::BLOB || ${chainHash}))`;

/** One leaf of a tree: the tree's number and the leaf hash. */
export interface LeafRow {
  readonly cell: number;
  readonly h: Uint8Array;
}

/** A tree's size and root. */
export interface TreeDigest {
  readonly events: number;
  readonly root: string;
}

/**
 * The roots of many trees from their leaves, streamed in chunks ordered by tree then leaf (all leaves of a tree
 * together, in position order). A tree whose leaves come apart is refused: it would give a wrong root silently.
 */
export const merkleRootsOf = async (chunks: AsyncIterable<readonly LeafRow[]>): Promise<Map<number, TreeDigest>> => {
  const out = new Map<number, TreeDigest>();
  let cell: number | undefined;
  let fold = new MerkleFold();
  const close = () => {
    if (cell !== undefined) out.set(cell, { events: fold.leaves, root: fold.root() });
  };
  for await (const rows of chunks) {
    for (const r of rows) {
      if (r.cell !== cell) {
        close();
        if (out.has(r.cell)) throw new Error(`the leaves of tree ${r.cell} are not contiguous: order them by tree`);
        cell = r.cell;
        fold = new MerkleFold();
      }
      fold.push(r.h);
    }
  }
  close();
  return out;
};
