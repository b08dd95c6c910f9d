/**
 * GET /v1/indicators/{code}/values?year=&level=commune|province&breakdown=&asOf= — one year of an indicator
 * across every commune that has a figure (or the province row), small cells withheld, with the province
 * figure for comparison.
 */
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { type ApiContext, asOfRateLimit, indicatorOrFail, readAccess, yearsOrFail } from "../context.js";
import { fail } from "../errors.js";
import type { Figure } from "../figures.js";
import { parseAsOf } from "../liveWarehouse.js";
import { modelFor, viewFigures, viewOf } from "../publications.js";
import { FIGURE_FORMATS, sendTable } from "../representation.js";
import {
  asOfParam,
  errors,
  figureFormatParam,
  figureProperties,
  figureSchema,
  figureTabular,
  indicatorHeadSchema,
} from "../schemas.js";
import { sdmxDataSets, sdmxQueryProperties } from "../sdmx/sdmxAnswer.js";
import { toSdmxCsv, toSdmxJson } from "../sdmx/sdmxMessages.js";
import { type FigureRow, figureColumnsFor, geoName } from "./figureTable.js";

export interface ValuesQuery {
  year: number;
  level?: "commune" | "province";
  breakdown?: string;
  asOf?: string;
  format?: string;
  updatedAfter?: string;
  includeHistory?: boolean;
}

const valueItemSchema = {
  type: "object",
  properties: { geo: { type: "string" }, geoName: { type: "string" }, ...figureProperties },
} as const;

export const valuesRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get<{ Params: { code: string }; Querystring: ValuesQuery }>(
    "/v1/indicators/:code/values",
    {
      onRequest: readAccess(ctx),
      config: asOfRateLimit(ctx),
      schema: {
        tags: ["figures"],
        summary: "One year of an indicator across the communes (or the province)",
        params: {
          type: "object",
          required: ["code"],
          properties: { code: { type: "string", description: "indicator code, e.g. DIGSIG_ADULT" } },
        },
        querystring: {
          type: "object",
          additionalProperties: false,
          required: ["year"],
          properties: {
            year: { type: "integer", minimum: 1900, maximum: 2200 },
            level: { type: "string", enum: ["commune", "province"], default: "commune" },
            breakdown: { type: "string", description: "only this breakdown value" },
            asOf: asOfParam,
            format: figureFormatParam,
            ...sdmxQueryProperties,
          },
        },
        response: {
          ...figureTabular("The figures of that year", {
            type: "object",
            properties: {
              indicator: indicatorHeadSchema,
              year: { type: "integer" },
              level: { type: "string" },
              asOf: { type: ["string", "null"] },
              position: { type: "integer" },
              province: { anyOf: [figureSchema, { type: "null" }] },
              values: { type: "array", items: valueItemSchema },
            },
          }),
          ...errors(400, 401, 404, 406),
        },
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
          yearsOrFail(ref, q.year, q.year);
          const level = q.level ?? "commune";
          const view = viewOf(ctx, request);
          const model = modelFor(ctx, request);
          let position = model.position;
          let year: readonly Figure[] | undefined = model.figures.get(entry.code)?.byYear.get(q.year);
          if (q.asOf !== undefined) {
            const at = parseAsOf(q.asOf);
            if (E.isLeft(at)) return fail(at.left);
            const r = await ctx.live.figuresAsOf(entry, at.right);
            if (E.isLeft(r)) return fail(r.left);
            position = r.right.position;
            year = viewFigures(view, r.right.figures).byYear.get(q.year);
          }
          const matching = (year ?? []).filter((f) => q.breakdown === undefined || f.breakdown === q.breakdown);
          const rows = matching.filter((f) => f.level === level);
          const province = matching.find((f) => f.level === "province" && f.breakdown === (q.breakdown ?? "")) ?? null;
          return {
            position,
            modelTag: ref.modelTag,
            json: () => ({
              indicator: entry,
              year: q.year,
              level,
              asOf: q.asOf ?? null,
              position,
              province,
              values: rows.map((f) => ({ ...f, geoName: geoName(ref, f.geo) })),
            }),
            columns: figureColumnsFor([entry]),
            rows: (): FigureRow[] =>
              rows.map((figure) => ({ figure, geoName: geoName(ref, figure.geo), unit: entry.unit })),
            sdmx: async (f) => {
              const inSlice = (x: Figure) =>
                x.year === q.year && x.level === level && (q.breakdown === undefined || x.breakdown === q.breakdown);
              const toRow = (figure: Figure): FigureRow => ({
                figure,
                geoName: geoName(ref, figure.geo),
                unit: entry.unit,
              });
              const sets = await sdmxDataSets(ctx, entry, rows, inSlice, toRow, q, view);
              return f === "sdmx-csv"
                ? toSdmxCsv(sets, q.includeHistory === true)
                : JSON.stringify(
                    toSdmxJson(sets, ref, { prepared: new Date(), title: `${entry.code}, ${level}, ${q.year}` }),
                  );
            },
          };
        },
        FIGURE_FORMATS,
      ),
  );
};
