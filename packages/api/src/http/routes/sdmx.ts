/**
 * GET /v1/sdmx/structure — the SDMX data structure definition of the indicator cube and its code lists
 * (`sdmx/sdmxStructure.ts`): what an SDMX-CSV or SDMX-JSON answer of the series and values routes refers to.
 */
import type { FastifyInstance } from "fastify";
import { type ApiContext, readAccess } from "../context.js";
import { errors } from "../schemas.js";
import { dataStructure } from "../sdmx/sdmxStructure.js";

export const sdmxRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get(
    "/v1/sdmx/structure",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["catalog"],
        summary: "The SDMX data structure (dimensions, measure, attributes) and code lists of the figures",
        response: {
          200: {
            description:
              "dataflow DONGTHAP_STAT:DF_DIGITAL_KPI(1.0.0): dimensions INDICATOR, REF_AREA, BREAKDOWN, TIME_PERIOD; measure OBS_VALUE; attributes; code lists",
            type: "object",
            additionalProperties: true,
          },
          ...errors(401),
        },
      },
    },
    async () => dataStructure(ctx.live.reference),
  );
};
