/**
 * Field codecs with a human description and a domain. Every codec used in a fact's `data` comes from here (or
 * from `ids.ts`, built the same way), so a decode error, the generated facts page and the fast-check
 * arbitrary all say the same thing about what a field expects.
 *
 * `domain` describes, as plain data, the set of values a codec accepts; `arbitraries.ts` turns it into a
 * fast-check arbitrary. Keeping it data means production code never imports fast-check. `examples` are values
 * a source typically sends; they must be in the domain (a property checks it) and feed the readable examples
 * of the facts page.
 */
import * as t from "io-ts";

export type Domain =
  /** Integers from `min` to `max`, both included. */
  | { readonly kind: "integer"; readonly min: number; readonly max: number }
  /** Non-negative numbers below `max` written with at most `decimals` decimals. */
  | { readonly kind: "decimal"; readonly max: number; readonly decimals: number }
  | { readonly kind: "oneOf"; readonly values: readonly string[] }
  | { readonly kind: "boolean" }
  | { readonly kind: "literal"; readonly value: string }
  /** Strings matching an anchored regular expression. */
  | { readonly kind: "pattern"; readonly pattern: RegExp }
  /** A report id: strings matching `pattern` that are not a raw 9- or 12-digit identity number (ids.ts). */
  | { readonly kind: "reportId"; readonly pattern: RegExp }
  /** Any well-formed string (no lone surrogate) of `minLength` to `maxLength` UTF-16 code units. */
  | { readonly kind: "text"; readonly minLength: number; readonly maxLength: number }
  /** Calendar days `YYYY-MM-DD` from `min` to `max`, both included. */
  | { readonly kind: "date"; readonly min: string; readonly max: string }
  /** `KIND:ID` with KIND one of `kinds` and ID matching `id`, never looking like an identity number (ids.ts). */
  | { readonly kind: "subject"; readonly kinds: readonly string[]; readonly id: RegExp };

export type Example = string | number | boolean;

export interface Described {
  /** What the field expects, in words a reporting agency can act on ("a 5-digit commune code"). */
  readonly expected: string;
  readonly domain: Domain;
  readonly examples?: readonly Example[];
}
export type Field<A = unknown, O = unknown> = t.Type<A, O, unknown> & Described;

/** Attach a description and a domain to a codec built for this purpose (the codec itself is not copied). */
export const field = <C extends t.Mixed>(
  codec: C,
  expected: string,
  domain: Domain,
  examples?: readonly Example[],
): C & Described =>
  Object.assign(codec, examples === undefined ? { expected, domain } : { expected, domain, examples });

/**
 * A copy of a described codec with other words (and, optionally, other examples). The original is left alone:
 * one shared codec (`code`) is described differently by each field that uses it.
 */
export const describe = <C extends t.Mixed & Described>(
  codec: C,
  expected: string,
  examples?: readonly Example[],
): C => {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(codec) as object) as C, codec, { expected });
  return examples === undefined ? copy : Object.assign(copy, { examples });
};

export const expectedOf = (codec: t.Decoder<unknown, unknown>): string => {
  const e = (codec as Partial<Described>).expected;
  return typeof e === "string" ? e : codec.name;
};

/** A value as an error message shows it: JSON, shortened. */
export const showValue = (v: unknown): string => {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Where `s` holds a lone UTF-16 surrogate (half of a pair, e.g. JSON "\ud800"), or -1 when it is well-formed
 * text. Such a string is no Unicode text at all: UTF-8 cannot encode it, and DuckDB's JSON refuses it later.
 * (`String.prototype.isWellFormed` would do, but Node 20 lacks it.)
 */
export const loneSurrogateAt = (s: string): number => s.search(LONE_SURROGATE);

/** `examples` as words: ', e.g. "a", "b"'. */
const eg = (examples: readonly Example[]): string =>
  examples.length === 0 ? "" : `, e.g. ${examples.map((x) => JSON.stringify(x)).join(", ")}`;

export const integer = (min: number, max: number, what = "an integer", examples?: readonly number[]) =>
  field(
    t.refinement(t.number, (n) => Number.isInteger(n) && n >= min && n <= max, `Int[${min},${max}]`),
    `${what} from ${min} to ${max}`,
    { kind: "integer", min, max },
    examples,
  );

/** A count of things: a non-negative integer. */
export const count = field(
  t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, "Count"),
  "a non-negative integer",
  { kind: "integer", min: 0, max: Number.MAX_SAFE_INTEGER },
  [0, 1, 3, 4, 120, 4520, 15873],
);

/**
 * How many decimals `n` has as JSON writes it (the shortest form that reads back as `n`). Testing `n * 1000`
 * for an integer is not the same: 1.005 * 1000 is 1004.9999999999999 in binary floating point.
 */
export const decimalPlaces = (n: number): number => {
  const [mantissa = "", exponent = "0"] = String(n).split("e");
  return Math.max(0, (mantissa.split(".")[1]?.length ?? 0) - Number(exponent));
};

const decimal = (name: string, expected: string, examples: readonly number[]) => {
  const max = 1e15;
  const decimals = 3;
  return field(
    t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0 && n < max && decimalPlaces(n) <= decimals, name),
    expected,
    { kind: "decimal", max, decimals },
    examples,
  );
};

/** An amount of money in billion VND, at most 3 decimals (stored as DECIMAL(18,3)). */
export const billionVnd = decimal(
  "BillionVnd",
  "a non-negative amount in billion VND with at most 3 decimals",
  [0, 1250.5, 31000, 98765.432, 152340.125],
);

/** A non-negative measured quantity with at most 3 decimals. */
export const quantity = decimal("Quantity", "a non-negative number with at most 3 decimals", [0, 0.652, 182.4, 245]);

export const oneOf = <const V extends string>(values: readonly V[], name: string) =>
  field(
    t.keyof(Object.fromEntries(values.map((v) => [v, null])) as { [K in V]: null }, name),
    `one of ${values.map((v) => `"${v}"`).join(", ")}`,
    { kind: "oneOf", values },
  );

export const literal = <const V extends string>(value: V) =>
  field(t.literal(value), JSON.stringify(value), { kind: "literal", value });

export const bool = field(t.boolean, "true or false", { kind: "boolean" });

export const text = (maxLength: number, examples?: readonly string[]) =>
  field(
    t.refinement(
      t.string,
      (s) => s.length >= 1 && s.length <= maxLength && loneSurrogateAt(s) < 0,
      `Text(${maxLength})`,
    ),
    `a non-empty text of at most ${maxLength} characters`,
    { kind: "text", minLength: 1, maxLength },
    examples,
  );

const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CODE_RULE = "letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)";
export const code = field(
  t.refinement(t.string, (s) => CODE.test(s), "Code"),
  `a code of ${CODE_RULE}`,
  {
    kind: "pattern",
    pattern: CODE,
  },
);

/** `code` for one purpose, e.g. `codeOf("a solution code", ["einvoice"])`, with those examples. */
export const codeOf = (what: string, examples: readonly string[]) =>
  describe(code, `${what} of ${CODE_RULE}${eg(examples)}`, examples);
