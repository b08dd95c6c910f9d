/**
 * The publication codec: every generated publication decodes to itself with a digest that does not depend on
 * layout or key order; any change of content changes the digest but still decodes (verify judges it); malformed
 * documents are refused naming the field; decimals are written in their one shortest form.
 */
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { testCatalog } from "../testing/fixtures.js";
import {
  DecimalString,
  decodePublication,
  digestOfJson,
  encodePublication,
  normalizeDecimal,
  PUBLICATION_FORMAT,
  type Publication,
  sealPublication,
  signPublication,
  type UnsealedPublication,
} from "./publication.js";
import { checkSignature } from "./signature.js";

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const decimal = fc
  .oneof(
    fc.nat(),
    fc.nat().map((n) => n / 1000),
  )
  .map((x) => normalizeDecimal(x.toFixed(3)));
const value = fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)));

const unsealed: fc.Arbitrary<UnsealedPublication> = fc
  .shuffledSubarray([...testCatalog], { minLength: 1 })
  .chain((entries) =>
    fc.record({
      format: fc.constant(PUBLICATION_FORMAT),
      id: fc.stringMatching(/^pub-[A-Za-z0-9._-]{1,60}$/),
      createdAt: fc
        .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) })
        .map((t) => new Date(t).toISOString()),
      position: fc.nat(),
      chainHead: hex64,
      reference: hex64,
      catalogDefinitions: fc.constant(Object.fromEntries(entries.map((e) => [e.code, e.definition]))),
      figures: fc.array(
        fc.record({
          indicator: fc.constantFrom(...entries.map((e) => e.code)),
          geo: fc.oneof(fc.constant("province"), fc.stringMatching(/^\d{5}$/)),
          year: fc.integer({ min: 2019, max: 2030 }),
          breakdown: fc.constantFrom("", "A", "C"),
          numerator: fc.option(decimal),
          denominator: fc.option(decimal),
          value,
          definitionHash: hex64,
          contribution: fc.record({ events: fc.nat(), merkleRoot: hex64 }),
        }),
        { maxLength: 8 },
      ),
    }),
  ) as fc.Arbitrary<UnsealedPublication>;

/** The same JSON with the keys of every object in reverse order. */
const reversed = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(reversed)
    : typeof v === "object" && v !== null
      ? Object.fromEntries(
          Object.entries(v)
            .reverse()
            .map(([k, x]) => [k, reversed(x)]),
        )
      : v;

const decoded = (text: string) => {
  const r = decodePublication(text);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

describe("publication codec", () => {
  it("decodes every publication it encodes, to itself, with the digest it was sealed with", () => {
    fc.assert(
      fc.property(unsealed, (u) => {
        const p = sealPublication(u);
        const d = decoded(encodePublication(p));
        expect(d.publication).toEqual(p);
        expect(d.computedDigest).toBe(p.digest);
      }),
      { numRuns: 100 },
    );
  });

  it("has a digest that depends on content only, not on layout or key order", () => {
    fc.assert(
      fc.property(unsealed, (u) => {
        const p = sealPublication(u);
        expect(decoded(JSON.stringify(reversed(p))).computedDigest).toBe(p.digest);
      }),
      { numRuns: 50 },
    );
  });

  it("still decodes an edited figure, whose digest no longer matches", () => {
    fc.assert(
      fc.property(
        unsealed.filter((u) => u.figures.length > 0),
        fc.nat(),
        (u, k) => {
          const p = sealPublication(u);
          const i = k % p.figures.length;
          const edited: Publication = {
            ...p,
            figures: p.figures.map((f, j) =>
              j === i ? { ...f, numerator: f.numerator === "12345.5" ? "1" : "12345.5" } : f,
            ) as Publication["figures"],
          };
          const d = decoded(encodePublication(edited));
          expect(d.computedDigest).not.toBe(p.digest);
          expect(d.publication.digest).toBe(p.digest);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("signs the digest: the signature is not part of it, the release time is, and both decode", () => {
    const key = generateKeyPairSync("ed25519");
    fc.assert(
      fc.property(unsealed, fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }), (u, release) => {
        const p = sealPublication(u);
        const signed = signPublication(p, key.privateKey);
        expect(signed.digest).toBe(p.digest);
        const d = decoded(encodePublication(signed));
        expect(d.publication).toEqual(signed);
        expect(d.computedDigest).toBe(p.digest);
        expect(checkSignature(d.publication.signature, d.computedDigest, key.publicKey)._tag).toBe("Valid");
        const embargoed = sealPublication({ ...u, releaseAt: new Date(release).toISOString() });
        expect(embargoed.digest).not.toBe(p.digest);
        expect(decoded(encodePublication(embargoed)).publication.releaseAt).toBe(embargoed.releaseAt);
      }),
      { numRuns: 30 },
    );
  });

  it("refuses malformed documents naming the field", () => {
    const p = sealPublication(
      fc.sample(
        unsealed.filter((u) => u.figures.length > 0),
        { seed: 7, numRuns: 1 },
      )[0] as UnsealedPublication,
    );
    const json = JSON.parse(encodePublication(p)) as Record<string, unknown>;
    /** The fields named by the refusal of `doc`. */
    const refusedAt = (doc: unknown): string[] => {
      const r = decodePublication(JSON.stringify(doc));
      if (E.isRight(r) || r.left._tag !== "PublicationInvalid")
        throw new Error(`not refused as invalid: ${JSON.stringify(r)}`);
      return r.left.errors.map((e) => e.field);
    };
    expect(refusedAt({ ...json, format: "kpi-publication/0" })).toContain("format");
    const figures = json.figures as Record<string, unknown>[];
    const badFigure = (patch: Record<string, unknown>) => ({ ...json, figures: [{ ...figures[0], ...patch }] });
    expect(refusedAt(badFigure({ numerator: "01" })).every((f) => f.startsWith("figures.0.numerator"))).toBe(true);
    expect(refusedAt(badFigure({ denominator: "4.50" })).every((f) => f.startsWith("figures.0.denominator"))).toBe(
      true,
    );
    expect(refusedAt(badFigure({ definitionHash: "ABC" }))).toEqual(["figures.0.definitionHash"]);
    expect(refusedAt({ ...json, digest: undefined })).toContain("digest");
    expect(decodePublication("{not json")).toMatchObject(E.left({ _tag: "PublicationUnreadable" }));
    expect(digestOfJson(json)).toBe(p.digest);
  });

  it("writes decimals in their one shortest form", () => {
    expect(["7.000", "12.500", "0.000", "0.250", "00012", "98765.432", "-3.100"].map(normalizeDecimal)).toEqual([
      "7",
      "12.5",
      "0",
      "0.25",
      "12",
      "98765.432",
      "-3.1",
    ]);
    expect(() => normalizeDecimal("1e5")).toThrow(RangeError);
    for (const bad of ["01", "1.50", "-0", "1.", ".5", ""]) expect(DecimalString.is(bad), bad).toBe(false);
  });
});
