import { describe, expect, it } from "vitest";
import { KeyedId } from "./keyedId.js";

describe("KeyedId", () => {
  it("gives 16 lower-case hex digits, distinct for 200,000 indexes, and depends on the key", () => {
    const a = new KeyedId(12345, 0x7fffffff);
    const b = new KeyedId(54321, 7);
    const seen = new Set<string>();
    const malformed: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const id = a.of(i);
      if (!/^[0-9a-f]{16}$/.test(id)) malformed.push(id);
      seen.add(id);
    }
    expect(malformed).toEqual([]);
    expect(seen.size).toBe(200_000);
    expect(a.of(42)).not.toBe(b.of(42));
    expect(a.of(42)).toBe(new KeyedId(12345, 0x7fffffff).of(42));
  });
});
