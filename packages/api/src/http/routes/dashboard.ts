/**
 * GET / — the dashboard: a static page (HTML, CSS and a small vanilla script, in `src/http/dashboard/`) that
 * draws each indicator's province series against its targets as an SVG chart, and a table of communes for a
 * chosen year, from the API's own JSON routes. Nothing is fetched from anywhere but this server, which the
 * content security policy says; @fastify/helmet adds the other security headers a browser page should have.
 */
import { readFileSync } from "node:fs";
import helmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

/** The same folder from `src/http/routes/` (tests) and `dist/http/routes/` (the built server). */
const DASHBOARD_DIR = new URL("../../../src/http/dashboard/", import.meta.url);

const ASSETS: Readonly<Record<string, string>> = {
  "dashboard.js": "text/javascript; charset=utf-8",
  "dashboard.css": "text/css; charset=utf-8",
  "favicon.svg": "image/svg+xml",
};

export const dashboardRoutes = async (app: FastifyInstance): Promise<void> => {
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
  app.get<{ Params: { file: string } }>("/dashboard/:file", { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined) return reply.callNotFound();
    return reply.type(asset.type).send(asset.body);
  });
};
