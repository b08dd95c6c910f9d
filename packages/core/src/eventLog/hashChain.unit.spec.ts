import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chainBytes, chainHash } from "./hashChain.js";

/** The chain's definition, written out: SHA-256(hash_{p-1} ‖ UTF-8(p "\n" recordedAt "\n" revision "\n" canonical)). */
const byDefinition = (prev: Uint8Array, p: number, recordedAt: string, rev: number, canonical: string) =>
  createHash("sha256")
    .update(prev)
    .update(Buffer.from(chainBytes(p, recordedAt, rev, canonical), "utf8"))
    .digest();

describe("chainHash", () => {
  it("is SHA-256 of the previous hash and the event's UTF-8 bytes, for any text and length", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.oneof(fc.nat(), fc.maxSafeNat()),
        fc.oneof(fc.nat(9), fc.nat(), fc.maxSafeNat()),
        // any UTF-16 (lone surrogates too), and long texts that outgrow the reused buffer
        fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme", minLength: 6000, maxLength: 12000 })),
        // the same recordedAt as the event before, or another
        fc.constantFrom("2026-12-05T12:00:00.000Z", "2026-12-05T12:00:00.001Z"),
        (prev, p, rev, canonical, at) => {
          expect(chainHash(prev, p, at, rev, canonical)).toEqual(byDefinition(prev, p, at, rev, canonical));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("gives a digest of its own, not a view of a buffer it reuses", () => {
    const prev = Buffer.alloc(32);
    const a = chainHash(prev, 1, "2026-12-05T12:00:00.000Z", 0, "{}");
    const copy = Buffer.from(a);
    chainHash(a, 2, "2026-12-05T12:00:00.000Z", 1, "{}".repeat(20_000));
    expect(a).toEqual(copy);
  });
});
