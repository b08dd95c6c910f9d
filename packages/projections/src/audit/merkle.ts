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
 * `TreesOfPositions` computes many trees at once from their leaves' positions streamed in (tree, position) order,
 * such as DuckDB gives them, the leaf hashes held in a `LeafStore`; it reduces them a perfect subtree at a time on
 * worker threads (`merkleThreads.ts`) with SHA-256 four messages at a time (`sha256x4.ts`, about 0.2 µs a node,
 * against 1.45 µs for a call of `node:crypto`). DuckDB only lists and orders the positions: its `sha256` costs
 * more per node (it returns hex text), and computing the levels there needs an aggregate per level.
 */
import { createHash, hash } from "node:crypto";
import { bytesOfWords, wordsInto } from "./hashWords.js";
import { onThisThread, type Reducer } from "./merkleThreads.js";
import { sha256x4 } from "./sha256x4.js";

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

/** A tree's size and root. */
export interface TreeDigest {
  readonly events: number;
  readonly root: string;
}

/** Positions per page of a `LeafStore` (its slot numbers fit a Uint16Array, counted from 1). */
const PAGE_BITS = 15;
const PAGE = 1 << PAGE_BITS;
/** Leaf hashes a page has room for at first; its words double as it fills, up to the whole page. */
const PAGE_FIRST_ROOM = 64;

/**
 * One page of positions: `slots[at]` is the slot (from 1; 0: not held) of the position `at` in the page, whose
 * leaf hash is `words[8(slot−1) .. 8·slot)`.
 */
interface LeafPage {
  readonly slots: Uint16Array;
  words: Int32Array;
  held: number;
}

/**
 * The leaf hashes of log positions, as words (`hashWords.ts`), in pages allocated as positions come: memory is
 * 32 bytes a position held and 2 bytes a position of the pages touched. A publish hashes each event's leaf once
 * for all its figures, which fill their pages; one figure's verify holds a few events spread over the whole log,
 * which a page of room for every position would leave mostly empty (350,000 of 10 M events: pages for all 10 M
 * of them, whose first writes cost 1.3 s against 0.12 s for as many events side by side). Reading a position
 * never stored is refused: a missing leaf would give a wrong root silently.
 */
export class LeafStore {
  private readonly pages = new Map<number, LeafPage>();
  private count = 0;

  /**
   * Stores the leaf hashes of `count` events: `positions[i]`'s chain hash is held as words in chain[8i..8i+8),
   * which this overwrites with the leaf hashes (made four at a time, `sha256x4`).
   */
  putChainHashes(positions: ArrayLike<number>, chain: Int32Array, count: number): void {
    sha256x4().leavesInPlace(chain, count);
    for (let i = 0; i < count; i++) {
      const position = positions[i] as number;
      const page = this.pageOf(position);
      const at = this.slotIn(page, position % PAGE);
      const words = page.words; // after slotIn, which may have grown them
      for (let k = 0, d = 8 * at, o = 8 * i; k < 8; k++) words[d + k] = chain[o + k] as number;
    }
  }

  /** Stores the leaf hash of the event at `position` whose chain hash (32 bytes) is `chainHash`. */
  put(position: number, chainHash: Uint8Array): void {
    if (chainHash.length !== 32) {
      throw new RangeError(`the chain hash of event ${position} has ${chainHash.length} bytes, not 32`);
    }
    const w = new Int32Array(8);
    wordsInto(chainHash, 0, w, 0);
    this.putChainHashes([position], w, 1);
  }

  /** The page of `position`, made if it had none. */
  private pageOf(position: number): LeafPage {
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`not a log position: ${position}`);
    const key = Math.floor(position / PAGE);
    let page = this.pages.get(key);
    if (page === undefined) {
      page = { slots: new Uint16Array(PAGE), words: new Int32Array(8 * PAGE_FIRST_ROOM), held: 0 };
      this.pages.set(key, page);
    }
    return page;
  }

  /** The slot (from 0) of the page's position `at`, given it if it had none; the page's words have room for it. */
  private slotIn(page: LeafPage, at: number): number {
    const slot = page.slots[at] as number;
    if (slot !== 0) return slot - 1;
    if (8 * (page.held + 1) > page.words.length) {
      const words = new Int32Array(Math.min(2 * page.words.length, 8 * PAGE));
      words.set(page.words);
      page.words = words;
    }
    page.held++;
    page.slots[at] = page.held;
    this.count++;
    return page.held - 1;
  }

  /** Whether the leaf hash of `position` is held. */
  has(position: number): boolean {
    const page = this.pages.get(Math.floor(position / PAGE));
    return page !== undefined && page.slots[position % PAGE] !== 0;
  }

  /** Copies the leaf hash of `position` into v[d..d+8). */
  copyInto(position: number, v: Int32Array, d: number): void {
    const page = this.pages.get(Math.floor(position / PAGE));
    const slot = page?.slots[position % PAGE] ?? 0;
    if (page === undefined || slot === 0) {
      throw new Error(`no leaf hash is held for event ${position}: the log has no such event, or it was not loaded`);
    }
    const words = page.words;
    for (let i = 0, k = 8 * (slot - 1); i < 8; i++) v[d + i] = words[k + i] as number;
  }

  /** How many positions are held. */
  get size(): number {
    return this.count;
  }

  clear(): void {
    this.pages.clear();
    this.count = 0;
  }
}

/** Leaves a `TreesOfPositions` reduces at a time: 2 MiB of words, a perfect subtree of 2^16 leaves. */
export const SUBTREE_LEAVES = 1 << 16;

/** Subtrees of a `TreesOfPositions` being reduced at once, at most: 2 MiB each. */
const IN_FLIGHT = 16;

/**
 * The roots of many trees from their leaves' positions, given in (tree, position) order with no position twice
 * in a tree (anything else is refused, rather than give a wrong root): each tree's leaves are copied from the
 * store into a buffer, every `subtreeLeaves` of them (a power of two) reduced to the root of their perfect subtree
 * (level by level, by `reducer`: on worker threads for the large ones), and those roots, then the root of the
 * rest, folded as `MerkleFold` folds leaves: the fold of any list is its level-by-level reduction, so this is the
 * tree's Merkle Tree Hash.
 */
export class TreesOfPositions {
  private readonly trees: { cell: number; events: number; roots: Promise<Int32Array>[] }[] = [];
  private readonly seen = new Set<number>();
  private buffer: Int32Array;
  private cell: number | undefined;
  private last = -1;
  private filled = 0;
  private events = 0;
  private roots: Promise<Int32Array>[] = [];
  private readonly inFlight: Promise<unknown>[] = [];

  constructor(
    private readonly store: LeafStore,
    private readonly reducer: Reducer = onThisThread,
    private readonly subtreeLeaves = SUBTREE_LEAVES,
  ) {
    if (!Number.isSafeInteger(subtreeLeaves) || subtreeLeaves < 1 || (subtreeLeaves & (subtreeLeaves - 1)) !== 0) {
      throw new RangeError(`subtreeLeaves must be a power of two, got ${subtreeLeaves}`);
    }
    this.buffer = new Int32Array(8 * subtreeLeaves);
  }

  /** The next leaf: the event at `position` in tree `cell`. */
  add(cell: number, position: number): void {
    if (cell !== this.cell) {
      this.close();
      if (this.seen.has(cell)) throw new Error(`the leaves of tree ${cell} are not contiguous: order them by tree`);
      this.seen.add(cell);
      this.cell = cell;
      this.last = -1;
    } else if (position <= this.last) {
      throw new Error(`the leaves of tree ${cell} are not in increasing log position (${position} after ${this.last})`);
    }
    this.last = position;
    this.store.copyInto(position, this.buffer, 8 * this.filled);
    this.events++;
    if (++this.filled === this.subtreeLeaves) this.reduce();
  }

  /** Waits while too many subtrees are being reduced: call it between batches of `add`, to bound memory. */
  async drain(): Promise<void> {
    while (this.inFlight.length > IN_FLIGHT) await this.inFlight.shift();
  }

  /** Every tree's size and root. */
  async finish(): Promise<Map<number, TreeDigest>> {
    this.close();
    this.cell = undefined;
    const out = new Map<number, TreeDigest>();
    for (const t of this.trees) {
      const fold = new MerkleFold();
      for (const r of await Promise.all(t.roots)) fold.push(bytesOfWords(r, 0));
      out.set(t.cell, { events: t.events, root: fold.root() });
    }
    return out;
  }

  private reduce(): void {
    const n = this.filled;
    const root = this.reducer.reduce(this.buffer, n);
    root.catch(() => undefined); // awaited in finish; a failure before then is not unhandled
    this.roots.push(root);
    this.inFlight.push(root);
    if (this.reducer.takes(n)) this.buffer = new Int32Array(8 * this.subtreeLeaves);
    this.filled = 0;
  }

  private close(): void {
    if (this.cell === undefined) return;
    if (this.filled > 0) this.reduce();
    this.trees.push({ cell: this.cell, events: this.events, roots: this.roots });
    this.roots = [];
    this.events = 0;
  }
}
