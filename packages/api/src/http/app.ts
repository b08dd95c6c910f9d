/**
 * The HTTP API as a fastify plugin (`kpiApi`) and `buildApp`, which makes a fastify instance around an open
 * `Warehouse` (caught up by the caller) and registers it. Tests use `buildApp` + `app.inject()`; `server.ts`
 * only listens. Closing the app waits for running warehouse tasks; the caller closes the warehouse.
 *
 * Routes (schemas beside each): /v1/indicators, /v1/indicators/{code}, /v1/indicators/{code}/series,
 * /v1/indicators/{code}/risk,
 * /v1/indicators/{code}/values, /v1/communes, /v1/health, POST /v1/facts; the dashboard at /; the OpenAPI
 * document at /docs (UI) and /docs/json. Every error goes through `errorHandler` (one shape, see errors.ts).
 *
 * As browsers expect: answers are compressed when the client accepts it (@fastify/compress, above 1 KB);
 * reads may be made from the origins `KPI_API_CORS_ORIGINS` allows (@fastify/cors, GET and HEAD only, with
 * an OPTIONS preflight), writes never cross origins; the dashboard has its security headers (@fastify/helmet).
 */
import compress from "@fastify/compress";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { Warehouse } from "@kpi/projections";
import type { Catalog } from "@kpi/reference";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";
import { type ApiConfig, DEFAULT_API_CONFIG } from "./apiConfig.js";
import type { ApiContext } from "./context.js";
import { type ApiError, ApiFailure, errorBody } from "./errors.js";
import { LiveWarehouse } from "./liveWarehouse.js";
import { PublicationRegistry } from "./publications.js";
import { loadReference } from "./readModel.js";
import { communeRoutes } from "./routes/communes.js";
import { completenessRoutes } from "./routes/completeness.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { factRoutes } from "./routes/facts.js";
import { riskRoutes } from "./routes/forecastRisk.js";
import { healthRoutes } from "./routes/health.js";
import { indicatorRoutes } from "./routes/indicators.js";
import { labelRoutes } from "./routes/labels.js";
import { manySeriesRoutes } from "./routes/manySeries.js";
import { type OperatorOptions, operatorRoutes } from "./routes/operator.js";
import { publicationRoutes } from "./routes/publications.js";
import { profileRoutes, scorecardRoutes } from "./routes/scorecard.js";
import { sdmxRoutes } from "./routes/sdmx.js";
import { seriesRoutes } from "./routes/series.js";
import { valuesRoutes } from "./routes/values.js";
import { SHARED_SCHEMAS } from "./schemas.js";

const where = (context: string | undefined, path: string): string => {
  const p = path.replace(/^\//, "").replaceAll("/", ".");
  if (context === "querystring") return `query parameter${p === "" ? "s" : ` ${p}`}`;
  if (context === "params") return `path parameter ${p}`;
  if (context === "body") return p === "" ? "the body" : `body item ${p}`;
  return context ?? "the request";
};

/** Fastify's errors (validation, body parsing, limits) as `ApiError`s. */
export const apiErrorOf = (err: FastifyError | Error): ApiError => {
  if (err instanceof ApiFailure) return err.error;
  const e = err as FastifyError;
  if (e.validation !== undefined) {
    const details = e.validation.map((v) => {
      const extra = (v.params as { additionalProperty?: string }).additionalProperty;
      const field = where(e.validationContext, v.instancePath);
      return extra !== undefined
        ? {
            field: extra,
            reason: `unknown ${field.replace(/s$/, "")} ${JSON.stringify(extra)}; see /docs for the ones accepted`,
          }
        : {
            field: v.instancePath.replace(/^\//, "") || (e.validationContext ?? ""),
            reason: `${field} ${v.message ?? "is invalid"}`,
          };
    });
    return { _tag: "InvalidRequest", message: details.map((d) => d.reason).join("; "), details };
  }
  if (e.statusCode === 415) return { _tag: "UnsupportedMediaType", contentType: "" };
  if (e.statusCode === 413) return { _tag: "PayloadTooLarge", limit: DEFAULT_API_CONFIG.bodyLimit };
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return { _tag: "InvalidRequest", message: e.message };
  }
  return { _tag: "Internal" };
};

export const errorHandler = (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
  let error = apiErrorOf(err);
  if (error._tag === "UnsupportedMediaType") error = { ...error, contentType: request.headers["content-type"] ?? "" };
  const body = errorBody(error);
  if (body.statusCode >= 500) request.log.error(err, "request failed");
  if (error._tag === "Unauthorized") reply.header("www-authenticate", 'Bearer realm="kpi"');
  if (error._tag === "RateLimited" || error._tag === "AsOfBusy") {
    reply.header("retry-after", String(error.retryAfterSeconds));
  }
  return reply.code(body.statusCode).type("application/json; charset=utf-8").send(body);
};

export const kpiApi: FastifyPluginAsync<{ ctx: ApiContext; operator?: OperatorOptions }> = async (
  app,
  { ctx, operator },
) => {
  app.setErrorHandler(errorHandler);
  await app.register(compress, { global: true, threshold: 1024 });
  await app.register(cors, {
    origin: ctx.config.corsOrigins === "*" ? "*" : [...ctx.config.corsOrigins],
    methods: ["GET", "HEAD"],
    exposedHeaders: ["etag", "x-log-position", "retry-after"],
    maxAge: 600,
  });
  app.setNotFoundHandler((request, reply) =>
    errorHandler(new ApiFailure({ _tag: "RouteNotFound", method: request.method, url: request.url }), request, reply),
  );
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(swagger, {
    // shared schemas keep their $id as their name under components.schemas (not def-0, def-1, …)
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Đồng Tháp indicator warehouse API",
        version: "1",
        description:
          "Digital-transformation indicators of Đồng Tháp by commune, province and year, with targets and status. Reads are open unless the operator requires a token; writes (POST /v1/facts) need a bearer token whose scope names the sources it may report for. Small cells are withheld. JSON by default; CSV and Arrow IPC stream on request. ETags follow the event-log position.",
      },
      tags: [
        { name: "figures", description: "indicator figures" },
        { name: "catalog", description: "indicators, targets, communes" },
        { name: "facts", description: "reporting facts" },
        { name: "service", description: "health" },
      ],
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (request, c) =>
      new ApiFailure({
        _tag: "RateLimited",
        max: c.max,
        retryAfterSeconds: Math.max(1, Math.ceil(c.ttl / 1000)),
        what: request.method === "POST" ? "write" : "as-of",
      }),
  });
  const opts = { ctx };
  await app.register(healthRoutes, opts);
  await app.register(indicatorRoutes, opts);
  await app.register(seriesRoutes, opts);
  await app.register(riskRoutes, opts);
  await app.register(valuesRoutes, opts);
  await app.register(scorecardRoutes, opts);
  await app.register(profileRoutes, opts);
  await app.register(manySeriesRoutes, opts);
  await app.register(communeRoutes, opts);
  await app.register(completenessRoutes, opts);
  await app.register(labelRoutes, opts);
  await app.register(sdmxRoutes, opts);
  await app.register(publicationRoutes, opts);
  await app.register(factRoutes, opts);
  await app.register(dashboardRoutes);
  if (operator !== undefined) await app.register(operatorRoutes, { ctx, operator });
  app.addHook("onClose", async () => ctx.live.close());
};

/** How the fold of the events appended before the server started ended (`AppDeps.foldBacklog`). */
export type BacklogFolded =
  | { readonly from: number; readonly to: number; readonly seconds: number }
  | { readonly from: number; readonly error: unknown };

export interface AppDeps {
  /**
   * Open, and folded for this catalog; the caller closes it after closing the app. Events appended after its
   * checkpoint are folded before the app is built, or, with `foldBacklog`, by the app while it serves.
   */
  readonly warehouse: Warehouse;
  /**
   * Fold the events after the warehouse's checkpoint in the background (reads answer from the figures folded so
   * far, writes are taken at once) and call this when that fold ends.
   */
  readonly foldBacklog?: (r: BacklogFolded) => void;
  readonly catalog: Pick<Catalog, "indicators" | "documents">;
  readonly years: readonly [number, number];
  readonly smallCellThreshold: number;
  readonly api?: ApiConfig;
  /** The operator's channel (`kpi` commands while the server runs); closed without. */
  readonly operator?: OperatorOptions;
  /** Runs after each catch-up that moved the checkpoint (e.g. refresh the statisticians' snapshot). */
  /** Runs after folds (see `LiveWarehouse`); `closing` when the server stops. */
  readonly afterRefresh?: (w: Warehouse, closing: boolean) => Promise<void>;
  readonly fastify?: FastifyServerOptions;
  /** The folder of publication files (`DIR/publications`): their release times put figures under embargo. */
  readonly publicationsDir?: string;
  /** The clock embargoes are judged by (default: the system's). */
  readonly now?: () => Date;
}

export const buildApp = async (deps: AppDeps): Promise<FastifyInstance> => {
  const reference = await loadReference(deps.warehouse, deps.catalog, deps.years, deps.smallCellThreshold);
  const api = deps.api ?? DEFAULT_API_CONFIG;
  const live = await LiveWarehouse.open(deps.warehouse, reference, {
    maxAsOfWaiting: api.asOfQueue,
    ...(deps.afterRefresh === undefined
      ? {}
      : { afterRefresh: deps.afterRefresh, afterRefreshEveryMs: api.snapshotEverySeconds * 1000 }),
  });
  const app = Fastify({
    logger: false,
    ...deps.fastify,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: true } },
  });
  if (deps.foldBacklog !== undefined) {
    const done = deps.foldBacklog;
    const from = live.current.position;
    const t0 = performance.now();
    live.refresh().then(
      (m) => done({ from, to: m.position, seconds: (performance.now() - t0) / 1000 }),
      (error: unknown) => done({ from, error }),
    );
  }
  const ctx: ApiContext = {
    live,
    config: api,
    startedAt: new Date().toISOString(),
    publications: new PublicationRegistry(deps.publicationsDir),
    now: deps.now ?? (() => new Date()),
  };
  if (deps.afterRefresh !== undefined) releaseSnapshots(ctx, app);
  await app.register(kpiApi, { ctx, ...(deps.operator === undefined ? {} : { operator: deps.operator }) });
  return app;
};

/** The longest a release timer waits before it looks again (a timer cannot wait longer than about 24 days). */
const RELEASE_RECHECK_MS = 6 * 60 * 60 * 1000;

/**
 * At each publication's release time the snapshots are owed a refresh: until then they leave its figures out
 * (`writePublicSnapshot`), from then on they may show them. Rescheduled after every publish.
 */
const releaseSnapshots = (ctx: ApiContext, app: FastifyInstance): void => {
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const next = ctx.publications.nextRelease(ctx.now());
    if (next === undefined) return;
    const wait = next.getTime() - ctx.now().getTime();
    timer = setTimeout(
      () => {
        timer = undefined;
        if (wait <= RELEASE_RECHECK_MS) ctx.live.oweAfterRefresh();
        schedule();
      },
      Math.max(0, Math.min(wait, RELEASE_RECHECK_MS)) + 1,
    );
    timer.unref();
  };
  ctx.publications.onReload = schedule;
  schedule();
  app.addHook("onClose", async () => {
    ctx.publications.onReload = undefined;
    if (timer !== undefined) clearTimeout(timer);
  });
};
