/**
 * The indicator definition language: how a figure is computed, as data. A definition is decoded by io-ts
 * and then checked against the fact registry and the entity model, so a definition naming an unknown fact
 * type, field or attribute is refused with a message that says which and where.
 *
 * Kinds:
 * - `share`: entities meeting `numerator` among those meeting `population`, at the end of the year.
 * - `shareOfReported`: entities meeting `numerator` at year end ÷ a reported total (e.g. persons aged 15+
 *   with an account ÷ PopulationEstimated.aged15plus).
 * - `ratePer1000`: entities meeting `numerator` at year end ÷ a reported total × 1000.
 * - `entityCount`: entities meeting `numerator` at year end (cumulative by nature: state, not flow).
 * - `reportedRatio`: sum of one reported field ÷ sum of another, optionally by a key field (e.g. sector).
 * - `reportedCount`: a reported count, as is or summed over the years up to Y (`cumulative`).
 * - `growth`: year-on-year growth of a reported value, in %.
 * - `rank`: a reported rank (lower is better).
 * Province figures are sums of numerators over sums of denominators, never averages of commune ratios.
 */

import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { type FieldError, fieldErrors } from "../facts/decodeError.js";
import type { Described } from "../facts/fields.js";
import { definitionOf, isFactType } from "../facts/registry.js";
import { ENTITY_MODEL, type EntityKind } from "./entityModel.js";

const Scalar = t.union([t.string, t.number, t.boolean]);

export type Condition =
  | { readonly attr: string; readonly eq: string | number | boolean }
  | { readonly attr: string; readonly in: readonly (string | number)[] }
  | { readonly attr: string; readonly isYear: true }
  | { readonly age: { readonly gte?: number; readonly lt?: number } }
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

export const Condition: t.Type<Condition> = t.recursion<Condition>(
  "Condition",
  () =>
    t.union([
      t.strict({ attr: t.string, eq: Scalar }),
      t.strict({ attr: t.string, in: t.array(t.union([t.string, t.number])) }),
      t.strict({ attr: t.string, isYear: t.literal(true) }),
      t.strict({ age: t.exact(t.partial({ gte: t.number, lt: t.number })) }),
      t.strict({ all: t.array(Condition) }),
      t.strict({ any: t.array(Condition) }),
      t.strict({ not: Condition }),
    ]) as unknown as t.Type<Condition>,
);

export const ReportedField = t.intersection([
  t.strict({ fact: t.string, field: t.string }),
  t.exact(t.partial({ where: t.record(t.string, t.union([t.string, t.number])) })),
]);
export type ReportedField = t.TypeOf<typeof ReportedField>;

const EntityKindC = t.keyof(
  Object.fromEntries(Object.keys(ENTITY_MODEL).map((k) => [k, null])) as Record<EntityKind, null>,
  "EntityKind",
);

export const Definition = t.union([
  t.strict({ kind: t.literal("share"), entity: EntityKindC, population: Condition, numerator: Condition }),
  t.strict({
    kind: t.literal("shareOfReported"),
    entity: EntityKindC,
    numerator: Condition,
    denominator: ReportedField,
  }),
  t.strict({ kind: t.literal("ratePer1000"), entity: EntityKindC, numerator: Condition, denominator: ReportedField }),
  t.strict({ kind: t.literal("entityCount"), entity: EntityKindC, numerator: Condition }),
  t.intersection([
    t.strict({ kind: t.literal("reportedRatio"), numerator: ReportedField, denominator: ReportedField }),
    t.exact(t.partial({ by: t.string })),
  ]),
  t.strict({ kind: t.literal("reportedCount"), value: ReportedField, cumulative: t.boolean }),
  t.strict({ kind: t.literal("growth"), value: ReportedField }),
  t.strict({ kind: t.literal("rank"), value: ReportedField }),
]);
export type Definition = t.TypeOf<typeof Definition>;

const attrNames = (entity: EntityKind): readonly string[] => Object.keys(ENTITY_MODEL[entity].attributes);

const checkCondition = (c: Condition, entity: EntityKind, path: string): FieldError[] => {
  if ("all" in c) return c.all.flatMap((x, i) => checkCondition(x, entity, `${path}.all.${i}`));
  if ("any" in c) return c.any.flatMap((x, i) => checkCondition(x, entity, `${path}.any.${i}`));
  if ("not" in c) return checkCondition(c.not, entity, `${path}.not`);
  if ("age" in c) {
    return entity === "person" ? [] : [{ field: `${path}.age`, reason: `age applies to person, not ${entity}` }];
  }
  const spec = (ENTITY_MODEL[entity].attributes as Record<string, { type: string; values?: readonly string[] }>)[
    c.attr
  ];
  if (spec === undefined) {
    return [
      {
        field: `${path}.attr`,
        reason: `unknown ${entity} attribute ${JSON.stringify(c.attr)}; known: ${attrNames(entity).join(", ")}`,
      },
    ];
  }
  const values = "eq" in c ? [c.eq] : "in" in c ? c.in : [];
  if (spec.values !== undefined) {
    const bad = values.filter((v) => !spec.values?.includes(String(v)));
    if (bad.length > 0) {
      return [
        {
          field: path,
          reason: `${c.attr} takes ${spec.values.join(", ")}; not ${bad.map((b) => JSON.stringify(b)).join(", ")}`,
        },
      ];
    }
  }
  if ("isYear" in c && spec.type !== "int")
    return [{ field: path, reason: `isYear needs an int attribute; ${c.attr} is ${spec.type}` }];
  return [];
};

const checkReported = (r: ReportedField, path: string): FieldError[] => {
  if (!isFactType(r.fact)) return [{ field: `${path}.fact`, reason: `unknown fact type ${JSON.stringify(r.fact)}` }];
  const def = definitionOf(r.fact);
  const fields = [...Object.keys(def.required), ...Object.keys(def.optional ?? {})];
  const errs: FieldError[] = [];
  if (!fields.includes(r.field)) {
    errs.push({
      field: `${path}.field`,
      reason: `${r.fact} has no field ${JSON.stringify(r.field)}; it has ${fields.join(", ")}`,
    });
  }
  for (const [k, v] of Object.entries(r.where ?? {})) {
    if (!fields.includes(k)) {
      errs.push({ field: `${path}.where.${k}`, reason: `${r.fact} has no field ${JSON.stringify(k)}` });
      continue;
    }
    const codec =
      (def.required as Record<string, t.Mixed>)[k] ?? (def.optional as Record<string, t.Mixed> | undefined)?.[k];
    if (codec !== undefined && !codec.is(v)) {
      errs.push({ field: `${path}.where.${k}`, reason: `${JSON.stringify(v)} is not a valid ${r.fact}.${k}` });
    }
  }
  return errs;
};

/** Checks a decoded definition against the fact registry and the entity model. */
export const checkDefinition = (d: Definition): FieldError[] => {
  switch (d.kind) {
    case "share":
      return [
        ...checkCondition(d.population, d.entity, "population"),
        ...checkCondition(d.numerator, d.entity, "numerator"),
      ];
    case "shareOfReported":
    case "ratePer1000":
      return [...checkCondition(d.numerator, d.entity, "numerator"), ...checkReported(d.denominator, "denominator")];
    case "entityCount":
      return checkCondition(d.numerator, d.entity, "numerator");
    case "reportedRatio": {
      const errs = [...checkReported(d.numerator, "numerator"), ...checkReported(d.denominator, "denominator")];
      if (d.by !== undefined && isFactType(d.numerator.fact)) {
        const def = definitionOf(d.numerator.fact);
        if (!(d.by in def.required) && !(d.by in (def.optional ?? {}))) {
          errs.push({ field: "by", reason: `${d.numerator.fact} has no field ${JSON.stringify(d.by)}` });
        }
      }
      return errs;
    }
    case "reportedCount":
    case "growth":
    case "rank":
      return checkReported(d.value, "value");
  }
};

export const decodeDefinition = (u: unknown): E.Either<readonly FieldError[], Definition> => {
  const r = Definition.decode(u);
  if (E.isLeft(r)) return E.left(fieldErrors(r.left));
  const errs = checkDefinition(r.right);
  return errs.length > 0 ? E.left(errs) : E.right(r.right);
};

const conditionAttributes = (c: Condition): string[] => {
  if ("all" in c) return c.all.flatMap(conditionAttributes);
  if ("any" in c) return c.any.flatMap(conditionAttributes);
  if ("not" in c) return conditionAttributes(c.not);
  if ("age" in c) return ["birthYear"];
  return [c.attr];
};

/** The attributes of its entity an entity-based definition's conditions read (commune aside); [] for the others. */
export const entityAttributesRead = (d: Definition): readonly string[] => {
  switch (d.kind) {
    case "share":
      return [...new Set([...conditionAttributes(d.population), ...conditionAttributes(d.numerator)])].sort();
    case "shareOfReported":
    case "ratePer1000":
    case "entityCount":
      return [...new Set(conditionAttributes(d.numerator))].sort();
    default:
      return [];
  }
};

/** The fact types a definition's figures depend on (derived, so it cannot drift from the definition). */
export const factsOf = (d: Definition): string[] => {
  const out = new Set<string>();
  const entity = (kind: EntityKind, conds: readonly Condition[]) => {
    const attrs = ENTITY_MODEL[kind].attributes as Record<string, { facts: readonly string[] }>;
    const names = new Set(conds.flatMap(conditionAttributes));
    names.add("commune");
    for (const n of names) for (const f of attrs[n]?.facts ?? []) out.add(f);
  };
  switch (d.kind) {
    case "share":
      entity(d.entity, [d.population, d.numerator]);
      break;
    case "shareOfReported":
    case "ratePer1000":
      entity(d.entity, [d.numerator]);
      out.add(d.denominator.fact);
      break;
    case "entityCount":
      entity(d.entity, [d.numerator]);
      break;
    case "reportedRatio":
      out.add(d.numerator.fact);
      out.add(d.denominator.fact);
      break;
    case "reportedCount":
    case "growth":
    case "rank":
      out.add(d.value.fact);
      break;
  }
  out.add("FactRetracted");
  return [...out].sort();
};

/**
 * Fact types of which an entity of `kind` must hold at least one (retracted or not, at any date) for it to meet
 * `c`: undefined when no such set is known. A boolean attribute can be true only through the facts that set it
 * (`ENTITY_MODEL`: `hasDigitalSignature` through `DigitalSignatureIssued`/`Revoked`); `all` needs what any one of
 * its parts needs (the narrowest is taken), `any` what its parts need together, when each needs something. An
 * age, a negation, a text or number attribute, or `eq false`, can hold for an entity with facts of any type.
 */
export const requiredFactsOf = (kind: EntityKind, c: Condition): readonly string[] | undefined => {
  if ("all" in c) {
    const parts = c.all.map((x) => requiredFactsOf(kind, x)).filter((x) => x !== undefined);
    return parts.sort((a, b) => a.length - b.length)[0];
  }
  if ("any" in c) {
    const parts = c.any.map((x) => requiredFactsOf(kind, x));
    if (parts.length === 0 || parts.some((x) => x === undefined)) return undefined;
    return [...new Set(parts.flatMap((x) => x ?? []))].sort();
  }
  if ("not" in c || "age" in c || !("eq" in c) || c.eq !== true) return undefined;
  const spec = (ENTITY_MODEL[kind].attributes as Record<string, { type: string; facts: readonly string[] }>)[c.attr];
  return spec?.type === "bool" && spec.facts.length > 0 ? [...spec.facts].sort() : undefined;
};

/**
 * For an entity-based definition, the fact types of which an entity must hold one to count in any of its figures
 * (as a member: meeting the numerator, or a share's population); undefined when every entity of the kind may
 * count, or the definition counts no entities. A replay of one figure folds only the entities that hold one.
 */
export const entityFactsRequired = (d: Definition): readonly string[] | undefined => {
  switch (d.kind) {
    case "share":
      return requiredFactsOf(d.entity, d.population);
    case "shareOfReported":
    case "ratePer1000":
    case "entityCount":
      return requiredFactsOf(d.entity, d.numerator);
    default:
      return undefined;
  }
};

/**
 * What a figure's numerator and denominator are: `count` — whole numbers (entities counted, head counts and
 * counts reported by agencies and surveys, a rank), stored as BIGINT; `amount` — reported quantities with
 * decimals (money in billion VND, productivity per worker), stored as DECIMAL(20,3). Decided by the fields the
 * definition reads, not by its kind alone: a `reportedRatio` divides counts (survey respondents, procedures)
 * as often as amounts (GRDP).
 */
export type Parts = "count" | "amount";
export const PARTS: readonly Parts[] = ["count", "amount"];

/** `count` when every field the parts are read from is an integer field (entity counts always are). */
export const partsOf = (d: Definition): Parts => {
  const isInteger = (r: ReportedField): boolean => {
    if (!isFactType(r.fact)) return false;
    const def = definitionOf(r.fact);
    const codec =
      (def.required as Record<string, t.Mixed>)[r.field] ??
      (def.optional as Record<string, t.Mixed> | undefined)?.[r.field];
    return (codec as Partial<Described> | undefined)?.domain?.kind === "integer";
  };
  switch (d.kind) {
    case "share":
    case "entityCount":
      return "count";
    case "shareOfReported":
    case "ratePer1000":
      return isInteger(d.denominator) ? "count" : "amount";
    case "reportedRatio":
      return isInteger(d.numerator) && isInteger(d.denominator) ? "count" : "amount";
    case "reportedCount":
    case "growth":
    case "rank":
      return isInteger(d.value) ? "count" : "amount";
  }
};

/** SHA-256 of the canonical JSON of a definition: a published figure names the exact definition it used. */
export const definitionHash = (d: Definition): string => {
  const c = canonicalize(d);
  if (c === undefined) throw new Error("definition cannot be canonicalized");
  return createHash("sha256").update(c, "utf8").digest("hex");
};
