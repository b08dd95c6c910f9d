/**
 * SHA-256 (FIPS 180-4) of the two fixed-size messages of a Merkle digest (`merkle.ts`), over hashes held as
 * 32-bit big-endian words in one `Int32Array`, one message at a time:
 *
 *   leaf = SHA-256(0x00 ‖ c)        33 bytes, one block        c: an event's 32-byte chain hash
 *   node = SHA-256(0x01 ‖ l ‖ r)    65 bytes, two blocks
 *
 * The digests are computed four messages at a time by `sha256x4.ts` (WebAssembly SIMD, generated from
 * `sha256x4Wat.ts`); this is the same computation written plainly, which the tests hold equal to `node:crypto`
 * and the four-lane code equal to it. The message blocks are built from the words in place and the padding is a
 * constant: about 0.7 µs a node here, against 1.45 µs for a call of `node:crypto` (nearly all of it the call).
 * The product runs the four-lane code only; this one is the tests' reference (`hashWords.ts` moves hashes
 * between bytes and words for both).
 *
 * Not reentrant across threads by design (module-level scratch arrays); each worker thread has its own module.
 */

const K = Int32Array.of(
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
);
const IV = Int32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);

/** The message schedule (its first 16 words are the block) and the chaining state. */
const W = new Int32Array(64);
const H = new Int32Array(8);

/** One compression of the block in W[0..16) into H. */
const compress = (): void => {
  const w = W;
  for (let t = 16; t < 64; t++) {
    const a = w[t - 15] as number;
    const b = w[t - 2] as number;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[t] = ((w[t - 16] as number) + s0 + (w[t - 7] as number) + s1) | 0;
  }
  let a = H[0] as number;
  let b = H[1] as number;
  let c = H[2] as number;
  let d = H[3] as number;
  let e = H[4] as number;
  let f = H[5] as number;
  let g = H[6] as number;
  let h = H[7] as number;
  for (let t = 0; t < 64; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + (K[t] as number) + (w[t] as number)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = ((H[0] as number) + a) | 0;
  H[1] = ((H[1] as number) + b) | 0;
  H[2] = ((H[2] as number) + c) | 0;
  H[3] = ((H[3] as number) + d) | 0;
  H[4] = ((H[4] as number) + e) | 0;
  H[5] = ((H[5] as number) + f) | 0;
  H[6] = ((H[6] as number) + g) | 0;
  H[7] = ((H[7] as number) + h) | 0;
};

/** The words from `s` on, shifted right by one byte behind `first` (the prefix): W[at..at+8), returning the spill. */
const shiftedIn = (v: Int32Array, s: number, at: number, first: number): number => {
  let carry = first;
  for (let i = 0; i < 8; i++) {
    const x = v[s + i] as number;
    W[at + i] = (carry << 24) | (x >>> 8);
    carry = x;
  }
  return carry & 0xff;
};

/** The leaf hash SHA-256(0x00 ‖ c) of the 8 words at src[s..s+8) into dst[d..d+8) (which may be the same words). */
export const leafInto = (src: Int32Array, s: number, dst: Int32Array, d: number): void => {
  H.set(IV);
  const last = shiftedIn(src, s, 0, 0x00);
  W[8] = (last << 24) | 0x00800000;
  W.fill(0, 9, 15);
  W[15] = 33 * 8;
  compress();
  dst.set(H, d);
};

/**
 * The inner node SHA-256(0x01 ‖ l ‖ r) of the 8 words at v[a..a+8) and v[b..b+8) into dst[d..d+8); the
 * inputs are read before anything is written, so dst may overlap them.
 */
export const nodeInto = (v: Int32Array, a: number, b: number, dst: Int32Array, d: number): void => {
  H.set(IV);
  const l = shiftedIn(v, a, 0, 0x01);
  // the first block ends with r's first 31 bytes; its last byte opens the second block
  let carry = l;
  for (let i = 0; i < 8; i++) {
    const x = v[b + i] as number;
    W[8 + i] = (carry << 24) | (x >>> 8);
    carry = x;
  }
  const spill = carry & 0xff;
  compress();
  W[0] = (spill << 24) | 0x00800000;
  W.fill(0, 1, 15);
  W[15] = 65 * 8;
  compress();
  dst.set(H, d);
};

/**
 * Reduces the `n` ≥ 1 hashes in v[0..8n) level by level, in place: neighbours (2j, 2j+1) become their inner node
 * at j, an odd last one moves up unchanged, until one is left, at v[0..8). For leaf hashes that is RFC 6962's
 * Merkle Tree Hash of them (`merkle.ts`); for the roots of consecutive perfect subtrees of one size followed by
 * the root of what is left, the root of the whole.
 */
export const reduceInPlace = (v: Int32Array, n: number): void => {
  if (!Number.isSafeInteger(n) || n < 1 || 8 * n > v.length) {
    throw new RangeError(`reduceInPlace: ${n} hashes do not fit ${v.length} words`);
  }
  let m = n;
  while (m > 1) {
    const half = m >>> 1;
    for (let j = 0; j < half; j++) nodeInto(v, 16 * j, 16 * j + 8, v, 8 * j);
    if ((m & 1) === 1) v.copyWithin(8 * half, 8 * (m - 1), 8 * m);
    m = (m + 1) >>> 1;
  }
};
