/**
 * `appendForecasts`: the rows `forecastTargets` made go into `indicator_forecasts` as they are, with the level,
 * the nominal coverage and the checkpoint's position and vintage; in the connection's transaction (a rollback
 * takes them back); and a table not of the shape `schema.ts` makes is refused before a row goes in.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { NOMINAL_COVERAGE } from "../forecast/forecast.js";
import { appendForecasts, type ForecastRow } from "./forecastsSql.js";
import { WAREHOUSE_DDL } from "./schema.js";

const row = (over: Partial<ForecastRow>): ForecastRow => ({
  indicator: "A",
  geo: "province",
  breakdown: "",
  hash: "h",
  year: 2030,
  value: 60.25,
  lo: 50.5,
  hi: 70.125,
  method: "drift",
  baseYear: 2026,
  observations: 8,
  targetOp: ">=",
  targetValue: 65,
  forecastStatus: "uncertain",
  ...over,
});

const open = async () => {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  await c.run(WAREHOUSE_DDL);
  return c;
};

describe("appendForecasts", () => {
  it("appends every row with its level, the coverage, the position and the vintage; nulls stay null", async () => {
    const c = await open();
    const rows = [
      row({}),
      row({ geo: "29280", breakdown: "C", year: 2027, targetOp: null, targetValue: null, forecastStatus: null }),
    ];
    await appendForecasts(c, rows, 4242, "2026-12-05");
    const got = (
      await c.runAndReadAll(
        `SELECT indicator, geo, level, breakdown, year, value, lo, hi, coverage, method, base_year, observations,
                target_op, target_value, forecast_status, CAST(position AS DOUBLE) AS position,
                strftime(vintage, '%Y-%m-%d') AS vintage, definition_hash
         FROM indicator_forecasts ORDER BY geo DESC`,
      )
    ).getRowObjectsJS();
    // what both rows hold alike: the forecast itself, the coverage, the position and the vintage
    const same = {
      indicator: "A",
      value: 60.25,
      lo: 50.5,
      hi: 70.125,
      coverage: NOMINAL_COVERAGE,
      method: "drift",
      base_year: 2026,
      observations: 8,
      position: 4242,
      vintage: "2026-12-05",
      definition_hash: "h",
    };
    expect(got).toEqual([
      {
        ...same,
        geo: "province",
        level: "province",
        breakdown: "",
        year: 2030,
        target_op: ">=",
        target_value: 65,
        forecast_status: "uncertain",
      },
      {
        ...same,
        geo: "29280",
        level: "commune",
        breakdown: "C",
        year: 2027,
        target_op: null,
        target_value: null,
        forecast_status: null,
      },
    ]);
  });

  it("appends in the open transaction: a rollback leaves no row", async () => {
    const c = await open();
    await c.run("BEGIN TRANSACTION");
    await appendForecasts(c, [row({})], 1, "2026-01-01");
    expect((await c.runAndReadAll("SELECT count(*)::INTEGER FROM indicator_forecasts")).getRows()[0]?.[0]).toBe(1);
    await c.run("ROLLBACK");
    expect((await c.runAndReadAll("SELECT count(*)::INTEGER FROM indicator_forecasts")).getRows()[0]?.[0]).toBe(0);
  });

  it("refuses a table whose columns are not schema.ts's, and appends nothing", async () => {
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    await c.run(
      "CREATE TABLE indicator_forecasts (indicator VARCHAR, geo VARCHAR, breakdown VARCHAR, year INTEGER, value DOUBLE)",
    );
    await expect(appendForecasts(c, [row({})], 1, "2026-01-01")).rejects.toThrow(
      /indicator_forecasts has the columns VARCHAR, VARCHAR, VARCHAR, INTEGER, DOUBLE, not .*run kpi rebuild/,
    );
    expect((await c.runAndReadAll("SELECT count(*)::INTEGER FROM indicator_forecasts")).getRows()[0]?.[0]).toBe(0);
  });

  it("refuses a forecast that is not a number, and a vintage that is not a day, and appends nothing", async () => {
    const c = await open();
    await expect(appendForecasts(c, [row({}), row({ year: 2031, lo: Number.NaN })], 1, "2026-01-01")).rejects.toThrow(
      /the forecast of A province {2}2031 is not a number \(60\.25, NaN–70\.125\)/,
    );
    await expect(appendForecasts(c, [row({})], 1, "2026-13-45")).rejects.toThrow(/must be a day/);
    expect((await c.runAndReadAll("SELECT count(*)::INTEGER FROM indicator_forecasts")).getRows()[0]?.[0]).toBe(0);
  });
});
