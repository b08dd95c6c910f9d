/**
 * HTTP as browsers expect it: CORS for reads from the configured origins (GET and HEAD, with a preflight that
 * answers), never for writes; compressed answers when the client accepts them; security headers on the
 * dashboard only.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCorsOrigins } from "./apiConfig.js";
import { errorHandler } from "./app.js";
import { COMMUNE_MAP_FILE, writeCommuneMap } from "./map/communeMap.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { apiConfig, type TestWarehouse, TOKENS, testApp, testWarehouse } from "./testWarehouse.fixture.js";

let t: TestWarehouse;
let open: FastifyInstance;
let listed: FastifyInstance;

beforeAll(async () => {
  t = await testWarehouse();
  open = await testApp(t.warehouse);
  listed = await testApp(t.warehouse, apiConfig({ corsOrigins: ["https://thongke.example.vn"] }));
}, 120_000);

afterAll(async () => {
  await open?.close();
  await listed?.close();
  await t?.close();
});

describe("CORS", () => {
  it("lets any origin read by default, and only the listed ones when configured", async () => {
    const any = await open.inject({ url: "/v1/indicators", headers: { origin: "https://elsewhere.example" } });
    expect(any.statusCode).toBe(200);
    expect(any.headers["access-control-allow-origin"]).toBe("*");
    expect(String(any.headers["access-control-expose-headers"])).toContain("x-log-position");
    const ok = await listed.inject({ url: "/v1/indicators", headers: { origin: "https://thongke.example.vn" } });
    expect(ok.headers["access-control-allow-origin"]).toBe("https://thongke.example.vn");
    const other = await listed.inject({ url: "/v1/indicators", headers: { origin: "https://elsewhere.example" } });
    expect(other.statusCode).toBe(200);
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers a preflight for reads, and offers no method that writes", async () => {
    const pre = await open.inject({
      method: "OPTIONS",
      url: "/v1/indicators/PAYMENT_ACCT_15/series",
      headers: { origin: "https://elsewhere.example", "access-control-request-method": "GET" },
    });
    expect(pre.statusCode).toBe(204);
    const methods = String(pre.headers["access-control-allow-methods"]);
    expect(methods).toContain("GET");
    const write = await open.inject({
      method: "OPTIONS",
      url: "/v1/facts",
      headers: {
        origin: "https://elsewhere.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(String(write.headers["access-control-allow-methods"] ?? "")).not.toContain("POST");
  });

  it("sends no CORS header on a write, so a page of another origin cannot read its answer", async () => {
    const r = await open.inject({
      method: "POST",
      url: "/v1/facts",
      headers: { origin: "https://elsewhere.example", authorization: `Bearer ${TOKENS.writer}` },
      payload: [],
    });
    expect(r.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("refuses a KPI_API_CORS_ORIGINS entry that is not an origin, saying what to write", () => {
    expect(parseCorsOrigins(undefined)).toBe("*");
    expect(parseCorsOrigins("none")).toEqual([]);
    expect(parseCorsOrigins("https://a.example, http://b.example:8080")).toEqual([
      "https://a.example",
      "http://b.example:8080",
    ]);
    expect(() => parseCorsOrigins("https://a.example/")).toThrow(/scheme:\/\/host\[:port\]/);
    expect(() => parseCorsOrigins("a.example")).toThrow(/KPI_API_CORS_ORIGINS/);
  });
});

describe("compression", () => {
  it("compresses a large answer when the client accepts gzip, and not otherwise", async () => {
    const plain = await open.inject({ url: "/v1/indicators" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    const gz = await open.inject({ url: "/v1/indicators", headers: { "accept-encoding": "gzip" } });
    expect(gz.statusCode).toBe(200);
    expect(gz.headers["content-encoding"]).toBe("gzip");
    const body = gunzipSync(gz.rawPayload).toString("utf8");
    expect(JSON.parse(body)).toEqual(plain.json());
    expect(gz.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
  });
});

describe("security headers", () => {
  it("puts them on the dashboard and its assets, not on the API's JSON", async () => {
    for (const url of ["/", "/dashboard/dashboard.js", "/dashboard/vendor/topojson-client.min.js"]) {
      const r = await open.inject({ url });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-security-policy"]).toContain("default-src 'self'");
      expect(r.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
      expect(r.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(r.headers["referrer-policy"]).toBe("no-referrer");
    }
    const api = await open.inject({ url: "/v1/health" });
    expect(api.headers["content-security-policy"]).toBeUndefined();
  });
});

describe("the communes' map", () => {
  it("serves the topology the build made: the 102 communes, from this server", async () => {
    if (!existsSync(COMMUNE_MAP_FILE)) writeCommuneMap(); // what `pnpm build` does
    const r = await open.inject({ url: "/dashboard/communes.topo.json" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    const topo = r.json() as { type: string; objects: { communes: { geometries: { id: string }[] } } };
    expect(topo.type).toBe("Topology");
    expect(topo.objects.communes.geometries).toHaveLength(102);
    expect(r.rawPayload.length).toBeLessThan(150_000);
  });

  it("says to run the build when the map was not made, rather than a bare 404", async () => {
    const bare = Fastify();
    bare.setErrorHandler(errorHandler);
    const missing = join(t.dir, "no-such-map.topo.json");
    await bare.register(dashboardRoutes, { mapFile: missing });
    const r = await bare.inject({ url: "/dashboard/communes.topo.json" });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: "map_not_built" });
    expect((r.json() as { message: string }).message).toContain("run pnpm build");
    expect((r.json() as { message: string }).message).toContain(missing);
    await bare.close();
  });
});
