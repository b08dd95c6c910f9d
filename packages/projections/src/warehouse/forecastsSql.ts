/**
 * The SQL of `indicator_forecasts`, generated purely: the observed series of some indicators (read from
 * `indicator_values`), and the append of the forecasts the pure `forecastTargets` made of them. The projector
 * runs them after `indicator_values`.
 */

import { type DuckDBConnection, dateValue } from "@duckdb/node-api";
import { NOMINAL_COVERAGE, type SeriesForecast } from "../forecast/forecast.js";
import type { Params } from "./sql.js";

/** One series of `indicator_values` as `forecastSeriesSql` reads it. */
export interface ObservedSeries {
  readonly indicator: string;
  readonly geo: string;
  readonly breakdown: string;
  readonly definition_hash: string;
  readonly years: readonly number[];
  readonly values: readonly number[];
}

/** A forecast row to insert: a point of `forecastTargets` and the series it belongs to. */
export interface ForecastRow extends SeriesForecast {
  readonly indicator: string;
  readonly geo: string;
  readonly breakdown: string;
  readonly hash: string;
}

const inList = (p: Params, codes: readonly string[]): string => codes.map((c) => p.bind(c)).join(", ") || "NULL";

export const deleteForecastsSql = (p: Params, codes: readonly string[]): string =>
  `DELETE FROM indicator_forecasts WHERE indicator IN (${inList(p, codes)})`;

/** Every series (indicator, geo, breakdown) of the indicators, with its years and values in year order. */
export const forecastSeriesSql = (p: Params, codes: readonly string[]): string =>
  `SELECT indicator, geo, breakdown, any_value(definition_hash) AS definition_hash,
       list(year ORDER BY year) AS years, list(value ORDER BY year) AS values
FROM indicator_values WHERE value IS NOT NULL AND indicator IN (${inList(p, codes)})
GROUP BY indicator, geo, breakdown ORDER BY indicator, geo, breakdown`;

/** The columns of `indicator_forecasts` in the table's order (schema.ts), as the appender fills them. */
const COLUMN_TYPES = [
  "VARCHAR", // indicator
  "VARCHAR", // geo
  "VARCHAR", // level
  "VARCHAR", // breakdown
  "INTEGER", // year
  "DOUBLE", // value
  "DOUBLE", // lo
  "DOUBLE", // hi
  "DOUBLE", // coverage
  "VARCHAR", // method
  "INTEGER", // base_year
  "INTEGER", // observations
  "VARCHAR", // target_op
  "DOUBLE", // target_value
  "VARCHAR", // forecast_status
  "BIGINT", // position
  "DATE", // vintage
  "VARCHAR", // definition_hash
] as const;

/**
 * Appends the forecast rows to `indicator_forecasts` through DuckDB's appender, in the connection's transaction
 * (if one is open). The 5,486 forecasts of the small sample's warehouse took 12–40 ms this way, against 132–334 ms
 * as one INSERT with the rows bound as one JSON parameter (`json_transform`, which DuckDB's planner evaluates
 * once to fold the constant). A table whose columns are not the ones `schema.ts` makes is refused before any row
 * is appended.
 */
export const appendForecasts = async (
  conn: DuckDBConnection,
  forecasts: readonly ForecastRow[],
  position: number,
  vintage: string,
): Promise<void> => {
  // the table's NOT NULL refused what JSON could not carry; a number that is none is refused before any row goes in
  const bad = forecasts.find((f) => ![f.value, f.lo, f.hi].every(Number.isFinite));
  if (bad !== undefined) {
    throw new RangeError(
      `the forecast of ${bad.indicator} ${bad.geo} ${bad.breakdown} ${bad.year} is not a number (${bad.value}, ${bad.lo}–${bad.hi})`,
    );
  }
  const ap = await conn.createAppender("indicator_forecasts");
  try {
    const types = Array.from({ length: ap.columnCount }, (_, i) => ap.columnType(i).toString());
    if (types.join(",") !== COLUMN_TYPES.join(",")) {
      throw new Error(
        `indicator_forecasts has the columns ${types.join(", ")}, not ${COLUMN_TYPES.join(", ")}: the warehouse was made by another version; run kpi rebuild`,
      );
    }
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(vintage) ? Date.parse(`${vintage}T00:00:00Z`) : Number.NaN;
    if (!Number.isFinite(ms)) throw new RangeError(`the vintage must be a day (YYYY-MM-DD), got ${vintage}`);
    const day = dateValue(Math.round(ms / 86_400_000));
    const text = (v: string | null) => (v === null ? ap.appendNull() : ap.appendVarchar(v));
    const real = (v: number | null) => (v === null ? ap.appendNull() : ap.appendDouble(v));
    for (const f of forecasts) {
      ap.appendVarchar(f.indicator);
      ap.appendVarchar(f.geo);
      ap.appendVarchar(f.geo === "province" ? "province" : "commune");
      ap.appendVarchar(f.breakdown);
      ap.appendInteger(f.year);
      ap.appendDouble(f.value);
      ap.appendDouble(f.lo);
      ap.appendDouble(f.hi);
      ap.appendDouble(NOMINAL_COVERAGE);
      ap.appendVarchar(f.method);
      ap.appendInteger(f.baseYear);
      ap.appendInteger(f.observations);
      text(f.targetOp);
      real(f.targetValue);
      text(f.forecastStatus);
      ap.appendBigInt(BigInt(position));
      ap.appendDate(day);
      ap.appendVarchar(f.hash);
      ap.endRow();
    }
    ap.flushSync();
  } finally {
    ap.closeSync();
  }
};
