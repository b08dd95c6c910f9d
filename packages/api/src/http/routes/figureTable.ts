/**
 * Figures as a flat table (CSV and Arrow answers of the series and values routes): the warehouse's column
 * names, one row per figure, with the indicator, geography and its name, and the log position.
 */
import type { Figure } from "../figures.js";
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

export const figureColumns: readonly Column<FigureRow>[] = [
  { name: "indicator", type: "utf8", get: (r) => r.figure.indicator },
  { name: "geo", type: "utf8", get: (r) => r.figure.geo },
  { name: "geo_name", type: "utf8", get: (r) => r.geoName },
  { name: "level", type: "utf8", get: (r) => r.figure.level },
  { name: "year", type: "int32", get: (r) => r.figure.year },
  { name: "breakdown", type: "utf8", get: (r) => r.figure.breakdown },
  { name: "numerator", type: "float64", get: (r) => r.figure.numerator },
  { name: "denominator", type: "float64", get: (r) => r.figure.denominator },
  { name: "value", type: "float64", get: (r) => r.figure.value },
  { name: "unit", type: "utf8", get: (r) => r.unit },
  { name: "target_year", type: "int32", get: (r) => r.figure.targetYear },
  { name: "target_op", type: "utf8", get: (r) => r.figure.targetOp },
  { name: "target_value", type: "float64", get: (r) => r.figure.targetValue },
  { name: "trajectory", type: "float64", get: (r) => r.figure.trajectory },
  { name: "status", type: "utf8", get: (r) => r.figure.status },
  { name: "suppressed", type: "bool", get: (r) => r.figure.suppressed },
  { name: "position", type: "float64", get: (r) => r.figure.position },
];
