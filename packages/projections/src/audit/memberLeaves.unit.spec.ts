import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { groupBy, PositionBits } from "./memberLeaves.js";

describe("PositionBits", () => {
  it("gives back the positions added, each once, in increasing order, and is empty after", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(5_000)), { minLength: 1, maxLength: 4 }), (rounds) => {
        const bits = new PositionBits(5_000);
        let out: Int32Array = new Int32Array(3); // grown as needed
        for (const added of rounds) {
          for (const p of added) bits.add(p);
          const got = bits.drain(out);
          out = got.positions;
          expect([...got.positions.subarray(0, got.n)]).toEqual([...new Set(added)].sort((a, b) => a - b));
        }
        expect(bits.drain(out).n).toBe(0);
      }),
    );
  });

  it("holds the last position of its range (bit 31 of a word included) and refuses one beyond", () => {
    const bits = new PositionBits(95);
    for (const p of [95, 31, 0, 63, 32]) bits.add(p);
    const got = bits.drain(new Int32Array(8));
    expect([...got.positions.subarray(0, got.n)]).toEqual([0, 31, 32, 63, 95]);
    expect(() => bits.add(96)).toThrow(/position 96 is outside 0–95/);
    expect(() => bits.add(-1)).toThrow(/outside/);
  });
});

describe("groupBy", () => {
  it("groups values by group, keeping their order within each", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(6), fc.integer())), (rows) => {
        const group = Int32Array.from(rows.map(([g]) => g));
        const values = Int32Array.from(rows.map(([, v]) => v));
        const { offsets, grouped } = groupBy(group, values, rows.length, 7);
        for (let g = 0; g < 7; g++) {
          const want = rows.filter(([k]) => k === g).map(([, v]) => v | 0);
          expect([...grouped.subarray(offsets[g], offsets[g + 1])]).toEqual(want);
        }
        expect(offsets[7]).toBe(rows.length);
      }),
    );
  });

  it("refuses a group outside its range", () => {
    expect(() => groupBy(Int32Array.of(0, 3), Int32Array.of(1, 2), 2, 3)).toThrow(/group 3 is outside 0–2/);
  });
});
