/**
 * The dashboard in a real headless Chromium (Debian's `chromium` package, driven by playwright-core) against
 * the real server on loopback over the tiny sample: the page draws the province series with its targets and
 * the commune table from the API, follows a change of indicator and year, asks nothing of any other host, and
 * its screenshot is not blank (decoded and its pixels counted). The screenshot is kept in the temp folder
 * (its path is printed) for a person to look at.
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium, type Page } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen } from "./server.js";
import { type TestWarehouse, testApp, testWarehouse } from "./testWarehouse.fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = join(tmpdir(), "kpi-dashboard.png");

let t: TestWarehouse;
let app: FastifyInstance;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: this test needs Debian's chromium package (as root: apt-get update && apt-get install -y chromium)`,
    );
  }
  t = await testWarehouse();
  app = await testApp(t.warehouse);
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

const rendered = (page: Page, view: string) =>
  page.waitForFunction(
    (v) => document.body.dataset.rendered === v || document.body.dataset.rendered?.startsWith("error"),
    view,
    {
      timeout: 30_000,
    },
  );

/** Share of pixels that are not near-white, distinct colours, and pixels near a given colour. */
const pixels = (png: PNG, near: readonly [number, number, number]) => {
  let ink = 0;
  let nearCount = 0;
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) {
    const r = png.data[i] ?? 0;
    const g = png.data[i + 1] ?? 0;
    const b = png.data[i + 2] ?? 0;
    if (r < 235 || g < 235 || b < 235) ink++;
    colours.add((r << 16) | (g << 8) | b);
    if (Math.abs(r - near[0]) + Math.abs(g - near[1]) + Math.abs(b - near[2]) < 30) nearCount++;
  }
  return { inkShare: ink / (png.width * png.height), colours: colours.size, near: nearCount };
};

describe("the dashboard in Chromium", () => {
  it("draws the series and the commune table from the API, follows the selectors, and is not blank", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const requested: string[] = [];
    const problems: string[] = [];
    page.on("request", (r) => requested.push(r.url()));
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });

    await page.goto(`${base}/#DIGSIG_ADULT/2025`);
    await rendered(page, "DIGSIG_ADULT/2025");
    expect(await page.evaluate(() => document.body.dataset.rendered)).toBe("DIGSIG_ADULT/2025");
    expect(await page.textContent("h1")).toContain("Chỉ tiêu chuyển đổi số tỉnh Đồng Tháp");
    expect(await page.textContent("#title")).toBe("Dân số trưởng thành có chữ ký số hoặc chữ ký điện tử cá nhân");
    expect(await page.locator("#chart svg .series-point").count()).toBe(8); // 2019–2026
    expect(await page.locator("#chart svg .target").count()).toBe(1); // ≥ 50 in 2025
    const values = (await (await fetch(`${base}/v1/indicators/DIGSIG_ADULT/values?year=2025`)).json()) as {
      values: { geo: string }[];
    };
    expect(values.values.length).toBeGreaterThan(0);
    expect(await page.locator("#communes tbody tr").count()).toBe(values.values.length);

    await page.selectOption("#indicator", "PAYMENT_ACCT_15");
    await rendered(page, "PAYMENT_ACCT_15/2025");
    await page.selectOption("#year", "2024");
    await rendered(page, "PAYMENT_ACCT_15/2024");
    expect(await page.evaluate(() => document.body.dataset.rendered)).toBe("PAYMENT_ACCT_15/2024");
    expect(await page.textContent("#year-label")).toBe("2024");
    const paymentValues = (await (await fetch(`${base}/v1/indicators/PAYMENT_ACCT_15/values?year=2024`)).json()) as {
      values: { geo: string }[];
    };
    expect(await page.locator("#communes tbody tr").count()).toBe(paymentValues.values.length);
    expect(await page.locator("#chart svg .series-line").count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator("#chart svg .trajectory").count()).toBe(1);

    const shot = PNG.sync.read(await page.screenshot({ fullPage: true, path: SCREENSHOT }));
    process.stdout.write(`dashboard screenshot: ${SCREENSHOT} (${shot.width}×${shot.height})\n`);
    const p = pixels(shot, [0xc0, 0x39, 0x2b]); // the target marker's red
    expect(p.inkShare).toBeGreaterThan(0.05);
    expect(p.colours).toBeGreaterThan(100);
    expect(p.near).toBeGreaterThan(50);

    expect(problems).toEqual([]);
    expect(requested.filter((u) => !u.startsWith(`${base}/`))).toEqual([]);
    await page.close();
  });
});
