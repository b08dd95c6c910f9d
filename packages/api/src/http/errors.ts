/**
 * Errors of the HTTP API as tagged values. Route code returns or throws an `ApiError` (wrapped in `ApiFailure`);
 * one handler (`errorHandler` in app.ts) turns it, and fastify's own errors (schema validation, body parsing,
 * unknown route), into one stable shape:
 *
 *   { "statusCode": 404, "code": "unknown_indicator", "error": "Not Found", "message": "…what to fix…", "details"?: […] }
 *
 * `code` is machine-readable and never changes for a given condition; `message` says what to do about it.
 */
import { type AppendError, describeAppendError } from "@kpi/core";

export interface ItemError {
  /** 0-based index of the fact in the batch. */
  readonly index: number;
  readonly field: string;
  readonly reason: string;
}

export type ApiError =
  | { readonly _tag: "InvalidRequest"; readonly message: string; readonly details?: readonly unknown[] }
  | { readonly _tag: "UnknownIndicator"; readonly indicator: string; readonly hint: string }
  | { readonly _tag: "UnknownCommune"; readonly geo: string; readonly hint: string }
  | { readonly _tag: "UnknownPublication"; readonly id: string }
  | { readonly _tag: "BadYearRange"; readonly message: string }
  | { readonly _tag: "BadAsOf"; readonly asOf: string; readonly reason: string }
  | { readonly _tag: "NotAcceptable"; readonly accept: string; readonly offered: readonly string[] }
  | { readonly _tag: "UnsupportedMediaType"; readonly contentType: string }
  | { readonly _tag: "PayloadTooLarge"; readonly limit: number }
  | { readonly _tag: "Unauthorized"; readonly reason: "missing" | "invalid" }
  | {
      readonly _tag: "SourceNotAllowed";
      readonly refused: readonly { readonly index: number; readonly source: string }[];
      readonly allowed: readonly string[];
    }
  | { readonly _tag: "InvalidFacts"; readonly errors: readonly ItemError[] }
  | { readonly _tag: "AppendRefused"; readonly error: AppendError }
  /** An id conflict with a fact outside the caller's scope: said without where or whose. */
  | { readonly _tag: "IdTaken"; readonly id: string; readonly index: number }
  | {
      readonly _tag: "RateLimited";
      readonly max: number;
      readonly retryAfterSeconds: number;
      /** What is limited: writes per token, or as-of reads (recomputed in the warehouse) per client. */
      readonly what: "write" | "as-of";
    }
  | { readonly _tag: "AsOfBusy"; readonly waiting: number; readonly retryAfterSeconds: number }
  | { readonly _tag: "RouteNotFound"; readonly method: string; readonly url: string }
  | { readonly _tag: "ProjectionFailed"; readonly head: number; readonly reason: string }
  | { readonly _tag: "MapNotBuilt"; readonly file: string }
  | { readonly _tag: "Internal" };

export type ApiErrorTag = ApiError["_tag"];

/** The thrown carrier of an `ApiError` (fastify's error handler receives thrown values). */
export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error._tag);
    this.name = "ApiFailure";
  }
}

export const fail = (e: ApiError): never => {
  throw new ApiFailure(e);
};

const appendCode = (e: AppendError): string => {
  switch (e._tag) {
    case "IdConflict":
      return "id_conflict";
    case "WrongExpectedRevision":
      return "wrong_expected_revision";
    case "RetractionRefused":
      return "retraction_refused";
    case "CatalogChangeRefused":
      return "catalog_change_refused";
  }
};

export interface ErrorBody {
  readonly statusCode: number;
  readonly code: string;
  readonly error: string;
  readonly message: string;
  readonly details?: readonly unknown[];
}

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

const body = (statusCode: number, code: string, message: string, details?: readonly unknown[]): ErrorBody => ({
  statusCode,
  code,
  error: REASONS[statusCode] ?? "Error",
  message,
  ...(details === undefined ? {} : { details }),
});

/** The status, stable code and message of every API error: the one mapping from tags to HTTP. */
/**
 * A refusal of the log as a token may see it: nothing about a fact outside its scope. A retraction naming such
 * a fact is refused as naming an unknown one, an id conflict with one says neither where nor whose, and the
 * source of the fact concerned is never echoed.
 */
export const refusalWithin = (e: AppendError, sources: readonly string[]): ApiError => {
  if (e._tag === "RetractionRefused") {
    const { targetSource, ...rest } = e;
    const visible = targetSource === undefined || sources.includes(targetSource);
    return { _tag: "AppendRefused", error: visible ? rest : { ...rest, reason: "unknown event" } };
  }
  if (e._tag === "IdConflict") {
    const { existingSource, ...rest } = e;
    return existingSource !== undefined && !sources.includes(existingSource)
      ? { _tag: "IdTaken", id: e.id, index: e.index }
      : { _tag: "AppendRefused", error: rest };
  }
  return { _tag: "AppendRefused", error: e };
};

export const errorBody = (e: ApiError): ErrorBody => {
  switch (e._tag) {
    case "InvalidRequest":
      return body(400, "invalid_request", e.message, e.details);
    case "UnknownIndicator":
      return body(404, "unknown_indicator", `unknown indicator ${JSON.stringify(e.indicator)}${e.hint}`);
    case "UnknownPublication":
      return body(
        404,
        "unknown_publication",
        `no released publication ${JSON.stringify(e.id)}; GET /v1/publications lists them`,
      );
    case "UnknownCommune":
      return body(404, "unknown_commune", `unknown commune ${JSON.stringify(e.geo)}${e.hint}`);
    case "BadYearRange":
      return body(400, "bad_year_range", e.message);
    case "BadAsOf":
      return body(400, "bad_as_of", `asOf ${JSON.stringify(e.asOf)}: ${e.reason}`);
    case "NotAcceptable":
      return body(
        406,
        "not_acceptable",
        `cannot answer with ${JSON.stringify(e.accept)}; ask for one of ${e.offered.join(", ")} (Accept header or ?format=)`,
      );
    case "UnsupportedMediaType":
      return body(
        415,
        "unsupported_media_type",
        `cannot read a body of type ${JSON.stringify(e.contentType)}; send application/json (an array of facts) or application/x-ndjson (one fact per line)`,
      );
    case "PayloadTooLarge":
      return body(
        413,
        "payload_too_large",
        `the body is larger than ${e.limit} bytes; send the facts in smaller batches`,
      );
    case "Unauthorized":
      return body(
        401,
        "unauthorized",
        e.reason === "missing"
          ? "this request needs a bearer token: send the header Authorization: Bearer <token>"
          : "the bearer token is not known to this server; check the token, or ask the operator to add its SHA-256 to KPI_API_TOKENS",
      );
    case "SourceNotAllowed": {
      const sources = [...new Set(e.refused.map((r) => r.source))];
      return body(
        403,
        "source_not_allowed",
        `this token may report for ${e.allowed.length === 0 ? "no source" : e.allowed.join(", ")} only, not for ${sources.join(
          ", ",
        )}; nothing was appended`,
        e.refused.map((r) => ({
          index: r.index,
          field: "source",
          reason: `source ${r.source} is not in the token's scope`,
        })),
      );
    }
    case "InvalidFacts":
      return body(
        400,
        "invalid_facts",
        `${e.errors.length} problem(s) in the batch, nothing was appended; first: fact ${(e.errors[0]?.index ?? 0) + 1}: ${
          e.errors[0]?.field ?? ""
        }: ${e.errors[0]?.reason ?? ""}`,
        e.errors,
      );
    case "AppendRefused":
      return body(409, appendCode(e.error), `${describeAppendError(e.error)}; nothing was appended`, [
        "index" in e.error ? { index: e.error.index, field: "id", reason: describeAppendError(e.error) } : e.error,
      ]);
    case "IdTaken": {
      const reason = `fact ${e.index + 1} (id ${e.id}): this id is already used for other content; a correction needs a new id (and a FactRetracted for the old one)`;
      return body(409, "id_conflict", `${reason}; nothing was appended`, [{ index: e.index, field: "id", reason }]);
    }
    case "RateLimited":
      return body(
        429,
        "rate_limited",
        e.what === "write"
          ? `at most ${e.max} write requests per minute for this token; retry after ${e.retryAfterSeconds} s`
          : `at most ${e.max} reads with asOf per minute for this client (each is recomputed in the warehouse); retry after ${e.retryAfterSeconds} s, or read without asOf (current figures are not limited)`,
      );
    case "AsOfBusy":
      return body(
        503,
        "as_of_busy",
        `${e.waiting} figures as of earlier positions are being recomputed already; retry after ${e.retryAfterSeconds} s (a position asked for before is answered from a cache; current figures, without asOf, are always served)`,
      );
    case "RouteNotFound":
      return body(404, "not_found", `no route ${e.method} ${e.url}; the API is described at /docs`);
    case "ProjectionFailed":
      return body(
        503,
        "projection_failed",
        `the facts were appended (log head ${e.head}) but the warehouse could not fold them: ${e.reason}; re-sending the batch is safe (it is idempotent)`,
      );
    case "MapNotBuilt":
      return body(
        503,
        "map_not_built",
        `the communes' map is made by the build and is not there (${e.file}); run pnpm build, then restart the server`,
      );
    case "Internal":
      return body(500, "internal_error", "an unexpected error; it has been logged");
  }
};

/** The response schema of every error (for OpenAPI). */
export const errorSchema = {
  $id: "Error",
  type: "object",
  description: "Every error: a stable machine-readable `code` and a message that says what to fix.",
  required: ["statusCode", "code", "error", "message"],
  properties: {
    statusCode: { type: "integer" },
    code: { type: "string", examples: ["unknown_indicator"] },
    error: { type: "string" },
    message: { type: "string" },
    details: { type: "array", items: {} },
  },
} as const;
