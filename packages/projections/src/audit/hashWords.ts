/**
 * Hashes held as 32-bit big-endian words in one `Int32Array` (8 words each), as the SHA-256 of the Merkle
 * digests reads and writes them (`sha256x4.ts`), to and from their 32 bytes.
 */

/** The 4·`count` bytes at b[o..) (default 32) as big-endian words into v[d..d+count). */
export const wordsInto = (b: Uint8Array, o: number, v: Int32Array, d: number, count = 8): void => {
  for (let i = 0; i < count; i++) {
    const k = o + 4 * i;
    v[d + i] =
      ((b[k] as number) << 24) | ((b[k + 1] as number) << 16) | ((b[k + 2] as number) << 8) | (b[k + 3] as number);
  }
};

/** The 8 words at v[o..o+8) as 32 bytes. */
export const bytesOfWords = (v: Int32Array, o = 0): Buffer => {
  const out = Buffer.allocUnsafe(32);
  for (let i = 0; i < 8; i++) out.writeInt32BE(v[o + i] as number, 4 * i);
  return out;
};
