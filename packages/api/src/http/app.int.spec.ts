/**
 * The read routes through `app.inject()` (no port) on the tiny sample: answers agree with the warehouse's own
 * published view, small cells are withheld, content negotiation, ETag/304, as-of reads agree with the
 * checkpoint's figures, and bad input is a 4xx in the one error shape.
 */
import { tableFromIPC } from "apache-arrow";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiConfig, type TestWarehouse, TOKENS, testApp, testWarehouse } from "./testWarehouse.fixture.js";

let t: TestWarehouse;
let app: FastifyInstance;
let checkpoint: number;

beforeAll(async () => {
  t = await testWarehouse();
  app = await testApp(t.warehouse);
  checkpoint = await t.warehouse.checkpoint();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: "GET", url, headers });

interface Point {
  year: number;
  breakdown: string;
  numerator: number | null;
  denominator: number | null;
  value: number | null;
  targetYear: number | null;
  targetOp: string | null;
  targetValue: number | null;
  trajectory: number | null;
  baselineSource: string | null;
  status: string | null;
  suppressed: boolean;
  provisional: boolean;
  estimated: boolean;
  breakInSeries: boolean;
  implausible: boolean;
  implausibleReason: string | null;
}

interface ViewRow {
  indicator: string;
  geo: string;
  year: number;
  breakdown: string;
  numerator: number | null;
  denominator: number | null;
  value: number | null;
  target_year: number | null;
  target_op: string | null;
  target_value: number | null;
  trajectory: number | null;
  baseline_source: string | null;
  status: string | null;
  suppressed: boolean;
  provisional: boolean;
  estimated: boolean;
  break_in_series: boolean;
  implausible: boolean;
  implausible_reason: string | null;
}

const published = (where: string, params: Record<string, string | number>) =>
  t.warehouse.query<ViewRow>(
    `SELECT indicator, geo, year, breakdown, CAST(coalesce(numerator, numerator_amount) AS DOUBLE) AS numerator,
            CAST(coalesce(denominator, denominator_amount) AS DOUBLE) AS denominator, value, target_year, target_op, target_value, trajectory,
            baseline_source, status, suppressed, provisional, estimated, break_in_series, implausible,
            implausible_reason
     FROM published_indicator_values WHERE ${where} ORDER BY geo, breakdown, year`,
    params,
  );

/** Everything but the trajectory, which the API may withhold more often than the view (tested apart). */
const comparable = (p: Point | ViewRow) => ({
  year: p.year,
  breakdown: p.breakdown,
  numerator: p.numerator,
  denominator: p.denominator,
  value: p.value,
  target: "targetYear" in p ? [p.targetYear, p.targetOp, p.targetValue] : [p.target_year, p.target_op, p.target_value],
  status: p.status,
  suppressed: p.suppressed,
  flags:
    "breakInSeries" in p
      ? [p.provisional, p.estimated, p.breakInSeries, p.implausible, p.implausibleReason]
      : [p.provisional, p.estimated, p.break_in_series, p.implausible, p.implausible_reason],
  baselineSource: "baselineSource" in p ? p.baselineSource : p.baseline_source,
});

describe("catalog and communes", () => {
  it("lists the 39 indicators with their targets and the documents they come from", async () => {
    const r = await get("/v1/indicators");
    expect(r.statusCode).toBe(200);
    const body = r.json() as {
      indicators: { code: string; facts: string[]; targets: { source: { document: string; titleVi?: string } }[] }[];
    };
    expect(body.indicators).toHaveLength(39);
    const payment = body.indicators.find((e) => e.code === "PAYMENT_ACCT_15");
    expect(payment?.facts).toContain("PaymentAccountOpened");
    expect(payment?.targets[0]?.source.document).toBe("KH-315-2025");
    expect(payment?.targets[0]?.source.titleVi).toMatch(/kinh tế số/);
  });

  it("answers one indicator, and 404 unknown_indicator with a suggestion for a wrong code", async () => {
    expect((await get("/v1/indicators/DE_GRDP")).json()).toMatchObject({ code: "DE_GRDP", unit: "percent" });
    const r = await get("/v1/indicators/de_grdp");
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ statusCode: 404, code: "unknown_indicator", error: "Not Found" });
    expect(r.json().message).toContain('did you mean "DE_GRDP"');
  });

  it("lists the 102 communes, as JSON and CSV", async () => {
    expect((await get("/v1/communes")).json().communes).toHaveLength(102);
    const csv = await get("/v1/communes", { accept: "text/csv" });
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split("\r\n");
    expect(lines[0]).toBe("code,name,type,type_en,old_province,area_km2,population");
    expect(lines).toHaveLength(103);
  });

  it("reports health: the checkpoint, the head and the year range", async () => {
    expect((await get("/v1/health")).json()).toMatchObject({
      status: "ok",
      position: checkpoint,
      logHead: checkpoint,
      behind: 0,
      years: { first: 2019, last: 2026 },
      indicators: 39,
      communes: 102,
    });
  });
});

describe("series and values agree with the warehouse's published view", () => {
  it("every indicator's province series and each commune series", async () => {
    const codes = (await t.warehouse.query<{ code: string }>("SELECT code FROM indicators ORDER BY code")).map(
      (r) => r.code,
    );
    let compared = 0;
    for (const code of codes) {
      const geos = await t.warehouse.query<{ geo: string }>(
        "SELECT DISTINCT geo FROM indicator_values WHERE indicator = $code ORDER BY geo",
        { code },
      );
      for (const { geo } of geos) {
        const r = await get(`/v1/indicators/${code}/series?geo=${geo}`);
        expect(r.statusCode, `${code} ${geo}`).toBe(200);
        const points = (r.json() as { points: Point[] }).points;
        const view = await published("indicator = $code AND geo = $geo", { code, geo });
        expect(points.map(comparable), `${code} ${geo}`).toEqual(view.map(comparable));
        compared += points.length;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it("withholds small cells, and the trajectory of a commune series with a withheld value", async () => {
    const rows = await t.warehouse.query<{ indicator: string; geo: string; breakdown: string; first: number }>(
      `SELECT v.indicator, v.geo, v.breakdown, min(v.year) AS first FROM indicator_values v
       WHERE v.level = 'commune' AND v.value IS NOT NULL
         AND v.year < (SELECT min(year) FROM indicator_targets t WHERE t.indicator = v.indicator)
       GROUP BY ALL HAVING arg_min(v.suppressed, v.year) ORDER BY ALL LIMIT 1`,
    );
    const first = rows[0];
    expect(first, "the tiny sample has a commune series whose first figure is a small cell").toBeDefined();
    if (first === undefined) return;
    const body = (await get(`/v1/indicators/${first.indicator}/series?geo=${first.geo}`)).json() as {
      points: Point[];
      targets: { year: number }[];
    };
    const points = body.points.filter((p) => p.breakdown === first.breakdown);
    const hidden = points.filter((p) => p.suppressed);
    expect(hidden.length).toBeGreaterThan(0);
    for (const p of hidden) {
      expect(p).toMatchObject({ numerator: null, denominator: null, value: null, status: null });
    }
    const firstTarget = Math.min(...body.targets.map((x) => x.year));
    const beforeTarget = points.filter((p) => p.year >= first.first && p.year < firstTarget);
    expect(beforeTarget.length).toBeGreaterThan(0);
    for (const p of points) expect(p.trajectory).toBeNull();
    const raw = await t.warehouse.query<{ n: number }>(
      `SELECT CAST(count(*) AS INTEGER) AS n FROM indicator_values
       WHERE indicator = $i AND geo = $g AND breakdown = $b AND year < $y AND trajectory IS NOT NULL`,
      { i: first.indicator, g: first.geo, b: first.breakdown, y: firstTarget },
    );
    expect(raw[0]?.n).toBe(beforeTarget.length); // the restricted table has them; the public answer does not
  });

  it("one year across communes equals the view, with the province figure beside it", async () => {
    const r = await get("/v1/indicators/PAYMENT_ACCT_15/values?year=2025");
    expect(r.statusCode).toBe(200);
    const body = r.json() as { province: Point; values: (Point & { geo: string; geoName: string })[] };
    const view = await published("indicator = 'PAYMENT_ACCT_15' AND year = 2025 AND level = 'commune'", {});
    expect(body.values.map((v) => v.geo)).toEqual(view.map((v) => v.geo));
    expect(body.values.map(comparable)).toEqual(view.map(comparable));
    expect(body.values[0]?.geoName).toMatch(/^(Xã|Phường) /);
    const province = await published("indicator = 'PAYMENT_ACCT_15' AND year = 2025 AND geo = 'province'", {});
    expect(comparable(body.province)).toEqual(comparable(province[0] as ViewRow));
    const p = await get("/v1/indicators/PAYMENT_ACCT_15/values?year=2025&level=province");
    expect((p.json() as { values: Point[] }).values).toHaveLength(1);
  });

  it("filters a series by year range and breakdown", async () => {
    const r = (await get("/v1/indicators/DE_SECTOR/series?from=2023&to=2025&breakdown=J")).json() as {
      points: Point[];
    };
    expect(r.points.map((p) => [p.year, p.breakdown])).toEqual([
      [2023, "J"],
      [2024, "J"],
      [2025, "J"],
    ]);
  });
});

describe("completeness and timeliness", () => {
  it("counts per source, commune and year what was received against what is expected, and how late", async () => {
    const all = (await get("/v1/completeness")).json() as {
      rows: {
        source: string;
        commune: string;
        year: number;
        reportsExpected: number;
        reportsReceived: number;
        facts: number;
        lateFacts: number;
        medianLagDays: number | null;
      }[];
    };
    expect(all.rows.length).toBeGreaterThan(0);
    for (const r of all.rows) {
      expect(r.reportsReceived).toBeLessThanOrEqual(r.reportsExpected);
      expect(r.lateFacts).toBeLessThanOrEqual(r.facts);
      expect(r.medianLagDays === null).toBe(r.facts === 0);
    }
    const source = all.rows[0]?.source ?? "";
    const counted = await t.warehouse.query<{ n: number }>(
      `SELECT CAST(count(*) AS DOUBLE) AS n FROM facts WHERE source = $source AND retracted_by IS NULL
         AND type <> 'FactRetracted' AND commune IS NOT NULL AND commune <> ''
         AND year(occurred_on) BETWEEN 2019 AND 2026`,
      { source },
    );
    const one = (await get(`/v1/completeness?source=${source}`)).json() as { rows: { facts: number }[] };
    expect(one.rows.reduce((s, r) => s + r.facts, 0)).toBe(counted[0]?.n);
    const csv = await get(`/v1/completeness?source=${source}&year=2024`, { accept: "text/csv" });
    expect(csv.body.split("\r\n")[0]).toBe(
      "source,commune,commune_name,year,reports_expected,reports_received,facts,late_facts,median_lag_days,p90_lag_days,max_lag_days",
    );
  });
});

describe("as-of reads", () => {
  it("at the checkpoint's position, recomputed figures and their status equal the current ones", async () => {
    for (const code of ["PAYMENT_ACCT_15", "DIGSIG_ADULT", "DE_GRDP", "DE_SECTOR", "OCOP_ONLINE", "DTI_RANK"]) {
      for (const geo of ["province", "28261"]) {
        const now = (await get(`/v1/indicators/${code}/series?geo=${geo}`)).json() as { points: Point[] };
        const r = await get(`/v1/indicators/${code}/series?geo=${geo}&asOf=${checkpoint}`);
        expect(r.statusCode).toBe(200);
        const then = r.json() as { position: number; asOf: string; points: Point[] };
        expect(then.position).toBe(checkpoint);
        expect(then.asOf).toBe(String(checkpoint));
        expect(
          then.points.map((p) => ({ ...p, value: p.value?.toFixed(9), trajectory: p.trajectory?.toFixed(9) })),
        ).toEqual(now.points.map((p) => ({ ...p, value: p.value?.toFixed(9), trajectory: p.trajectory?.toFixed(9) })));
      }
    }
  });

  it("at the recording day, the revisions give the current figures; before it, a clear 'nothing known'", async () => {
    const day = new Date().toISOString().slice(0, 10);
    const now = (await get("/v1/indicators/PAYMENT_ACCT_15/series")).json() as { points: Point[] };
    const today = (await get(`/v1/indicators/PAYMENT_ACCT_15/series?asOf=${day}`)).json() as {
      position: number;
      points: Point[];
    };
    expect(today.position).toBe(checkpoint);
    expect(today.points).toEqual(now.points);
    const before = await get("/v1/indicators/PAYMENT_ACCT_15/series?asOf=2000-01-01");
    expect(before.statusCode).toBe(400);
    expect(before.json().message).toContain("nothing had been recorded by then");
  });

  it("at an early position, fewer facts count", async () => {
    const early = (await get("/v1/indicators/PAYMENT_ACCT_15/series?asOf=1000")).json() as { points: Point[] };
    const now = (await get("/v1/indicators/PAYMENT_ACCT_15/series")).json() as { points: Point[] };
    const sum = (ps: Point[]) => ps.reduce((s, p) => s + (p.denominator ?? 0), 0);
    expect(sum(early.points)).toBeLessThan(sum(now.points));
  });

  it("refuses a position not folded yet, and a malformed or impossible day", async () => {
    const ahead = await get(`/v1/indicators/DE_GRDP/series?asOf=${checkpoint + 1}`);
    expect(ahead.statusCode).toBe(400);
    expect(ahead.json()).toMatchObject({ code: "bad_as_of" });
    expect(ahead.json().message).toContain(`up to ${checkpoint}`);
    expect((await get("/v1/indicators/DE_GRDP/series?asOf=2025-02-30")).json()).toMatchObject({ code: "bad_as_of" });
    expect((await get("/v1/indicators/DE_GRDP/series?asOf=yesterday")).json()).toMatchObject({
      code: "invalid_request",
    });
  });
});

describe("content negotiation and caching", () => {
  const url = "/v1/indicators/DIGSIG_ADULT/series?geo=28261";

  it("answers CSV and Arrow with the same rows as JSON", async () => {
    const json = (await get(url)).json() as { points: Point[] };
    const csv = await get(url, { accept: "text/csv" });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split("\r\n");
    expect(lines[0]).toBe(
      "indicator,name_vi,name_en,geo,geo_name,level,year,breakdown,breakdown_vi,breakdown_en,parts,numerator,denominator,numerator_amount,denominator_amount,value,unit,unit_vi,unit_en,target_year,target_op,target_value,trajectory,baseline_year,baseline_value,baseline_source,status,status_vi,status_en,suppressed,provisional,estimated,break_in_series,implausible,implausible_reason,position,publication",
    );
    expect(lines).toHaveLength(json.points.length + 1);
    expect(lines[1]).toMatch(
      /^DIGSIG_ADULT,Dân số trưởng thành có chữ ký số hoặc chữ ký điện tử cá nhân,Adults with a personal digital or electronic signature,28261,Phường Mỹ Tho,commune,2019,/,
    );

    const arrow = await get(url, { accept: "application/vnd.apache.arrow.stream" });
    expect(arrow.headers["content-type"]).toBe("application/vnd.apache.arrow.stream");
    const table = tableFromIPC(arrow.rawPayload);
    expect(table.numRows).toBe(json.points.length);
    expect(table.getChild("year")?.toArray()).toEqual(Int32Array.from(json.points.map((p) => p.year)));
    expect([...(table.getChild("value") ?? [])]).toEqual(json.points.map((p) => p.value));
    expect(table.schema.fields.map((f) => String(f.type))).toContain("Int32");
    // the quality flags travel in every representation
    expect([...(table.getChild("break_in_series") ?? [])]).toEqual(json.points.map((p) => p.breakInSeries));
    expect([...(table.getChild("implausible_reason") ?? [])]).toEqual(json.points.map((p) => p.implausibleReason));
  });

  it("honours q-values and ?format=, and refuses what it cannot produce", async () => {
    const q = await get(url, { accept: "application/json;q=0.5, text/csv;q=0.9" });
    expect(q.headers["content-type"]).toMatch(/^text\/csv/);
    expect((await get(`${url}&format=arrow`, { accept: "text/csv" })).headers["content-type"]).toBe(
      "application/vnd.apache.arrow.stream",
    );
    expect((await get(url, { accept: "text/html,application/xhtml+xml,*/*;q=0.8" })).headers["content-type"]).toMatch(
      /^application\/json/,
    );
    const no = await get(url, { accept: "application/xml" });
    expect(no.statusCode).toBe(406);
    expect(no.json()).toMatchObject({ code: "not_acceptable" });
  });

  it("gives an ETag from the log position, different per representation, and 304 when it matches", async () => {
    const a = await get(url);
    const etag = a.headers.etag as string;
    expect(etag).toMatch(new RegExp(`^"${checkpoint}-`));
    expect((await get(url)).headers.etag).toBe(etag);
    expect((await get(url, { accept: "text/csv" })).headers.etag).not.toBe(etag);
    expect((await get("/v1/indicators/DIGSIG_ADULT/series?geo=29926")).headers.etag).not.toBe(etag);
    const again = await get(url, { "if-none-match": etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    expect(again.headers.etag).toBe(etag);
    expect((await get(url, { "if-none-match": `W/${etag}, "other"` })).statusCode).toBe(304);
    expect((await get(url, { "if-none-match": '"0-stale"' })).statusCode).toBe(200);
  });
});

describe("bad input is a 4xx with a code and a message saying what to fix", () => {
  it.each([
    ["/v1/indicators/NOPE/series", 404, "unknown_indicator", "GET /v1/indicators"],
    ["/v1/indicators/DE_GRDP/series?geo=99999", 404, "unknown_commune", "GET /v1/communes"],
    ["/v1/indicators/DE_GRDP/series?geo=28252", 404, "unknown_commune", "before 1 July 2025"],
    ["/v1/indicators/DE_GRDP/series?from=2025&to=2020", 400, "bad_year_range", "swap them"],
    ["/v1/indicators/DE_GRDP/series?from=2010", 400, "bad_year_range", "2019–2026"],
    ["/v1/indicators/DE_GRDP/series?from=twenty", 400, "invalid_request", "from must be integer"],
    ["/v1/indicators/DE_GRDP/series?yaer=2025", 400, "invalid_request", 'unknown query parameter "yaer"'],
    ["/v1/indicators/DE_GRDP/values", 400, "invalid_request", "year"],
    ["/v1/indicators/DE_GRDP/values?year=2031", 400, "bad_year_range", "2019–2026"],
    ["/v1/indicators/DE_GRDP/values?year=2025&level=district", 400, "invalid_request", "level"],
    ["/v2/indicators", 404, "not_found", "/docs"],
  ])("%s → %i %s", async (url, status, code, hint) => {
    const r = await get(url);
    expect(r.statusCode).toBe(status);
    const body = r.json() as { statusCode: number; code: string; error: string; message: string };
    expect(body).toMatchObject({ statusCode: status, code });
    expect(body.message).toContain(hint);
  });
});

describe("OpenAPI and access", () => {
  it("documents every route with its parameters and responses at /docs", async () => {
    const doc = (await get("/docs/json")).json() as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/v1/communes",
      "/v1/communes/{code}/profile",
      "/v1/completeness",
      "/v1/facts",
      "/v1/health",
      "/v1/indicators",
      "/v1/indicators/{code}",
      "/v1/indicators/{code}/risk",
      "/v1/indicators/{code}/series",
      "/v1/indicators/{code}/values",
      "/v1/labels",
      "/v1/publications",
      "/v1/publications/{id}",
      "/v1/scorecard",
      "/v1/sdmx/structure",
      "/v1/series",
    ]);
    const series = doc.paths["/v1/indicators/{code}/series"]?.get;
    expect(series?.parameters?.map((p) => p.name).sort()).toEqual(
      ["asOf", "breakdown", "code", "format", "from", "geo", "includeHistory", "to", "updatedAfter"].sort(),
    );
    expect(Object.keys(series?.responses ?? {})).toEqual(expect.arrayContaining(["200", "304", "400", "404", "406"]));
    const ui = await get("/docs");
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain("swagger-ui");
  });

  it("keeps reads open by default, but refuses a token it does not know", async () => {
    expect((await get("/v1/communes")).statusCode).toBe(200);
    const bad = await get("/v1/communes", { authorization: "Bearer not-a-token" });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers["www-authenticate"]).toContain("Bearer");
  });

  it("with KPI_API_READ_TOKEN_REQUIRED, reads need a known token (health stays open)", async () => {
    const closed = await testApp(t.warehouse, apiConfig({ readTokenRequired: true }));
    try {
      const r = await closed.inject({ url: "/v1/indicators/DE_GRDP/series" });
      expect(r.statusCode).toBe(401);
      expect(r.json()).toMatchObject({ code: "unauthorized" });
      const ok = await closed.inject({
        url: "/v1/indicators/DE_GRDP/series",
        headers: { authorization: `Bearer ${TOKENS.narrow}` },
      });
      expect(ok.statusCode).toBe(200);
      expect((await closed.inject({ url: "/v1/health" })).statusCode).toBe(200);
    } finally {
      await closed.close();
    }
  });

  it("serves the dashboard page and its assets", async () => {
    const page = await get("/");
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain("Chỉ tiêu chuyển đổi số tỉnh Đồng Tháp");
    expect((await get("/dashboard/dashboard.js")).headers["content-type"]).toMatch(/^text\/javascript/);
    expect((await get("/dashboard/nothing.js")).statusCode).toBe(404);
  });
});
