/**
 * Field codecs with a human description. Every codec used in a fact's `data` comes from here, so a decode error
 * and the generated reference page say the same thing about what a field expects.
 */
import * as t from "io-ts";

export interface Described {
  readonly expected: string;
}
export type Field<A = unknown, O = unknown> = t.Type<A, O, unknown> & Described;

export const describe = <C extends t.Mixed>(codec: C, expected: string): C & Described =>
  Object.assign(codec, { expected });

export const expectedOf = (codec: t.Decoder<unknown, unknown>): string => {
  const e = (codec as Partial<Described>).expected;
  return typeof e === "string" ? e : codec.name;
};

export const integer = (min: number, max: number, what = "an integer") =>
  describe(
    t.refinement(t.number, (n) => Number.isInteger(n) && n >= min && n <= max, `Int[${min},${max}]`),
    `${what} from ${min} to ${max}`,
  );

/** A count of things: a non-negative integer. */
export const count = describe(
  t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, "Count"),
  "a non-negative integer",
);

/** An amount of money in billion VND, at most 3 decimals (stored as DECIMAL(18,3)). */
export const billionVnd = describe(
  t.refinement(
    t.number,
    (n) => Number.isFinite(n) && n >= 0 && n < 1e15 && Math.round(n * 1000) === n * 1000,
    "BillionVnd",
  ),
  "a non-negative amount in billion VND with at most 3 decimals",
);

/** A non-negative measured quantity with at most 3 decimals. */
export const quantity = describe(
  t.refinement(
    t.number,
    (n) => Number.isFinite(n) && n >= 0 && n < 1e15 && Math.round(n * 1000) === n * 1000,
    "Quantity",
  ),
  "a non-negative number with at most 3 decimals",
);

export const oneOf = <const V extends string>(values: readonly V[], name: string) =>
  describe(
    t.keyof(Object.fromEntries(values.map((v) => [v, null])) as { [K in V]: null }, name),
    `one of ${values.map((v) => `"${v}"`).join(", ")}`,
  );

export const bool = describe(t.boolean, "true or false");

export const text = (maxLength: number) =>
  describe(
    t.refinement(t.string, (s) => s.length >= 1 && s.length <= maxLength, `Text(${maxLength})`),
    `a non-empty text of at most ${maxLength} characters`,
  );

export const code = describe(
  t.refinement(t.string, (s) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s), "Code"),
  "a code of letters, digits, '.', '_' or '-' (at most 64)",
);
