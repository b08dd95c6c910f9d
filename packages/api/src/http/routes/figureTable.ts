/**
 * Figures as a flat table (CSV and Arrow answers of the series and values routes): the warehouse's column
 * names, one row per figure, with the indicator, geography and its name, and the log position. Numerator and
 * denominator are Int64 where the indicator's parts are counts; amounts are in numerator_amount and
 * denominator_amount (Float64), as in `published_indicator_values`.
 */
import type { CatalogEntry } from "@kpi/core";
import type { Figure } from "../figures.js";
import { BREAKDOWN_LABELS, labelOf, STATUS_LABELS, UNIT_LABELS } from "../labels.js";
import type { Reference } from "../readModel.js";
import type { Column } from "../representation.js";

export interface FigureRow {
  readonly figure: Figure;
  readonly geoName: string;
  readonly unit: string;
}

export const PROVINCE_NAME = "Tỉnh Đồng Tháp";

export const geoName = (ref: Reference, geo: string): string =>
  geo === "province" ? PROVINCE_NAME : (ref.communes.get(geo)?.name ?? geo);

type Described = Pick<CatalogEntry, "code" | "nameVi" | "nameEn" | "definition">;

/** The columns of an answer about these indicators: their names beside their codes. */
export const figureColumnsFor = (entries: readonly Described[]): readonly Column<FigureRow>[] => {
  const byCode = new Map<string, Described>(entries.map((e) => [e.code, e]));
  return figureColumns.flatMap((c): Column<FigureRow>[] =>
    c.name === "indicator"
      ? [
          c,
          { name: "name_vi", type: "utf8", get: (r) => byCode.get(r.figure.indicator)?.nameVi ?? null },
          { name: "name_en", type: "utf8", get: (r) => byCode.get(r.figure.indicator)?.nameEn ?? null },
        ]
      : [c],
  );
};

export const figureColumns: readonly Column<FigureRow>[] = [
  { name: "indicator", type: "utf8", get: (r) => r.figure.indicator },
  { name: "geo", type: "utf8", get: (r) => r.figure.geo },
  { name: "geo_name", type: "utf8", get: (r) => r.geoName },
  { name: "level", type: "utf8", get: (r) => r.figure.level },
  { name: "year", type: "int32", get: (r) => r.figure.year },
  { name: "breakdown", type: "utf8", get: (r) => r.figure.breakdown },
  { name: "breakdown_vi", type: "utf8", get: (r) => labelOf(BREAKDOWN_LABELS, r.figure.breakdown).vi },
  { name: "breakdown_en", type: "utf8", get: (r) => labelOf(BREAKDOWN_LABELS, r.figure.breakdown).en },
  // as the warehouse stores them: counts as integers, amounts (with decimals) in their own pair
  { name: "parts", type: "utf8", get: (r) => r.figure.parts },
  { name: "numerator", type: "int64", get: (r) => (r.figure.parts === "count" ? r.figure.numerator : null) },
  { name: "denominator", type: "int64", get: (r) => (r.figure.parts === "count" ? r.figure.denominator : null) },
  {
    name: "numerator_amount",
    type: "float64",
    get: (r) => (r.figure.parts === "amount" ? r.figure.numerator : null),
  },
  {
    name: "denominator_amount",
    type: "float64",
    get: (r) => (r.figure.parts === "amount" ? r.figure.denominator : null),
  },
  { name: "value", type: "float64", get: (r) => r.figure.value },
  { name: "unit", type: "utf8", get: (r) => r.unit },
  { name: "unit_vi", type: "utf8", get: (r) => labelOf(UNIT_LABELS, r.unit).vi },
  { name: "unit_en", type: "utf8", get: (r) => labelOf(UNIT_LABELS, r.unit).en },
  { name: "target_year", type: "int32", get: (r) => r.figure.targetYear },
  { name: "target_op", type: "utf8", get: (r) => r.figure.targetOp },
  { name: "target_value", type: "float64", get: (r) => r.figure.targetValue },
  { name: "trajectory", type: "float64", get: (r) => r.figure.trajectory },
  { name: "baseline_year", type: "int32", get: (r) => r.figure.baselineYear },
  { name: "baseline_value", type: "float64", get: (r) => r.figure.baselineValue },
  { name: "baseline_source", type: "utf8", get: (r) => r.figure.baselineSource },
  { name: "status", type: "utf8", get: (r) => r.figure.status },
  {
    name: "status_vi",
    type: "utf8",
    get: (r) => (r.figure.status === null ? null : STATUS_LABELS[r.figure.status].vi),
  },
  {
    name: "status_en",
    type: "utf8",
    get: (r) => (r.figure.status === null ? null : STATUS_LABELS[r.figure.status].en),
  },
  { name: "suppressed", type: "bool", get: (r) => r.figure.suppressed },
  { name: "provisional", type: "bool", get: (r) => r.figure.provisional },
  { name: "estimated", type: "bool", get: (r) => r.figure.estimated },
  { name: "break_in_series", type: "bool", get: (r) => r.figure.breakInSeries },
  { name: "implausible", type: "bool", get: (r) => r.figure.implausible },
  { name: "implausible_reason", type: "utf8", get: (r) => r.figure.implausibleReason },
  { name: "position", type: "int64", get: (r) => r.figure.position },
  { name: "publication", type: "utf8", get: (r) => r.figure.publication ?? null },
];
