/**
 * POST /v1/facts — append a batch of facts: a JSON array (application/json) or one fact per line
 * (application/x-ndjson), read and decoded as `kpi import` reads a file (UTF-8, a leading byte order mark dropped,
 * no key twice, at most 32 levels deep; see factJson.ts). All or nothing: any bad fact → 400
 * `invalid_facts` with every problem (index, field, reason); a fact whose `source` is outside the token's
 * scope → 403 `source_not_allowed`; a refusal by the log (an id reused for other content, a retraction of an
 * unknown fact) → 409 with its code. Nothing is appended in any of these cases. Idempotent: re-sending a fact
 * with the same id and content returns its existing position (`duplicate: true`). 201 when something was
 * appended, 200 when every fact was a duplicate. By default the answer waits until the warehouse has folded
 * the batch, so reads that follow see it (`?wait=false` answers once the batch is durable).
 * Needs a bearer token; rate-limited per token (429 `rate_limited`).
 */
import {
  decodeFact,
  decodeUtf8,
  type Fact,
  fieldOfPath,
  invalidUtf8Reason,
  jsonShapeProblem,
  MAX_JSON_DEPTH,
  parseFactJson,
  stripBom,
  utf8LinesOf,
} from "@kpi/core";
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { outOfScope, requireToken, writeKey } from "../auth.js";
import type { ApiContext } from "../context.js";
import { ApiFailure, fail, type ItemError, refusalWithin } from "../errors.js";
import { errors } from "../schemas.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Read by @fastify/cors (which does not declare it): false turns CORS off for the route. */
    cors?: false;
  }
}

/** `bytes` of a body as lines (a string is taken as its UTF-8 bytes). */
const bytesOf = (body: Uint8Array | string): Uint8Array => (typeof body === "string" ? Buffer.from(body) : body);

/**
 * NDJSON body → array, read as `kpi import` reads a file: a line that is not UTF-8, not JSON, has a key twice or
 * nests too deep is reported with its fact index and line number; a byte order mark at the start is dropped.
 */
export const parseNdjson = (body: Uint8Array | string): unknown[] => {
  const out: unknown[] = [];
  const bad: ItemError[] = [];
  for (const l of utf8LinesOf(bytesOf(body))) {
    if (l.text === undefined) {
      bad.push({
        index: out.length,
        field: "(line)",
        reason: `line ${l.line}: ${invalidUtf8Reason(l.bytes ?? new Uint8Array(0))}`,
      });
      out.push(undefined);
      continue;
    }
    if (l.text.trim() === "") continue;
    const r = parseFactJson(l.text);
    if (E.isLeft(r)) {
      for (const e of r.left) bad.push({ index: out.length, field: e.field, reason: `line ${l.line}: ${e.reason}` });
      out.push(undefined);
    } else out.push(r.right);
  }
  if (bad.length > 0) throw new ApiFailure({ _tag: "InvalidFacts", errors: bad });
  return out;
};

/**
 * JSON body (an array of facts) → value, with the rules of the NDJSON body: UTF-8 only, a byte order mark at
 * the start dropped, no key twice in one object, at most `MAX_JSON_DEPTH` levels in each fact. A problem inside
 * a fact is reported by its index; a body that is not JSON at all is an invalid request.
 */
export const parseJsonBody = (body: Uint8Array | string): unknown => {
  const bytes = bytesOf(body);
  const decoded = decodeUtf8(bytes);
  if (decoded === undefined) {
    const bad = utf8LinesOf(bytes).find((l) => l.text === undefined);
    return fail({
      _tag: "InvalidRequest",
      message: `the body is not valid UTF-8: line ${bad?.line ?? 1}: ${invalidUtf8Reason(bad?.bytes ?? bytes)}`,
    });
  }
  const text = stripBom(decoded);
  const shape = jsonShapeProblem(text, MAX_JSON_DEPTH, 1);
  const index = typeof shape?.path[0] === "number" ? shape.path[0] : undefined;
  const item = (reason: string, field: string): never =>
    index === undefined
      ? fail({ _tag: "InvalidRequest", message: `the body ${reason}` })
      : fail({ _tag: "InvalidFacts", errors: [{ index, field, reason }] });
  if (shape?._tag === "TooDeep") return item(`${shape.reason} (at ${fieldOfPath(shape.path.slice(1))}…)`, "(fact)");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail({
      _tag: "InvalidRequest",
      message: `the body is not valid JSON: ${(e as Error).message}; send a JSON array of facts, or NDJSON with Content-Type application/x-ndjson`,
    });
  }
  if (shape !== undefined) return item(shape.reason, fieldOfPath(shape.path.slice(1)));
  return value;
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
  // Both bodies are read as bytes, so that invalid UTF-8 is refused rather than read as U+FFFD.
  const parser =
    (parse: (body: Buffer) => unknown) =>
    (_request: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      try {
        done(null, parse(body as Buffer));
      } catch (e) {
        done(e as Error, undefined);
      }
    };
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, parser(parseJsonBody));
  app.addContentTypeParser("application/x-ndjson", { parseAs: "buffer" }, parser(parseNdjson));

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
          description:
            "facts: {id, type, subject, occurredOn, reportedOn (optional), source, data} (see docs/facts.md)",
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
      const appended = await ctx.live.warehouse.log.append(facts, {
        retractionGrants: ctx.config.retractionGrants,
      });
      if (E.isLeft(appended)) return fail(refusalWithin(appended.left, scope.right.sources));
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
