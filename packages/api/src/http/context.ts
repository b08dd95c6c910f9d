/**
 * What every route needs: the live warehouse, the API settings, and the checks shared by read routes (read
 * access, indicator and commune look-ups with messages that say what to send instead).
 */
import { didYouMean } from "@kpi/core";
import type { CatalogIndicator } from "@kpi/reference";
import type { FastifyReply, FastifyRequest } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import type { ApiConfig } from "./apiConfig.js";
import { authenticate, requireToken, writeKey } from "./auth.js";
import { fail } from "./errors.js";
import type { LiveWarehouse } from "./liveWarehouse.js";
import type { PublicationRegistry } from "./publications.js";
import type { Reference } from "./readModel.js";

export interface ApiContext {
  readonly live: LiveWarehouse;
  readonly config: ApiConfig;
  readonly startedAt: string;
  /** The publications, and the embargo they put on figures. */
  readonly publications: PublicationRegistry;
  /** The clock embargoes are judged by. */
  readonly now: () => Date;
}

/** `onRequest` hook of read routes: open, or a known token when `readTokenRequired`; a bad token is 401. */
export const readAccess =
  (ctx: ApiContext) =>
  async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const r = ctx.config.readTokenRequired
      ? requireToken(ctx.config, request)
      : authenticate(ctx.config, request.headers.authorization);
    if (E.isLeft(r)) fail(r.left);
  };

/**
 * The route option that limits reads with `asOf` per client (its token, else its address) and minute, across
 * the routes that take it; reads without `asOf` come from memory and are not limited.
 */
export const asOfRateLimit = (ctx: ApiContext) => ({
  rateLimit: {
    max: ctx.config.asOfLimitPerMinute,
    timeWindow: 60_000,
    groupId: "as-of",
    keyGenerator: writeKey,
    allowList: (request: FastifyRequest) => (request.query as { asOf?: unknown } | undefined)?.asOf === undefined,
  },
});

export const indicatorOrFail = (ref: Reference, code: string): CatalogIndicator => {
  const entry = ref.indicators.get(code);
  if (entry !== undefined) return entry;
  const upper = ref.indicators.get(code.toUpperCase());
  return fail({
    _tag: "UnknownIndicator",
    indicator: code,
    hint: `${upper !== undefined ? ` (did you mean "${upper.code}"? codes are upper case)` : didYouMean(code, ref.indicators.keys())}; GET /v1/indicators lists the ${ref.indicators.size} codes`,
  });
};

/** `province`, or the 5-digit code of a current commune; an old code is named with the commune it joined. */
export const geoOrFail = (ref: Reference, geo: string): string => {
  if (geo === "province" || ref.communes.has(geo)) return geo;
  const old = ref.oldCodes.get(geo);
  return fail({
    _tag: "UnknownCommune",
    geo,
    hint:
      old !== undefined
        ? `: it is a commune code from before 1 July 2025; its area is now part of ${old.name} (geo=${old.code})`
        : `; use geo=province or the 5-digit code of one of the ${ref.communes.size} current communes (GET /v1/communes)`,
  });
};

export const yearsOrFail = (ref: Reference, from: number | undefined, to: number | undefined): [number, number] => {
  const [first, last] = ref.years;
  const f = from ?? first;
  const t = to ?? last;
  if (f > t) fail({ _tag: "BadYearRange", message: `from (${f}) is after to (${t}); swap them` });
  if (f < first || t > last) {
    fail({
      _tag: "BadYearRange",
      message: `figures exist for ${first}–${last} only; ask for years within that range (got ${f}–${t})`,
    });
  }
  return [f, t];
};
