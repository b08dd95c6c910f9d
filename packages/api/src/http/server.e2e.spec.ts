/**
 * The HTTP API as a client meets it: `serveCommand` (what `kpi serve` runs) on a data folder holding the tiny
 * sample, listening on 127.0.0.1 on a free port, driven over loopback with fetch and with the README's own
 * curl examples: routes, CSV and Arrow, ETag/304, refusals (401, 403, 400, 404, 406, 409), the write rate
 * limit (429), and a clean stop.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { writeSample } from "@kpi/seeds";
import { tableFromIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCommand } from "../commands/importCommand.js";
import { serveCommand } from "../commands/serveCommand.js";
import { loadConfig } from "../config.js";
import { tokenHash } from "./apiConfig.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
const dir = mkdtempSync(join(tmpdir(), "kpi-serve-"));
const TOKEN = "e2e-writer-5e2b1c";
const BURST = "e2e-burst-77aa01";
const LIMIT = 5;

let base = "";
let printed = "";
let stop: () => void = () => undefined;
let served: Promise<number>;
let sampleHead = 0;

const sink = (onText: (s: string) => void = () => undefined) =>
  new Writable({
    write(chunk, _enc, done) {
      onText(String(chunk));
      done();
    },
  });

beforeAll(async () => {
  const config = loadConfig({ KPI_DATA_DIR: dir, KPI_YEARS: "2019-2026" });
  const file = join(dir, "sample-tiny.ndjson");
  await writeSample({ scale: "tiny", seed: 1, out: file });
  const imported = await importCommand(config, {
    files: [file],
    skipInvalid: false,
    showErrors: 5,
    out: sink(),
    err: sink(),
  });
  if (imported !== 0) throw new Error("the tiny sample did not import");
  const env = {
    KPI_API_TOKENS: JSON.stringify({
      [tokenHash(TOKEN)]: { name: "e2e", sources: ["nhnn-kv15"] },
      [tokenHash(BURST)]: { name: "burst", sources: ["nhnn-kv15"] },
    }),
    KPI_API_WRITE_LIMIT: String(LIMIT),
  };
  const until = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const listening = new Promise<string>((resolve, reject) => {
    served = serveCommand(config, {
      host: "127.0.0.1",
      port: 0,
      env,
      until,
      out: sink((text) => {
        printed += text;
      }),
      onListening: resolve,
    });
    served.catch(reject);
  });
  base = await listening;
  sampleHead = ((await (await fetch(`${base}/v1/health`)).json()) as { logHead: number }).logHead;
}, 120_000);

afterAll(async () => {
  stop();
  await served?.catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const fact = (n: number, over: Record<string, unknown> = {}) => ({
  id: `e2e-acct-${n}`,
  type: "PaymentAccountOpened",
  subject: `person:e2e0${String(n).padStart(12, "0")}`,
  occurredOn: "2025-09-01",
  source: "nhnn-kv15",
  data: { commune: "29926", birthYear: 1985 },
  ...over,
});

const post = (body: unknown, token: string | null = TOKEN) =>
  fetch(`${base}/v1/facts`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });

/** The read-only curl lines of the README's HTTP API section. */
const readmeCurls = (): string[] => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## For applications: the HTTP API"));
  const body = section.slice(0, section.indexOf("\n## ", 5));
  return [...body.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => (m[1] ?? "").split("\n"))
    .filter((l) => l.startsWith("curl "));
};

/** Runs a README line in a shell (asynchronously: the server answers from this same process). */
const curl = (line: string, env: Record<string, string> = {}) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(
      "sh",
      ["-c", line.replaceAll("http://127.0.0.1:8080", base)],
      { cwd: dir, encoding: "utf8", env: { ...process.env, ...env }, timeout: 30_000 },
      (error, out, err) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), out, err }),
    );
  });

describe("kpi serve", () => {
  it("prints the dashboard's and the docs' addresses and serves both", async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed).toContain(`Dashboard: ${base}/\n`);
    expect(printed).toContain(`API docs: ${base}/docs\n`);
    expect(printed).toMatch(/Projected positions 0 → [\d,]+/);
    const page = await fetch(`${base}/`);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain("Đồng Tháp");
    expect((await fetch(`${base}/docs/json`)).status).toBe(200);
    expect((await fetch(`${base}/docs/static/swagger-ui-bundle.js`)).status).toBe(200);
  });

  it("runs the README's read examples with curl", async () => {
    const lines = readmeCurls();
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const reads = lines.filter((l) => !l.includes("-X POST"));
    const [seriesJson, valuesCsv, arrow, asOf] = await Promise.all(reads.map((l) => curl(l)));
    expect(seriesJson?.code).toBe(0);
    const series = JSON.parse(seriesJson?.out ?? "") as { points: { year: number }[]; position: number };
    expect(series.points.map((p) => p.year)).toEqual([2020, 2021, 2022, 2023, 2024, 2025, 2026]);
    expect(valuesCsv?.out.split("\r\n")[0]).toMatch(/^indicator,name_vi,name_en,geo,geo_name,level,year,/);
    expect(valuesCsv?.out.split("\r\n").filter((l) => l !== "").length).toBeGreaterThan(1);
    expect(arrow?.code).toBe(0);
    expect(tableFromIPC(readFileSync(join(dir, "payment.arrow"))).numRows).toBe(8);
    // the test's facts were all recorded today: on 2025-03-01 nothing was known, and the answer says so
    const early = JSON.parse(asOf?.out ?? "") as { code: string; message: string };
    expect(early.code).toBe("bad_as_of");
    expect(early.message).toContain("nothing had been recorded by then");
  });

  it("negotiates JSON, CSV and Arrow over HTTP", async () => {
    const url = `${base}/v1/indicators/PAYMENT_ACCT_15/series?geo=28261`;
    const json = (await (await fetch(url)).json()) as { points: { value: number | null }[] };
    const csv = await fetch(url, { headers: { accept: "text/csv" } });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect((await csv.text()).trim().split("\r\n")).toHaveLength(json.points.length + 1);
    const arrow = await fetch(url, { headers: { accept: "application/vnd.apache.arrow.stream" } });
    expect(arrow.headers.get("content-type")).toBe("application/vnd.apache.arrow.stream");
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect([...(table.getChild("value") ?? [])]).toEqual(json.points.map((p) => p.value));
    const xml = await fetch(url, { headers: { accept: "application/xml" } });
    expect(xml.status).toBe(406);
    expect(await xml.json()).toMatchObject({ code: "not_acceptable" });
  });

  it("answers 304 to a matching If-None-Match, until a write moves the log position", async () => {
    const url = `${base}/v1/indicators/PAYMENT_ACCT_15/series?from=2025&to=2025`;
    const first = await fetch(url);
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"\d+-/);
    const again = await fetch(url, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const before = ((await first.json()) as { points: { numerator: number }[] }).points[0]?.numerator ?? 0;

    // the README's write example, with the README's curl line
    writeFileSync(join(dir, "facts.ndjson"), `${JSON.stringify(fact(1))}\n${JSON.stringify(fact(2))}\n`);
    const write = readmeCurls().find((l) => l.includes("-X POST")) ?? "";
    const r = await curl(write, { TOKEN });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ appended: 2, head: sampleHead + 2, projected: sampleHead + 2 });

    const after = await fetch(url, { headers: { "if-none-match": etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(etag);
    expect(((await after.json()) as { points: { numerator: number }[] }).points[0]?.numerator).toBe(before + 2);
  });

  it("refuses, with a code and a message, what it must refuse", async () => {
    const noToken = await post([fact(3)], null);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get("www-authenticate")).toContain("Bearer");
    expect(await noToken.json()).toMatchObject({ code: "unauthorized" });

    const scope = await post([fact(3, { source: "so-khdt" })]);
    expect(scope.status).toBe(403);
    expect(await scope.json()).toMatchObject({ code: "source_not_allowed" });

    const bad = await post([fact(3, { occurredOn: "2025-13-01" })]);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_facts", details: [{ index: 0, field: "occurredOn" }] });

    const conflict = await post([fact(1, { data: { commune: "29926", birthYear: 1986 } })]);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ code: "id_conflict" });

    const unknown = await fetch(`${base}/v1/indicators/NOT_AN_INDICATOR/series`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "unknown_indicator" });
    const commune = await fetch(`${base}/v1/indicators/DE_GRDP/values?year=2025&level=commune&breakdown=x`);
    expect(commune.status).toBe(200);
    const geo = await fetch(`${base}/v1/indicators/DE_GRDP/series?geo=12345`);
    expect(geo.status).toBe(404);
    expect(await geo.json()).toMatchObject({ code: "unknown_commune" });
    const years = await fetch(`${base}/v1/indicators/DE_GRDP/series?from=2026&to=2019`);
    expect(years.status).toBe(400);
    expect(await years.json()).toMatchObject({ code: "bad_year_range" });

    const health = (await (await fetch(`${base}/v1/health`)).json()) as { logHead: number };
    expect(health.logHead).toBe(sampleHead + 2); // nothing of the refused batches was appended
  });

  it("limits writes per token: the request after the limit is 429 with Retry-After", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await post([fact(1)], BURST)).status);
    expect(statuses).toEqual(Array(LIMIT).fill(200)); // idempotent re-sends
    const over = await post([fact(1)], BURST);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await over.json()).toMatchObject({ code: "rate_limited" });
    expect((await post([fact(1)], TOKEN)).status).toBe(200); // another token has its own budget
    expect((await fetch(`${base}/v1/health`)).status).toBe(200); // reads are not limited
  });

  it("stops cleanly and frees the port", async () => {
    stop();
    expect(await served).toBe(0);
    expect(printed).toContain("Stopping");
    await expect(fetch(`${base}/v1/health`)).rejects.toThrow();
  });
});
