/** The exact SQL of `indicator_forecasts` (the rows it gives are checked in forecasts.int.spec.ts). */
import { describe, expect, it } from "vitest";
import { deleteForecastsSql, forecastSeriesSql, insertForecastsSql } from "./forecastsSql.js";
import { Params } from "./sql.js";

describe("forecastsSql", () => {
  it("reads the observed series of the indicators asked for, values bound", () => {
    const p = new Params();
    expect(forecastSeriesSql(p, ["A", "B"])).toBe(
      `SELECT indicator, geo, breakdown, any_value(definition_hash) AS definition_hash,
       list(year ORDER BY year) AS years, list(value ORDER BY year) AS values
FROM indicator_values WHERE value IS NOT NULL AND indicator IN ($p0, $p1)
GROUP BY indicator, geo, breakdown ORDER BY indicator, geo, breakdown`,
    );
    expect(p.values).toEqual({ p0: "A", p1: "B" });
    expect(deleteForecastsSql(new Params(), [])).toBe("DELETE FROM indicator_forecasts WHERE indicator IN (NULL)");
  });

  it("inserts every forecast row from one bound JSON parameter", () => {
    const p = new Params();
    const row = {
      indicator: "A",
      geo: "province",
      breakdown: "",
      hash: "h",
      year: 2030,
      value: 60,
      lo: 50,
      hi: 70,
      method: "drift" as const,
      baseYear: 2026,
      observations: 8,
      targetOp: ">=",
      targetValue: 65,
      forecastStatus: "uncertain" as const,
    };
    const text = insertForecastsSql(p, [row], 42, "2026-12-05");
    expect(text).toBe(
      `INSERT INTO indicator_forecasts
SELECT indicator, geo, CASE WHEN geo = 'province' THEN 'province' ELSE 'commune' END, breakdown, year, value, lo, hi,
       $p0, method, baseYear, observations, targetOp, targetValue, forecastStatus,
       $p1, CAST($p2 AS DATE), hash
FROM (SELECT unnest(json_transform($p3, '[{"indicator":"VARCHAR","geo":"VARCHAR","breakdown":"VARCHAR","year":"INTEGER","value":"DOUBLE","lo":"DOUBLE","hi":"DOUBLE","method":"VARCHAR","baseYear":"INTEGER","observations":"INTEGER","targetOp":"VARCHAR","targetValue":"DOUBLE","forecastStatus":"VARCHAR","hash":"VARCHAR"}]'), recursive := true))`,
    );
    expect(p.values).toEqual({ p0: 0.8, p1: 42, p2: "2026-12-05", p3: JSON.stringify([row]) });
  });
});
