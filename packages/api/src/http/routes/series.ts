/**
 * GET /v1/indicators/{code}/series?geo=&from=&to=&breakdown=&asOf= — one geography's figures year by year,
 * each with the target applied, the trajectory towards it and the status; small cells withheld. Beside the
 * observed `points`, the series' `forecasts` (forecasts.ts): each year after the last value up to the last
 * target year, with its prediction interval, marked `forecast: true`, computed from the same figures (so as of
 * `asOf` too). Without `asOf` the answer comes from the in-memory model at the warehouse checkpoint; with it,
 * see liveWarehouse.ts. CSV and Arrow answers carry the observed points only.
 */
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { type ApiContext, asOfRateLimit, geoOrFail, indicatorOrFail, readAccess, yearsOrFail } from "../context.js";
import { fail } from "../errors.js";
import type { Figure } from "../figures.js";
import { forecastsOf } from "../forecasts.js";
import { parseAsOf } from "../liveWarehouse.js";
import { modelFor, viewFigures, viewOf } from "../publications.js";
import { FIGURE_FORMATS, sendTable } from "../representation.js";
import {
  asOfParam,
  errors,
  figureFormatParam,
  figureSchema,
  figureTabular,
  forecastSchema,
  indicatorHeadSchema,
} from "../schemas.js";
import { sdmxDataSets, sdmxQueryProperties } from "../sdmx/sdmxAnswer.js";
import { toSdmxCsv, toSdmxJson } from "../sdmx/sdmxMessages.js";
import { type FigureRow, figureColumnsFor, geoName } from "./figureTable.js";

export interface SeriesQuery {
  geo?: string;
  from?: number;
  to?: number;
  breakdown?: string;
  asOf?: string;
  format?: string;
  updatedAfter?: string;
  includeHistory?: boolean;
}

export const seriesQuerySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    geo: {
      type: "string",
      default: "province",
      description: "province, or the 5-digit code of a current commune (GET /v1/communes)",
    },
    from: { type: "integer", minimum: 1900, maximum: 2200, description: "first year (default: the first computed)" },
    to: { type: "integer", minimum: 1900, maximum: 2200, description: "last year (default: the last computed)" },
    breakdown: { type: "string", description: "only this breakdown value (indicators with a breakdown)" },
    asOf: asOfParam,
    format: figureFormatParam,
    ...sdmxQueryProperties,
  },
} as const;

export const seriesResponseSchema = {
  type: "object",
  properties: {
    indicator: indicatorHeadSchema,
    geo: {
      type: "object",
      properties: { code: { type: "string" }, level: { type: "string" }, name: { type: "string" } },
    },
    from: { type: "integer" },
    to: { type: "integer" },
    asOf: { type: ["string", "null"] },
    position: { type: "integer", description: "the log position the figures reflect" },
    targets: {
      type: "array",
      items: {
        type: "object",
        properties: { year: { type: "integer" }, op: { type: "string" }, value: { type: "number" } },
      },
    },
    catalogChanges: {
      type: "array",
      description:
        "the indicator's target revisions and definition amendments in force at that position (docs/semantics.md, definitions and targets on the record)",
      items: {
        type: "object",
        properties: {
          position: { type: "integer" },
          type: { type: "string" },
          effectiveOn: { type: "string" },
          changedBy: { type: "string" },
          plan: { type: "string" },
          section: { type: "string" },
        },
      },
    },
    points: { type: "array", items: figureSchema },
    forecasts: {
      type: "array",
      description: "FORECASTS, not observed figures: the years after the last value, up to the last target year",
      items: forecastSchema,
    },
  },
} as const;

export const seriesRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get<{ Params: { code: string }; Querystring: SeriesQuery }>(
    "/v1/indicators/:code/series",
    {
      onRequest: readAccess(ctx),
      config: asOfRateLimit(ctx),
      schema: {
        tags: ["figures"],
        summary: "An indicator's time series for the province or a commune, with target, trajectory and status",
        params: {
          type: "object",
          required: ["code"],
          properties: { code: { type: "string", description: "indicator code, e.g. DIGSIG_ADULT" } },
        },
        querystring: seriesQuerySchema,
        response: { ...figureTabular("The series", seriesResponseSchema), ...errors(400, 401, 404, 406) },
      },
    },
    (request, reply) =>
      sendTable(
        request,
        reply,
        request.query.format,
        async () => {
          const ref = ctx.live.reference;
          const q = request.query;
          const entry = indicatorOrFail(ref, request.params.code);
          const geo = geoOrFail(ref, q.geo ?? "province");
          const [from, to] = yearsOrFail(ref, q.from, q.to);
          const view = viewOf(ctx, request);
          const model = modelFor(ctx, request);
          let position = model.position;
          let all: readonly Figure[] | undefined = model.figures.get(entry.code)?.byGeo.get(geo);
          // the targets in force at the position answered (a TargetRevised changes them from its position on)
          let targets = ctx.live.entryInForce(entry.code)?.targets;
          let catalogChanges = ctx.live.changesInForce(entry.code);
          if (q.asOf !== undefined) {
            const at = parseAsOf(q.asOf);
            if (E.isLeft(at)) return fail(at.left);
            const r = await ctx.live.figuresAsOf(entry, at.right);
            if (E.isLeft(r)) return fail(r.left);
            position = r.right.position;
            targets = r.right.entry.targets;
            catalogChanges = [...r.right.changes];
            all = viewFigures(view, r.right.figures).byGeo.get(geo);
          }
          const points = (all ?? []).filter(
            (f) => f.year >= from && f.year <= to && (q.breakdown === undefined || f.breakdown === q.breakdown),
          );
          const forecasts = forecastsOf(entry, all ?? []).filter(
            (f) => q.breakdown === undefined || f.breakdown === q.breakdown,
          );
          const name = geoName(ref, geo);
          return {
            position,
            modelTag: ref.modelTag,
            json: () => ({
              indicator: entry,
              geo: { code: geo, level: geo === "province" ? "province" : "commune", name },
              from,
              to,
              asOf: q.asOf ?? null,
              position,
              targets: targets ?? entry.targets,
              catalogChanges,
              points,
              forecasts,
            }),
            columns: figureColumnsFor([entry]),
            rows: (): FigureRow[] => points.map((figure) => ({ figure, geoName: name, unit: entry.unit })),
            sdmx: async (f) => {
              const inSlice = (x: Figure) =>
                x.geo === geo &&
                x.year >= from &&
                x.year <= to &&
                (q.breakdown === undefined || x.breakdown === q.breakdown);
              const toRow = (figure: Figure): FigureRow => ({ figure, geoName: name, unit: entry.unit });
              const sets = await sdmxDataSets(ctx, entry, points, inSlice, toRow, q, view);
              return f === "sdmx-csv"
                ? toSdmxCsv(sets, q.includeHistory === true)
                : JSON.stringify(
                    toSdmxJson(sets, ref, { prepared: new Date(), title: `${entry.code}, ${name}, ${from}–${to}` }),
                  );
            },
          };
        },
        FIGURE_FORMATS,
      ),
  );
};
