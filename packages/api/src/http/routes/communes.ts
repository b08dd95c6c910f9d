/** GET /v1/communes — the 102 current communes and wards (since 1 July 2025) with their codes and names. */
import type { FastifyInstance } from "fastify";
import { type ApiContext, readAccess } from "../context.js";
import type { CommuneInfo } from "../readModel.js";
import { type Column, sendTable } from "../representation.js";
import { communeSchema, errors, formatParam, tabular } from "../schemas.js";

const columns: readonly Column<CommuneInfo>[] = [
  { name: "code", type: "utf8", get: (c) => c.code },
  { name: "name", type: "utf8", get: (c) => c.name },
  { name: "type", type: "utf8", get: (c) => c.type },
  { name: "type_en", type: "utf8", get: (c) => c.typeEn },
  { name: "old_province", type: "utf8", get: (c) => c.oldProvince },
  { name: "area_km2", type: "float64", get: (c) => c.areaKm2 },
  { name: "population", type: "float64", get: (c) => c.population },
];

export const communeRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get<{ Querystring: { format?: string } }>(
    "/v1/communes",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["catalog"],
        summary: "The current communes and wards of Đồng Tháp",
        querystring: { type: "object", additionalProperties: false, properties: { format: formatParam } },
        response: {
          ...tabular("Every commune", {
            type: "object",
            properties: { communes: { type: "array", items: communeSchema } },
          }),
          ...errors(400, 401, 406),
        },
      },
    },
    (request, reply) =>
      sendTable(request, reply, request.query.format, () => {
        const communes = [...ctx.live.reference.communes.values()];
        return {
          position: ctx.live.current.position,
          modelTag: ctx.live.reference.modelTag,
          json: () => ({ communes }),
          columns,
          rows: () => communes,
        };
      }),
  );
};
