/**
 * The catalog in force at a log position: the shipped catalog as amended by the catalog changes
 * (`TargetRevised`, `IndicatorDefinitionAmended`) recorded up to that position and not retracted, applied in
 * order of position. Pure: the warehouse reads the changes from its `facts` table and calls this for every fold
 * step and every as-of answer, so a rebuild and an incremental fold apply the same catalog.
 *
 * A change that cannot apply (an unknown indicator, a minAge for an indicator without an age condition, a
 * denominator field its fact type lacks) changes nothing and comes back in `problems` with the reason.
 */
import type { FactOf } from "../facts/registry.js";
import type { CatalogEntry, Target } from "./catalogEntry.js";
import { type Condition, checkDefinition, type Definition } from "./definition.js";

export type CatalogChange = FactOf<"TargetRevised"> | FactOf<"IndicatorDefinitionAmended">;

export interface PositionedChange {
  readonly position: number;
  readonly fact: CatalogChange;
}

export interface AmendedCatalog {
  readonly catalog: readonly CatalogEntry[];
  /** Per indicator, the position of the last change applied to it (absent: as shipped). */
  readonly amendedAt: ReadonlyMap<string, number>;
  /** Per `indicator|year`, the change that set the target in force (absent: as shipped). */
  readonly revisedTargets: ReadonlyMap<string, PositionedChange>;
  /** Every change, by position, with why it changed nothing (null: applied). */
  readonly changes: readonly { readonly change: PositionedChange; readonly problem: string | null }[];
}

const withMinAge = (c: Condition, minAge: number): Condition => {
  if ("all" in c) return { all: c.all.map((x) => withMinAge(x, minAge)) };
  if ("any" in c) return { any: c.any.map((x) => withMinAge(x, minAge)) };
  if ("not" in c) return { not: withMinAge(c.not, minAge) };
  if ("age" in c) return { age: { ...c.age, gte: minAge } };
  return c;
};

const hasAge = (c: Condition): boolean =>
  "all" in c ? c.all.some(hasAge) : "any" in c ? c.any.some(hasAge) : "not" in c ? hasAge(c.not) : "age" in c;

/** The definition amended by `change`, or why it cannot be. */
const amendDefinition = (d: Definition, change: FactOf<"IndicatorDefinitionAmended">["data"]): Definition | string => {
  let out: Definition = d;
  if (change.minAge !== undefined) {
    if (
      out.kind !== "share" &&
      out.kind !== "shareOfReported" &&
      out.kind !== "ratePer1000" &&
      out.kind !== "entityCount"
    )
      return `minAge applies to a person indicator with an age condition; this one is ${out.kind}`;
    const conditions = out.kind === "share" ? [out.population, out.numerator] : [out.numerator];
    if (!conditions.some(hasAge))
      return "minAge applies to a person indicator with an age condition; this one has none";
    out =
      out.kind === "share"
        ? {
            ...out,
            population: withMinAge(out.population, change.minAge),
            numerator: withMinAge(out.numerator, change.minAge),
          }
        : { ...out, numerator: withMinAge(out.numerator, change.minAge) };
  }
  if (change.denominatorField !== undefined) {
    if (!("denominator" in out) || !("fact" in out.denominator))
      return `denominatorField applies to an indicator with a reported denominator; this one is ${out.kind}`;
    out = { ...out, denominator: { ...out.denominator, field: change.denominatorField } } as Definition;
  }
  const errs = checkDefinition(out);
  return errs.length > 0 ? errs.map((e) => `${e.field}: ${e.reason}`).join("; ") : out;
};

const reviseTargets = (targets: readonly Target[], f: FactOf<"TargetRevised">): Target[] => {
  const d = f.data;
  const revised: Target = {
    year: d.targetYear as number as Target["year"],
    op: d.op,
    value: d.value,
    source: { document: d.plan, section: d.section },
    ...(d.note === undefined ? {} : { note: d.note }),
  };
  return [...targets.filter((x) => x.year !== (d.targetYear as number)), revised].sort((a, b) => a.year - b.year);
};

/** `base` amended by `changes` (any order; applied by position). */
export const amendCatalog = (base: readonly CatalogEntry[], changes: readonly PositionedChange[]): AmendedCatalog => {
  const byCode = new Map(base.map((e) => [e.code as string, e]));
  const amendedAt = new Map<string, number>();
  const revisedTargets = new Map<string, PositionedChange>();
  const out: { change: PositionedChange; problem: string | null }[] = [];
  for (const change of [...changes].sort((a, b) => a.position - b.position)) {
    const { position, fact } = change;
    const code = fact.data.indicator;
    const entry = byCode.get(code);
    if (entry === undefined) {
      out.push({ change, problem: `no indicator ${code} in the catalog` });
      continue;
    }
    if (fact.type === "TargetRevised") {
      byCode.set(code, { ...entry, targets: reviseTargets(entry.targets, fact) });
      revisedTargets.set(`${code}|${fact.data.targetYear}`, change);
    } else {
      const d = amendDefinition(entry.definition, fact.data);
      if (typeof d === "string") {
        out.push({ change, problem: d });
        continue;
      }
      byCode.set(code, { ...entry, definition: d });
    }
    amendedAt.set(code, position);
    out.push({ change, problem: null });
  }
  return { catalog: base.map((e) => byCode.get(e.code) as CatalogEntry), amendedAt, revisedTargets, changes: out };
};
