/**
 * The generator's only source of randomness: xoroshiro128+ from `pure-rand` (the PRNG fast-check uses), seeded
 * from the user's seed. Same seed, same calls → same numbers, on every platform. Independent streams for the
 * parts of the model come from `split()`, which jumps 2^64 steps ahead, so adding draws to one part of the model
 * does not shift the numbers another part sees.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";

export class Rng {
  private constructor(private readonly g: JumpableRandomGenerator) {}

  static seeded(seed: number): Rng {
    const g = xoroshiro128plus(seed | 0);
    // xoroshiro's first outputs from a small seed are correlated with it; discard a few
    for (let i = 0; i < 16; i++) g.next();
    return new Rng(g);
  }

  /** An independent stream: a copy of this one, 2^64 steps further; this one jumps past it too. */
  split(): Rng {
    this.g.jump();
    const copy = this.g.clone() as JumpableRandomGenerator;
    this.g.jump();
    return new Rng(copy);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    return uniformFloat64(this.g);
  }

  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return uniformInt(this.g, lo, hi);
  }

  /** Uniform integer in [0, n) — n ≤ 2^32, 32 random bits (fast path for large loops). */
  below(n: number): number {
    return Math.floor(((this.g.next() >>> 0) / 4294967296) * n);
  }

  chance(p: number): boolean {
    return p > 0 && (p >= 1 || this.float() < p);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[this.below(items.length)] as T;
  }

  /** An index drawn with probability proportional to `weights` (given as cumulative sums). */
  pickCumulative(cumulative: ArrayLike<number>): number {
    const n = cumulative.length;
    const total = cumulative[n - 1] ?? 0;
    const x = this.float() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** `x` rounded down or up at random so that the expected value is `x` (0 for x ≤ 0). */
  round(x: number): number {
    if (!(x > 0)) return 0;
    const f = Math.floor(x);
    return f + (this.float() < x - f ? 1 : 0);
  }

  /** A Poisson draw (Knuth for small means, a rounded normal approximation for large ones). */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.float();
    } while (p > l);
    return k - 1;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** A binomial draw (exact for small n, normal approximation for large n). */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (n < 60) {
      let k = 0;
      for (let i = 0; i < n; i++) if (this.float() < p) k++;
      return k;
    }
    const k = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * this.normal());
    return Math.min(n, Math.max(0, k));
  }
}

/** Cumulative sums of `weights`, for `Rng.pickCumulative`. */
export const cumulative = (weights: readonly number[]): Float64Array => {
  const out = new Float64Array(weights.length);
  let s = 0;
  weights.forEach((w, i) => {
    s += w;
    out[i] = s;
  });
  return out;
};
