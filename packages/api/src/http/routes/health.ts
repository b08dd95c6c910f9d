/**
 * GET /v1/health — whether the server answers, the log position its figures reflect and how far the log's
 * head is ahead of it, the year range and the small-cell threshold. Always open (no token needed).
 * `degraded` (still 200: figures keep serving) when events are held in quarantine: the fold could not take
 * them, so the figures leave them out until an operator clears them (`kpi quarantine`).
 */
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.js";

export const healthRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get(
    "/v1/health",
    {
      schema: {
        tags: ["service"],
        summary: "Liveness and how current the figures are",
        response: {
          200: {
            description: "the server is up",
            type: "object",
            properties: {
              status: { type: "string", enum: ["ok", "degraded"] },
              quarantined: {
                type: "integer",
                description: "events the fold could not take and left out of the figures (kpi quarantine lists them)",
              },
              hint: { type: "string", description: "what an operator should do when degraded" },
              position: { type: "integer", description: "the log position the figures reflect" },
              vintage: {
                type: ["string", "null"],
                description: "the last recording day (UTC, YYYY-MM-DD) folded into the figures",
              },
              updatedAt: { type: "string", description: "when the server took its current figures (ISO 8601)" },
              logHead: { type: "integer", description: "the log's last position" },
              behind: { type: "integer", description: "events appended but not folded yet" },
              years: {
                type: "object",
                properties: { first: { type: "integer" }, last: { type: "integer" } },
              },
              indicators: { type: "integer" },
              communes: { type: "integer" },
              smallCellThreshold: { type: "integer" },
              readTokenRequired: { type: "boolean" },
              startedAt: { type: "string" },
            },
          },
        },
      },
    },
    async () => {
      const ref = ctx.live.reference;
      const position = ctx.live.current.position;
      const logHead = await ctx.live.warehouse.log.head();
      const { held } = ctx.live.quarantine;
      return {
        status: held > 0 ? "degraded" : "ok",
        quarantined: held,
        ...(held > 0
          ? {
              hint: `${held} event(s) of the log could not be folded and are left out of the figures; an operator should run kpi quarantine`,
            }
          : {}),
        position,
        vintage: ctx.live.current.vintage,
        updatedAt: ctx.live.current.updatedAt,
        logHead,
        behind: Math.max(0, logHead - position),
        years: { first: ref.years[0], last: ref.years[1] },
        indicators: ref.indicators.size,
        communes: ref.communes.size,
        smallCellThreshold: ref.smallCellThreshold,
        readTokenRequired: ctx.config.readTokenRequired,
        startedAt: ctx.startedAt,
      };
    },
  );
};
