/**
 * `acceptedFact` takes a fact type's codec guard (`is`) for its decoder: the guard must accept exactly what the
 * decoder accepts, and the decoder must give back the value it was given. Checked on facts of every type as
 * they come, with a field spoilt (any JSON value), a field left out, a field of no such name added, and a
 * required field inherited rather than the object's own.
 */
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { arbitraryFact } from "./arbitraries.js";
import { acceptedFact, decodeFact, definitionOf, type Fact } from "./registry.js";

type Loose = Record<string, unknown> & { data: Record<string, unknown> };

const spoilt = (f: Fact): fc.Arbitrary<unknown> => {
  const envelope = Object.keys(f);
  const data = Object.keys(f.data);
  const copy = (): Loose => JSON.parse(JSON.stringify(f)) as Loose;
  return fc.oneof(
    fc.constant(copy()),
    fc.tuple(fc.constantFrom(...envelope), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({ ...copy(), [k]: v })),
    fc
      .tuple(data.length > 0 ? fc.constantFrom(...data) : fc.constant("x"), fc.jsonValue({ maxDepth: 2 }))
      .map(([k, v]) => {
        const c = copy();
        c.data[k] = v;
        return c;
      }),
    fc.constantFrom(...envelope, ...data.map((k) => `data.${k}`)).map((path) => {
      const c = copy();
      const [a, b] = path.split(".") as [string, string | undefined];
      if (b === undefined) delete c[a];
      else delete (c[a] as Record<string, unknown>)[b];
      return c;
    }),
    fc.string().map((k) => ({ ...copy(), [`x${k}`]: 1 })),
    fc.constantFrom(...envelope).map((k) => {
      const c = copy();
      const inherited = Object.create({ [k]: c[k] }) as Loose;
      for (const [key, v] of Object.entries(c)) if (key !== k) inherited[key] = v;
      return inherited;
    }),
  );
};

describe("a fact type's codec guard", () => {
  it("accepts exactly what its decoder accepts, and the decoder gives back what it was given", () => {
    fc.assert(
      fc.property(
        arbitraryFact().chain((f) => spoilt(f).map((u) => [f.type, u] as const)),
        ([type, u]) => {
          const codec = definitionOf(type).codec as t.Type<Fact, Fact, unknown>;
          const decoded = codec.decode(u);
          expect(codec.is(u)).toBe(E.isRight(decoded));
          if (E.isRight(decoded)) expect(decoded.right).toEqual(u);
          // acceptedFact adds the type's own rules, which decodeFact checks after the decoder
          if (acceptedFact(u) !== undefined) expect(E.isRight(decodeFact(u))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
