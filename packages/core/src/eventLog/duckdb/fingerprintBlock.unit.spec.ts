/**
 * A block of canonical forms as the whole-chain check reads it from SQL: each event's bytes after a header of its
 * position, stored fingerprint halves and byte length in hex, events in any order. The lowest wrong one is named.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fingerprint } from "../fingerprintTable.js";
import { firstWrongInBlock } from "./duckdbEventLog.js";

const hex = (v: number, digits: number, upper: boolean) => {
  const h = v.toString(16).padStart(digits, "0");
  return upper ? h.toUpperCase() : h;
};

/** The block of `events` in the order given; `wrong`: their stored fingerprints are off by one bit. */
const blockOf = (events: readonly { position: number; canonical: string; wrong: boolean }[], upper: boolean) =>
  Buffer.concat(
    events.map(({ position, canonical, wrong }) => {
      const [h1, h2] = fingerprint(canonical);
      const bytes = Buffer.from(canonical, "utf8");
      const header = `${hex(position, 14, upper)}${hex(h1 >>> 0, 8, upper)}${hex((h2 ^ (wrong ? 1 : 0)) >>> 0, 8, upper)}${hex(bytes.length, 8, upper)}`;
      return Buffer.concat([Buffer.from(header, "latin1"), bytes]);
    }),
  );

describe("firstWrongInBlock", () => {
  it("names the lowest position whose stored fingerprint is wrong, whatever the order of the events, or the one found before if lower", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 53 - 1 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.string({ unit: "binary", maxLength: 40 }), { minLength: 30, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        fc.option(fc.integer({ min: 1, max: 2 ** 53 - 1 })),
        fc.boolean(),
        (positions, texts, wrongs, before, upper) => {
          const events = positions.map((position, i) => ({
            position,
            canonical: texts[i] ?? "",
            wrong: wrongs[i] ?? false,
          }));
          const lowest = Math.min(
            ...events.filter((e) => e.wrong).map((e) => e.position),
            before ?? Number.POSITIVE_INFINITY,
          );
          const got = firstWrongInBlock(blockOf(events, upper), before ?? undefined);
          expect(got).toBe(lowest === Number.POSITIVE_INFINITY ? undefined : lowest);
        },
      ),
      { numRuns: 500 },
    );
  });
});
