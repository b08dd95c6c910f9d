/**
 * The HTTP API's own settings, read from the environment once at start (a bad value stops the server with a
 * message saying what to write instead):
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | KPI_API_TOKENS | none | JSON object: SHA-256 (hex) of a bearer token → `{"sources": ["nhnn-kv15", …], "name"?: "…", "prerelease"?: true}`; `prerelease`: may read figures under embargo |
 * | KPI_API_READ_TOKEN_REQUIRED | false | `true`: reads need a known token too (writes always do) |
 * | KPI_API_WRITE_LIMIT | 60 | write requests per minute per token (then 429) |
 * | KPI_API_AS_OF_LIMIT | 120 | reads with `asOf` per minute per client (token, else address; then 429) |
 * | KPI_API_AS_OF_QUEUE | 8 | as-of recomputations that may wait at once (then 503 with Retry-After) |
 * | KPI_SNAPSHOT_SECONDS | 60 | least time between two refreshes of the statisticians' snapshots by `kpi serve` (each copies the warehouse) |
 * | KPI_RETRACTION_GRANTS | none | JSON object: a source → the sources whose facts it may retract (`"*"`: any); otherwise a source retracts only its own facts |
 * | KPI_API_CORS_ORIGINS | * | origins whose pages may read the API (comma-separated, e.g. `https://a.gov.vn,https://b.gov.vn`; `none`: no cross-origin reads); writes never cross origins |
 *
 * Only hashes of tokens are configured, never tokens: `printf %s "$TOKEN" | sha256sum` gives the key.
 */
import { createHash } from "node:crypto";
import { parseRetractionGrants, type RetractionGrants, SourceId } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";

export interface TokenScope {
  /** Who holds the token (for logs). */
  readonly name: string;
  /** The fact `source`s the token may report for. */
  readonly sources: readonly string[];
  /** May read figures of publications still under embargo. */
  readonly prerelease?: boolean;
}

export interface ApiConfig {
  /** SHA-256 hex of a token → its scope. */
  readonly tokens: ReadonlyMap<string, TokenScope>;
  readonly readTokenRequired: boolean;
  /** Write requests per minute per token. */
  readonly writeLimitPerMinute: number;
  /** Reads with `asOf` (recomputed in the warehouse) per minute per client. */
  readonly asOfLimitPerMinute: number;
  /** As-of recomputations that may wait at once. */
  readonly asOfQueue: number;
  /** The least time between two refreshes of the snapshots while serving, in seconds. */
  readonly snapshotEverySeconds: number;
  /** Which sources may retract facts of which others (a source may always retract its own). */
  readonly retractionGrants: RetractionGrants;
  /** Origins whose pages may read the API ("*": any); writes are never allowed across origins. */
  readonly corsOrigins: "*" | readonly string[];
  /** Largest request body accepted by POST /v1/facts, in bytes. */
  readonly bodyLimit: number;
  /** Largest batch accepted by POST /v1/facts, in facts. */
  readonly maxBatch: number;
}

export const DEFAULT_API_CONFIG: ApiConfig = {
  tokens: new Map(),
  readTokenRequired: false,
  writeLimitPerMinute: 60,
  asOfLimitPerMinute: 120,
  asOfQueue: 8,
  snapshotEverySeconds: 60,
  corsOrigins: "*",
  retractionGrants: new Map(),
  bodyLimit: 16 * 2 ** 20,
  maxBatch: 10_000,
};

export const tokenHash = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

const TokenEntry = t.intersection([
  t.type({ sources: t.array(SourceId) }),
  t.partial({ name: t.string, prerelease: t.boolean }),
]);

const TokensJson = t.record(t.string, TokenEntry);

/** Parses `KPI_API_TOKENS`; throws with a message naming what is wrong. */
export const parseTokens = (text: string | undefined): ReadonlyMap<string, TokenScope> => {
  if (text === undefined || text.trim() === "") return new Map();
  const example = `e.g. {"<sha256 of the token>": {"name": "NHNN KV15", "sources": ["nhnn-kv15"]}}`;
  let u: unknown;
  try {
    u = JSON.parse(text);
  } catch (e) {
    throw new Error(`KPI_API_TOKENS is not valid JSON (${(e as Error).message}); ${example}`);
  }
  const r = TokensJson.decode(u);
  if (E.isLeft(r) || typeof u !== "object" || u === null || Array.isArray(u)) {
    throw new Error(`KPI_API_TOKENS must map token hashes to {"sources": [source ids]}; ${example}`);
  }
  const out = new Map<string, TokenScope>();
  for (const [hash, entry] of Object.entries(r.right)) {
    if (!/^[0-9a-f]{64}$/.test(hash)) {
      throw new Error(
        `KPI_API_TOKENS key ${JSON.stringify(hash.slice(0, 12))}… is not a SHA-256 in hex (64 characters 0-9a-f); store the token's hash, never the token: printf %s "$TOKEN" | sha256sum`,
      );
    }
    out.set(hash, {
      name: entry.name ?? `token ${hash.slice(0, 8)}`,
      sources: entry.sources,
      ...(entry.prerelease === true ? { prerelease: true } : {}),
    });
  }
  return out;
};

const positiveInt = (name: string, s: string | undefined, fallback: number): number => {
  if (s === undefined || s === "") return fallback;
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name} must be a whole number above 0, got ${JSON.stringify(s)}`);
  return n;
};

/** Parses `KPI_API_CORS_ORIGINS`: `*` (default), `none`, or origins separated by commas. */
export const parseCorsOrigins = (text: string | undefined): "*" | readonly string[] => {
  const s = (text ?? "*").trim();
  if (s === "*" || s === "") return "*";
  if (s === "none") return [];
  const origins = s.split(",").map((x) => x.trim());
  for (const o of origins) {
    let u: URL | undefined;
    try {
      u = new URL(o);
    } catch {
      u = undefined;
    }
    if (u === undefined || u.origin !== o) {
      throw new Error(
        `KPI_API_CORS_ORIGINS: ${JSON.stringify(o)} is not an origin; write scheme://host[:port] with no path or trailing slash, e.g. https://thongke.dongthap.gov.vn (or * for any, none for no cross-origin reads)`,
      );
    }
  }
  return origins;
};

export const loadApiConfig = (env: NodeJS.ProcessEnv = process.env): ApiConfig => {
  const flag = env.KPI_API_READ_TOKEN_REQUIRED ?? "false";
  if (flag !== "true" && flag !== "false") {
    throw new Error(`KPI_API_READ_TOKEN_REQUIRED must be true or false, got ${JSON.stringify(flag)}`);
  }
  return {
    ...DEFAULT_API_CONFIG,
    tokens: parseTokens(env.KPI_API_TOKENS),
    readTokenRequired: flag === "true",
    writeLimitPerMinute: positiveInt("KPI_API_WRITE_LIMIT", env.KPI_API_WRITE_LIMIT, 60),
    asOfLimitPerMinute: positiveInt("KPI_API_AS_OF_LIMIT", env.KPI_API_AS_OF_LIMIT, 120),
    asOfQueue: positiveInt("KPI_API_AS_OF_QUEUE", env.KPI_API_AS_OF_QUEUE, 8),
    snapshotEverySeconds: positiveInt("KPI_SNAPSHOT_SECONDS", env.KPI_SNAPSHOT_SECONDS, 60),
    corsOrigins: parseCorsOrigins(env.KPI_API_CORS_ORIGINS),
    retractionGrants: parseRetractionGrants(env.KPI_RETRACTION_GRANTS),
  };
};
