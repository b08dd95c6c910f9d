/**
 * `meets(condition, attributes, year)`: whether an entity's attributes on Y-12-31 meet a definition's `Condition`
 * (docs/semantics.md). Two-valued logic: a condition on an unknown (`null`) attribute is false, so `not` of it is
 * true. `eq` and `in` compare with `===` (no coercion: the number 4 is not the string "4"); `isYear` means the
 * attribute equals Y; `age` is `Y − birthYear` (false when the birth year is unknown), `gte` and `lt` both apply
 * when given, and an `age` with neither holds whenever the birth year is known.
 */
import type { Condition } from "@kpi/core";

export type AttributeValue = string | number | boolean | null;
export type Attributes = Readonly<Record<string, AttributeValue>>;

export const meets = (c: Condition, attributes: Attributes, year: number): boolean => {
  if ("all" in c) return c.all.every((x) => meets(x, attributes, year));
  if ("any" in c) return c.any.some((x) => meets(x, attributes, year));
  if ("not" in c) return !meets(c.not, attributes, year);
  if ("age" in c) {
    const birthYear = attributes.birthYear ?? null;
    if (typeof birthYear !== "number") return false;
    const age = year - birthYear;
    return (c.age.gte === undefined || age >= c.age.gte) && (c.age.lt === undefined || age < c.age.lt);
  }
  const value = attributes[c.attr] ?? null;
  if (value === null) return false;
  if ("eq" in c) return value === c.eq;
  if ("in" in c) return typeof value !== "boolean" && c.in.includes(value);
  return value === year;
};
