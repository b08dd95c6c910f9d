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
import { keyIdOf, publishFigures } from "@kpi/projections";
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
});
