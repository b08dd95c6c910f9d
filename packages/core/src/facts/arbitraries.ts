/**
 * fast-check arbitraries derived from the fact definitions: the same declaration that yields the decoder yields
 * the generator. Each field codec carries its `domain` as plain data (fields.ts, ids.ts); this module is the only
 * one that turns domains into fast-check arbitraries, so production code never loads fast-check.
 *
 * Contract: every value `arbitraryFactOf(def)` generates decodes with `decodeFact` to an equal value, including
 * the definition's cross-field `check`; required fields are always present, optional ones sometimes. The unit
 * specs check this for every type.
 *
 * This file is deliberately not re-exported from the package index: the CLI and server import `@kpi/core`, and
 * fast-check is a development dependency. Tests and benchmarks of other packages import it from the subpath
 * `@kpi/core/arbitraries`.
 */
import * as fc from "fast-check";
import type * as t from "io-ts";
import type { FactDefinition, FactEnvelope, FieldSet } from "./defineFact.js";
import type { Domain, Field } from "./fields.js";
import { factIdIdentityProblem, looksLikeIdentityNumber, type SubjectKind } from "./ids.js";
import { definitionOf, FACT_DEFINITIONS, type FactOf, type FactType, type RegisteredDefinition } from "./registry.js";
import type { StrictOf } from "./strictObject.js";

export interface ArbitraryOptions {
  /**
   * Only values a source would typically send: a field's `examples` when it has any, readable subject ids.
   * For documentation and readable fixtures. Default false: the whole domain, with the examples mixed in so
   * that generated facts often share communes, years and sources.
   */
  readonly typical?: boolean;
}

type AnyDefinition = FactDefinition<string, FieldSet, FieldSet>;

const DAY_MS = 86_400_000;
const dayNumber = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
const isoOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Readable ids per subject kind, as sources make them (tax codes, pseudonyms, series names). */
const TYPICAL_SUBJECT_ID: Readonly<Record<string, RegExp>> = {
  enterprise: /^[0-8]\d{9}$/,
  person: /^[0-9a-f]{16}$/,
  household: /^[0-9a-f]{16}$/,
  stat: /^dong-thap-202[3-6]$/,
};
const TYPICAL_OTHER_ID = /^[a-z]{2,6}-\d{3,4}$/;

const subjectArbitrary = (kinds: readonly string[], id: RegExp, typical: boolean): fc.Arbitrary<string> => {
  const anyId = fc.stringMatching(id);
  return fc.oneof(
    ...kinds.map((kind) => {
      const readable = fc.stringMatching(TYPICAL_SUBJECT_ID[kind] ?? TYPICAL_OTHER_ID);
      const ids = typical ? readable : fc.oneof(readable, anyId);
      return ids.filter((s) => !looksLikeIdentityNumber(s, kind as SubjectKind)).map((s) => `${kind}:${s}`);
    }),
  );
};

/** Every value of a domain (weighted towards edges, as fast-check does), or only readable ones when `typical`. */
export const arbitraryOfDomain = (domain: Domain, typical = false): fc.Arbitrary<unknown> => {
  switch (domain.kind) {
    case "integer":
      return fc.integer({ min: domain.min, max: domain.max });
    case "decimal": {
      // Whole amounts anywhere below the limit, and amounts with decimals below 10^15 / 10^decimals: up to 15
      // significant digits, which a double holds exactly.
      const scale = 10 ** domain.decimals;
      return fc.oneof(
        fc.integer({ min: 0, max: Math.min(domain.max, Number.MAX_SAFE_INTEGER) - 1 }),
        fc.integer({ min: 0, max: Math.min(domain.max * scale, 1e15) - 1 }).map((k) => k / scale),
      );
    }
    case "oneOf":
      return fc.constantFrom(...domain.values);
    case "boolean":
      return fc.boolean();
    case "literal":
      return fc.constant(domain.value);
    case "pattern":
      return fc.stringMatching(domain.pattern);
    case "reportId":
      return fc.stringMatching(domain.pattern).filter((s) => factIdIdentityProblem(s) === undefined);
    case "text": {
      const { minLength, maxLength } = domain;
      const fits = (s: string) => s.length >= minLength && s.length <= maxLength;
      const readable = fc.string({ unit: "grapheme", minLength, maxLength: Math.min(maxLength, 40) }).filter(fits);
      if (typical) return readable;
      return fc.oneof(
        readable,
        fc.string({ unit: "binary", minLength, maxLength }).filter(fits),
        fc.string({ unit: "grapheme-ascii", minLength: maxLength, maxLength }),
      );
    }
    case "date":
      return fc.integer({ min: dayNumber(domain.min), max: dayNumber(domain.max) }).map(isoOfDay);
    case "subject":
      return subjectArbitrary(domain.kinds, domain.id, typical);
  }
};

/** The arbitrary of one field codec: its domain, with its examples mixed in (or only those, when typical). */
export const arbitraryField = <A>(codec: Field<A>, options: ArbitraryOptions = {}): fc.Arbitrary<A> => {
  const typical = options.typical === true;
  const domain = arbitraryOfDomain(codec.domain, typical);
  const examples = codec.examples ?? [];
  if (examples.length === 0) return domain as fc.Arbitrary<A>;
  const chosen = fc.constantFrom(...examples);
  return (
    typical ? chosen : fc.oneof({ arbitrary: domain, weight: 3 }, { arbitrary: chosen, weight: 1 })
  ) as fc.Arbitrary<A>;
};

const recordOf = (
  required: FieldSet,
  optional: FieldSet,
  options: ArbitraryOptions,
): fc.Arbitrary<Record<string, unknown>> => {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, c] of [...Object.entries(required), ...Object.entries(optional)])
    model[k] = arbitraryField(c, options);
  return fc.record(model, { requiredKeys: Object.keys(required), noNullPrototype: true });
};

/** Built arbitraries per definition (building parses regular expressions; generating does not). */
const built = {
  any: new WeakMap<object, fc.Arbitrary<unknown>>(),
  typical: new WeakMap<object, fc.Arbitrary<unknown>>(),
};

/** Facts of one type: the envelope, `data` with every required field and some optional ones, passing `check`. */
export function arbitraryFactOf<D extends RegisteredDefinition>(
  definition: D,
  options?: ArbitraryOptions,
): fc.Arbitrary<t.TypeOf<D["codec"]>>;
export function arbitraryFactOf<T extends string, R extends FieldSet, O extends FieldSet>(
  definition: FactDefinition<T, R, O>,
  options?: ArbitraryOptions,
): fc.Arbitrary<FactEnvelope<T, StrictOf<R, O>>>;
export function arbitraryFactOf(definition: object, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  const cache = options.typical === true ? built.typical : built.any;
  const cached = cache.get(definition) ?? buildFactArbitrary(definition as AnyDefinition, options);
  cache.set(definition, cached);
  return cached;
}

const buildFactArbitrary = (def: AnyDefinition, options: ArbitraryOptions): fc.Arbitrary<unknown> => {
  const e = def.envelope;
  const facts = fc.record(
    {
      id: arbitraryField(e.id, options),
      type: arbitraryField(e.type, options),
      subject: arbitraryField(e.subject, options),
      occurredOn: arbitraryField(e.occurredOn, options),
      source: arbitraryField(e.source, options),
      data: recordOf(def.required, def.optional ?? {}, options),
    },
    { noNullPrototype: true },
  );
  const check = def.check;
  return check === undefined ? facts : facts.filter((f) => check(f.data, f.occurredOn).length === 0);
};

/** Facts of the given type, or of any type (each type equally likely). */
export const arbitraryFact = <T extends FactType = FactType>(
  type?: T,
  options: ArbitraryOptions = {},
): fc.Arbitrary<FactOf<T>> => {
  const arbitrary =
    type === undefined
      ? fc.oneof(...FACT_DEFINITIONS.map((d) => arbitraryFactOf(d, options)))
      : arbitraryFactOf(definitionOf(type), options);
  return arbitrary as unknown as fc.Arbitrary<FactOf<T>>;
};

/** A 32-bit FNV-1a hash: a seed per type, so adding a type leaves the other types' examples unchanged. */
const seedOf = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
};

/** One readable fact of the type, the same on every run (for the facts page and fixtures). */
export function exampleFactOf<D extends RegisteredDefinition>(definition: D): t.TypeOf<D["codec"]>;
export function exampleFactOf<T extends string, R extends FieldSet, O extends FieldSet>(
  definition: FactDefinition<T, R, O>,
): FactEnvelope<T, StrictOf<R, O>>;
export function exampleFactOf(definition: object): unknown {
  const def = definition as AnyDefinition;
  const [example] = fc.sample(arbitraryFactOf(def, { typical: true }), { seed: seedOf(def.type), numRuns: 1 });
  if (example === undefined) throw new Error(`no example for ${def.type}`);
  return example;
}
