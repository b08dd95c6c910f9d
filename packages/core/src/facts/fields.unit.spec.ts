/**
 * Field codecs: `describe` gives a field its own words without changing the shared codec, and amounts accept
 * exactly the numbers written with at most 3 decimals.
 */
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { AiProjectDeployed } from "./community.js";
import { DigitalSolutionAdopted, EcommerceListed } from "./enterprise.js";
import { billionVnd, code, codeOf, decimalPlaces, describe as describeField } from "./fields.js";
import { CommuneCode } from "./ids.js";
import { DigitalSignatureIssued, PaymentAccountOpened } from "./person.js";

describe("describe", () => {
  it("leaves the described codec alone: each field that shares `code` keeps its own words", () => {
    expect(code.expected).toBe(
      "a code of letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)",
    );
    expect(DigitalSolutionAdopted.required.solution.expected).toMatch(/^a solution code .*"einvoice"/);
    expect(EcommerceListed.required.platform.expected).toMatch(/^a platform code .*"shopee"/);
    expect(PaymentAccountOpened.optional?.institution?.expected).toMatch(/^an institution code .*"vcb"/);
    expect(DigitalSignatureIssued.required.provider.expected).toMatch(/^a signature provider code .*"vnpt-ca"/);
    expect(AiProjectDeployed.required.agency.expected).toMatch(/^an agency code/);
  });

  it("keeps the codec's behaviour and domain", () => {
    const c = describeField(CommuneCode, "the commune of the club");
    expect(c.expected).toBe("the commune of the club");
    expect(CommuneCode.expected).toBe("a 5-digit commune code");
    expect(c.domain).toBe(CommuneCode.domain);
    expect(E.isRight(c.decode("29926"))).toBe(true);
    expect(E.isLeft(c.decode("2992"))).toBe(true);
    expect(codeOf("a bank code", ["vcb"]).examples).toEqual(["vcb"]);
    expect(code.examples).toBeUndefined();
  });
});

describe("amounts", () => {
  it("count the decimals JSON writes", () => {
    expect([0, 12, 0.1, 1.005, 4.35, 98765.432, 1e-7, 1.5e-7, 1e21].map(decimalPlaces)).toEqual([
      0, 0, 1, 3, 2, 3, 7, 8, 0,
    ]);
  });

  it("accept non-negative numbers below 10^15 with at most 3 decimals, 1.005 included", () => {
    for (const n of [0, 1.005, 4.35, 0.001, 123456789.123, 999_999_999_999_999])
      expect(billionVnd.is(n), String(n)).toBe(true);
    for (const n of [-1, 0.0005, 1.0001, 1e15, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(billionVnd.is(n), String(n)).toBe(false);
    }
  });
});
