/**
 * One entry of the indicator catalog: names in Vietnamese and English, what is measured and how (the
 * definition), every target with its year and the document and section it comes from. Entries are data in
 * `packages/reference/catalog/`; this codec decodes them and `decodeCatalogEntry` also checks the definition.
 */
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { type FieldError, fieldErrors } from "../facts/decodeError.js";
import { checkDefinition, Definition } from "./definition.js";

export interface IndicatorCodeBrand {
  readonly IndicatorCode: unique symbol;
}
export const IndicatorCode = t.brand(
  t.string,
  (s: string): s is t.Branded<string, IndicatorCodeBrand> => /^[A-Z][A-Z0-9_]{1,63}$/.test(s),
  "IndicatorCode",
);
export type IndicatorCode = t.TypeOf<typeof IndicatorCode>;

export const AREAS = ["digital_economy", "digital_society", "digital_government", "artificial_intelligence"] as const;
export const MEASURE_KINDS = ["share", "value_ratio", "rate_per_1000", "count", "growth", "rank"] as const;
export const UNITS = ["percent", "per_1000_people", "count", "rank", "percent_yoy"] as const;
export const TARGET_OPS = [">=", ">", "<=", "<", "="] as const;

const keyofList = <V extends string>(values: readonly V[], name: string) =>
  t.keyof(Object.fromEntries(values.map((v) => [v, null])) as Record<V, null>, name);

export const SourceRef = t.intersection([
  t.strict({ document: t.string, section: t.string }),
  t.exact(t.partial({ quote: t.string })),
]);
export type SourceRef = t.TypeOf<typeof SourceRef>;

export const Target = t.intersection([
  t.strict({ year: t.Int, op: keyofList(TARGET_OPS, "TargetOp"), value: t.number, source: SourceRef }),
  t.exact(t.partial({ note: t.string })),
]);
export type Target = t.TypeOf<typeof Target>;

/** The base value a plan states for an indicator (province level): trajectories start from it. */
export const Baseline = t.strict({ year: t.Int, value: t.number, source: SourceRef });
export type Baseline = t.TypeOf<typeof Baseline>;

export const CatalogEntry = t.intersection([
  t.strict({
    code: IndicatorCode,
    nameVi: t.string,
    nameEn: t.string,
    area: keyofList(AREAS, "Area"),
    measure: keyofList(MEASURE_KINDS, "MeasureKind"),
    unit: keyofList(UNITS, "Unit"),
    direction: keyofList(["higher_is_better", "lower_is_better"] as const, "Direction"),
    populationVi: t.string,
    populationEn: t.string,
    definition: Definition,
    targets: t.array(Target),
  }),
  t.exact(t.partial({ notes: t.string, baseline: Baseline })),
]);
export type CatalogEntry = t.TypeOf<typeof CatalogEntry>;

export const decodeCatalogEntry = (u: unknown): E.Either<readonly FieldError[], CatalogEntry> => {
  const r = CatalogEntry.decode(u);
  if (E.isLeft(r)) return E.left(fieldErrors(r.left));
  const errs = checkDefinition(r.right.definition).map((e) => ({ field: `definition.${e.field}`, reason: e.reason }));
  return errs.length > 0 ? E.left(errs) : E.right(r.right);
};
