/** `meets`: conditions on an entity's attributes, with unknown (`null`) attributes making a condition false. */
import { describe, expect, it } from "vitest";
import { meets } from "./meets.js";

const Y = 2025;

describe("meets", () => {
  it("eq compares without coercion", () => {
    expect(meets({ attr: "stars", eq: 4 }, { stars: 4 }, Y)).toBe(true);
    expect(meets({ attr: "stars", eq: "4" }, { stars: 4 }, Y)).toBe(false);
    expect(meets({ attr: "active", eq: false }, { active: false }, Y)).toBe(true);
  });

  it("a condition on an unknown or absent attribute is false, and its `not` is true", () => {
    for (const attributes of [{ active: null }, {}]) {
      expect(meets({ attr: "active", eq: false }, attributes, Y)).toBe(false);
      expect(meets({ attr: "active", in: ["x"] }, attributes, Y)).toBe(false);
      expect(meets({ attr: "foundedYear", isYear: true }, attributes, Y)).toBe(false);
      expect(meets({ not: { attr: "active", eq: true } }, attributes, Y)).toBe(true);
    }
  });

  it("in lists values; isYear means the attribute equals Y", () => {
    expect(meets({ attr: "size", in: ["micro", "small"] }, { size: "small" }, Y)).toBe(true);
    expect(meets({ attr: "size", in: ["micro", "small"] }, { size: "large" }, Y)).toBe(false);
    expect(meets({ attr: "foundedYear", isYear: true }, { foundedYear: 2025 }, Y)).toBe(true);
    expect(meets({ attr: "foundedYear", isYear: true }, { foundedYear: 2024 }, Y)).toBe(false);
  });

  it("age is Y − birthYear, with gte inclusive and lt exclusive; unknown birth year never meets it", () => {
    const adult = { age: { gte: 18 } };
    expect(meets(adult, { birthYear: 2007 }, Y)).toBe(true);
    expect(meets(adult, { birthYear: 2008 }, Y)).toBe(false);
    expect(meets({ age: { gte: 15, lt: 18 } }, { birthYear: 2008 }, Y)).toBe(true);
    expect(meets({ age: { gte: 15, lt: 18 } }, { birthYear: 2007 }, Y)).toBe(false);
    expect(meets({ age: {} }, { birthYear: 1990 }, Y)).toBe(true);
    expect(meets({ age: {} }, { birthYear: null }, Y)).toBe(false);
  });

  it("all, any and not combine; an empty all holds and an empty any does not", () => {
    const a = { active: true, size: "micro" };
    expect(
      meets(
        {
          all: [
            { attr: "active", eq: true },
            { attr: "size", eq: "micro" },
          ],
        },
        a,
        Y,
      ),
    ).toBe(true);
    expect(
      meets(
        {
          any: [
            { attr: "active", eq: false },
            { attr: "size", eq: "micro" },
          ],
        },
        a,
        Y,
      ),
    ).toBe(true);
    expect(meets({ not: { any: [{ attr: "active", eq: false }] } }, a, Y)).toBe(true);
    expect(meets({ all: [] }, a, Y)).toBe(true);
    expect(meets({ any: [] }, a, Y)).toBe(false);
  });
});
