/**
 * GET /v1/publications — the publications released (with a pre-release token, those under embargo too): id,
 * release time, log position, digest, signer's key id, figures and indicators. GET /v1/publications/{id} — the
 * publication file itself, signed, for `kpi verify` (404 while it is under embargo, unless pre-release). A
 * figure served by the API names its publication (`publication`); see `publications.ts`.
 */
import type { FastifyInstance } from "fastify";
import { type ApiContext, readAccess } from "../context.js";
import { fail } from "../errors.js";
import { hasPrerelease } from "../publications.js";
import { errors } from "../schemas.js";

const summary = {
  type: "object",
  properties: {
    id: { type: "string" },
    createdAt: { type: "string" },
    releaseAt: { type: ["string", "null"], description: "the announced release time; null: released when published" },
    released: { type: "boolean" },
    position: { type: "integer", description: "the log position its figures are as known at" },
    digest: { type: "string" },
    keyId: { type: ["string", "null"], description: "SHA-256 of the signer's Ed25519 public key; null: unsigned" },
    figures: { type: "integer" },
    indicators: { type: "array", items: { type: "string" } },
  },
} as const;

export const publicationRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get(
    "/v1/publications",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["publications"],
        summary: "The publications released (and, with a pre-release token, those under embargo)",
        response: {
          200: {
            type: "object",
            properties: { publications: { type: "array", items: summary } },
          },
          ...errors(401),
        },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-cache").header("vary", "Authorization");
      return { publications: ctx.publications.list(ctx.now(), hasPrerelease(ctx.config, request)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/publications/:id",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["publications"],
        summary: "A publication file (signed JSON), as kpi verify checks it",
        params: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
        response: { ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      const text = ctx.publications.file(request.params.id, ctx.now(), hasPrerelease(ctx.config, request));
      if (text === undefined) {
        return fail({ _tag: "UnknownPublication", id: request.params.id });
      }
      return reply.header("cache-control", "no-cache").type("application/json; charset=utf-8").send(text);
    },
  );
};
