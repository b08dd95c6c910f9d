/** The exact SQL of `indicator_forecasts` (the rows it gives, and the append, are checked in the int specs). */
import { describe, expect, it } from "vitest";
import { deleteForecastsSql, forecastSeriesSql } from "./forecastsSql.js";
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
});
