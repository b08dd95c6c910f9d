/**
 * Bearer-token authentication and the write scope. A token is known by its SHA-256 only (`KPI_API_TOKENS`);
 * its scope names the fact sources it may report for. Reads are open unless `readTokenRequired`; a token that
 * is sent must be known even where none is needed (a typo is reported, not ignored).
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { type ApiConfig, type TokenScope, tokenHash } from "./apiConfig.js";
import type { ApiError } from "./errors.js";

/** The token's scope, `undefined` when no Authorization header was sent, or why the header is refused. */
export const authenticate = (
  config: ApiConfig,
  authorization: string | undefined,
): E.Either<ApiError, TokenScope | undefined> => {
  if (authorization === undefined || authorization === "") return E.right(undefined);
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const scope = m?.[1] === undefined ? undefined : config.tokens.get(tokenHash(m[1]));
  return scope === undefined ? E.left({ _tag: "Unauthorized", reason: "invalid" }) : E.right(scope);
};

/** A token is required: its scope, or 401. */
export const requireToken = (config: ApiConfig, request: FastifyRequest): E.Either<ApiError, TokenScope> => {
  const r = authenticate(config, request.headers.authorization);
  if (E.isLeft(r)) return r;
  return r.right === undefined ? E.left({ _tag: "Unauthorized", reason: "missing" }) : E.right(r.right);
};

/** The facts a scope may not report, by batch index. */
export const outOfScope = (
  scope: TokenScope,
  facts: readonly { readonly source: string }[],
): { index: number; source: string }[] =>
  facts.flatMap((f, index) => (scope.sources.includes(f.source) ? [] : [{ index, source: f.source }]));

/** The rate-limit key of a write: the token's hash, or the client address when no token was sent. */
export const writeKey = (request: FastifyRequest): string => {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return m?.[1] === undefined ? `ip:${request.ip}` : `token:${tokenHash(m[1])}`;
};

/** The operator's channel (`routes/operator.ts`): the operator token, compared by its hash in constant time. */
export const authenticateOperator = (
  operatorTokenHash: string,
  authorization: string | undefined,
): E.Either<ApiError, true> => {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (m?.[1] === undefined) return E.left({ _tag: "Unauthorized", reason: "missing" });
  const given = Buffer.from(tokenHash(m[1]), "hex");
  const expected = Buffer.from(operatorTokenHash, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? E.right(true)
    : E.left({ _tag: "Unauthorized", reason: "invalid" });
};
