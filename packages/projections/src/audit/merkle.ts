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
 * them: memory is one stack per tree being read, O(log n). DuckDB hashes the leaves (`leafHashSql`) and, in the
 * same statement, the few lowest levels (`subtreesSql`), in parallel, so that 2^levels times fewer rows cross
 * into JavaScript, where moving a row costs more than hashing it.
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

/**
 * SQL: the nodes `levels` levels above the leaves of many trees at once, each level grouping neighbours
 * (2j, 2j+1) of a tree and promoting an odd last node, as in the definition; one statement, with a parallel
 * aggregate per level and no join. `leaves` is a relation (cell, i, h) numbering each tree's leaf hashes from 0.
 * The result (cell, h, n: the leaves under the node) is ordered by cell and position: a tree's nodes on a level
 * are the perfect subtrees of 2^levels leaves, then the rest, and folding them as `MerkleFold` folds leaves gives
 * the tree's root (the fold of any list equals its level-by-level reduction, whatever its elements are).
 */
export const subtreesSql = (leaves: string, levels: number): string => {
  const ctes = [`l0 AS (SELECT cell, i, h, 1 AS n FROM ${leaves})`];
  for (let k = 1; k <= levels; k++) {
    ctes.push(`l${k} AS (SELECT cell, i // 2 AS i,
      CASE WHEN count(*) = 2 THEN unhex(sha256('\\x01'::BLOB || arg_min(h, i) || arg_max(h, i))) ELSE any_value(h) END AS h,
      sum(n) AS n FROM l${k - 1} GROUP BY cell, i // 2)`);
  }
  return `WITH ${ctes.join(",\n")}
    SELECT cell, h, CAST(n AS INTEGER) AS n FROM l${levels} ORDER BY cell, i`;
};

/** One node of a tree, in order: the tree's number, the node's hash and how many leaves are under it. */
export interface LeafRow {
  readonly cell: number;
  readonly h: Uint8Array;
  /** Default 1: a leaf. */
  readonly n?: number;
}

/** A tree's size and root. */
export interface TreeDigest {
  readonly events: number;
  readonly root: string;
}

/**
 * The roots of many trees from their leaves (or their nodes on one level, `subtreesSql`), streamed in chunks
 * ordered by tree then position (all of a tree together). A tree whose rows come apart is refused: it would
 * give a wrong root silently. `events` counts the leaves.
 */
export const merkleRootsOf = async (chunks: AsyncIterable<readonly LeafRow[]>): Promise<Map<number, TreeDigest>> => {
  const out = new Map<number, TreeDigest>();
  let cell: number | undefined;
  let fold = new MerkleFold();
  let events = 0;
  const close = () => {
    if (cell !== undefined) out.set(cell, { events, root: fold.root() });
  };
  for await (const rows of chunks) {
    for (const r of rows) {
      if (r.cell !== cell) {
        close();
        if (out.has(r.cell)) throw new Error(`the leaves of tree ${r.cell} are not contiguous: order them by tree`);
        cell = r.cell;
        fold = new MerkleFold();
        events = 0;
      }
      fold.push(r.h);
      events += r.n ?? 1;
    }
  }
  close();
  return out;
};
