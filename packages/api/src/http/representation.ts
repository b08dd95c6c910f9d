/**
 * How a tabular answer leaves the server: content negotiation (JSON by default, CSV, Arrow IPC stream),
 * validators (ETag) and conditional requests (`If-None-Match` → 304).
 *
 * - Format: `?format=json|csv|arrow` wins; otherwise the `Accept` header (q-values honoured; `*\/*`,
 *   `application/*` → JSON, `text/*` → CSV); nothing acceptable → 406 `not_acceptable`. Routes of figures also
 *   offer SDMX (`?format=sdmx-csv|sdmx-json`, or `application/vnd.sdmx.data+csv;version=2.0.0` and
 *   `application/vnd.sdmx.data+json;version=2.0.0`; another `version` is not acceptable): see `sdmx/`.
 * - JSON has the route's nested shape; CSV and Arrow are the same rows flat, with the warehouse's snake_case
 *   column names and types (Arrow: Utf8, Int32, Int64 for counts and log positions, Float64, Bool; nulls as
 *   nulls; CSV: nulls as empty fields, integers without a decimal point).
 * - ETag = `"<position>-<model tag>-<hash of route, normalised query and format>"`: it changes exactly when the
 *   log position the figures reflect changes (or the catalog/year range/threshold does), so it is known
 *   before any work is done and a matching `If-None-Match` is answered 304 without building the body.
 */
import { createHash } from "node:crypto";
import { Bool, Float64, Int32, Int64, Table, tableToIPC, Utf8, vectorFromArray } from "apache-arrow";
import type { FastifyReply, FastifyRequest } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { type ApiError, fail } from "./errors.js";
import { viewTagOf } from "./publications.js";

export type Format = "json" | "csv" | "arrow" | "sdmx-csv" | "sdmx-json";

/** What most tabular routes offer. */
export const TABLE_FORMATS: readonly Format[] = ["json", "csv", "arrow"];
/** What the routes of figures offer (series, values). */
export const FIGURE_FORMATS: readonly Format[] = [...TABLE_FORMATS, "sdmx-csv", "sdmx-json"];

export const MEDIA_TYPES: Readonly<Record<Format, string>> = {
  json: "application/json",
  csv: "text/csv",
  arrow: "application/vnd.apache.arrow.stream",
  "sdmx-csv": "application/vnd.sdmx.data+csv;version=2.0.0",
  "sdmx-json": "application/vnd.sdmx.data+json;version=2.0.0",
};

const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8; header=present",
  arrow: "application/vnd.apache.arrow.stream",
  "sdmx-csv": "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8",
  "sdmx-json": "application/vnd.sdmx.data+json; version=2.0.0; charset=utf-8",
};

const SDMX_TYPES: Readonly<Record<string, Format>> = {
  "application/vnd.sdmx.data+csv": "sdmx-csv",
  "application/vnd.sdmx.data+json": "sdmx-json",
};

/** Picks the representation among `offered`: `format` query parameter first, then `Accept`. */
export const negotiate = (
  accept: string | undefined,
  format: string | undefined,
  offered: readonly Format[] = TABLE_FORMATS,
): E.Either<ApiError, Format> => {
  const refuse = E.left<ApiError, Format>({
    _tag: "NotAcceptable",
    accept: accept ?? `format=${format}`,
    offered: offered.map((f) => MEDIA_TYPES[f]),
  });
  if (format !== undefined) return offered.includes(format as Format) ? E.right(format as Format) : refuse;
  if (accept === undefined || accept.trim() === "") return E.right("json");
  const ranges = accept
    .split(",")
    .map((part, i) => {
      const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith("q="));
      const version = params.find((p) => p.startsWith("version="))?.slice(8);
      return { type, q: q === undefined ? 1 : Number(q.slice(2)), i, version };
    })
    .filter((r) => r.type !== "" && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    if (r.type === MEDIA_TYPES.json || r.type === "*/*" || r.type === "application/*") return E.right("json");
    if (r.type === MEDIA_TYPES.csv || r.type === "text/*") return E.right("csv");
    if (r.type === MEDIA_TYPES.arrow) return E.right("arrow");
    const sdmx = SDMX_TYPES[r.type];
    if (
      sdmx !== undefined &&
      offered.includes(sdmx) &&
      (r.version === undefined || /^2(\.0(\.0)?)?$/.test(r.version))
    ) {
      return E.right(sdmx);
    }
  }
  return refuse;
};

export type Cell = string | number | boolean | null;

export interface Column<R> {
  readonly name: string;
  readonly type: "utf8" | "int32" | "int64" | "float64" | "bool";
  readonly get: (row: R) => Cell;
}

const csvField = (v: Cell): string => {
  if (v === null) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** RFC 4180 CSV with a header line; CRLF line ends. */
export const toCsv = <R>(columns: readonly Column<R>[], rows: readonly R[]): string => {
  let out = `${columns.map((c) => csvField(c.name)).join(",")}\r\n`;
  for (const r of rows) out += `${columns.map((c) => csvField(c.get(r))).join(",")}\r\n`;
  return out;
};

const arrowType = (t: Column<unknown>["type"]) =>
  t === "utf8"
    ? new Utf8()
    : t === "int32"
      ? new Int32()
      : t === "int64"
        ? new Int64()
        : t === "float64"
          ? new Float64()
          : new Bool();

/** A column's cells as Arrow takes them: Int64 wants bigints (a count or position that is a number here). */
const arrowCells = <R>(c: Column<R>, rows: readonly R[]): unknown[] =>
  c.type === "int64"
    ? rows.map((r) => {
        const v = c.get(r);
        return typeof v === "number" ? BigInt(v) : v;
      })
    : rows.map(c.get);

/** One Arrow IPC stream (schema and one record batch). */
export const toArrow = <R>(columns: readonly Column<R>[], rows: readonly R[]): Uint8Array =>
  tableToIPC(
    new Table(
      Object.fromEntries(
        columns.map((c) => [c.name, vectorFromArray(arrowCells(c, rows) as never, arrowType(c.type) as never)]),
      ),
    ),
    "stream",
  );

export const etagOf = (position: number, modelTag: string, key: string): string =>
  `"${position}-${modelTag}-${createHash("sha1").update(key).digest("base64url").slice(0, 16)}"`;

/** Whether `If-None-Match` matches the current ETag (weak comparison, `*` matches any). */
export const matchesEtag = (ifNoneMatch: string | undefined, etag: string): boolean => {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(",")
    .map((s) => s.trim().replace(/^W\//, ""))
    .some((s) => s === "*" || s === etag);
};

/** The query as a stable string (keys sorted), for ETags. */
export const queryKey = (query: object): string =>
  JSON.stringify(Object.entries(query).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export interface TableAnswer<R> {
  /** The log position the answer reflects. */
  readonly position: number;
  readonly modelTag: string;
  readonly json: () => unknown;
  readonly columns: readonly Column<R>[];
  readonly rows: () => readonly R[];
  /** The SDMX message's text, for routes that offer SDMX. */
  readonly sdmx?: (format: "sdmx-csv" | "sdmx-json") => Promise<string>;
}

/**
 * Negotiates the format, sets validators and answers 304 or the body. `prepare` runs only when needed: it
 * checks the request (throwing `ApiFailure` for 4xx) and returns the answer.
 */
export const sendTable = async <R>(
  request: FastifyRequest,
  reply: FastifyReply,
  format: string | undefined,
  prepare: () => TableAnswer<R> | Promise<TableAnswer<R>>,
  offered: readonly Format[] = TABLE_FORMATS,
): Promise<FastifyReply> => {
  const chosen = negotiate(request.headers.accept, format, offered);
  if (E.isLeft(chosen)) return fail(chosen.left);
  const f = chosen.right;
  const answer = await prepare();
  const etag = etagOf(
    answer.position,
    answer.modelTag,
    `${request.routeOptions.url}|${queryKey(request.query as object)}|${JSON.stringify(request.params)}|${f}|${viewTagOf(request) ?? ""}`,
  );
  reply.header("etag", etag).header("vary", "Accept, Authorization").header("cache-control", "no-cache");
  reply.header("x-log-position", String(answer.position));
  if (matchesEtag(request.headers["if-none-match"], etag)) return reply.code(304).send();
  reply.type(CONTENT_TYPES[f]);
  if (f === "csv") return reply.send(toCsv(answer.columns, answer.rows()));
  if (f === "arrow") return reply.send(Buffer.from(toArrow(answer.columns, answer.rows())));
  if (f === "sdmx-csv" || f === "sdmx-json") {
    if (answer.sdmx === undefined) throw new Error(`${request.routeOptions.url} offers SDMX but builds no message`);
    return reply.send(await answer.sdmx(f));
  }
  return reply.send(answer.json());
};
