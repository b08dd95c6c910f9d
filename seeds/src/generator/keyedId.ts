/**
 * Pseudonymous subject ids: 16 hex digits from a keyed 64-bit mix of the entity's index. The first half is a
 * bijection of the index (murmur3's finaliser of index XOR key), so two entities never share an id; the key
 * comes from the seed. Real sources make person ids with a keyed hash (HMAC) of the citizen number; synthetic
 * people have no such number, and this mix costs ~50 ns instead of HMAC-SHA-256's ~4 µs over millions of people.
 * The result is 16 hex characters, an id the identity-number rule treats as a hash even when its digits run long.
 */
const fmix32 = (x: number): number => {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const hex8 = (n: number): string =>
  (HEX2[n >>> 24] as string) +
  (HEX2[(n >>> 16) & 255] as string) +
  (HEX2[(n >>> 8) & 255] as string) +
  (HEX2[n & 255] as string);

export class KeyedId {
  constructor(
    private readonly k1: number,
    private readonly k2: number,
  ) {}

  of(index: number): string {
    return hex8(fmix32((index ^ this.k1) >>> 0)) + hex8((fmix32(((index + this.k2) ^ this.k1) >>> 0) ^ this.k2) >>> 0);
  }
}
