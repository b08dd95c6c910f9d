/**
 * The dashboard in a real headless Chromium (Debian's `chromium` package, driven by playwright-core) against
 * the real server on loopback over the tiny sample, at a desktop (1366 px) and a phone (390 px) width: the
 * scorecard of every indicator with the figures the API gives, the communes' map (a path per commune, coloured
 * as the API's figures say, with its legend), a commune's page reached from the map by keyboard, a comparison,
 * the year picker driving the page and a clear message for an unknown indicator; no horizontal overflow, no
 * console error, nothing asked of another host. Every one of the indicator charts keeps every point, forecast
 * point and target marker inside its plot area, and draws the API's forecasts (a dashed line with its band, for
 * the province and for a commune); the scorecard lists the targets the forecasts put at risk. Screenshots are kept in the temp folder (paths printed) for a person to look at.
 */
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { publishFigures } from "@kpi/projections";
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { type Browser, chromium, type Page } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { COMMUNE_MAP_FILE, writeCommuneMap } from "./map/communeMap.js";
import { listen } from "./server.js";
import { apiConfig, catalog, type TestWarehouse, testWarehouse, YEARS } from "./testWarehouse.fixture.js";

const CHROMIUM = "/usr/bin/chromium";
/** `KPI_DOCS_SCREENSHOTS=1` refreshes the README's two screenshots in docs/. */
const DOCS =
  process.env.KPI_DOCS_SCREENSHOTS === "1" ? fileURLToPath(new URL("../../../../docs/", import.meta.url)) : null;
const WIDTHS = [1366, 390, 360] as const;

let t: TestWarehouse;
let app: FastifyInstance;
let base: string;
let browser: Browser;
/** A released publication of DIGSIG_ADULT for the province in 2025: its figure links to it. */
let publicationId: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: this test needs Debian's chromium package (as root: apt-get update && apt-get install -y chromium)`,
    );
  }
  if (!existsSync(COMMUNE_MAP_FILE)) writeCommuneMap(); // what `pnpm build` does
  t = await testWarehouse();
  const published = await publishFigures(t.warehouse, {
    dir: join(t.dir, "publications"),
    years: [2025],
    indicators: ["DIGSIG_ADULT"],
  });
  if (E.isLeft(published)) throw new Error(JSON.stringify(published.left));
  publicationId = published.right.publication.id;
  app = await buildApp({
    warehouse: t.warehouse,
    catalog: catalog(),
    years: YEARS,
    smallCellThreshold: 10,
    api: apiConfig(),
    publicationsDir: join(t.dir, "publications"),
  });
  base = await listen(app, "127.0.0.1", 0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await t?.close();
});

const json = async <T>(path: string): Promise<T> => (await fetch(`${base}${path}`)).json() as Promise<T>;

interface Watched {
  readonly page: Page;
  readonly problems: string[];
  readonly elsewhere: () => string[];
}

const openPage = async (width: number): Promise<Watched> => {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const requested: string[] = [];
  const problems: string[] = [];
  page.on("request", (r) => requested.push(r.url()));
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  return { page, problems, elsewhere: () => requested.filter((u) => !u.startsWith(`${base}/`)) };
};

/** Goes to a hash and waits until that view is drawn (or an error is shown); answers what was drawn. */
const show = async (page: Page, hash: string): Promise<string> => {
  await page.evaluate(() => {
    document.body.dataset.rendered = "";
  });
  if (page.url().startsWith(base)) await page.evaluate((h) => (location.hash = h), hash);
  else await page.goto(`${base}/${hash}`);
  await page.waitForFunction(() => (document.body.dataset.rendered ?? "") !== "", undefined, { timeout: 30_000 });
  return page.evaluate(() => document.body.dataset.rendered ?? "");
};

const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Every point and target marker of the charts on the page that lies (partly) outside its plot area. */
const outside = (page: Page) =>
  page.evaluate(() => {
    const out: string[] = [];
    for (const chart of document.querySelectorAll("svg.line-chart")) {
      const plot = chart.querySelector(".plot-area")?.getBoundingClientRect();
      if (plot === undefined) {
        out.push(`${chart.getAttribute("data-indicator")}: no plot area`);
        continue;
      }
      for (const m of chart.querySelectorAll(".series-point, .forecast-point, .target")) {
        const b = m.getBoundingClientRect();
        const eps = 0.5;
        if (
          b.left < plot.left - eps ||
          b.right > plot.right + eps ||
          b.top < plot.top - eps ||
          b.bottom > plot.bottom + eps
        ) {
          out.push(
            `${chart.getAttribute("data-indicator")} ${m.getAttribute("class")} ${m.getAttribute("aria-label")}`,
          );
        }
      }
    }
    return out;
  });

interface Scorecard {
  vintage: string;
  areas: {
    area: string;
    indicators: { indicator: string; value: number | null; status: string; forecast: { status: string } | null }[];
  }[];
}
interface SeriesForecasts {
  forecasts: { breakdown: string }[];
}
interface Values {
  values: {
    geo: string;
    breakdown: string;
    value: number | null;
    status: string | null;
    suppressed: boolean;
    provisional: boolean;
    estimated: boolean;
    breakInSeries: boolean;
    implausible: boolean;
  }[];
}

/** The flags a figure carries, as the page writes them in `data-flags`. */
const flagsOf = (v: Values["values"][number]) =>
  [
    v.provisional && "provisional",
    v.estimated && "estimated",
    v.breakInSeries && "break_in_series",
    v.implausible && "implausible",
  ]
    .filter(Boolean)
    .join(" ");

describe.each(WIDTHS)("the dashboard in Chromium at %i px", (width) => {
  it("shows the scorecard and the map from the API, follows the year picker, and fits the width", async () => {
    const { page, problems, elsewhere } = await openPage(width);
    // the landing page: each indicator's latest figure, as the scorecard route gives it
    expect(await show(page, "")).toBe("scorecard/latest");
    const latest = await json<Scorecard>("/v1/scorecard");
    for (const e of latest.areas.flatMap((a) => a.indicators)) {
      const tile = page.locator(`.tile[data-indicator="${e.indicator}"]`);
      expect(await tile.locator(".tile-value").getAttribute("data-value"), e.indicator).toBe(
        e.value === null ? "" : String(e.value),
      );
    }
    expect(await page.inputValue("#year")).toBe("latest");
    // the targets the forecasts put at risk, listed apart
    const atRisk = latest.areas.flatMap((a) => a.indicators).filter((e) => e.forecast?.status === "at_risk");
    expect(atRisk.length).toBeGreaterThan(0);
    expect(
      await page.locator("#at-risk li").evaluateAll((l) => l.map((x) => x.getAttribute("data-indicator"))),
    ).toEqual(atRisk.map((e) => e.indicator));

    expect(await show(page, "#year=2025")).toBe("scorecard/2025");
    const card = await json<Scorecard>("/v1/scorecard?year=2025");
    const entries = card.areas.flatMap((a) => a.indicators);
    expect(entries).toHaveLength(39);
    expect(await page.locator(".tile").count()).toBe(39);
    expect(await page.locator("section.area").count()).toBe(card.areas.length);
    for (const e of entries) {
      const tile = page.locator(`.tile[data-indicator="${e.indicator}"]`);
      expect(await tile.getAttribute("data-status")).toBe(e.status);
      expect(await tile.locator(".tile-value").getAttribute("data-value")).toBe(
        e.value === null ? "" : String(e.value),
      );
      expect(await tile.locator("a").getAttribute("href")).toBe(`#indicator=${e.indicator}&year=2025`);
    }
    if (DOCS !== null && width === 1366) {
      await page.screenshot({ path: join(DOCS, "dashboard-scorecard.png"), clip: { x: 0, y: 0, width, height: 1150 } });
    }
    const meta = (await page.textContent("#meta")) ?? "";
    expect(meta).toMatch(/Cập nhật ngày \d{2}\/\d{2}\/\d{4}/);
    expect(meta).toContain(`vintage ${card.vintage}`);

    // the map: a path per commune, coloured as the API's figures of the indicator say, with a legend
    const paths = page.locator("#map path.commune");
    expect(await paths.count()).toBe(102);
    const values = await json<Values>("/v1/indicators/DIGSIG_ADULT/values?year=2025&level=commune");
    const overall = values.values.filter((v) => v.breakdown === "");
    // a withheld figure has no status in the API; the page shows it as withheld
    const status = new Map(overall.map((v) => [v.geo, v.suppressed ? "suppressed" : v.status]));
    const flags = new Map(overall.map((v) => [v.geo, flagsOf(v)]));
    const drawn = await paths.evaluateAll((ps) =>
      ps.map((p) => ({
        geo: p.getAttribute("data-geo"),
        status: p.getAttribute("data-status"),
        fill: p.getAttribute("fill"),
        flags: p.getAttribute("data-flags"),
      })),
    );
    for (const d of drawn) {
      expect(d.status, d.geo ?? "").toBe(status.get(d.geo ?? "") ?? "no_data");
      // the quality flags the API gives each commune are on its shape too
      expect(d.flags, d.geo ?? "").toBe(flags.get(d.geo ?? "") ?? "");
      if (d.status === "suppressed") expect(d.fill).toBe("url(#withheld)");
    }
    expect(new Set(drawn.filter((d) => d.status !== "suppressed").map((d) => d.fill)).size).toBeGreaterThan(2);
    expect(await page.locator("#map-legend li").count()).toBeGreaterThanOrEqual(4);
    // withheld cells are drawn as withheld, and the legend says what the hatching means
    await page.selectOption("#map-indicator", "OCOP_ONLINE");
    await page.waitForFunction(
      () => document.querySelector("#map svg")?.getAttribute("data-indicator") === "OCOP_ONLINE",
    );
    const ocop = await json<Values>("/v1/indicators/OCOP_ONLINE/values?year=2025&level=commune");
    const withheld = ocop.values.filter((v) => v.breakdown === "" && v.suppressed).length;
    expect(withheld).toBeGreaterThan(0);
    expect(await page.locator('#map path.commune[fill="url(#withheld)"]').count()).toBe(withheld);
    expect(await page.textContent("#map-legend")).toContain("Không công bố (ô nhỏ)");
    const [mapCsv] = await Promise.all([
      page.waitForEvent("download"),
      page.click("#map-downloads .download >> nth=0"),
    ]);
    const mapLines = readFileSync((await mapCsv.path()) ?? "", "utf8")
      .trim()
      .split("\r\n");
    expect(mapLines).toHaveLength(1 + 102);
    expect(mapLines.filter((l) => l.includes(",suppressed,true,"))).toHaveLength(withheld);
    await page.check('input[name="map-mode"][value="status"]');
    await page.waitForFunction(() => document.querySelector("#map svg")?.getAttribute("data-mode") === "status");
    expect(await page.textContent("#map-legend")).toContain("Đã đạt");
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    const shot = PNG.sync.read(
      await page.screenshot({ fullPage: true, path: join(tmpdir(), `kpi-dashboard-${width}.png`) }),
    );
    process.stdout.write(
      `dashboard screenshot: ${join(tmpdir(), `kpi-dashboard-${width}.png`)} (${shot.width}×${shot.height})\n`,
    );

    // the year picker drives the page
    await page.selectOption("#year", "2024");
    await page.waitForFunction(() => document.body.dataset.rendered === "scorecard/2024");
    const card2024 = await json<Scorecard>("/v1/scorecard?year=2024");
    const first = card2024.areas[0]?.indicators[0];
    expect(
      await page.locator(`.tile[data-indicator="${first?.indicator}"] .tile-value`).getAttribute("data-value"),
    ).toBe(first?.value === null ? "" : String(first?.value));
    expect(problems).toEqual([]);
    expect(elsewhere()).toEqual([]);
    await page.close();
  }, 120_000);

  it("opens a commune from the map by keyboard, compares communes, and says when an indicator is unknown", async () => {
    const { page, problems, elsewhere } = await openPage(width);
    expect(await show(page, "#indicator=DIGSIG_ADULT&year=2025")).toBe("indicator/DIGSIG_ADULT/2025");
    expect(await page.textContent("#title")).toBe("Dân số trưởng thành có chữ ký số hoặc chữ ký điện tử cá nhân");
    if (DOCS !== null && width === 390) {
      await page.screenshot({ path: join(DOCS, "dashboard-phone.png"), clip: { x: 0, y: 0, width, height: 1700 } });
    }
    expect(await page.locator("#province-card svg .series-point").count()).toBe(8); // 2019–2026
    expect(await page.locator("#province-card svg .target").count()).toBe(1); // ≥ 50 in 2025
    const values = await json<Values>("/v1/indicators/DIGSIG_ADULT/values?year=2025&level=commune");
    expect(await page.locator("#communes tbody tr").count()).toBe(values.values.length);
    // each commune row shows the flags the API gives it
    const shown = await page
      .locator("#communes tbody tr")
      .evaluateAll((rs) =>
        rs.map((r) => [r.getAttribute("data-geo"), r.querySelector("td.flags")?.getAttribute("data-flags")]),
      );
    expect(new Map(shown)).toEqual(new Map(values.values.map((v) => [v.geo, flagsOf(v)])));
    expect(await overflow(page)).toBeLessThanOrEqual(0);

    // downloads of what is on screen: the chart's rows as CSV, the chart as PNG
    const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#province-card .download >> nth=0")]);
    const lines = readFileSync((await csv.path()) ?? "", "utf8")
      .trim()
      .split("\r\n");
    expect(csv.suggestedFilename()).toBe("DIGSIG_ADULT-province.csv");
    expect(lines[0]).toContain("indicator,series,year,breakdown,value,numerator,denominator");
    expect(lines).toHaveLength(1 + (await page.locator("#province-card details table tbody tr").count()));
    // each figure names its publication: in the chart's table (a link to the file) and in the download
    const header = lines[0]?.split(",") ?? [];
    const row2025 = lines.find((l) => l.split(",")[header.indexOf("year")] === "2025")?.split(",") ?? [];
    expect(row2025[header.indexOf("publication")]).toBe(publicationId);
    const links = await page
      .locator("#province-card details table tbody a")
      .evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(links).toEqual([`/v1/publications/${publicationId}`]);
    const [png] = await Promise.all([page.waitForEvent("download"), page.click("#province-card .download >> nth=1")]);
    const image = PNG.sync.read(readFileSync((await png.path()) ?? ""));
    const drawnWidth = await page.evaluate(
      () => document.querySelector("#province-card svg")?.viewBox.baseVal.width ?? 0,
    );
    expect(image.width).toBe(2 * drawnWidth);

    // keyboard: focus a commune of the map, Enter opens its page
    const geo = values.values.find((v) => v.value !== null)?.geo ?? "";
    await page.focus(`#map path.commune[data-geo="${geo}"]`);
    expect(await page.evaluate(() => document.querySelector("#tooltip")?.hasAttribute("hidden"))).toBe(false);
    expect(await page.textContent("#tooltip")).toContain("Tử số / numerator");
    await page.keyboard.press("Enter");
    await page.waitForFunction((g) => document.body.dataset.rendered === `commune/${g}/DIGSIG_ADULT/2025`, geo);
    const profile = await json<{ indicators: { indicator: string; value: number | null }[] }>(
      `/v1/communes/${geo}/profile?year=2025`,
    );
    for (const r of profile.indicators) {
      expect(
        await page
          .locator(`table.profile tr[data-indicator="${r.indicator}"] td.num`)
          .first()
          .getAttribute("data-value"),
      ).toBe(r.value === null ? "" : String(r.value));
    }
    // the trail: overview › indicator › commune, one separator between each
    expect((await page.textContent("#crumbs"))?.split("›").map((x) => x.trim())).toEqual([
      expect.stringContaining("Tổng quan"),
      "Dân số trưởng thành có chữ ký số hoặc chữ ký điện tử cá nhân",
      expect.stringMatching(/\S/),
    ]);
    expect(await page.locator("#commune-card svg .series-line").count()).toBe(2); // the commune and the province
    expect(await page.locator("#commune-card details table tbody tr").count()).toBeGreaterThan(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    if (width === 390) await page.screenshot({ fullPage: true, path: join(tmpdir(), "kpi-dashboard-commune-390.png") });

    // a comparison of the first two communes ticked in the table
    await show(page, "#indicator=DIGSIG_ADULT&year=2025");
    const ticks = page.locator("#communes tbody input[type=checkbox]");
    // ticks survive the view being drawn again (a resize redraws it): the new table keeps them and the button
    await ticks.nth(0).check();
    await ticks.nth(1).check();
    for (const w of [width + 20, width]) {
      await page.evaluate(() => {
        document.body.dataset.rendered = "";
      });
      await page.setViewportSize({ width: w, height: 900 });
      await page.waitForFunction(() => (document.body.dataset.rendered ?? "") !== "", undefined, { timeout: 30_000 });
    }
    expect(await ticks.nth(0).isChecked()).toBe(true);
    expect(await ticks.nth(1).isChecked()).toBe(true);
    expect(await page.locator("#compare-selected").isEnabled()).toBe(true);
    // once, on a loaded machine, the button stayed disabled after both ticks and the click waited for good; ticks
    // now survive a redraw of the table (dashboard.js), and the test ticks again if the click still does not go
    let [a, b] = ["", ""];
    for (let attempt = 1; ; attempt++) {
      a = (await ticks.nth(0).getAttribute("value")) ?? "";
      b = (await ticks.nth(1).getAttribute("value")) ?? "";
      await ticks.nth(0).check();
      await ticks.nth(1).check();
      try {
        await page.click("#compare-selected", { timeout: 5_000 });
        break;
      } catch (e) {
        if (attempt >= 4) throw e;
      }
    }
    await page.waitForFunction(() => document.body.dataset.rendered?.startsWith("compare/"));
    expect(await page.evaluate(() => document.body.dataset.rendered)).toBe(`compare/DIGSIG_ADULT/${a},${b}/2025`);
    expect(await page.locator("#compare-chips li").count()).toBe(2);
    expect((await page.textContent("#crumbs"))?.split("›").length).toBe(3);
    const many = await json<{ series: { geo: string; points: { value: number | null; breakdown: string }[] }[] }>(
      `/v1/series?indicators=DIGSIG_ADULT&geos=${a},${b},province`,
    );
    const valued = many.series.reduce(
      (n, s) => n + s.points.filter((p) => p.breakdown === "" && p.value !== null).length,
      0,
    );
    expect(await page.locator("#compare-card svg .series-point").count()).toBe(valued);
    expect(await overflow(page)).toBeLessThanOrEqual(0);

    // an unknown indicator in the link: a clear message, not another indicator
    expect(await show(page, "#indicator=NOPE&year=2025")).toBe("error:unknown-indicator");
    expect(await page.textContent("#error")).toContain("Không có chỉ tiêu “NOPE”");
    expect(await page.isVisible("#view-indicator")).toBe(false);

    expect(problems).toEqual([]);
    expect(elsewhere()).toEqual([]);
    await page.close();
  }, 120_000);

  it("keeps every point and target marker of every indicator's chart inside its plot area", async () => {
    const { page, problems } = await openPage(width);
    const catalog = await json<{ indicators: { code: string }[] }>("/v1/indicators");
    expect(catalog.indicators).toHaveLength(39);
    const misplaced: string[] = [];
    let charts = 0;
    for (const { code } of catalog.indicators) {
      expect(await show(page, `#indicator=${code}&year=2025`)).toBe(`indicator/${code}/2025`);
      charts += await page.locator("svg.line-chart").count();
      misplaced.push(...(await outside(page)));
      expect(await overflow(page), code).toBeLessThanOrEqual(0);
      expect(await page.locator("svg.line-chart[role=img][aria-labelledby]").count()).toBe(1);
      expect(await page.locator("#province-card details table").count()).toBe(1);
    }
    expect(charts).toBe(39);
    expect(misplaced).toEqual([]);

    // forecasts: dashed lines with their bands, as many points as the API forecasts, for the province and a commune
    const risk = await json<{ ranking: { geo: string }[] }>("/v1/indicators/SME_ECOM_PLATFORM/risk");
    const geo = risk.ranking.find((r) => r.geo !== "province")?.geo ?? "";
    const [province, commune] = await Promise.all(
      ["province", geo].map((g) => json<SeriesForecasts>(`/v1/indicators/SME_ECOM_PLATFORM/series?geo=${g}`)),
    );
    expect(province.forecasts.length).toBeGreaterThan(0);
    expect(await show(page, "#indicator=SME_ECOM_PLATFORM&year=2025")).toBe("indicator/SME_ECOM_PLATFORM/2025");
    expect(await page.locator("#province-card svg .forecast-point").count()).toBe(province.forecasts.length);
    expect(await page.locator("#province-card svg .forecast-band").count()).toBe(1);
    expect(await page.getAttribute("#province-card svg .forecast-line", "stroke-dasharray")).toBeTruthy();
    expect(await page.textContent("#province-card .legend")).toContain("forecast");
    // the communes most at risk of missing the next target, in the API's order
    const ranked = await json<{ ranking: { geo: string; forecast: { forecastStatus: string } }[] }>(
      "/v1/indicators/SME_ECOM_PLATFORM/risk",
    );
    const atRisk = ranked.ranking
      .filter((r) => r.geo !== "province" && r.forecast.forecastStatus !== "likely")
      .slice(0, 10)
      .map((r) => r.geo);
    expect(await page.locator("#risk-card li").evaluateAll((l) => l.map((x) => x.getAttribute("data-geo")))).toEqual(
      atRisk,
    );
    await show(page, `#commune=${geo}&indicator=SME_ECOM_PLATFORM&year=2025`);
    expect(await page.locator("#commune-card svg .forecast-point").count()).toBe(
      commune.forecasts.length + province.forecasts.length,
    );
    expect(await page.locator("#commune-card svg .forecast-band").count()).toBe(2);
    expect(await outside(page)).toEqual([]);
    if (width === 1366) await page.screenshot({ fullPage: true, path: join(tmpdir(), "kpi-dashboard-forecast.png") });

    // lower is better (a rank): drawn with the best (smallest) value at the top
    await show(page, "#indicator=DTI_RANK&year=2025");
    expect(await page.getAttribute("svg.line-chart", "data-direction")).toBe("lower_is_better");
    const points = await page
      .locator("svg.line-chart .series-point")
      .evaluateAll((ps) =>
        ps.map((p) => ({ value: Number(p.getAttribute("data-value")), y: Number(p.getAttribute("cy")) })),
      );
    expect(points.length).toBeGreaterThan(1);
    const best = points.reduce((m, p) => (p.value < m.value ? p : m));
    const worst = points.reduce((m, p) => (p.value > m.value ? p : m));
    if (best.value < worst.value) expect(best.y).toBeLessThan(worst.y);

    // sector codes are labelled
    await show(page, "#indicator=DE_SECTOR&year=2025");
    expect(await page.textContent("#province-card .legend")).toMatch(/C · Công nghiệp chế biến, chế tạo/);
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);
});
