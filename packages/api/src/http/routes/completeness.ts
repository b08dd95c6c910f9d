/**
 * GET /v1/completeness — completeness and timeliness of the sources: per source, commune and year, the kinds of
 * report expected and received and the lag from occurrence to recording (the warehouse's `source_completeness`,
 * rules in docs/semantics.md). Filtered by `source`, `commune` and `year`.
 */
import type { FastifyInstance } from "fastify";
import { type ApiContext, readAccess } from "../context.js";
import type { CompletenessRow } from "../liveWarehouse.js";
import { type Column, sendTable } from "../representation.js";
import { errors, formatParam, tabular } from "../schemas.js";

const columns: readonly Column<CompletenessRow>[] = [
  { name: "source", type: "utf8", get: (r) => r.source },
  { name: "commune", type: "utf8", get: (r) => r.commune },
  { name: "commune_name", type: "utf8", get: (r) => r.communeName },
  { name: "year", type: "int32", get: (r) => r.year },
  { name: "reports_expected", type: "int32", get: (r) => r.reportsExpected },
  { name: "reports_received", type: "int32", get: (r) => r.reportsReceived },
  { name: "facts", type: "float64", get: (r) => r.facts },
  { name: "late_facts", type: "float64", get: (r) => r.lateFacts },
  { name: "median_lag_days", type: "int32", get: (r) => r.medianLagDays },
  { name: "p90_lag_days", type: "int32", get: (r) => r.p90LagDays },
  { name: "max_lag_days", type: "int32", get: (r) => r.maxLagDays },
];

const rowSchema = {
  type: "object",
  required: columns.map((c) => c.name.replace(/_([a-z0-9])/g, (_, x: string) => x.toUpperCase())),
  properties: {
    source: { type: "string" },
    commune: { type: "string" },
    communeName: { type: ["string", "null"] },
    year: { type: "integer" },
    reportsExpected: { type: "integer", description: "the kinds of fact the source files anywhere in the years" },
    reportsReceived: { type: "integer", description: "the kinds it filed for this commune and year" },
    facts: { type: "number" },
    lateFacts: { type: "number", description: "facts recorded more than 90 days after they occurred" },
    medianLagDays: { type: ["integer", "null"], description: "days from occurrence to recording, median" },
    p90LagDays: { type: ["integer", "null"] },
    maxLagDays: { type: ["integer", "null"] },
  },
} as const;

export const completenessRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get<{ Querystring: { source?: string; commune?: string; year?: number; format?: string } }>(
    "/v1/completeness",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["figures"],
        summary: "Completeness and timeliness per source, commune and year: reports expected vs received, lag",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            source: { type: "string", maxLength: 64 },
            commune: { type: "string", maxLength: 16 },
            year: { type: "integer", minimum: 1900, maximum: 2200 },
            format: formatParam,
          },
        },
        response: {
          ...tabular("Completeness rows", {
            type: "object",
            required: ["position", "rows"],
            properties: { position: { type: "integer" }, rows: { type: "array", items: rowSchema } },
          }),
          ...errors(400, 401, 406),
        },
      },
    },
    (request, reply) =>
      sendTable(request, reply, request.query.format, async () => {
        const q = request.query;
        const position = ctx.live.current.position;
        const rows = (await ctx.live.completeness()).filter(
          (r) =>
            (q.source === undefined || r.source === q.source) &&
            (q.commune === undefined || r.commune === q.commune) &&
            (q.year === undefined || r.year === q.year),
        );
        return {
          position,
          modelTag: ctx.live.reference.modelTag,
          json: () => ({ position, rows }),
          columns,
          rows: () => rows,
        };
      }),
  );
};
