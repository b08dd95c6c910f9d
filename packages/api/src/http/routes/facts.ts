/**
 * POST /v1/facts — append a batch of facts: a JSON array (application/json) or one fact per line
 * (application/x-ndjson), decoded with the same codecs as `kpi import`. All or nothing: any bad fact → 400
 * `invalid_facts` with every problem (index, field, reason); a fact whose `source` is outside the token's
 * scope → 403 `source_not_allowed`; a refusal by the log (an id reused for other content, a retraction of an
 * unknown fact) → 409 with its code. Nothing is appended in any of these cases. Idempotent: re-sending a fact
 * with the same id and content returns its existing position (`duplicate: true`). 201 when something was
 * appended, 200 when every fact was a duplicate. By default the answer waits until the warehouse has folded
 * the batch, so reads that follow see it (`?wait=false` answers once the batch is durable).
 * Needs a bearer token; rate-limited per token (429 `rate_limited`).
 */
import { decodeFact, type Fact } from "@kpi/core";
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { outOfScope, requireToken, writeKey } from "../auth.js";
import type { ApiContext } from "../context.js";
import { ApiFailure, fail, type ItemError } from "../errors.js";
import { errors } from "../schemas.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Read by @fastify/cors (which does not declare it): false turns CORS off for the route. */
    cors?: false;
  }
}

/** NDJSON body → array; a line that is not JSON is reported with its fact index and line number. */
export const parseNdjson = (text: string): unknown[] => {
  const out: unknown[] = [];
  const bad: ItemError[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      bad.push({
        index: out.length,
        field: "(line)",
        reason: `line ${i + 1}: not valid JSON: ${(e as Error).message}`,
      });
      out.push(undefined);
    }
  }
  if (bad.length > 0) throw new ApiFailure({ _tag: "InvalidFacts", errors: bad });
  return out;
};

const outcomeSchema = {
  type: "object",
  properties: {
    index: { type: "integer" },
    id: { type: "string" },
    position: { type: "integer" },
    duplicate: { type: "boolean" },
  },
} as const;

const resultSchema = {
  type: "object",
  properties: {
    appended: { type: "integer" },
    duplicates: { type: "integer" },
    head: { type: "integer", description: "the log's head after the append" },
    projected: {
      type: ["integer", "null"],
      description: "the log position the figures now reflect (null with wait=false)",
    },
    outcomes: { type: "array", items: outcomeSchema },
  },
} as const;

export const factRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.addContentTypeParser("application/x-ndjson", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, parseNdjson(String(body)));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  app.post<{ Body: unknown[]; Querystring: { wait?: boolean } }>(
    "/v1/facts",
    {
      bodyLimit: ctx.config.bodyLimit,
      onRequest: async (request) => {
        const r = requireToken(ctx.config, request);
        if (E.isLeft(r)) fail(r.left);
      },
      config: {
        // Writes never cross origins: no CORS headers, so a browser refuses a page of another origin.
        cors: false,
        rateLimit: {
          max: ctx.config.writeLimitPerMinute,
          timeWindow: 60_000,
          keyGenerator: writeKey,
        },
      },
      schema: {
        tags: ["facts"],
        summary: "Append a batch of facts (all or nothing, idempotent)",
        description:
          "The body is a JSON array of facts, or NDJSON (one fact per line) with Content-Type application/x-ndjson. The fact types and their fields are in docs/facts.md. The bearer token's scope must include each fact's source.",
        security: [{ bearer: [] }],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            wait: {
              type: "boolean",
              default: true,
              description: "answer after the warehouse has folded the batch (default) or as soon as it is durable",
            },
          },
        },
        body: {
          type: "array",
          minItems: 1,
          maxItems: ctx.config.maxBatch,
          description: "facts: {id, type, subject, occurredOn, source, data} (see docs/facts.md)",
          items: { type: "object", description: "one fact; decoded with the import's codecs" },
        },
        response: {
          201: { description: "appended (some facts were new)", ...resultSchema },
          200: { description: "every fact was already in the log (idempotent re-send)", ...resultSchema },
          ...errors(400, 401, 403, 409, 413, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const scope = requireToken(ctx.config, request);
      if (E.isLeft(scope)) return fail(scope.left);
      const facts: Fact[] = [];
      const problems: ItemError[] = [];
      request.body.forEach((u, index) => {
        const r = decodeFact(u);
        if (E.isLeft(r)) for (const e of r.left.errors) problems.push({ index, field: e.field, reason: e.reason });
        else if (r.right.type === "PublicationIssued") {
          // publications are recorded by `kpi publish` from the warehouse's own figures, never reported
          problems.push({
            index,
            field: "type",
            reason: "PublicationIssued is written by kpi publish, not reported by a source",
          });
        } else facts.push(r.right);
      });
      if (problems.length > 0) return fail({ _tag: "InvalidFacts", errors: problems });
      const refused = outOfScope(scope.right, facts);
      if (refused.length > 0) return fail({ _tag: "SourceNotAllowed", refused, allowed: scope.right.sources });
      const appended = await ctx.live.warehouse.log.append(facts);
      if (E.isLeft(appended)) return fail({ _tag: "AppendRefused", error: appended.left });
      const r = appended.right;
      let projected: number | null = null;
      if (request.query.wait !== false) {
        try {
          projected = (await ctx.live.refresh()).position;
        } catch (e) {
          request.log.error(e, "catch-up after an append failed");
          return fail({ _tag: "ProjectionFailed", head: r.head, reason: (e as Error).message });
        }
      } else {
        ctx.live.refresh().catch((e: unknown) => request.log.error(e, "catch-up after an append failed"));
      }
      request.log.info({ token: scope.right.name, appended: r.appended, duplicates: r.duplicates }, "facts appended");
      return reply.code(r.appended > 0 ? 201 : 200).send({
        appended: r.appended,
        duplicates: r.duplicates,
        head: r.head,
        projected,
        outcomes: r.outcomes.map((o, index) => ({ index, id: o.id, position: o.position, duplicate: o.duplicate })),
      });
    },
  );
};
