/**
 * `jsonShapeProblem` and `parseFactJson`: no false alarm on any JSON value, a key given twice is found at any
 * depth (also when one of the two is escaped), and nesting is limited without the stack running out.
 */
import * as fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { jsonShapeProblem, MAX_JSON_DEPTH, parseFactJson } from "./factJson.js";

/** JSON values without repeated keys (JSON.stringify of an object cannot repeat one), with any string content. */
const value = fc.jsonValue({ maxDepth: 6 });

describe("jsonShapeProblem", () => {
  it("finds nothing in JSON that JSON.stringify writes (keys are unique there), however it is spaced", () => {
    fc.assert(
      fc.property(value, fc.constantFrom(undefined, 1, "\t"), (v, space) => {
        expect(jsonShapeProblem(JSON.stringify(v, null, space), 64)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it("finds a key given twice at any depth, by its path, as JSON.parse would read the key", () => {
    const cases = fc.record({
      path: fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 0, maxLength: 4 }),
      key: fc.string({ maxLength: 6 }),
      a: value,
      b: value,
      escaped: fc.boolean(),
    });
    fc.assert(
      fc.property(cases, ({ path, key, a, b, escaped }) => {
        const written = escaped
          ? JSON.stringify(key).replace(/(?<!\\)[a-z]/, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`)
          : JSON.stringify(key);
        let text = `{${JSON.stringify(key)}:${JSON.stringify(a)},${written}:${JSON.stringify(b)}}`;
        for (const p of [...path].reverse()) text = `{"other":[1,{"x":2}],${JSON.stringify(p)}:${text}}`;
        expect(jsonShapeProblem(text, 64)).toMatchObject({ _tag: "DuplicateKey", path: [...path, key] });
      }),
      { numRuns: 300 },
    );
  });

  it("keeps keys of sibling objects and array items apart", () => {
    expect(jsonShapeProblem('{"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]}')).toBeUndefined();
    expect(jsonShapeProblem('{"c":[{"k":1},{"k":2,"k":3}]}')).toMatchObject({ path: ["c", 1, "k"] });
    expect(jsonShapeProblem('{"a":"\\"k\\":1,\\"k\\":2"}')).toBeUndefined();
  });

  it("limits depth: objects and arrays count, the top level is 1", () => {
    const nested = (depth: number) => `${"[".repeat(depth - 1)}{}${"]".repeat(depth - 1)}`;
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH + 1))).toMatchObject({ _tag: "TooDeep" });
  });
});

describe("parseFactJson", () => {
  it("gives the value JSON.parse gives when the shape is fine", () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = JSON.stringify(v);
        expect(parseFactJson(text, 64)).toStrictEqual(E.right(JSON.parse(text)));
      }),
    );
  });

  it("says why a text is refused: not JSON, a key twice, too deep (even 1,000,000 levels)", () => {
    expect(parseFactJson("{not json")).toMatchObject({ left: [{ field: "(line)", reason: /^not valid JSON: / }] });
    expect(parseFactJson('{"data":{"commune":"1","commune":"2"}}')).toMatchObject({
      left: [{ field: "data.commune", reason: /^the key "commune" appears more than once in one object/ }],
    });
    const deep = `${'{"a":'.repeat(1_000_000)}1${"}".repeat(1_000_000)}`;
    expect(parseFactJson(deep)).toMatchObject({
      left: [{ field: "(line)", reason: /^nested more than 32 levels deep.*\(at a\.a\.a\.a…\)$/ }],
    });
  });
});

describe("jsonShapeProblem on large objects", () => {
  it("finds a key given twice among many, in linear time", () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => `"k${i}":${i}`);
    const t0 = performance.now();
    expect(jsonShapeProblem(`{${keys.join(",")}}`)).toBeUndefined();
    expect(jsonShapeProblem(`{"x":{${keys.join(",")},"k7":1}}`)).toMatchObject({ path: ["x", "k7"] });
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
