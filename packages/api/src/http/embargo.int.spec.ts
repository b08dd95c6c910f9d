/**
 * Scheduled release, through `app.inject()` on the tiny sample: a publication of PAYMENT_ACCT_15 for 2025 (province
 * and communes) to be released at noon holds those figures back from the public API before then — current, as
 * of a position and a day, JSON, CSV, Arrow, SDMX (with history), the scorecard, a commune's profile and the
 * several-series route the dashboard reads — while a pre-release token sees them; at noon everyone does, each
 * figure naming its publication. The publication list and file follow the same rule. The operator publishes
 * through the API, signed with the server's key.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { heldCells, keyIdOf, publishFigures, readPublications } from "@kpi/projections";
import { tableFromIPC } from "apache-arrow";
import { parse } from "csv-parse/sync";
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverRun } from "../commands/server.js";
import { loadConfig } from "../config.js";
import { tokenHash } from "./apiConfig.js";
import { buildApp } from "./app.js";
import { apiConfig, catalog, type TestWarehouse, TOKENS, testWarehouse, YEARS } from "./testWarehouse.fixture.js";

const PRERELEASE = "prerelease-token-5e6f7a";
const OPERATOR = "operator-token-9d8c7b";
const office = generateKeyPairSync("ed25519");
const RELEASE = "2025-03-02T12:00:00.000Z";
const CODE = "PAYMENT_ACCT_15";

let clock = new Date("2025-03-02T08:00:00.000Z");
let t: TestWarehouse;
let app: FastifyInstance;
let publicationId: string;
let position: number;
let communes: string[];

beforeAll(async () => {
  t = await testWarehouse({ now: () => new Date("2025-03-01T08:00:00.000Z") });
  const dir = join(t.dir, "publications");
  mkdirSync(dir);
  const r = await publishFigures(t.warehouse, {
    dir,
    years: [2025],
    indicators: [CODE],
    level: "all",
    releaseAt: new Date(RELEASE),
  });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  publicationId = r.right.publication.id;
  position = r.right.publication.position;
  communes = r.right.publication.figures.filter((f) => f.geo !== "province").map((f) => f.geo);
  await t.warehouse.catchUp();
  const keyFile = join(t.dir, "office.key.pem");
  writeFileSync(keyFile, office.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const config = loadConfig({ KPI_YEARS: "2019-2026", KPI_PUBLICATION_KEY: keyFile }, { dataDir: t.dir });
  const api = apiConfig();
  app = await buildApp({
    warehouse: t.warehouse,
    catalog: catalog(),
    years: YEARS,
    smallCellThreshold: 10,
    api: {
      ...api,
      tokens: new Map([...api.tokens, [tokenHash(PRERELEASE), { name: "ministry", sources: [], prerelease: true }]]),
    },
    publicationsDir: dir,
    now: () => clock,
    operator: { tokenHash: tokenHash(OPERATOR), dataDir: t.dir, run: serverRun(config) },
  });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const get = async (url: string, token?: string, accept?: string) => {
  const r = await app.inject({
    url,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(accept === undefined ? {} : { accept }),
    },
  });
  expect(r.statusCode, `${url}: ${r.body.slice(0, 300)}`).toBe(200);
  return r;
};

type Read = (token?: string) => Promise<boolean>;

/** Whether each read shows a 2025 figure of the publication (province or one of its communes). */
const reads: Record<string, Read> = {
  "series JSON": async (k) =>
    ((await get(`/v1/indicators/${CODE}/series`, k)).json().points as { year: number }[]).some((p) => p.year === 2025),
  "series CSV": async (k) =>
    (
      parse((await get(`/v1/indicators/${CODE}/series?format=csv`, k)).body, { columns: true }) as { year: string }[]
    ).some((r) => r.year === "2025"),
  "series Arrow": async (k) =>
    tableFromIPC((await get(`/v1/indicators/${CODE}/series?format=arrow`, k)).rawPayload)
      .toArray()
      .some((r) => r.toJSON().year === 2025),
  "series SDMX-CSV": async (k) =>
    (
      parse((await get(`/v1/indicators/${CODE}/series?format=sdmx-csv`, k)).body, { columns: true }) as {
        TIME_PERIOD: string;
      }[]
    ).some((r) => r.TIME_PERIOD === "2025"),
  "series SDMX-JSON history": async (k) =>
    (await get(`/v1/indicators/${CODE}/series?format=sdmx-json&includeHistory=true`, k)).body.includes('"2025"'),
  "series as of a position": async (k) =>
    ((await get(`/v1/indicators/${CODE}/series?asOf=${position}`, k)).json().points as { year: number }[]).some(
      (p) => p.year === 2025,
    ),
  "series as of a day": async (k) =>
    ((await get(`/v1/indicators/${CODE}/series?asOf=2025-03-01`, k)).json().points as { year: number }[]).some(
      (p) => p.year === 2025,
    ),
  "values of the communes": async (k) => {
    const v = (await get(`/v1/indicators/${CODE}/values?year=2025`, k)).json();
    return v.province !== null || (v.values as { geo: string }[]).some((x) => communes.includes(x.geo));
  },
  "values CSV": async (k) =>
    (parse((await get(`/v1/indicators/${CODE}/values?year=2025&format=csv`, k)).body, { columns: true }) as unknown[])
      .length > 0,
  "values SDMX-JSON": async (k) =>
    (await get(`/v1/indicators/${CODE}/values?year=2025&format=sdmx-json`, k)).body.includes('"OBS_VALUE"') &&
    (await get(`/v1/indicators/${CODE}/values?year=2025&format=sdmx-json`, k)).body.includes('"observations"'),
  "several series (dashboard)": async (k) =>
    (
      (await get(`/v1/series?indicators=${CODE}&geos=province,${communes[0]}`, k)).json().series as {
        points: { year: number }[];
      }[]
    ).some((s) => s.points.some((p) => p.year === 2025)),
  "scorecard (dashboard)": async (k) => {
    const areas = (await get("/v1/scorecard?year=2025", k)).json().areas as {
      indicators: { indicator: string; value: number | null }[];
    }[];
    return areas.flatMap((a) => a.indicators).some((i) => i.indicator === CODE && i.value !== null);
  },
  "commune profile (dashboard)": async (k) => {
    const p = (await get(`/v1/communes/${communes[0]}/profile?year=2025`, k)).json().indicators as {
      indicator: string;
      value: number | null;
      province: { value: number | null };
    }[];
    const row = p.find((i) => i.indicator === CODE);
    return row?.value != null || row?.province.value != null;
  },
};

describe("a publication with a release time", () => {
  it("holds its figures back from every public read before the release, and shows them to a pre-release token", async () => {
    clock = new Date("2025-03-02T11:59:59.000Z");
    for (const [name, read] of Object.entries(reads)) {
      expect(await read(), `${name}, public`).toBe(false);
      expect(await read(PRERELEASE), `${name}, pre-release`).toBe(true);
    }
    // the scorecard's forecast rests on what the reader may see: the same as the series route's forecast
    const forecastOf = async (k?: string) => {
      const card = (await get("/v1/scorecard", k)).json().areas as {
        indicators: { indicator: string; forecast: { targetYear: number; value: number } | null }[];
      }[];
      const f = card.flatMap((a) => a.indicators).find((i) => i.indicator === CODE)?.forecast ?? null;
      const series = (await get(`/v1/indicators/${CODE}/series?breakdown=`, k)).json().forecasts as {
        year: number;
        value: number;
        breakdown: string;
      }[];
      return { card: f, series: series.find((s) => s.breakdown === "" && s.year === f?.targetYear)?.value };
    };
    const [publicForecast, earlyForecast] = [await forecastOf(), await forecastOf(PRERELEASE)];
    expect(publicForecast.card).not.toBeNull();
    expect(publicForecast.card?.value).toBe(publicForecast.series);
    expect(earlyForecast.card?.value).toBe(earlyForecast.series);
    expect(publicForecast.card?.value).not.toBe(earlyForecast.card?.value);
    // a writer's token is not a pre-release token
    expect(await reads["series JSON"]?.(TOKENS.writer)).toBe(false);
    // other years and indicators are not held back
    const y2024 = (await get(`/v1/indicators/${CODE}/series?from=2024&to=2024`)).json().points as unknown[];
    expect(y2024.length).toBeGreaterThan(0);
    expect(((await get("/v1/indicators/DE_GRDP/series")).json().points as unknown[]).length).toBeGreaterThan(0);
  }, 120_000);

  it("never serves a cached public answer to the other side of the embargo", async () => {
    clock = new Date("2025-03-02T11:00:00.000Z");
    const url = `/v1/indicators/${CODE}/series`;
    const before = await get(url);
    const pre = await get(url, PRERELEASE);
    expect(pre.headers.etag).not.toBe(before.headers.etag);
    expect(before.headers.vary).toContain("Authorization");
    clock = new Date(RELEASE);
    const after = await app.inject({ url, headers: { "if-none-match": String(before.headers.etag) } });
    expect(after.statusCode).toBe(200);
  });

  it("lists and serves the publication only once released (or to a pre-release token)", async () => {
    clock = new Date("2025-03-02T11:00:00.000Z");
    expect((await get("/v1/publications")).json().publications).toEqual([]);
    const listed = (await get("/v1/publications", PRERELEASE)).json().publications;
    expect(listed).toMatchObject([{ id: publicationId, releaseAt: RELEASE, released: false }]);
    expect((await app.inject({ url: `/v1/publications/${publicationId}` })).statusCode).toBe(404);
    clock = new Date(RELEASE);
    expect((await get("/v1/publications")).json().publications).toMatchObject([{ id: publicationId, released: true }]);
    const file = (await get(`/v1/publications/${publicationId}`)).json();
    expect(file).toMatchObject({ id: publicationId, releaseAt: RELEASE, position });
  });

  it("shows the figures to everyone from the release on, each naming its publication", async () => {
    clock = new Date(RELEASE);
    for (const [name, read] of Object.entries(reads)) expect(await read(), `${name}, public`).toBe(true);
    const points = (await get(`/v1/indicators/${CODE}/series`)).json().points as {
      year: number;
      publication: string | null;
    }[];
    expect(points.find((p) => p.year === 2025)?.publication).toBe(publicationId);
    expect(points.find((p) => p.year === 2024)?.publication).toBeNull();
    const csv = parse((await get(`/v1/indicators/${CODE}/series?format=csv`)).body, { columns: true }) as {
      year: string;
      publication: string;
    }[];
    expect(csv.find((r) => r.year === "2025")?.publication).toBe(publicationId);
  });

  it("publishes through the operator's API, signed with the server's key, and lists every publication there", async () => {
    clock = new Date(RELEASE);
    const post = (headers: Record<string, string>, payload: object) =>
      app.inject({ method: "POST", url: "/v1/operator/publications", headers, payload });
    expect((await post({}, { year: 2025, indicators: ["DE_GRDP"] })).statusCode).toBe(401);
    const auth = { authorization: `Bearer ${OPERATOR}` };
    const bad = await post(auth, { year: 2025, indicators: ["NOT_AN_INDICATOR"] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain("unknown indicator NOT_AN_INDICATOR");
    const r = await post(auth, { year: 2025, indicators: ["DE_GRDP"], level: "province" });
    expect(r.statusCode, r.body).toBe(201);
    const made = r.json().publication;
    expect(made).toMatchObject({ releaseAt: null, released: true, keyId: keyIdOf(office.publicKey), figures: 1 });
    const all = (await app.inject({ url: "/v1/operator/publications", headers: auth })).json().publications;
    expect(all.map((p: { id: string }) => p.id)).toEqual([publicationId, made.id]);
    const file = (await get(`/v1/publications/${made.id}`)).json();
    expect(file.signature).toMatchObject({ algorithm: "Ed25519", keyId: keyIdOf(office.publicKey) });
  });

  it("keeps the figures under embargo out of the public snapshot and the public export until the release", async () => {
    const dir = join(t.dir, "publications");
    const snapshotAt = async (now: Date) => {
      const file = join(t.dir, `public-${now.getTime()}.duckdb`);
      const held = heldCells(readPublications(dir).publications, now);
      await t.warehouse.publicSnapshot(file, held);
      const out = join(t.dir, `export-${now.getTime()}`);
      await t.warehouse.export(out, "csv", false, held);
      const db = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
      const c = await db.connect();
      const count = async (sql: string) => Number((await c.runAndReadAll(sql)).getRowObjectsJS()[0]?.n ?? Number.NaN);
      const counts = {
        values: await count(
          `SELECT count(*) AS n FROM published_indicator_values WHERE indicator = '${CODE}' AND year = 2025`,
        ),
        scorecard: await count(
          `SELECT count(*) AS n FROM province_scorecard WHERE indicator = '${CODE}' AND year = 2025`,
        ),
        revisions: await count(
          `SELECT count(*) AS n FROM published_indicator_revisions WHERE indicator = '${CODE}' AND year = 2025`,
        ),
        otherYears: await count(
          `SELECT count(*) AS n FROM published_indicator_values WHERE indicator = '${CODE}' AND year = 2024`,
        ),
        exported: await count(
          `SELECT count(*) AS n FROM read_csv('${join(out, "published_indicator_values.csv")}')
           WHERE indicator = '${CODE}' AND year = 2025`,
        ),
      };
      c.closeSync();
      db.closeSync();
      return counts;
    };
    const before = await snapshotAt(new Date("2025-03-02T11:59:59.000Z"));
    expect(before).toMatchObject({ values: 0, scorecard: 0, revisions: 0, exported: 0 });
    expect(before.otherYears).toBeGreaterThan(0);
    const after = await snapshotAt(new Date(RELEASE));
    expect(after.values).toBe(communes.length + 1);
    expect(after.exported).toBe(after.values);
    expect(after.scorecard).toBeGreaterThan(0);
    expect(after.revisions).toBeGreaterThan(0);
  }, 120_000);

  it("leaves out of the public snapshot the forecasts of a series with a cell under embargo", async () => {
    const [series] = await t.warehouse.query<{ indicator: string; geo: string; breakdown: string }>(
      "SELECT indicator, geo, breakdown FROM published_indicator_forecasts ORDER BY ALL LIMIT 1",
    );
    if (series === undefined) throw new Error("the sample has no published forecast");
    const file = join(t.dir, "public-forecasts.duckdb");
    await t.warehouse.publicSnapshot(file, [{ ...series, year: 2024 }]);
    const db = await DuckDBInstance.create(file, { access_mode: "READ_ONLY" });
    const c = await db.connect();
    const [held, others, all] = [
      `WHERE indicator = '${series.indicator}' AND geo = '${series.geo}' AND breakdown = '${series.breakdown}'`,
      `WHERE NOT (indicator = '${series.indicator}' AND geo = '${series.geo}' AND breakdown = '${series.breakdown}')`,
      "",
    ];
    const count = async (where: string) =>
      Number(
        (await c.runAndReadAll(`SELECT count(*) AS n FROM published_indicator_forecasts ${where}`)).getRowObjectsJS()[0]
          ?.n,
      );
    const counts = { held: await count(held), others: await count(others), all: await count(all) };
    c.closeSync();
    db.closeSync();
    const [{ n } = { n: -1 }] = await t.warehouse.query<{ n: number }>(
      `SELECT CAST(count(*) AS INTEGER) AS n FROM published_indicator_forecasts ${others}`,
    );
    expect(counts).toEqual({ held: 0, others: n, all: n });
    expect(n).toBeGreaterThan(0);
  });
});
