/**
 * An NDJSON line is read the fast way when it can be (`factOfNdjsonLine`): the same fact, canonical parts
 * and errors as the careful way (`factOfNdjsonLineCarefully`: the text's shape, `JSON.parse`, decoding), for
 * facts written as they come, with a key given twice, with spaces, with escapes, and with a field spoilt.
 */
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { arbitraryFact } from "../facts/arbitraries.js";
import { canonicalFactParts, type Fact } from "../facts/index.js";
import { factOfNdjsonLine, factOfNdjsonLineCarefully, withParts } from "./readFactLines.js";

const sameAsCareful = (text: string): void => {
  const careful = factOfNdjsonLineCarefully(text);
  const fast = withParts(factOfNdjsonLine(text));
  if (E.isLeft(careful)) {
    expect(fast).toEqual(careful);
    return;
  }
  expect(E.isRight(fast)).toBe(true);
  if (E.isLeft(fast)) return;
  expect(fast.right.fact).toEqual(careful.right);
  const parts = canonicalFactParts(careful.right);
  expect(fast.right.canonical).toBe(parts.canonical);
  expect(fast.right.data).toBe(parts.data);
  expect(factOfNdjsonLine(text)).toEqual(careful);
};

/** `{"k":v,` put first in the object that opens at `at` of `text`. */
const insertAt = (text: string, at: number, key: string, value: unknown): string =>
  `${text.slice(0, at + 1)}${JSON.stringify(key)}:${JSON.stringify(value) ?? "null"},${text.slice(at + 1)}`;

const variants = (f: Fact): fc.Arbitrary<string> => {
  const text = JSON.stringify(f);
  const dataAt = text.indexOf('"data":{') + 7;
  const envelopeKeys = Object.keys(f);
  const dataKeys = Object.keys(f.data);
  return fc.oneof(
    fc.constant(text),
    // a key of the envelope given twice, with its own value or another
    fc
      .tuple(fc.constantFrom(...envelopeKeys), fc.option(fc.jsonValue({ maxDepth: 1 })))
      .map(([k, v]) => insertAt(text, 0, k, v ?? (f as unknown as Record<string, unknown>)[k])),
    // a key of `data` given twice (or a new one, when it has none)
    fc
      .tuple(dataKeys.length > 0 ? fc.constantFrom(...dataKeys) : fc.constant("extra"), fc.option(fc.jsonValue()))
      .map(([k, v]) => insertAt(text, dataAt, k, v ?? (f.data as Record<string, unknown>)[k] ?? 1)),
    // spaces between the tokens
    fc.constant(text.replaceAll('","', '", "').replaceAll('":', '" :')),
    // a key written with an escape, and the same key again as it is
    fc.constant(text.replace('"id":', '"\\u0069d":')),
    fc.constant(insertAt(text.replace('"id":', '"\\u0069d":'), 0, "id", f.id)),
    // a field spoilt: any JSON value in its place
    fc
      .tuple(fc.constantFrom(...envelopeKeys, ...dataKeys.map((k) => `data.${k}`)), fc.jsonValue({ maxDepth: 3 }))
      .map(([path, v]) => {
        const copy = JSON.parse(text) as Record<string, Record<string, unknown>>;
        const [a, b] = path.split(".") as [string, string | undefined];
        if (b === undefined) copy[a] = v as Record<string, unknown>;
        else (copy[a] as Record<string, unknown>)[b] = v;
        return JSON.stringify(copy);
      }),
  );
};

describe("reading an NDJSON line the fast way", () => {
  it("gives what the careful way gives, for facts written many ways", () => {
    fc.assert(
      fc.property(
        arbitraryFact().chain((f) => variants(f)),
        (text) => sameAsCareful(text),
      ),
      { numRuns: 3000 },
    );
  });

  it("gives what the careful way gives for lines that are not facts", () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    for (const text of ["{not json", "[]", "null", "17", '"x"', "{}", `{"a":${deep}}`, deep, '{"type":"Nope"}']) {
      sameAsCareful(text);
    }
    fc.assert(fc.property(fc.json(), (text) => sameAsCareful(text)));
  });
});
