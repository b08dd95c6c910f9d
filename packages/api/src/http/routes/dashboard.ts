/**
 * GET / — the dashboard: a static page (HTML, CSS and a vanilla script, in `src/http/dashboard/`) with the
 * scorecard of every indicator, the communes' map, each indicator's and commune's series against its targets
 * and comparisons of communes, drawn as SVG from the API's own JSON routes. The map is the TopoJSON the build
 * makes (`map/communeMap.ts`), decoded by topojson-client's browser build from node_modules. Nothing is fetched from anywhere but this server, which the
 * content security policy says; @fastify/helmet adds the other security headers a browser page should have.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import helmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";
import { fail } from "../errors.js";
import { COMMUNE_MAP_FILE } from "../map/communeMap.js";

/** topojson-client's browser build, served from node_modules (the page loads nothing from elsewhere). */
const TOPOJSON_CLIENT = createRequire(import.meta.url).resolve("topojson-client/dist/topojson-client.min.js");

/** The same folder from `src/http/routes/` (tests) and `dist/http/routes/` (the built server). */
const DASHBOARD_DIR = new URL("../../../src/http/dashboard/", import.meta.url);

const ASSETS: Readonly<Record<string, string>> = {
  "dashboard.js": "text/javascript; charset=utf-8",
  "dashboard.css": "text/css; charset=utf-8",
  "favicon.svg": "image/svg+xml",
};

export interface DashboardOptions {
  /** The communes' TopoJSON (default: where the build writes it). */
  readonly mapFile?: string;
}

export const dashboardRoutes = async (app: FastifyInstance, options: DashboardOptions = {}): Promise<void> => {
  const mapFile = options.mapFile ?? COMMUNE_MAP_FILE;
  const page = readFileSync(new URL("index.html", DASHBOARD_DIR), "utf8");
  const assets = new Map(
    Object.entries(ASSETS).map(([name, type]) => [name, { type, body: readFileSync(new URL(name, DASHBOARD_DIR)) }]),
  );
  // Registered in this plugin's scope only: the API's JSON and /docs keep their own headers.
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
      },
    },
    // served over plain HTTP on a local port as often as behind TLS: HSTS is the TLS front's to send
    strictTransportSecurity: false,
  });
  app.get("/", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(page),
  );
  const topojsonClient = readFileSync(TOPOJSON_CLIENT);
  app.get("/dashboard/vendor/topojson-client.min.js", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(topojsonClient),
  );
  // read when asked (the build may have made it after the server started), kept once read
  let map: Buffer | undefined;
  app.get("/dashboard/communes.topo.json", { schema: { hide: true } }, async (_request, reply) => {
    if (map === undefined) {
      if (!existsSync(mapFile)) return fail({ _tag: "MapNotBuilt", file: mapFile });
      map = readFileSync(mapFile);
    }
    return reply.type("application/json; charset=utf-8").header("cache-control", "max-age=3600").send(map);
  });
  app.get<{ Params: { file: string } }>("/dashboard/:file", { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined) return reply.callNotFound();
    return reply.type(asset.type).send(asset.body);
  });
};
