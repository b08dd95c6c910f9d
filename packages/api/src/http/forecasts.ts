/**
 * Forecasts as the API serves them: computed from the published figures of a series with the warehouse's own
 * pure `forecastTargets` (so at the checkpoint they equal `published_indicator_forecasts`, and as of an earlier
 * position they are the forecasts that were made then). A series with any withheld figure gets no forecast, as
 * in the published view. Every forecast carries `forecast: true`; forecasts are never mixed into `points`.
 *
 * `riskRanking` orders the communes (and the province) by how far their forecast misses a target year:
 * at_risk first, then uncertain, then likely, each by the shortfall of the point forecast.
 */
import type { CatalogEntry } from "@kpi/core";
import { type ForecastStatus, forecastTargets, NOMINAL_COVERAGE, type SeriesForecast } from "@kpi/projections";
import type { Figure } from "./figures.js";

export interface ForecastFigure {
  readonly forecast: true;
  readonly indicator: string;
  readonly geo: string;
  readonly breakdown: string;
  readonly year: number;
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
  /** The nominal coverage of lo–hi. */
  readonly coverage: number;
  readonly method: SeriesForecast["method"];
  readonly baseYear: number;
  readonly observations: number;
  readonly targetOp: string | null;
  readonly targetValue: number | null;
  readonly forecastStatus: ForecastStatus | null;
  /** The log position of the figures the forecast comes from. */
  readonly position: number;
}

/** The forecasts of every series (breakdown) of one indicator in one geography, from its published figures. */
export const forecastsOf = (entry: CatalogEntry, figures: readonly Figure[]): ForecastFigure[] => {
  const series = new Map<string, Figure[]>();
  for (const f of figures) series.set(f.breakdown, [...(series.get(f.breakdown) ?? []), f]);
  const out: ForecastFigure[] = [];
  for (const [breakdown, fs] of [...series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (fs.some((f) => f.suppressed)) continue;
    const first = fs[0];
    if (first === undefined) continue;
    const obs = fs.flatMap((f) => (f.value === null ? [] : [{ year: f.year, value: f.value }]));
    for (const p of forecastTargets(entry, obs)) {
      out.push({
        forecast: true,
        indicator: entry.code,
        geo: first.geo,
        breakdown,
        year: p.year,
        value: p.value,
        lo: p.lo,
        hi: p.hi,
        coverage: NOMINAL_COVERAGE,
        method: p.method,
        baseYear: p.baseYear,
        observations: p.observations,
        targetOp: p.targetOp,
        targetValue: p.targetValue,
        forecastStatus: p.forecastStatus,
        position: first.position,
      });
    }
  }
  return out;
};

/** The forecast at the first target year after the data (overall series), or undefined when there is none. */
export const nextTargetForecast = (entry: CatalogEntry, figures: readonly Figure[]): ForecastFigure | undefined =>
  forecastsOf(
    entry,
    figures.filter((f) => f.breakdown === ""),
  ).find((f) => f.forecastStatus !== null);

const STATUS_ORDER: Readonly<Record<ForecastStatus, number>> = { at_risk: 0, uncertain: 1, likely: 2, no_forecast: 3 };

/** How far the point forecast falls short of the target (positive: short; negative: beyond it), in its unit. */
export const shortfall = (f: ForecastFigure): number | null =>
  f.targetValue === null || f.targetOp === null
    ? null
    : f.targetOp.startsWith("<")
      ? f.value - f.targetValue
      : f.targetValue - f.value;

export interface RiskRow {
  readonly rank: number;
  readonly geo: string;
  readonly forecast: ForecastFigure;
  readonly shortfall: number | null;
}

/** Geographies with a forecast at `year`, the most at risk first (see the module comment). */
export const riskRanking = (forecasts: readonly ForecastFigure[], year: number): RiskRow[] =>
  forecasts
    .filter((f) => f.year === year && f.breakdown === "" && f.forecastStatus !== null)
    .map((forecast) => ({ geo: forecast.geo, forecast, shortfall: shortfall(forecast) }))
    .sort(
      (a, b) =>
        STATUS_ORDER[a.forecast.forecastStatus ?? "no_forecast"] -
          STATUS_ORDER[b.forecast.forecastStatus ?? "no_forecast"] ||
        (b.shortfall ?? 0) - (a.shortfall ?? 0) ||
        (a.geo < b.geo ? -1 : a.geo > b.geo ? 1 : 0),
    )
    .map((r, i) => ({ rank: i + 1, ...r }));
