import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryFact } from "./arbitraries.js";
import { canonicalJson } from "./canonicalJson.js";
import { canonicalFact, canonicalFactParts } from "./registry.js";

describe("canonicalJson", () => {
  it("writes the same bytes as the canonicalize library for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes the same bytes as the library for every fact, whole and in parts", () => {
    fc.assert(
      fc.property(arbitraryFact(), (f) => {
        const expected = canonicalize({ ...f });
        expect(canonicalFact(f)).toBe(expected);
        expect(canonicalFactParts(f).data).toBe(canonicalize(f.data));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes a fact's data the slow way when it holds what its type has no field for", () => {
    fc.assert(
      fc.property(arbitraryFact(), fc.string(), fc.jsonValue(), (f, k, v) => {
        const odd = { ...f, data: { ...f.data, [`x${k}`]: v } };
        expect(canonicalFactParts(odd).data).toBe(canonicalize(odd.data));
      }),
    );
  });

  it("refuses what JSON cannot hold", () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/NaN/);
    expect(() => canonicalJson(() => 1)).toThrow(/function/);
  });
});
