/**
 * The operator's channel to a running server: what `kpi` uses while `kpi serve` holds the log and warehouse
 * (DuckDB lets one process write them), so that every command keeps working. Not part of the public API
 * (hidden from /docs) and closed unless the server was given an operator token: `kpi serve` makes a fresh one
 * at each start and writes it, with the server's address, to `DIR/server.json`, readable only by its owner.
 *
 * - `POST /v1/operator/import?name=FILE&skipInvalid=true|false` — the file's bytes as the body
 *   (application/octet-stream, streamed to a temporary file in `DIR/incoming/`), imported with the same rules
 *   as `kpi import` (all or nothing, line errors, reject files), one import at a time (a second waits), then
 *   folded. The answer is NDJSON: `{"progress": …}` lines, then `{"summary": …, "errors": […],
 *   "rejected"?: {"lines", "reasons"}}`.
 * - `POST /v1/operator/export-log {"out": FILE}` — a standalone copy of the log, made through the server.
 * - `POST /v1/operator/run {"command", "args", "options"}` — a read command (figure, export, explain,
 *   quarantine, publish) run by the server on its warehouse; the answer is NDJSON `{"out": text}` /
 *   `{"err": text}` lines, then `{"exit": code}`.
 * - `POST /v1/operator/publications {"year"?, "indicators"?, "level"?, "releaseAt"?}` — publishes (as `kpi
 *   publish`, signed with the server's KPI_PUBLICATION_KEY) and answers the new publication's summary as JSON;
 *   `GET /v1/operator/publications` lists every publication, embargoed ones included.
 */

import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { PassThrough, type Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { importFile } from "@kpi/core";
import { exportOpenLog } from "@kpi/projections";
import type { FastifyInstance, FastifyRequest } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { authenticateOperator } from "../auth.js";
import type { ApiContext } from "../context.js";
import { fail } from "../errors.js";
import type { LiveWarehouse } from "../liveWarehouse.js";

/** Runs a command in the server: the command line's parsed values, and streams for its output. */
export type OperatorRun = (
  request: { readonly command: string; readonly args: readonly string[]; readonly options: Record<string, unknown> },
  live: LiveWarehouse,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
) => Promise<number>;

export interface OperatorOptions {
  /** SHA-256 (hex) of the operator token. */
  readonly tokenHash: string;
  /** Where uploads are kept while they are imported. */
  readonly dataDir: string;
  readonly run: OperatorRun;
}

const ndjsonLine = (x: unknown) => `${JSON.stringify(x)}\n`;

/** A writable that sends each write as one NDJSON record `{key: text}`. */
const recordStream = (to: PassThrough, key: "out" | "err"): Writable =>
  new Writable({
    write(chunk, _enc, done) {
      to.write(ndjsonLine({ [key]: String(chunk) }));
      done();
    },
  });

export const operatorRoutes = async (
  app: FastifyInstance,
  { ctx, operator }: { ctx: ApiContext; operator: OperatorOptions },
): Promise<void> => {
  app.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));
  app.addHook("onRequest", async (request: FastifyRequest) => {
    const r = authenticateOperator(operator.tokenHash, request.headers.authorization);
    if (E.isLeft(r)) fail(r.left);
  });
  const incoming = join(operator.dataDir, "incoming");
  let imports: Promise<unknown> = Promise.resolve();

  app.post<{ Querystring: { name: string; skipInvalid?: boolean }; Body: Readable }>(
    "/v1/operator/import",
    {
      schema: {
        hide: true,
        querystring: {
          type: "object",
          required: ["name"],
          properties: { name: { type: "string", minLength: 1 }, skipInvalid: { type: "boolean", default: false } },
        },
      },
      config: { cors: false },
    },
    async (request, reply) => {
      const name = request.query.name;
      const ext = /\.(ndjson|jsonl|csv)$/i.exec(name)?.[0] ?? "";
      if (ext === "") {
        fail({ _tag: "InvalidRequest", message: `${name}: unknown file type; use .ndjson (or .jsonl) or .csv` });
      }
      mkdirSync(incoming, { recursive: true });
      const tmp = join(incoming, `${randomBytes(6).toString("hex")}-${basename(name)}`);
      const base = tmp.replace(/\.[^./]+$/, "");
      const cleanUp = () => {
        for (const f of [tmp, `${base}.rejected.ndjson`, `${base}.rejected.csv`, `${base}.rejected.txt`]) {
          rmSync(f, { force: true });
        }
      };
      try {
        await pipeline(request.body, createWriteStream(tmp, { mode: 0o600 }));
      } catch (e) {
        cleanUp();
        throw e;
      }
      const out = new PassThrough();
      void reply.type("application/x-ndjson; charset=utf-8").send(out);
      const job = imports.then(async () => {
        try {
          const s = await importFile(ctx.live.warehouse.log, tmp, {
            skipInvalid: request.query.skipInvalid === true,
            append: { retractionGrants: ctx.config.retractionGrants },
            onProgress: (p) => out.write(ndjsonLine({ progress: p })),
          });
          if (s.committed) await ctx.live.refresh();
          const rejected =
            s.rejectFile === undefined
              ? undefined
              : {
                  lines: readFileSync(s.rejectFile, "utf8"),
                  reasons: readFileSync(`${base}.rejected.txt`, "utf8"),
                };
          out.write(
            ndjsonLine({
              summary: {
                ...s,
                file: name,
                errors: undefined,
                rejectFile: undefined,
                ...(s.fileError === undefined ? {} : { fileError: { ...s.fileError, file: name } }),
              },
              errors: s.errors.map((e) => ({ ...e, file: name })),
              ...(rejected === undefined ? {} : { rejected }),
            }),
          );
        } catch (e) {
          out.write(ndjsonLine({ failed: e instanceof Error ? e.message : String(e) }));
        } finally {
          cleanUp();
          out.end();
        }
      });
      imports = job.catch(() => undefined);
      return reply;
    },
  );

  app.post<{ Body: { out: string } }>(
    "/v1/operator/export-log",
    {
      schema: {
        hide: true,
        body: { type: "object", required: ["out"], properties: { out: { type: "string", minLength: 1 } } },
      },
      config: { cors: false },
    },
    async (request) => {
      const r = await ctx.live.exclusive(() => exportOpenLog(ctx.live.warehouse, request.body.out));
      return E.isLeft(r) ? { error: r.left } : { exported: r.right };
    },
  );

  app.post<{ Body: { command: string; args: string[]; options: Record<string, unknown> } }>(
    "/v1/operator/run",
    {
      schema: {
        hide: true,
        body: {
          type: "object",
          required: ["command", "args", "options"],
          properties: {
            command: { type: "string" },
            args: { type: "array", items: { type: "string" } },
            options: { type: "object" },
          },
        },
      },
      config: { cors: false },
    },
    async (request, reply) => {
      const out = new PassThrough();
      void reply.type("application/x-ndjson; charset=utf-8").send(out);
      void operator
        .run(request.body, ctx.live, recordStream(out, "out"), recordStream(out, "err"))
        .then(
          (code) => {
            if (request.body.command === "publish") ctx.publications.reload();
            out.write(ndjsonLine({ exit: code }));
          },
          (e: unknown) => {
            out.write(ndjsonLine({ err: `${e instanceof Error ? e.message : String(e)}\n` }));
            out.write(ndjsonLine({ exit: 1 }));
          },
        )
        .finally(() => out.end());
      return reply;
    },
  );

  app.get("/v1/operator/publications", { schema: { hide: true }, config: { cors: false } }, async () => ({
    publications: ctx.publications.list(ctx.now(), true),
  }));

  app.post<{ Body: { year?: number; indicators?: string[]; level?: string; releaseAt?: string } }>(
    "/v1/operator/publications",
    {
      schema: {
        hide: true,
        body: {
          type: "object",
          additionalProperties: false,
          properties: {
            year: { type: "integer", minimum: 1900, maximum: 2200 },
            indicators: { type: "array", items: { type: "string" }, minItems: 1 },
            level: { type: "string", enum: ["province", "commune", "all"] },
            releaseAt: {
              type: "string",
              pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})$",
              description: "the announced release time, with its zone",
            },
          },
        },
      },
      config: { cors: false },
    },
    async (request, reply) => {
      const b = request.body;
      if (b.releaseAt !== undefined && Number.isNaN(Date.parse(b.releaseAt))) {
        fail({ _tag: "InvalidRequest", message: `releaseAt ${JSON.stringify(b.releaseAt)} is not a time` });
      }
      let text = "";
      let errText = "";
      const collect = (add: (s: string) => void) =>
        new Writable({
          write(chunk, _enc, done) {
            add(String(chunk));
            done();
          },
        });
      const before = new Set(ctx.publications.list(ctx.now(), true).map((p) => p.id));
      const code = await operator.run(
        {
          command: "publish",
          args: [],
          options: {
            level: b.level ?? "province",
            ...(b.year === undefined ? {} : { year: String(b.year) }),
            ...(b.indicators === undefined ? {} : { indicator: b.indicators }),
            ...(b.releaseAt === undefined ? {} : { "release-at": b.releaseAt }),
          },
        },
        ctx.live,
        collect((x) => {
          text += x;
        }),
        collect((x) => {
          errText += x;
        }),
      );
      ctx.publications.reload();
      if (code !== 0) {
        return fail({ _tag: "InvalidRequest", message: errText.replace(/^kpi publish: /, "").trim() || text });
      }
      const made = ctx.publications.list(ctx.now(), true).find((p) => !before.has(p.id));
      return reply.code(201).send({ publication: made ?? null, report: text });
    },
  );
};
