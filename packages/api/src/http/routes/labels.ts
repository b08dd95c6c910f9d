/**
 * GET /v1/labels — the name in Vietnamese and English of every code the API answers with: status, forecast
 * status, unit, plan area and breakdown value. Fetched once by an app (and by the dashboard) instead of writing the names again.
 */
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.js";
import { readAccess } from "../context.js";
import {
  AREA_LABELS,
  BREAKDOWN_LABELS,
  FLAG_LABELS,
  FORECAST_STATUS_LABELS,
  STATUS_LABELS,
  UNIT_LABELS,
} from "../labels.js";
import { errors, ref } from "../schemas.js";

const labelMap = (description: string) => ({ type: "object", description, additionalProperties: ref("Label") });

export const labelRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get(
    "/v1/labels",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["catalog"],
        summary: "Names (vi/en) of the status, flag, unit, plan area and breakdown codes",
        response: {
          200: {
            description: "each code list, code → label",
            type: "object",
            required: ["status", "flag", "unit", "area", "breakdown"],
            properties: {
              status: labelMap("status codes of a figure"),
              forecastStatus: labelMap("forecast status of a target (likely, uncertain, at_risk, no_forecast)"),
              flag: labelMap(
                "quality flags of a figure (provisional, estimated, break_in_series, implausible, suppressed)",
              ),
              unit: {
                type: "object",
                description: "units of the catalog; `short` is what follows a number",
                additionalProperties: {
                  type: "object",
                  required: ["vi", "en", "short"],
                  properties: { vi: { type: "string" }, en: { type: "string" }, short: { type: "string" } },
                },
              },
              area: labelMap("plan areas, in the plans' order"),
              breakdown: labelMap("breakdown values ('' is the overall figure; A–U are VSIC 2018 sections)"),
            },
          },
          ...errors(401),
        },
      },
    },
    async () => ({
      status: STATUS_LABELS,
      forecastStatus: FORECAST_STATUS_LABELS,
      flag: FLAG_LABELS,
      unit: UNIT_LABELS,
      area: AREA_LABELS,
      breakdown: BREAKDOWN_LABELS,
    }),
  );
};
