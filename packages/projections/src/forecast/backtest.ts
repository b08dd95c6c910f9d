/**
 * The backtest of the forecast methods: for every series with enough history, hold out its last h observed
 * values (h = 1, 2), forecast the last one from the rest, and compare with what was observed. Per family, horizon
 * and method: the mean absolute error (in the indicator's unit) and the share of held-out values inside the
 * interval (its actual coverage, against `NOMINAL_COVERAGE`). Pure: `pnpm backtest` (benchmarks/) feeds it the
 * series of a sample warehouse and prints the table of docs/forecasts.md.
 */
import {
  type Family,
  forecastSeries,
  METHOD_BY_FAMILY,
  type Method,
  MIN_HISTORY,
  type Observation,
  type SeriesModel,
} from "./forecast.js";

export interface BacktestSeries {
  readonly model: SeriesModel;
  readonly observations: readonly Observation[];
}

export interface BacktestRow {
  readonly family: Family;
  readonly horizon: number;
  readonly method: Method;
  /** How many series had enough history to be held out at this horizon. */
  readonly series: number;
  readonly mae: number;
  readonly coverage: number;
}

export const METHODS: readonly Method[] = ["naive", "drift", "trend"];

export const backtest = (all: readonly BacktestSeries[], horizons: readonly number[] = [1, 2]): BacktestRow[] => {
  const out: BacktestRow[] = [];
  const families = [...new Set(all.map((s) => s.model.family))].sort();
  for (const family of families) {
    for (const horizon of horizons) {
      for (const method of METHODS) {
        let n = 0;
        let abs = 0;
        let inside = 0;
        for (const s of all) {
          if (s.model.family !== family) continue;
          const obs = [...s.observations].sort((a, b) => a.year - b.year);
          if (obs.length < MIN_HISTORY + horizon) continue;
          const train = obs.slice(0, obs.length - horizon);
          const actual = obs[obs.length - 1] as Observation;
          const p = forecastSeries(train, s.model, [actual.year], method)?.[0];
          if (p === undefined) continue;
          n++;
          abs += Math.abs(p.value - actual.value);
          if (p.lo <= actual.value && actual.value <= p.hi) inside++;
        }
        if (n > 0) out.push({ family, horizon, method, series: n, mae: abs / n, coverage: inside / n });
      }
    }
  }
  return out;
};

/**
 * The method each family should ship: among the methods that beat the naive last value at every horizon (lower
 * MAE), the one with the lowest MAE summed over the horizons; naive when none does. Families the backtest has no
 * series for are not judged.
 */
export const supportedMethods = (rows: readonly BacktestRow[]): Partial<Record<Family, Method>> => {
  const out: Partial<Record<Family, Method>> = {};
  for (const family of new Set(rows.map((r) => r.family))) {
    const of = (m: Method) => rows.filter((r) => r.family === family && r.method === m);
    const naive = of("naive");
    let best: { method: Method; mae: number } = { method: "naive", mae: Number.POSITIVE_INFINITY };
    for (const m of METHODS.filter((x) => x !== "naive")) {
      const mine = of(m);
      const beats =
        naive.length > 0 &&
        naive.every((nv) => {
          const r = mine.find((x) => x.horizon === nv.horizon);
          return r !== undefined && r.mae < nv.mae;
        });
      const total = mine.reduce((a, r) => a + r.mae, 0);
      if (beats && total < best.mae) best = { method: m, mae: total };
    }
    out[family] = best.method;
  }
  return out;
};

/** Families whose shipped method (`METHOD_BY_FAMILY`) is not the one the backtest supports. */
export const unsupportedShipments = (rows: readonly BacktestRow[]): Family[] => {
  const supported = supportedMethods(rows);
  return (Object.keys(supported) as Family[]).filter((f) => supported[f] !== METHOD_BY_FAMILY[f]);
};
