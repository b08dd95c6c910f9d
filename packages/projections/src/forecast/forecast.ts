/**
 * Forecasts of one indicator series (one geography and breakdown) to the years of its targets, with a
 * prediction interval, and the forecast status of each target: a pure function of the observed values, so the
 * warehouse (after each fold, rebuild or catch-up alike), the API (as of any position) and the backtest
 * (`pnpm backtest` in benchmarks/) all get the same numbers from the same series.
 *
 * How a series is modelled depends on what it measures (its family, from the indicator's unit):
 * - share (percent): on the logit scale, so forecasts and intervals stay inside 0–100 % (values within 1 point of
 *   0 or 100 % are held there, and a forecast that reaches them reads as 0 or 100 %);
 * - rate (per 1,000 people): on the log scale (positive);
 * - count: on the log(1 + x) scale, rounded to whole numbers; a cumulative count never falls below its last value;
 * - rank: on the log scale, rounded to whole ranks, never better than 1;
 * - growth (year-on-year %): as it is.
 *
 * Three methods: `trend` (least squares line on the model scale; the interval from the Student t distribution
 * with n − 2 degrees of freedom, widening with the distance from the fitted years), `drift` (the last value plus
 * the average yearly change so far; the interval from the changes around that average, t with n − 2 degrees of
 * freedom) and `naive` (the last value; the interval from the year-to-year changes, widening with √h). Which one a family ships is `METHOD_BY_FAMILY`,
 * set from the backtest (docs/forecasts.md): a method that does not beat the naive forecast there is not shipped.
 */
import { createRequire } from "node:module";
import type { CatalogEntry } from "@kpi/core";

/**
 * @stdlib's Student t quantile, loaded when a forecast first needs it: the package and its dependencies take a
 * good part of a second to load, which every `kpi` command (and a server's restart) would otherwise pay.
 */
type TQuantile = typeof import("@stdlib/stats-base-dists-t-quantile");
let tQuantile: TQuantile | undefined;
const loadTQuantile = (): TQuantile => {
  tQuantile ??= createRequire(import.meta.url)("@stdlib/stats-base-dists-t-quantile") as TQuantile;
  return tQuantile;
};

export const FAMILIES = ["share", "rate", "count", "rank", "growth"] as const;
export type Family = (typeof FAMILIES)[number];
export type Method = "trend" | "drift" | "naive";

/** The nominal coverage of the prediction intervals. */
export const NOMINAL_COVERAGE = 0.8;
/** A series needs this many observed values to be forecast. */
export const MIN_HISTORY = 4;
/** Targets further than this many years after the last observed value get no forecast. */
export const MAX_HORIZON = 10;

/**
 * The method each family ships, from the backtest on the small sample (docs/forecasts.md): the best method that
 * beat the naive last value on both horizons (`supportedMethods`), naive where none did. `pnpm backtest` fails
 * when this table and the backtest disagree.
 */
export const METHOD_BY_FAMILY: Readonly<Record<Family, Method>> = {
  share: "drift",
  rate: "naive",
  count: "naive",
  rank: "trend",
  growth: "naive",
};

/** Everything the forecasts depend on besides the series: a change recomputes the warehouse's forecasts. */
export const FORECAST_MODEL = {
  version: 1,
  methods: METHOD_BY_FAMILY,
  nominalCoverage: NOMINAL_COVERAGE,
  minHistory: MIN_HISTORY,
  maxHorizon: MAX_HORIZON,
} as const;

export interface Observation {
  readonly year: number;
  readonly value: number;
}

export interface ForecastPoint {
  readonly year: number;
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
}

export interface SeriesModel {
  readonly family: Family;
  /** A cumulative count: never below its last observed value. */
  readonly cumulative: boolean;
}

export const modelOf = (entry: Pick<CatalogEntry, "unit" | "definition">): SeriesModel => ({
  family: familyOfUnit(entry.unit),
  cumulative: entry.definition.kind === "reportedCount" && entry.definition.cumulative === true,
});

export const familyOfUnit = (unit: CatalogEntry["unit"]): Family => {
  switch (unit) {
    case "percent":
      return "share";
    case "per_1000_people":
      return "rate";
    case "count":
      return "count";
    case "rank":
      return "rank";
    case "percent_yoy":
      return "growth";
  }
};

/** Shares are held 1 % inside 0 and 100 % before the logit (0 % and 100 % have no logit). */
const SHARE_EPS = 0.01;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

const snapShare = (v: number): number =>
  v >= 100 * (1 - SHARE_EPS) - 1e-9 ? 100 : v <= 100 * SHARE_EPS + 1e-9 ? 0 : v;

/** To the model scale and back. */
const scale = (family: Family): { readonly to: (v: number) => number; readonly from: (y: number) => number } => {
  switch (family) {
    case "share":
      return {
        to: (v) => {
          const p = clamp(v / 100, SHARE_EPS, 1 - SHARE_EPS);
          return Math.log(p / (1 - p));
        },
        from: (y) => 100 / (1 + Math.exp(-y)),
      };
    case "rate":
      return { to: (v) => Math.log1p(Math.max(v, 0)), from: (y) => Math.max(0, Math.expm1(y)) };
    case "count":
      return { to: (v) => Math.log1p(Math.max(v, 0)), from: (y) => Math.max(0, Math.expm1(y)) };
    case "rank":
      return { to: (v) => Math.log(Math.max(v, 1)), from: Math.exp };
    case "growth":
      return { to: (v) => v, from: (y) => y };
  }
};

/** Point and half-width of the interval on the model scale, for each horizon year. */
type Fit = (year: number) => { readonly mean: number; readonly half: number };

/** The Student t quantile of the interval's upper end, by degrees of freedom (a handful of them; kept). */
const UPPER = new Map<number, number>();
const upper = (df: number): number => {
  let q = UPPER.get(df);
  if (q === undefined) {
    q = loadTQuantile()((1 + NOMINAL_COVERAGE) / 2, df);
    UPPER.set(df, q);
  }
  return q;
};

const trendFit = (xs: readonly number[], ys: readonly number[]): Fit => {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ((xs[i] as number) - mx) ** 2;
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((ys[i] as number) - intercept - slope * (xs[i] as number)) ** 2;
  const s = Math.sqrt(sse / (n - 2));
  const t = upper(n - 2);
  return (year) => ({
    mean: intercept + slope * year,
    half: t * s * Math.sqrt(1 + 1 / n + (sxx === 0 ? 0 : (year - mx) ** 2 / sxx)),
  });
};

const driftFit = (xs: readonly number[], ys: readonly number[]): Fit => {
  const n = xs.length;
  const last = ys[n - 1] as number;
  const lastYear = xs[n - 1] as number;
  const span = lastYear - (xs[0] as number);
  const drift = span === 0 ? 0 : (last - (ys[0] as number)) / span;
  // the changes around the average change; the interval also carries the uncertainty of the drift itself
  let ss = 0;
  for (let i = 1; i < n; i++) {
    const gap = (xs[i] as number) - (xs[i - 1] as number);
    ss += ((ys[i] as number) - (ys[i - 1] as number) - drift * gap) ** 2 / gap;
  }
  const s = Math.sqrt(ss / (n - 2));
  const t = upper(n - 2);
  return (year) => {
    const h = year - lastYear;
    return { mean: last + drift * h, half: t * s * Math.sqrt(h * (1 + h / Math.max(span, 1))) };
  };
};

const naiveFit = (xs: readonly number[], ys: readonly number[]): Fit => {
  const n = xs.length;
  const last = ys[n - 1] as number;
  const lastYear = xs[n - 1] as number;
  // a random walk: the variance of a one-year change, from the changes observed (spread over gaps in years)
  let ss = 0;
  for (let i = 1; i < n; i++) {
    const gap = (xs[i] as number) - (xs[i - 1] as number);
    ss += ((ys[i] as number) - (ys[i - 1] as number)) ** 2 / gap;
  }
  const s = Math.sqrt(ss / (n - 1));
  const t = upper(n - 1);
  return (year) => ({ mean: last, half: t * s * Math.sqrt(year - lastYear) });
};

/**
 * The forecast of a series for each of `years` after its last observed year (others are ignored), or
 * `undefined` when it has fewer than `MIN_HISTORY` values. Observations need not be sorted; null values are
 * left out before calling.
 */
export const forecastSeries = (
  observations: readonly Observation[],
  model: SeriesModel,
  years: readonly number[],
  method: Method = METHOD_BY_FAMILY[model.family],
): ForecastPoint[] | undefined => {
  const obs = [...observations].filter((o) => Number.isFinite(o.value)).sort((a, b) => a.year - b.year);
  if (obs.length < MIN_HISTORY) return undefined;
  const sc = scale(model.family);
  const xs = obs.map((o) => o.year);
  const ys = obs.map((o) => sc.to(o.value));
  const last = obs[obs.length - 1] as Observation;
  const fit = method === "trend" ? trendFit(xs, ys) : method === "drift" ? driftFit(xs, ys) : naiveFit(xs, ys);
  const out: ForecastPoint[] = [];
  for (const year of [...new Set(years)].sort((a, b) => a - b)) {
    if (year <= last.year || year > last.year + MAX_HORIZON) continue;
    const { mean, half } = fit(year);
    let value = sc.from(mean);
    let lo = sc.from(mean - half);
    let hi = sc.from(mean + half);
    if (model.family === "share") {
      // within SHARE_EPS of a bound the scale cannot tell values apart: it reads as the bound itself
      [value, lo, hi] = [value, lo, hi].map(snapShare) as [number, number, number];
    }
    if (model.family === "count" || model.family === "rank") {
      value = Math.round(value);
      lo = Math.floor(lo);
      hi = Math.ceil(hi);
      if (model.family === "rank") {
        value = Math.max(1, value);
        lo = Math.max(1, lo);
        hi = Math.max(1, hi);
      }
    }
    if (model.cumulative) {
      value = Math.max(value, last.value);
      lo = Math.max(lo, last.value);
      hi = Math.max(hi, last.value);
    }
    // a point the arithmetic could not give (an overflow on a log scale) is left out rather than stored
    if ([value, lo, hi].every(Number.isFinite)) out.push({ year, value, lo, hi });
  }
  return out;
};

export type ForecastStatus = "likely" | "uncertain" | "at_risk" | "no_forecast";

const meets = (op: string, value: number, target: number): boolean =>
  (op === ">=" && value >= target) ||
  (op === ">" && value > target) ||
  (op === "<=" && value <= target) ||
  (op === "<" && value < target) ||
  (op === "=" && value === target);

/**
 * A target's forecast status from the interval at the target year: `likely` when the whole interval meets the
 * target, `at_risk` when none of it does (the interval misses the target), `uncertain` in between.
 */
export const forecastStatus = (
  point: ForecastPoint | undefined,
  target: { readonly op: string; readonly value: number },
): ForecastStatus => {
  if (point === undefined) return "no_forecast";
  const loMeets = meets(target.op, point.lo, target.value);
  const hiMeets = meets(target.op, point.hi, target.value);
  if (loMeets && hiMeets) return "likely";
  if (!loMeets && !hiMeets) return "at_risk";
  return "uncertain";
};

/** One row of `indicator_forecasts`: a forecast year of one series, with the target of that year if any. */
export interface SeriesForecast extends ForecastPoint {
  readonly method: Method;
  /** The last observed year and how many values the forecast was fitted on. */
  readonly baseYear: number;
  readonly observations: number;
  readonly targetOp: string | null;
  readonly targetValue: number | null;
  /** For a target year: the status of that target; for other years, null. */
  readonly forecastStatus: ForecastStatus | null;
}

/**
 * The forecasts of one series: every year from the one after its last observed value to its last target year
 * (within `MAX_HORIZON`), each target year with its forecast status. A series too short to forecast, and a target
 * beyond the horizon, get no row (read as `no_forecast`).
 */
export const forecastTargets = (
  entry: Pick<CatalogEntry, "unit" | "definition" | "targets">,
  observations: readonly Observation[],
): SeriesForecast[] => {
  const obs = observations.filter((o) => Number.isFinite(o.value));
  if (obs.length < MIN_HISTORY) return [];
  const model = modelOf(entry);
  const method = METHOD_BY_FAMILY[model.family];
  const baseYear = Math.max(...obs.map((o) => o.year));
  const future = entry.targets.filter((t) => t.year > baseYear && t.year <= baseYear + MAX_HORIZON);
  if (future.length === 0) return [];
  const lastTarget = Math.max(...future.map((t) => t.year));
  const years = Array.from({ length: lastTarget - baseYear }, (_, i) => baseYear + 1 + i);
  const points = forecastSeries(obs, model, years, method) ?? [];
  return points.map((p) => {
    const t = future.find((x) => x.year === p.year);
    return {
      ...p,
      method,
      baseYear,
      observations: obs.length,
      targetOp: t?.op ?? null,
      targetValue: t?.value ?? null,
      forecastStatus: t === undefined ? null : forecastStatus(p, t),
    };
  });
};
