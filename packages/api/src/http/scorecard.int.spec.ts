/**
 * GET /v1/scorecard: every indicator once, grouped by area, each entry the province's overall figure as the
 * series route gives it (the latest year with a value, or the year asked for), with its status labelled.
 */
import { tableFromIPC } from "apache-arrow";
import type { FastifyInstance } from "fastify";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestWarehouse, testApp, testWarehouse } from "./testWarehouse.fixture.js";

let t: TestWarehouse;
let app: FastifyInstance;

beforeAll(async () => {
  t = await testWarehouse();
  app = await testApp(t.warehouse);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

interface Entry {
  indicator: string;
  year: number | null;
  value: number | null;
  status: string;
  targetValue: number | null;
  statusLabel: { vi: string; en: string } | null;
}
interface Point {
  year: number;
  breakdown: string;
  value: number | null;
  status: string;
  targetValue: number | null;
}

const entries = async (query = "") => {
  const r = await app.inject({ url: `/v1/scorecard${query}` });
  expect(r.statusCode).toBe(200);
  return r.json() as { position: number; areas: { area: string; indicators: Entry[] }[] };
};

describe("GET /v1/scorecard", () => {
  it("lists every indicator once, grouped by area, as the series route has its latest figure", async () => {
    const catalog = (await app.inject({ url: "/v1/indicators" })).json() as {
      indicators: { code: string; area: string }[];
    };
    const body = await entries();
    const all = body.areas.flatMap((a) => a.indicators.map((e) => ({ ...e, area: a.area })));
    expect(all.map((e) => e.indicator).sort()).toEqual(catalog.indicators.map((i) => i.code).sort());
    for (const e of all) expect(e.area).toBe(catalog.indicators.find((i) => i.code === e.indicator)?.area);
    let withValue = 0;
    for (const e of all) {
      const series = (await app.inject({ url: `/v1/indicators/${e.indicator}/series` })).json() as { points: Point[] };
      const latest = series.points.filter((p) => p.breakdown === "" && p.value !== null).at(-1);
      if (latest === undefined) {
        expect(e).toMatchObject({ year: null, value: null, status: "no_data" });
        continue;
      }
      withValue++;
      expect({ year: e.year, value: e.value, status: e.status, targetValue: e.targetValue }).toEqual({
        year: latest.year,
        value: latest.value,
        status: latest.status,
        targetValue: latest.targetValue,
      });
      // a status judged against a trajectory from a withheld first value is withheld (docs/semantics.md)
      if (e.status === null) expect(e.statusLabel).toBeNull();
      else expect(e.statusLabel?.vi.length).toBeGreaterThan(0);
    }
    expect(withValue).toBeGreaterThan(30);
  });

  it("takes a year, answers CSV with labels, and refuses what it does not know", async () => {
    const y2025 = (await entries("?year=2025")).areas.flatMap((a) => a.indicators);
    const values = (
      await app.inject({ url: "/v1/indicators/PAYMENT_ACCT_15/values?year=2025&level=province" })
    ).json() as {
      values: Point[];
    };
    expect(y2025.find((e) => e.indicator === "PAYMENT_ACCT_15")).toMatchObject({
      year: 2025,
      value: values.values[0]?.value,
      status: values.values[0]?.status,
    });
    const csv = await app.inject({ url: "/v1/scorecard?format=csv" });
    const lines = csv.body.trim().split("\r\n");
    expect(lines[0]).toBe(
      "area,indicator,name_vi,name_en,unit,unit_vi,unit_en,direction,year,value,target_year,target_op,target_value,status,status_vi,status_en,provisional,estimated,break_in_series,implausible,implausible_reason," +
        "forecast_target_year,forecast_value,forecast_lo,forecast_hi,forecast_status",
    );
    expect(lines).toHaveLength(y2025.length + 1);
    expect(csv.body).toMatch(/,met,Đã đạt,Met|,on_track,Đúng lộ trình,On track|,off_track,/);
    expect((await app.inject({ url: "/v1/scorecard?yaer=2025" })).statusCode).toBe(400);
  });

  it("profiles one commune on every indicator, with the province of the same year beside it", async () => {
    const geo = "28261";
    const r = await app.inject({ url: `/v1/communes/${geo}/profile` });
    expect(r.statusCode).toBe(200);
    const body = r.json() as {
      commune: { code: string; name: string };
      indicators: (Entry & { suppressed: boolean; province: { value: number | null; status: string } })[];
    };
    expect(body.commune.code).toBe(geo);
    expect(body.commune.name).toMatch(/^(Xã|Phường) /);
    let shown = 0;
    for (const e of body.indicators) {
      const series = (await app.inject({ url: `/v1/indicators/${e.indicator}/series?geo=${geo}` })).json() as {
        points: (Point & { suppressed: boolean })[];
      };
      const latest = series.points.filter((p) => p.breakdown === "" && (p.value !== null || p.suppressed)).at(-1);
      if (latest === undefined) {
        expect(e).toMatchObject({ year: null, value: null, status: "no_data" });
        continue;
      }
      shown++;
      expect({ year: e.year, value: e.value, status: e.status, suppressed: e.suppressed }).toEqual({
        year: latest.year,
        value: latest.value,
        status: latest.status,
        suppressed: latest.suppressed,
      });
      const province = (await app.inject({ url: `/v1/indicators/${e.indicator}/series` })).json() as {
        points: Point[];
      };
      const same = province.points.find((p) => p.breakdown === "" && p.year === latest.year);
      expect(e.province.value).toBe(same?.value ?? null);
    }
    expect(shown).toBeGreaterThan(10);
    const csv = await app.inject({ url: `/v1/communes/${geo}/profile?format=csv&year=2025` });
    expect(csv.body.split("\r\n")[0]).toBe(
      "area,indicator,name_vi,name_en,unit,year,value,status,status_vi,status_en,provisional,estimated,break_in_series,implausible,implausible_reason,suppressed,province_value,province_status," +
        "forecast_target_year,forecast_value,forecast_lo,forecast_hi,forecast_status",
    );
    const unknown = await app.inject({ url: "/v1/communes/99999/profile" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: "unknown_commune" });
    expect((await app.inject({ url: "/v1/communes/province/profile" })).json().message).toContain("/v1/scorecard");
  });

  it("gives several indicators for several geographies in one call, as the series route gives each", async () => {
    const r = await app.inject({
      url: "/v1/series?indicators=DIGSIG_ADULT,PAYMENT_ACCT_15&geos=province,28261&from=2023&to=2025",
    });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { series: { indicator: string; geo: string; points: Point[] }[] };
    expect(body.series.map((s) => `${s.indicator}@${s.geo}`)).toEqual([
      "DIGSIG_ADULT@province",
      "DIGSIG_ADULT@28261",
      "PAYMENT_ACCT_15@province",
      "PAYMENT_ACCT_15@28261",
    ]);
    for (const s of body.series) {
      const one = (
        await app.inject({ url: `/v1/indicators/${s.indicator}/series?geo=${s.geo}&from=2023&to=2025` })
      ).json() as {
        points: Point[];
      };
      expect(s.points).toEqual(one.points);
    }
    const csv = await app.inject({
      url: "/v1/series?indicators=DIGSIG_ADULT,PAYMENT_ACCT_15&geos=province,28261&from=2023&to=2025&format=csv",
    });
    expect(csv.body.trim().split("\r\n")).toHaveLength(1 + body.series.reduce((n, s) => n + s.points.length, 0));
    expect((await app.inject({ url: "/v1/series?indicators=NOPE" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/v1/series?indicators=DIGSIG_ADULT&geos=99999" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/v1/series?indicators=," })).statusCode).toBe(400);
  });
});

describe("for apps: freshness, labels, integer columns and a clean OpenAPI document", () => {
  it("says how current the figures are by date and vintage, not only by log position", async () => {
    const body = (await app.inject({ url: "/v1/scorecard" })).json() as {
      position: number;
      vintage: string | null;
      updatedAt: string;
    };
    const meta = await t.warehouse.query<{ value: string }>("SELECT value FROM projection_meta WHERE key = 'vintage'");
    expect(body.vintage).toBe(meta[0]?.value);
    expect(body.vintage).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number.isNaN(Date.parse(body.updatedAt))).toBe(false);
    const health = (await app.inject({ url: "/v1/health" })).json() as { vintage: string; position: number };
    expect(health.vintage).toBe(body.vintage);
    const profile = (await app.inject({ url: "/v1/communes/28261/profile" })).json() as { vintage: string };
    expect(profile.vintage).toBe(body.vintage);
  });

  it("labels status, unit, plan area and breakdown codes in Vietnamese and English", async () => {
    const labels = (await app.inject({ url: "/v1/labels" })).json() as Record<
      string,
      Record<string, { vi: string; en: string }>
    >;
    expect(labels.status?.off_track).toEqual({ vi: "Chậm so với lộ trình", en: "Off track" });
    expect(labels.unit?.rank?.en).toBe("rank (1 is best)");
    expect(labels.breakdown?.C?.en).toBe("C · Manufacturing");
    const catalog = (await app.inject({ url: "/v1/indicators" })).json() as {
      indicators: { area: string; unit: string }[];
    };
    for (const i of catalog.indicators) {
      expect(labels.area?.[i.area], i.area).toBeDefined();
      expect(labels.unit?.[i.unit], i.unit).toBeDefined();
    }
    const card = (await app.inject({ url: "/v1/scorecard" })).json() as {
      areas: { area: string; label: { vi: string }; indicators: { unit: string; unitLabel: { en: string } }[] }[];
    };
    for (const a of card.areas) {
      expect(a.label.vi).toBe(labels.area?.[a.area]?.vi);
      for (const e of a.indicators) expect(e.unitLabel.en).toBe(labels.unit?.[e.unit]?.en);
    }
    const sector = (await app.inject({ url: "/v1/series?indicators=DE_SECTOR" })).json() as {
      series: { points: { breakdown: string }[]; breakdownLabels: Record<string, { vi: string; en: string }> }[];
    };
    const codes = new Set(sector.series[0]?.points.map((p) => p.breakdown));
    expect(codes.size).toBeGreaterThan(1);
    for (const c of codes) expect(sector.series[0]?.breakdownLabels[c]).toEqual(labels.breakdown?.[c]);
    const csv = await app.inject({ url: "/v1/series?indicators=DE_SECTOR&format=csv" });
    expect(csv.body.split("\r\n")[0]).toContain("breakdown,breakdown_vi,breakdown_en");
    expect(csv.body.split("\r\n")[1]).toMatch(
      /^DE_SECTOR,"Tỷ trọng kinh tế số trong từng ngành, lĩnh vực",Digital economy share in each sector,province,/,
    );
  });

  it("gives counts and log positions as integers in Arrow, amounts as floats in their own columns", async () => {
    const arrow = async (url: string) => {
      const r = await app.inject({ url, headers: { accept: "application/vnd.apache.arrow.stream" } });
      expect(r.statusCode).toBe(200);
      return tableFromIPC(r.rawPayload);
    };
    const type = (table: Awaited<ReturnType<typeof arrow>>, name: string) =>
      String(table.schema.fields.find((f) => f.name === name)?.type);
    const share = await arrow("/v1/indicators/DIGSIG_ADULT/values?year=2025");
    expect(type(share, "numerator")).toBe("Int64");
    expect(type(share, "denominator")).toBe("Int64");
    expect(type(share, "position")).toBe("Int64");
    expect(type(share, "year")).toBe("Int32");
    const row = share.toArray().find((r) => r.numerator !== null);
    const json = (await app.inject({ url: "/v1/indicators/DIGSIG_ADULT/values?year=2025" })).json() as {
      values: { geo: string; numerator: number | null }[];
    };
    expect(Number(row?.numerator)).toBe(json.values.find((v) => v.geo === row?.geo)?.numerator);
    // a survey's head counts are counts too, though its kind (reportedRatio) is that of GRDP's shares
    const survey = await arrow("/v1/indicators/POP_DIGITAL_SKILLS/values?year=2025");
    expect(type(survey, "numerator")).toBe("Int64");
    expect(survey.toArray().some((r) => r.numerator !== null)).toBe(true);
    // amounts in their own pair (Float64), the counts' pair empty; every answer has the same columns
    const amounts = await arrow("/v1/indicators/DE_GRDP/series");
    expect(type(amounts, "numerator")).toBe("Int64");
    expect(type(amounts, "numerator_amount")).toBe("Float64");
    expect(type(amounts, "denominator_amount")).toBe("Float64");
    expect(type(amounts, "position")).toBe("Int64");
    const grdp = (await app.inject({ url: "/v1/indicators/DE_GRDP/series" })).json() as {
      points: { year: number; numerator: number | null; denominator: number | null; parts: string }[];
    };
    const known = grdp.points.filter((p) => p.numerator !== null);
    expect(known.length).toBeGreaterThan(0);
    expect(grdp.points.every((p) => p.parts === "amount")).toBe(true);
    const byYear = new Map(amounts.toArray().map((r) => [r.year as number, r]));
    for (const p of known) {
      expect(byYear.get(p.year)?.numerator).toBeNull();
      expect(byYear.get(p.year)?.numerator_amount).toBe(p.numerator);
      expect(byYear.get(p.year)?.denominator_amount).toBe(p.denominator);
      expect(byYear.get(p.year)?.parts).toBe("amount");
    }
    const mixed = await arrow("/v1/series?indicators=DIGSIG_ADULT,DE_GRDP");
    expect(type(mixed, "numerator")).toBe("Int64");
    expect(type(mixed, "numerator_amount")).toBe("Float64");
    // CSV: the same columns
    const csv = (await app.inject({ url: "/v1/indicators/DE_GRDP/series?format=csv" })).body.split("\r\n");
    expect(csv[0]).toContain(",parts,numerator,denominator,numerator_amount,denominator_amount,value,");
  });

  it("names shared shapes as OpenAPI components, and a generated client has one clean type for each", async () => {
    const doc = (await app.inject({ url: "/docs/json" })).json() as {
      components: { schemas: Record<string, unknown> };
    };
    const names = Object.keys(doc.components.schemas);
    for (const n of ["Figure", "Indicator", "Target", "Commune", "Label", "Error", "ScorecardEntry", "ProfileEntry"]) {
      expect(names).toContain(n);
    }
    expect(names.filter((n) => n.startsWith("def-"))).toEqual([]);
    const source = astToString(await openapiTS(doc as never));
    expect(source).not.toContain("def-");
    expect(source).toMatch(/ScorecardEntry: \{/);
    expect(source).toContain('components["schemas"]["ScorecardEntry"][]');
    expect(source).toContain('components["schemas"]["Figure"][]');
    // the generated module compiles, and a client can type a scorecard entry with it
    const client = `${source}\nconst e: components["schemas"]["ScorecardEntry"] = null as never;\nexport const label: string = e.statusLabel?.vi ?? "";\n`;
    const out = ts.transpileModule(client, { reportDiagnostics: true, compilerOptions: { strict: true } });
    expect(out.diagnostics ?? []).toEqual([]);
    const host = ts.createCompilerHost({ strict: true, noEmit: true, skipLibCheck: true });
    const original = host.getSourceFile;
    host.getSourceFile = (name, lang, ...rest) =>
      name === "client.ts" ? ts.createSourceFile(name, client, lang) : original(name, lang, ...rest);
    const program = ts.createProgram(["client.ts"], { strict: true, noEmit: true, skipLibCheck: true }, host);
    expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))).toEqual(
      [],
    );
  }, 60_000);
});
