/**
 * GET /v1/series?indicators=A,B&geos=province,29926&from=&to= — several indicators for several geographies in
 * one call: every (indicator, geography) series of current figures (small cells withheld), as the series route
 * gives them one at a time. At most 39 indicators × 103 geographies; CSV and Arrow give the rows flat.
 */
import type { FastifyInstance } from "fastify";
import { type ApiContext, geoOrFail, indicatorOrFail, readAccess, yearsOrFail } from "../context.js";
import { fail } from "../errors.js";
import type { Figure } from "../figures.js";
import { BREAKDOWN_LABELS, labelOf, UNIT_LABELS } from "../labels.js";
import { modelFor } from "../publications.js";
import { sendTable } from "../representation.js";
import { errors, figureSchema, formatParam, freshnessProperties, ref, tabular } from "../schemas.js";
import { type FigureRow, figureColumnsFor, geoName } from "./figureTable.js";

interface Query {
  indicators: string;
  geos?: string;
  from?: number;
  to?: number;
  format?: string;
}

const list = (s: string, what: string): string[] => {
  const xs = [...new Set(s.split(",").map((x) => x.trim()))].filter((x) => x !== "");
  if (xs.length === 0) fail({ _tag: "InvalidRequest", message: `${what} is empty; give codes separated by commas` });
  return xs;
};

export const manySeriesRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get<{ Querystring: Query }>(
    "/v1/series",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["figures"],
        summary: "Several indicators for several geographies in one call",
        querystring: {
          type: "object",
          additionalProperties: false,
          required: ["indicators"],
          properties: {
            indicators: {
              type: "string",
              description: "indicator codes separated by commas, e.g. DIGSIG_ADULT,OCOP_ONLINE",
            },
            geos: {
              type: "string",
              default: "province",
              description: "province and/or 5-digit commune codes separated by commas, e.g. province,29926",
            },
            from: { type: "integer", minimum: 1900, maximum: 2200 },
            to: { type: "integer", minimum: 1900, maximum: 2200 },
            format: formatParam,
          },
        },
        response: {
          ...tabular("The series", {
            type: "object",
            properties: {
              ...freshnessProperties,
              from: { type: "integer" },
              to: { type: "integer" },
              series: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    indicator: { type: "string" },
                    geo: { type: "string" },
                    geoName: { type: "string" },
                    unit: { type: "string" },
                    unitLabel: ref("Label"),
                    breakdownLabels: {
                      type: "object",
                      description: "the label of each breakdown value in the points ('' is the overall figure)",
                      additionalProperties: ref("Label"),
                    },
                    points: { type: "array", items: figureSchema },
                  },
                },
              },
            },
          }),
          ...errors(400, 401, 404, 406),
        },
      },
    },
    (request, reply) =>
      sendTable(request, reply, request.query.format, () => {
        const ref = ctx.live.reference;
        const q = request.query;
        const entries = list(q.indicators, "indicators").map((c) => indicatorOrFail(ref, c));
        const geos = list(q.geos ?? "province", "geos").map((g) => geoOrFail(ref, g));
        const [from, to] = yearsOrFail(ref, q.from, q.to);
        const model = modelFor(ctx, request);
        const series = entries.flatMap((entry) =>
          geos.map((geo) => ({
            entry,
            geo,
            points: (model.figures.get(entry.code)?.byGeo.get(geo) ?? []).filter(
              (f: Figure) => f.year >= from && f.year <= to,
            ),
          })),
        );
        return {
          position: model.position,
          modelTag: ref.modelTag,
          json: () => ({
            position: model.position,
            vintage: model.vintage,
            updatedAt: model.updatedAt,
            from,
            to,
            series: series.map((s) => ({
              indicator: s.entry.code,
              geo: s.geo,
              geoName: geoName(ref, s.geo),
              unit: s.entry.unit,
              unitLabel: labelOf(UNIT_LABELS, s.entry.unit),
              breakdownLabels: Object.fromEntries(
                [...new Set(s.points.map((p) => p.breakdown))].map((b) => [b, labelOf(BREAKDOWN_LABELS, b)]),
              ),
              points: s.points,
            })),
          }),
          columns: figureColumnsFor(entries),
          rows: (): FigureRow[] =>
            series.flatMap((s) =>
              s.points.map((figure) => ({ figure, geoName: geoName(ref, s.geo), unit: s.entry.unit })),
            ),
        };
      }),
  );
};
