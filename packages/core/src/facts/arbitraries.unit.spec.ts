/**
 * The schema and the generator agree field by field: every value a field's arbitrary yields is accepted by that
 * field's codec and decodes to itself, every declared example is accepted, and the arbitraries reach the corners
 * of their domains (decimals, long texts, old and far dates) rather than only the easy middle.
 */
import * as fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { arbitraryField, arbitraryOfDomain, exampleFactOf } from "./arbitraries.js";
import type { FieldCodec } from "./defineFact.js";
import { billionVnd, bool, code, count, quantity } from "./fields.js";
import { CommuneCode, FactId, IsoDate, Position, SourceId, SubjectId, Year } from "./ids.js";
import { FACT_DEFINITIONS } from "./registry.js";

/** Every field codec in use, once, named by a place it is used. */
const named: [string, FieldCodec][] = [
  ...Object.entries({
    CommuneCode,
    FactId,
    IsoDate,
    Position,
    SourceId,
    SubjectId,
    Year,
    billionVnd,
    bool,
    code,
    count,
    quantity,
  }),
  ...FACT_DEFINITIONS.flatMap((d) =>
    Object.entries({ ...d.envelope, ...d.required, ...(d.optional ?? {}) }).map(
      ([k, c]) => [`${d.type}.${k}`, c as FieldCodec] as [string, FieldCodec],
    ),
  ),
];
const codecs = [...new Map(named.map(([name, c]) => [c, name])).entries()].map(([c, name]) => [name, c] as const);

describe.each(codecs)("the arbitrary of %s", (_name, codec) => {
  it("yields only values the codec accepts and decodes to themselves (also when typical)", () => {
    fc.assert(
      fc.property(arbitraryField(codec), arbitraryField(codec, { typical: true }), (v, typical) => {
        expect(codec.decode(v)).toStrictEqual(E.right(v));
        expect(codec.is(typical)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("has examples the codec accepts", () => {
    for (const x of codec.examples ?? []) expect(codec.is(x), JSON.stringify(x)).toBe(true);
  });
});

describe("the arbitraries reach the corners of their domains", () => {
  const sample = <A>(a: fc.Arbitrary<A>): A[] => fc.sample(a, { seed: 42, numRuns: 2000 });

  it("amounts with 1 to 3 decimals, and whole amounts above 10^12", () => {
    const xs = sample(arbitraryField(billionVnd));
    expect(xs.some((x) => /\.\d{3}$/.test(String(x)))).toBe(true);
    expect(xs.some((x) => /\.\d$/.test(String(x)))).toBe(true);
    expect(xs.some((x) => x >= 1e12)).toBe(true);
  });

  it("texts of the maximum length and beyond the Basic Multilingual Plane", () => {
    const xs = sample(arbitraryOfDomain({ kind: "text", minLength: 1, maxLength: 120 }) as fc.Arbitrary<string>);
    expect(xs.some((x) => x.length === 120)).toBe(true);
    expect(xs.some((x) => /[\u{10000}-\u{10FFFF}]/u.test(x))).toBe(true);
  });

  it("dates over the whole allowed range: its first and last days, before 1970, after 2038, and 29 February", () => {
    const xs = sample(arbitraryField(IsoDate));
    expect(xs).toContain("1900-01-01");
    expect(xs).toContain("2100-12-31");
    expect(xs.some((x) => x < "1970")).toBe(true);
    expect(xs.some((x) => x > "2039")).toBe(true);
    expect(
      sample(arbitraryOfDomain({ kind: "date", min: "2000-01-01", max: "2030-12-31" })).some((x) =>
        String(x).endsWith("-02-29"),
      ),
    ).toBe(true);
  });

  it("subjects of every kind", () => {
    const kinds = new Set(sample(arbitraryField(SubjectId)).map((s) => s.slice(0, s.indexOf(":"))));
    expect(kinds.size).toBe(9);
  });
});

describe("exampleFactOf", () => {
  it("gives the same readable example on every call", () => {
    for (const d of FACT_DEFINITIONS) expect(exampleFactOf(d)).toStrictEqual(exampleFactOf(d));
  });
});
