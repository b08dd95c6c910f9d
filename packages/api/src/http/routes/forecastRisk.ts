/**
 * GET /v1/indicators/{code}/risk?year=&format= — the communes (and the province) ranked by the risk of missing
 * the indicator's target of one year (default: its first target year after the latest data): at_risk first,
 * then uncertain, then likely, each by how far the point forecast falls short of the target. FORECASTS, from the
 * published figures (forecasts.ts); a commune whose series is withheld anywhere, or too short, is not ranked.
 */
import type { FastifyInstance } from "fastify";
import { type ApiContext, indicatorOrFail, readAccess } from "../context.js";
import { fail } from "../errors.js";
import { type ForecastFigure, forecastsOf, type RiskRow, riskRanking } from "../forecasts.js";
import { FORECAST_STATUS_LABELS } from "../labels.js";
import { type Column, sendTable } from "../representation.js";
import { errors, forecastSchema, formatParam, indicatorHeadSchema, ref, tabular } from "../schemas.js";
import { geoName } from "./figureTable.js";

export const riskRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get<{ Params: { code: string }; Querystring: { year?: number; format?: string } }>(
    "/v1/indicators/:code/risk",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["figures"],
        summary: "Communes ranked by the risk of missing a target, from their forecasts",
        params: {
          type: "object",
          required: ["code"],
          properties: { code: { type: "string", description: "indicator code, e.g. SME_ECOM_PLATFORM" } },
        },
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            year: {
              type: "integer",
              minimum: 1900,
              maximum: 2200,
              description: "a target year of the indicator (default: its first target year after the latest data)",
            },
            format: formatParam,
          },
        },
        response: {
          ...tabular("The ranking", {
            type: "object",
            required: ["indicator", "targetYear", "position", "ranking"],
            properties: {
              indicator: indicatorHeadSchema,
              targetYear: { type: ["integer", "null"] },
              position: { type: "integer" },
              ranking: {
                type: "array",
                items: {
                  type: "object",
                  required: ["rank", "geo", "name", "shortfall", "statusLabel", "forecast"],
                  properties: {
                    rank: { type: "integer" },
                    geo: { type: "string" },
                    name: { type: "string" },
                    shortfall: {
                      type: ["number", "null"],
                      description: "how far the point forecast falls short of the target (negative: beyond it)",
                    },
                    statusLabel: ref("Label"),
                    forecast: forecastSchema,
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
        const model = ctx.live.current;
        const entry = indicatorOrFail(ref, request.params.code);
        const all: ForecastFigure[] = [];
        for (const figures of model.figures.get(entry.code)?.byGeo.values() ?? []) {
          all.push(...forecastsOf(entry, figures));
        }
        const targetYears: number[] = entry.targets.map((t) => t.year);
        const asked = request.query.year;
        if (asked !== undefined && !targetYears.includes(asked)) {
          return fail({
            _tag: "InvalidRequest",
            message: `${entry.code} has no target for ${asked}; its target years are ${targetYears.join(", ")}`,
          });
        }
        const year =
          asked ?? Math.min(...all.filter((f) => f.forecastStatus !== null && f.breakdown === "").map((f) => f.year));
        const ranking = Number.isFinite(year) ? riskRanking(all, year) : [];
        const columns: readonly Column<RiskRow>[] = [
          { name: "rank", type: "int32", get: (r) => r.rank },
          { name: "geo", type: "utf8", get: (r) => r.geo },
          { name: "name", type: "utf8", get: (r) => geoName(ref, r.geo) },
          { name: "target_year", type: "int32", get: (r) => r.forecast.year },
          { name: "target_op", type: "utf8", get: (r) => r.forecast.targetOp },
          { name: "target_value", type: "float64", get: (r) => r.forecast.targetValue },
          { name: "forecast_value", type: "float64", get: (r) => r.forecast.value },
          { name: "forecast_lo", type: "float64", get: (r) => r.forecast.lo },
          { name: "forecast_hi", type: "float64", get: (r) => r.forecast.hi },
          { name: "forecast_status", type: "utf8", get: (r) => r.forecast.forecastStatus },
          { name: "shortfall", type: "float64", get: (r) => r.shortfall },
        ];
        return {
          position: model.position,
          modelTag: ref.modelTag,
          json: () => ({
            indicator: entry,
            targetYear: Number.isFinite(year) ? year : null,
            position: model.position,
            ranking: ranking.map((r) => ({
              rank: r.rank,
              geo: r.geo,
              name: geoName(ref, r.geo),
              shortfall: r.shortfall,
              statusLabel: FORECAST_STATUS_LABELS[r.forecast.forecastStatus ?? "no_forecast"],
              forecast: r.forecast,
            })),
          }),
          columns,
          rows: () => ranking,
        };
      }),
  );
};
