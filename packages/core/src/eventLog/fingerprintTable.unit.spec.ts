import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FP1, FP2, fingerprint, fingerprintUtf8Into } from "./fingerprintTable.js";

const ofUtf8 = (s: string, pad: number): [number, number] => {
  // the string's bytes inside a larger block, as the chain check reads them
  const bytes = Buffer.concat([Buffer.alloc(pad, 0x7b), Buffer.from(s, "utf8"), Buffer.alloc(3, 0xe2)]);
  fingerprintUtf8Into(bytes, pad, bytes.length - 3);
  return [FP1, FP2];
};

describe("fingerprintUtf8Into", () => {
  it("gives the fingerprint of the string its UTF-8 bytes encode, for any well-formed string", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          fc.string({ unit: fc.constantFrom("a", "ệ", "đ", "€", "😀", "𝔸", "\u0000", "\u07ff", "\uffff") }),
        ),
        fc.nat(40),
        (s, pad) => {
          expect(ofUtf8(s, pad)).toEqual(fingerprint(s));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("tells strings apart where one character differs only beyond the BMP", () => {
    expect(ofUtf8("x😀", 0)).not.toEqual(ofUtf8("x😁", 0));
    expect(ofUtf8("Đồng Tháp", 5)).toEqual(fingerprint("Đồng Tháp"));
  });
});
