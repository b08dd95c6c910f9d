/**
 * Every fact type the engine accepts, and `decodeFact`, the one place where untrusted input becomes a `Fact`.
 * Decoding dispatches on `type` first, so an error names the field of that type that is wrong rather than a
 * union of forty alternatives.
 */
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { canonicalJson } from "./canonicalJson.js";
import { catalogChangeFacts } from "./catalogChanges.js";
import { communityFacts } from "./community.js";
import { correctionFacts } from "./corrections.js";
import { type DecodeError, decodeError, didYouMean, type FieldError, fieldErrors } from "./decodeError.js";
import { enterpriseFacts } from "./enterprise.js";
import { facilityFacts } from "./facility.js";
import { loneSurrogateAt, showValue } from "./fields.js";
import { householdFacts } from "./household.js";
import { ocopFacts } from "./ocop.js";
import { personFacts } from "./person.js";
import { publicationFacts } from "./publication.js";
import { statisticsFacts } from "./statistics.js";

export const FACT_DEFINITIONS = [
  ...enterpriseFacts,
  ...ocopFacts,
  ...personFacts,
  ...statisticsFacts,
  ...facilityFacts,
  ...householdFacts,
  ...communityFacts,
  ...correctionFacts,
  ...publicationFacts,
  ...catalogChangeFacts,
] as const;

type Definitions = (typeof FACT_DEFINITIONS)[number];
/** One of the registered definitions (a union: narrow it by `type`). */
export type RegisteredDefinition = Definitions;
/** A decoded fact: the envelope and the `data` of its type, discriminated by `type`. */
export type Fact = t.TypeOf<Definitions["codec"]>;
export type FactType = Fact["type"];
export type FactOf<T extends FactType> = Extract<Fact, { type: T }>;

export const FACT_TYPES = FACT_DEFINITIONS.map((d) => d.type) as readonly FactType[];

const byType = new Map<string, Definitions>(FACT_DEFINITIONS.map((d) => [d.type, d]));

export const definitionOf = (type: FactType): Definitions => {
  const d = byType.get(type);
  if (d === undefined) throw new Error(`unknown fact type ${type}`);
  return d;
};

export const isFactType = (s: unknown): s is FactType => typeof s === "string" && byType.has(s);

const surrogateReason = (s: string, at: number, what: string): string =>
  `${what} holds a lone UTF-16 surrogate (\\u${s.charCodeAt(at).toString(16)} at character ${at + 1}), half of a pair and no character at all; send well-formed Unicode text (UTF-8), and in JSON escape a character outside the BMP as both halves of its pair`;

/** Whether `s` holds any UTF-16 surrogate (paired or not): a loop, cheaper than a regex on short strings. */
const hasSurrogate = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
};

/** Whether any string of `u` (values and field names, at most 64 levels deep) holds a surrogate at all. */
const anySurrogate = (u: unknown, depth = 0): boolean => {
  if (typeof u === "string") return hasSurrogate(u);
  if (typeof u !== "object" || u === null || depth >= 64) return false;
  const keys = Object.keys(u);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (hasSurrogate(k) || anySurrogate((u as Record<string, unknown>)[k], depth + 1)) return true;
  }
  return false;
};

/**
 * Every string of `u`, values and field names at any depth, that holds a lone surrogate: one rule for every
 * string field of every type, said in its own words (a codec such as `text` would only say "expected a text").
 * Values more than 64 levels deep are not visited: JSON that deep is refused where it is read.
 */
const malformedStrings = (u: unknown, path: string, out: FieldError[], depth = 0): void => {
  if (typeof u === "string") {
    const at = loneSurrogateAt(u);
    if (at >= 0) out.push({ field: path || "(fact)", reason: surrogateReason(u, at, "the text") });
    return;
  }
  if (typeof u !== "object" || u === null || depth >= 64) return;
  for (const [k, v] of Object.entries(u)) {
    const p = path === "" ? k : `${path}.${k}`;
    const at = loneSurrogateAt(k);
    if (at >= 0) out.push({ field: p, reason: surrogateReason(k, at, "the field name") });
    malformedStrings(v, p, out, depth + 1);
  }
};

/**
 * `errors` with a lone surrogate's own error first for each field that holds one. Every string codec refuses
 * lone surrogates (the ASCII ones by their pattern, `text` by its refinement; the registry spec checks every
 * string field of every type), so a fact that decodes holds none, and this walk runs only on refused values.
 */
const withSurrogates = (u: unknown, errors: readonly FieldError[]): readonly FieldError[] => {
  if (!anySurrogate(u)) return errors;
  const malformed: FieldError[] = [];
  malformedStrings(u, "", malformed);
  const named = new Set(malformed.map((e) => e.field));
  return [...malformed, ...errors.filter((e) => !named.has(e.field))];
};

/**
 * `u` as a `Fact` when it is one, else `undefined`, without saying why: the fast way of `decodeFact`, for the
 * value that decodes. The codec's guard accepts exactly what its decoder accepts, and every field codec is the
 * identity on what it accepts, so the value is its own decoding (no contexts, no error lists, no copy). The
 * guard looks no deeper than a fact's fields, so a value nested however deep costs nothing here.
 */
export const acceptedFact = (u: unknown): Fact | undefined => {
  if (typeof u !== "object" || u === null) return undefined;
  const type = (u as { type?: unknown }).type;
  const def = typeof type === "string" ? byType.get(type) : undefined;
  if (def === undefined || !(def.codec as t.Type<Fact, Fact, unknown>).is(u)) return undefined;
  const fact = u as Fact;
  if (fact.reportedOn !== undefined && fact.reportedOn < fact.occurredOn) return undefined;
  const check = def.check as ((d: unknown, on: string) => readonly FieldError[]) | undefined;
  return check !== undefined && check(fact.data, fact.occurredOn).length > 0 ? undefined : fact;
};

/** Decode one untrusted value into a `Fact`, or every reason it is not one. */
export const decodeFact = (u: unknown): E.Either<DecodeError, Fact> => {
  const accepted = acceptedFact(u);
  if (accepted !== undefined) return E.right(accepted);
  if (typeof u !== "object" || u === null || Array.isArray(u)) {
    return E.left(decodeError([{ field: "(fact)", reason: "expected a JSON object" }]));
  }
  const type = (u as { type?: unknown }).type;
  const def = typeof type === "string" ? byType.get(type) : undefined;
  if (def === undefined) {
    const malformed = withSurrogates(u, []);
    if (malformed.length > 0) return E.left(decodeError(malformed));
    const reason =
      type === undefined
        ? 'is required: the fact type, e.g. "EnterpriseRegistered"'
        : typeof type !== "string"
          ? `expected the name of a fact type (a string), got ${showValue(type)}`
          : `unknown fact type ${showValue(type)}${didYouMean(type, byType.keys())}; docs/facts.md lists the ${byType.size} accepted types`;
    return E.left(decodeError([{ field: "type", reason }]));
  }
  const r = (def.codec as t.Decoder<unknown, Fact>).decode(u);
  if (E.isLeft(r)) return E.left(decodeError(withSurrogates(u, fieldErrors(r.left))));
  const fact = r.right;
  if (fact.reportedOn !== undefined && fact.reportedOn < fact.occurredOn) {
    return E.left(
      decodeError([
        {
          field: "reportedOn",
          reason: `is ${fact.reportedOn}, before occurredOn ${fact.occurredOn}: a source reports a fact on or after the day it became true; give the day it reported it, or leave reportedOn out`,
        },
      ]),
    );
  }
  const check = def.check as ((d: unknown, on: string) => readonly FieldError[]) | undefined;
  if (check !== undefined) {
    const errs = check(fact.data, fact.occurredOn);
    if (errs.length > 0) {
      return E.left(
        decodeError(errs.map((e) => ({ field: `data.${e.field}`.replace(/^data\.data$/, "data"), reason: e.reason }))),
      );
    }
  }
  return E.right(fact);
};

/**
 * Each type's `data` fields in canonical order (UTF-16 code units, as `canonicalJson` sorts keys), each with the
 * text that opens it (`"name":`), so that canonicalising a fact's `data` sorts nothing.
 */
const CANONICAL_FIELDS = new Map<string, readonly (readonly [string, string])[]>(
  FACT_DEFINITIONS.map((d) => [
    d.type,
    [...Object.keys(d.required), ...Object.keys(d.optional ?? {})].sort().map((k) => [k, `${JSON.stringify(k)}:`]),
  ]),
);

/**
 * `canonicalJson(f.data)`, the faster way for what decoding lets through: a flat object of its type's fields.
 * Anything else (a field of no such name, a value that is an object) is left to `canonicalJson`.
 */
const canonicalDataOf = (f: Fact): string => {
  const data = f.data as Readonly<Record<string, unknown>>;
  const fields = CANONICAL_FIELDS.get(f.type);
  if (fields === undefined) return canonicalJson(data);
  let s = "{";
  let n = 0;
  for (let i = 0; i < fields.length; i++) {
    const [k, open] = fields[i] as readonly [string, string];
    const v = data[k];
    if (v === undefined) continue;
    let text: string;
    if (typeof v === "string") text = JSON.stringify(v);
    else if (typeof v === "number" && Number.isFinite(v)) text = JSON.stringify(v);
    else if (typeof v === "boolean") text = v ? "true" : "false";
    else return canonicalJson(data);
    s += n === 0 ? open + text : `,${open}${text}`;
    n++;
  }
  // a key not among the type's fields (only on a value that was never decoded) or one set to undefined
  if (Object.keys(data).length !== n) return canonicalJson(data);
  return `${s}}`;
};

/**
 * The canonical bytes of a fact (RFC 8785 JSON canonicalization of the envelope). Two reports with the same
 * canonical form are the same report; the hash chain and idempotency are defined on these bytes.
 */
export const canonicalFact = (f: Fact): string => canonicalFactParts(f).canonical;

/**
 * The canonical bytes of a fact and of its `data` alone. Keys sort as data, id, occurredOn, reportedOn (when
 * given), source, subject, type, so the fact's canonical form is built around the canonical `data` without
 * serialising it twice; a fact without `reportedOn` has the bytes it had before the field existed.
 */
export const canonicalFactParts = (f: Fact): { readonly data: string; readonly canonical: string } => {
  const data = canonicalDataOf(f);
  const canonical = `{"data":${data},"id":${JSON.stringify(f.id)},"occurredOn":${JSON.stringify(f.occurredOn)}${
    f.reportedOn === undefined ? "" : `,"reportedOn":${JSON.stringify(f.reportedOn)}`
  },"source":${JSON.stringify(f.source)},"subject":${JSON.stringify(f.subject)},"type":${JSON.stringify(f.type)}}`;
  return { data, canonical };
};
