/**
 * The digest of a set of log events: the Merkle Tree Hash of RFC 6962 §2.1 (Certificate Transparency) over
 * the events' chain hashes, taken in increasing log position.
 *
 *   leaf(e)    = SHA-256(0x00 ‖ chainHash(e))             chainHash: the 32-byte `hash` the log stores
 *   node(l, r) = SHA-256(0x01 ‖ l ‖ r)
 *   MTH([])    = SHA-256("")                               MTH([e]) = leaf(e)
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n]))            k = the largest power of two below n
 *
 * Computed level by level, that is: hash the leaves, then pair neighbours (0,1), (2,3), … on each level and
 * promote an odd last node unchanged to the next level, until one node is left. The 0x00/0x01 prefixes keep
 * a leaf from ever being read as an inner node, and promoting (rather than duplicating) the odd node keeps
 * [a, b, c] and [a, b, c, c] apart. `merkleRoot` is the reference; `merkleLevelSql` computes the same roots in
 * DuckDB for many sets at once (the audit tests check they agree).
 */
import { createHash } from "node:crypto";
import { type Sql, sqlOf } from "../warehouse/sql.js";

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
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(NODE, left, right);

/** The Merkle Tree Hash (lower-case hex) of events given by their chain hashes, in log position order. */
export const merkleRoot = (chainHashes: readonly Uint8Array[]): string => {
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

/** SQL: the leaf hash (BLOB) of an event whose chain hash (BLOB) is `chainHash`. */
export const leafHashSql = (chainHash: string): string => `unhex(sha256('\\x00'::BLOB || ${chainHash}))`;

/**
 * SQL for the next level of many trees at once. `level` has the columns `cell` (the tree), `i` (the node's index
 * on its level, from 0) and `h` (BLOB); each even node is hashed with its right neighbour, or promoted when it
 * has none.
 */
export const merkleLevelSql = (level: string): Sql =>
  sqlOf(`SELECT a.cell, a.i // 2 AS i,
    CASE WHEN b.h IS NULL THEN a.h ELSE unhex(sha256('\\x01'::BLOB || a.h || b.h)) END AS h
    FROM ${level} a LEFT JOIN ${level} b ON b.cell = a.cell AND b.i = a.i + 1 WHERE a.i % 2 = 0`);

/**
 * Reduces the trees in `levelA` (cell, i, h: the leaf hashes) to their roots, using `levelB` as scratch; returns
 * the table holding the roots (one row per cell, i = 0). `query` runs one statement on the connection.
 */
export const reduceToRoots = async (
  query: (sql: string) => Promise<readonly Record<string, unknown>[]>,
  levelA: string,
  levelB: string,
): Promise<string> => {
  let [from, to] = [levelA, levelB];
  for (;;) {
    const top = await query(`SELECT CAST(coalesce(max(i), 0) AS DOUBLE) AS i FROM ${from}`);
    if (Number(top[0]?.i ?? 0) <= 0) return from;
    await query(`CREATE OR REPLACE TEMP TABLE ${to} AS ${merkleLevelSql(from).text}`);
    [from, to] = [to, from];
  }
};
