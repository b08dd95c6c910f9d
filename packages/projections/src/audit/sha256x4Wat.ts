/**
 * The WebAssembly text of `sha256x4.wasm.ts`: SHA-256 of the Merkle digests' two messages, four at once, one
 * per lane of WebAssembly's 128-bit SIMD (`i32x4`), for the hashes laid out as words (`hashWords.ts`) (8
 * words of 32 bits each, as numbers: memory order little-endian, value the big-endian word).
 *
 *   nodes(src, dst, count)   dst[j] = SHA-256(0x01 ‖ src[2j] ‖ src[2j+1]) for j < count (dst may be src)
 *   leaves(src, dst, count)  dst[j] = SHA-256(0x00 ‖ src[j])                for j < count (dst may be src)
 *   reduce(ptr, n)           the n hashes at ptr reduced level by level, in place (`reduceInPlace`), root at ptr
 *
 * Each lane computes one message with the same instructions as a scalar SHA-256: the generator below writes the
 * 64 rounds out (rotations as two shifts and an or; Ch and Maj as `bitselect`). A batch of fewer than four
 * repeats its last message in the spare lanes and writes only its own. `pnpm --filter @kpi/projections
 * gen:sha256x4` writes `sha256x4.wasm.ts` from this text (with `wabt`); a test holds the two the same, and every
 * result equal to `sha256Words.ts` and `node:crypto`.
 */

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** Where the four lanes' chaining state lives between the two blocks of a node (8 × 16 bytes). */
export const STATE_BYTES = 128;
/** The first byte callers may use: the hashes go from here on. */
export const DATA_OFFSET = 256;

const splat = (x: number) => `(v128.const i32x4 ${x | 0} ${x | 0} ${x | 0} ${x | 0})`;
const rotr = (x: string, n: number) =>
  `(v128.or (i32x4.shr_u ${x} (i32.const ${n})) (i32x4.shl ${x} (i32.const ${32 - n})))`;
const xor3 = (a: string, b: string, c: string) => `(v128.xor (v128.xor ${a} ${b}) ${c})`;

/**
 * The compression of the block in locals $w0..$w15 into the state at memory 0 (8 lanes-vectors): the message
 * schedule is computed in the same 16 locals as it goes.
 */
const compressBody = (): string => {
  const out: string[] = [];
  const v = ["a", "b", "c", "d", "e", "f", "g", "h"];
  v.forEach((x, i) => {
    out.push(`(local.set $${x} (v128.load offset=${16 * i} (i32.const 0)))`);
  });
  for (let t = 0; t < 64; t++) {
    const w = `$w${t % 16}`;
    if (t >= 16) {
      const w15 = `(local.get $w${(t - 15) % 16})`;
      const w2 = `(local.get $w${(t - 2) % 16})`;
      const s0 = xor3(rotr(w15, 7), rotr(w15, 18), `(i32x4.shr_u ${w15} (i32.const 3))`);
      const s1 = xor3(rotr(w2, 17), rotr(w2, 19), `(i32x4.shr_u ${w2} (i32.const 10))`);
      out.push(
        `(local.set ${w} (i32x4.add (i32x4.add (local.get ${w}) ${s0}) (i32x4.add (local.get $w${(t - 7) % 16}) ${s1})))`,
      );
    }
    const [a, b, c, e, f, g, h] = ["a", "b", "c", "e", "f", "g", "h"].map((x) => `(local.get $${x})`) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const S1 = xor3(rotr(e, 6), rotr(e, 11), rotr(e, 25));
    const ch = `(v128.bitselect ${f} ${g} ${e})`;
    out.push(
      `(local.set $t1 (i32x4.add (i32x4.add ${h} ${S1}) (i32x4.add ${ch} (i32x4.add ${splat(K[t] as number)} (local.get ${w})))))`,
    );
    const S0 = xor3(rotr(a, 2), rotr(a, 13), rotr(a, 22));
    const maj = `(v128.bitselect ${a} ${b} (v128.xor ${b} ${c}))`;
    out.push(`(local.set $t2 (i32x4.add ${S0} ${maj}))`);
    // h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2
    out.push("(local.set $h (local.get $g))", "(local.set $g (local.get $f))", "(local.set $f (local.get $e))");
    out.push("(local.set $e (i32x4.add (local.get $d) (local.get $t1)))");
    out.push("(local.set $d (local.get $c))", "(local.set $c (local.get $b))", "(local.set $b (local.get $a))");
    out.push("(local.set $a (i32x4.add (local.get $t1) (local.get $t2)))");
  }
  v.forEach((x, i) => {
    out.push(
      `(v128.store offset=${16 * i} (i32.const 0) (i32x4.add (v128.load offset=${16 * i} (i32.const 0)) (local.get $${x})))`,
    );
  });
  return out.join("\n    ");
};

const params = Array.from({ length: 16 }, (_, i) => `(param $w${i} v128)`).join(" ");
const locals = ["a", "b", "c", "d", "e", "f", "g", "h", "t1", "t2"].map((x) => `(local $${x} v128)`).join(" ");

/** The state set to the initial hash value in all four lanes. */
const initState = IV.map((x, i) => `(v128.store offset=${16 * i} (i32.const 0) ${splat(x)})`).join("\n    ");

/** Lane k's word i of the message pair at $p0..$p3 (byte addresses), as one vector of the four lanes. */
const gather = (offset: number) =>
  `(i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat (i32.load offset=${offset} (local.get $p0)))
      (i32.load offset=${offset} (local.get $p1))) (i32.load offset=${offset} (local.get $p2))) (i32.load offset=${offset} (local.get $p3)))`;

/** Shifted by one byte behind the prefix: (x << 24) | (y >>> 8) of two word vectors. */
const join = (x: string, y: string) => `(v128.or (i32x4.shl ${x} (i32.const 24)) (i32x4.shr_u ${y} (i32.const 8)))`;

/** Writes lane k of the state to the 32 bytes at $q (only lanes below $left). */
const scatter = (k: number) => {
  const stores = IV.map(
    (_, i) =>
      `(i32.store offset=${4 * i} (local.get $q) (i32x4.extract_lane ${k} (v128.load offset=${16 * i} (i32.const 0))))`,
  ).join(" ");
  return `(if (i32.gt_u (local.get $left) (i32.const ${k})) (then (local.set $q (i32.add (local.get $dst) (i32.mul (i32.add (local.get $j) (i32.const ${k})) (i32.const 32)))) ${stores}))`;
};

/** The lane addresses of a batch starting at message $j of $count, `size` bytes a message (the last repeated). */
const laneAddresses = (size: number) =>
  [0, 1, 2, 3]
    .map(
      (k) =>
        `(local.set $p${k} (i32.add (local.get $src) (i32.mul (select (i32.add (local.get $j) (i32.const ${k})) (i32.sub (local.get $count) (i32.const 1)) (i32.lt_u (i32.add (local.get $j) (i32.const ${k})) (local.get $count))) (i32.const ${size}))))`,
    )
    .join("\n      ");

const batchLocals = `(local $j i32) (local $left i32) (local $q i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) ${Array.from(
  { length: 16 },
  (_, i) => `(local $m${i} v128)`,
).join(" ")}`;
const zero = "(v128.const i32x4 0 0 0 0)";

export const sha256x4Wat = (): string => {
  // the message words, gathered once per batch into $m0..$m15 (a leaf's 8, a node's 16)
  const m = (i: number) => `(local.get $m${i})`;
  const l = (i: number) => m(i);
  const r = (i: number) => m(8 + i);
  const block1 = [
    `(v128.or ${splat(0x01000000)} (i32x4.shr_u ${l(0)} (i32.const 8)))`,
    ...[1, 2, 3, 4, 5, 6, 7].map((i) => join(l(i - 1), l(i))),
    join(l(7), r(0)),
    ...[9, 10, 11, 12, 13, 14, 15].map((i) => join(r(i - 9), r(i - 8))),
  ];
  const block2 = [
    `(v128.or (i32x4.shl ${r(7)} (i32.const 24)) ${splat(0x00800000)})`,
    ...Array.from({ length: 14 }, () => zero),
    splat(65 * 8),
  ];
  const c = (i: number) => m(i);
  const leafBlock = [
    `(i32x4.shr_u ${c(0)} (i32.const 8))`,
    ...[1, 2, 3, 4, 5, 6, 7].map((i) => join(c(i - 1), c(i))),
    `(v128.or (i32x4.shl ${c(7)} (i32.const 24)) ${splat(0x00800000)})`,
    ...Array.from({ length: 6 }, () => zero),
    splat(33 * 8),
  ];
  const batches = (size: number, blocks: string[][]) => `
    (local.set $j (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $count)))
      (local.set $left (i32.sub (local.get $count) (local.get $j)))
      ${laneAddresses(size)}
      ${Array.from({ length: size / 4 }, (_, i) => `(local.set $m${i} ${gather(4 * i)})`).join("\n      ")}
      ${initState}
      ${blocks.map((b) => `(call $compress ${b.join("\n        ")})`).join("\n      ")}
      ${[0, 1, 2, 3].map(scatter).join("\n      ")}
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))`;
  return `(module
  (memory (export "memory") 1)
  (func $compress ${params} ${locals}
    ${compressBody()})
  (func $nodes (export "nodes") (param $src i32) (param $dst i32) (param $count i32) ${batchLocals}
    ${batches(64, [block1, block2])})
  (func (export "leaves") (param $src i32) (param $dst i32) (param $count i32) ${batchLocals}
    ${batches(32, [leafBlock])})
  (func (export "reduce") (param $ptr i32) (param $n i32) (local $half i32)
    (block $done (loop $level
      (br_if $done (i32.le_u (local.get $n) (i32.const 1)))
      (local.set $half (i32.shr_u (local.get $n) (i32.const 1)))
      (call $nodes (local.get $ptr) (local.get $ptr) (local.get $half))
      (if (i32.and (local.get $n) (i32.const 1))
        (then (memory.copy (i32.add (local.get $ptr) (i32.shl (local.get $half) (i32.const 5)))
                           (i32.add (local.get $ptr) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 5)))
                           (i32.const 32))))
      (local.set $n (i32.shr_u (i32.add (local.get $n) (i32.const 1)) (i32.const 1)))
      (br $level))))
)`;
};
