/**
 * The SQL of `indicator_forecasts`, generated purely: the observed series of some indicators (read from
 * `indicator_values`), and the insert of the forecasts the pure `forecastTargets` made of them (bound as one
 * JSON parameter, so any number of rows is one statement). The projector runs them after `indicator_values`.
 */
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

const ROW_TYPE = JSON.stringify([
  {
    indicator: "VARCHAR",
    geo: "VARCHAR",
    breakdown: "VARCHAR",
    year: "INTEGER",
    value: "DOUBLE",
    lo: "DOUBLE",
    hi: "DOUBLE",
    method: "VARCHAR",
    baseYear: "INTEGER",
    observations: "INTEGER",
    targetOp: "VARCHAR",
    targetValue: "DOUBLE",
    forecastStatus: "VARCHAR",
    hash: "VARCHAR",
  },
]);

export const insertForecastsSql = (
  p: Params,
  forecasts: readonly ForecastRow[],
  position: number,
  vintage: string,
): string =>
  `INSERT INTO indicator_forecasts
SELECT indicator, geo, CASE WHEN geo = 'province' THEN 'province' ELSE 'commune' END, breakdown, year, value, lo, hi,
       ${p.bind(NOMINAL_COVERAGE)}, method, baseYear, observations, targetOp, targetValue, forecastStatus,
       ${p.bind(position)}, CAST(${p.bind(vintage)} AS DATE), hash
FROM (SELECT unnest(json_transform(${p.bind(JSON.stringify(forecasts))}, '${ROW_TYPE}'), recursive := true))`;
