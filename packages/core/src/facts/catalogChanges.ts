/**
 * Changes to the indicator catalog, on the record: a target revised or a definition amended is appended to the
 * log like any fact (subject `stat:catalog`), with the day it takes effect, who changed it and the plan section
 * that says so. Only the catalog authority's source may append them (`AppendOptions.catalogAuthority`, default
 * `CATALOG_AUTHORITY`). The warehouse folds figures with the catalog as amended by the changes recorded up to
 * the figure's position (`amendCatalog`), so as-of reproduces the targets and definitions then in force.
 */
import * as t from "io-ts";
import { defineFact } from "./defineFact.js";
import { codeOf, field, integer, oneOf, quantity, text } from "./fields.js";
import { IsoDate, Year } from "./ids.js";

/** The source that may append catalog changes unless the operator names another. */
export const CATALOG_AUTHORITY = "kpi-catalog";

/** The fact types that change the catalog. */
export const CATALOG_CHANGE_TYPES = ["TargetRevised", "IndicatorDefinitionAmended"] as const;

export const isCatalogChange = (type: string): boolean => (CATALOG_CHANGE_TYPES as readonly string[]).includes(type);

const INDICATOR = /^[A-Z][A-Z0-9_]{1,63}$/;
/** An indicator code of the catalog, e.g. `PAYMENT_ACCT_15`. */
export const IndicatorCodeField = field(
  t.refinement(t.string, (s) => INDICATOR.test(s), "IndicatorCode"),
  'an indicator code of the catalog: capital letters, digits and "_", e.g. "PAYMENT_ACCT_15"',
  { kind: "pattern", pattern: INDICATOR },
  ["PAYMENT_ACCT_15", "DE_GRDP", "VNEID_ADULT"],
);

const family = "Catalog";
const provenance = {
  effectiveOn: IsoDate,
  changedBy: text(200, ["Sở Khoa học và Công nghệ", "UBND tỉnh Đồng Tháp"]),
  plan: codeOf("a planning document id", ["KH-315-2025", "QD-1234-2026"]),
  section: text(100, ["§II.2b", "§III"]),
};
const provenanceDocs = {
  effectiveOn: "the day the change takes effect (the decision's date)",
  changedBy: "who decided the change (the body or office)",
  plan: "the planning document that makes the change (its id, as in packages/reference/catalog/documents.json)",
  section: "the section of that document, in its own numbering",
};

export const TargetRevised = defineFact({
  type: "TargetRevised",
  subject: "stat",
  family,
  summary: "A target of the catalog was set or revised by a plan: the indicator's target for one year.",
  meaning:
    "From this position on, the indicator's target for targetYear is op value (replacing the catalog's, or adding one); status, trajectories and met/missed use it. Figures as of an earlier position keep the earlier target. Only the catalog authority's source may append it.",
  required: {
    indicator: IndicatorCodeField,
    targetYear: Year,
    op: oneOf([">=", ">", "<=", "<", "="] as const, "TargetOp"),
    value: quantity,
    ...provenance,
  },
  optional: { note: text(500, ["Raised after the mid-term review"]) },
  docs: {
    indicator: "the indicator whose target changes",
    targetYear: "the year the target is for",
    op: "how the figure is compared with the value",
    value: "the target value, in the indicator's unit (15 means 15 %)",
    ...provenanceDocs,
    note: "why, in words",
  },
});

export const IndicatorDefinitionAmended = defineFact({
  type: "IndicatorDefinitionAmended",
  subject: "stat",
  family,
  summary: "An indicator's definition was amended: the age threshold or the reported denominator field.",
  meaning:
    "From this position on, the indicator is computed with the amended definition (its definition_hash changes) for every year; figures as of an earlier position keep the earlier one. minAge replaces the lower age bound of every age condition of a person indicator; denominatorField replaces the field of the reported denominator (e.g. PopulationEstimated aged15plus → adults). Only the catalog authority's source may append it.",
  required: {
    indicator: IndicatorCodeField,
    ...provenance,
    reason: text(500, ["age threshold aligned with the 2026 plan"]),
  },
  optional: {
    minAge: integer(0, 120, "an age in years", [15, 16, 18]),
    denominatorField: codeOf("a field of the denominator's fact type", ["adults", "aged15plus", "total"]),
  },
  docs: {
    indicator: "the indicator whose definition changes",
    ...provenanceDocs,
    reason: "why, in words",
    minAge: "the new lower age bound (persons aged at least this many years in the year)",
    denominatorField: "the new field of the reported denominator",
  },
  check: (d) =>
    d.minAge === undefined && d.denominatorField === undefined
      ? [{ field: "data", reason: "names nothing to amend: give minAge, denominatorField or both" }]
      : [],
  rules: ["At least one of minAge and denominatorField."],
});

export const catalogChangeFacts = [TargetRevised, IndicatorDefinitionAmended] as const;
