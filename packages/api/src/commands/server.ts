/**
 * Commands while `kpi serve` runs. The server holds the log and warehouse (DuckDB lets one process write a
 * file), so it publishes how to reach it — `DIR/server.json`: its address, process id and a fresh operator
 * token, readable only by its owner — and the other commands go through it (routes/operator.ts):
 * `import` streams each file to it, `figure`, `export`, `explain`, `quarantine` and `publish` run in it on its
 * warehouse, `export-log` has it write the copy, and `verify-log`, `verify` and `head` read such a copy or its
 * health. Without a running server every command opens the files itself, as before.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { Readable } from "node:stream";
import type { ImportProgress, ImportSummary, LineError } from "@kpi/core";
import { describeExportLogError, type ExportedLog, type ExportLogError, isAlive } from "@kpi/projections";
import * as E from "fp-ts/lib/Either.js";
import type { Config } from "../config.js";
import { tokenHash } from "../http/apiConfig.js";
import type { LiveWarehouse } from "../http/liveWarehouse.js";
import type { OperatorOptions, OperatorRun } from "../http/routes/operator.js";
import { launcherPid } from "../hugePages.js";
import { progressBar, reportImport } from "./importCommand.js";
import type { WarehouseAccess } from "./warehouseCommands.js";

export interface ServerInfo {
  readonly url: string;
  /** The log file it holds. */
  readonly logPath: string;
  readonly pid: number;
  readonly token: string;
  readonly startedAt: string;
}

export const serverFile = (config: Config): string => join(config.dataDir, "server.json");

/** Makes the operator token and the options of the operator routes; `announce` writes server.json. */
export const operatorFor = (
  config: Config,
  run: OperatorRun,
): { options: OperatorOptions; announce(url: string): void; withdraw(): void } => {
  const token = randomBytes(32).toString("hex");
  const file = serverFile(config);
  return {
    options: { tokenHash: tokenHash(token), dataDir: config.dataDir, run },
    announce: (url) => {
      const info: ServerInfo = {
        url,
        logPath: config.logPath,
        pid: launcherPid(),
        token,
        startedAt: new Date().toISOString(),
      };
      rmSync(file, { force: true });
      writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    },
    withdraw: () => {
      try {
        const info = JSON.parse(readFileSync(file, "utf8")) as ServerInfo;
        if (info.pid === launcherPid()) rmSync(file, { force: true });
      } catch {
        // not ours, or gone already
      }
    },
  };
};

/**
 * The server holding this data directory's log, if one runs (a file left by a server that died is ignored,
 * and so is a server of another log than the one the command names with --log).
 */
export const findServer = (config: Config): ServerInfo | undefined => {
  const file = serverFile(config);
  if (!existsSync(file)) return undefined;
  let info: ServerInfo;
  try {
    info = JSON.parse(readFileSync(file, "utf8")) as ServerInfo;
  } catch {
    return undefined;
  }
  if (typeof info.url !== "string" || typeof info.token !== "string" || typeof info.pid !== "number") return undefined;
  return isAlive(info.pid) && resolve(info.logPath ?? "") === resolve(config.logPath) ? info : undefined;
};

/** A warehouse lent by the running server between its catch-ups (the server side of `run`). */
export const serverAccess = (live: LiveWarehouse): WarehouseAccess => ({
  use: async (fn) => {
    await live.refresh();
    try {
      return await live.exclusive(() => fn(live.warehouse));
    } finally {
      // a command that wrote (publish, quarantine clear) is folded and shown at once
      await live.refresh();
    }
  },
});

const unreachable = (server: ServerInfo, e: unknown): Error =>
  new Error(
    `a server (process ${server.pid}) serves this data directory at ${server.url} but did not answer (${
      e instanceof Error ? e.message : String(e)
    }); wait for it to finish starting, or stop it and run the command again`,
  );

/** POSTs to an operator route and yields the NDJSON records of the answer as they come. */
async function* operatorCall(
  server: ServerInfo,
  path: string,
  body: string | ReadableStream,
  contentType: string,
): AsyncGenerator<Record<string, unknown>> {
  let r: Response;
  try {
    r = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": contentType },
      body,
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (e) {
    throw unreachable(server, e);
  }
  if (!r.ok || r.body === null) {
    const text = await r.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON
    }
    throw new Error(`the server at ${server.url} refused: ${message}`);
  }
  let rest = "";
  const decoder = new TextDecoder();
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let i = rest.indexOf("\n");
    while (i >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      if (line !== "") yield JSON.parse(line) as Record<string, unknown>;
      i = rest.indexOf("\n");
    }
  }
  if (rest.trim() !== "") yield JSON.parse(rest) as Record<string, unknown>;
}

/** Runs a command in the server and relays its output; resolves with its exit code. */
export const runInServer = async (
  server: ServerInfo,
  request: { command: string; args: readonly string[]; options: Record<string, unknown> },
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> => {
  let code = 1;
  for await (const x of operatorCall(server, "/v1/operator/run", JSON.stringify(request), "application/json")) {
    if (typeof x.out === "string") out.write(x.out);
    if (typeof x.err === "string") err.write(x.err);
    if (typeof x.exit === "number") code = x.exit;
  }
  return code;
};

/**
 * The summary the server sent for an uploaded file, as `importFile` would have given it for the file here: the
 * local name in every error, and the rejected lines written beside the file.
 */
const localSummary = (file: string, x: Record<string, unknown>): ImportSummary => {
  const here = (e: LineError): LineError => ({ ...e, file });
  const sent = x.summary as ImportSummary;
  const rejected = x.rejected as { lines: string; reasons: string } | undefined;
  let rejectFile: string | undefined;
  if (rejected !== undefined) {
    const base = file.replace(/\.[^./]+$/, "");
    rejectFile = `${base}.rejected.${/\.csv$/i.test(file) ? "csv" : "ndjson"}`;
    writeFileSync(rejectFile, rejected.lines);
    writeFileSync(`${base}.rejected.txt`, rejected.reasons);
  }
  return {
    ...sent,
    file,
    errors: (x.errors as LineError[]).map(here),
    ...(sent.fileError === undefined ? {} : { fileError: here(sent.fileError) }),
    ...(rejectFile === undefined ? {} : { rejectFile }),
  };
};

/** `kpi import` through the server: each file streamed to it, the same summary, errors and reject files. */
export const importThroughServer = async (
  server: ServerInfo,
  o: {
    readonly files: readonly string[];
    readonly skipInvalid: boolean;
    readonly showErrors: number;
    readonly out: NodeJS.WritableStream;
    readonly err: NodeJS.WritableStream & { isTTY?: boolean };
  },
): Promise<number> => {
  let failures = 0;
  o.err.write(`A server (process ${server.pid}) holds the log: importing through it (${server.url}).\n`);
  for (const file of o.files) {
    try {
      statSync(file);
    } catch (e) {
      o.err.write(
        `kpi import: ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(e)}\n`,
      );
      failures++;
      continue;
    }
    const query = `?name=${encodeURIComponent(basename(file))}&skipInvalid=${o.skipInvalid}`;
    const body = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream;
    let summary: ImportSummary | undefined;
    const bar = progressBar(file, o.err);
    try {
      for await (const x of operatorCall(server, `/v1/operator/import${query}`, body, "application/octet-stream")) {
        if (typeof x.failed === "string") throw new Error(`the server could not import ${file}: ${x.failed}`);
        if (x.progress !== undefined) bar.update(x.progress as ImportProgress);
        if (x.summary !== undefined) summary = localSummary(file, x);
      }
    } finally {
      bar.stop();
    }
    if (summary === undefined) throw new Error(`the server ended the import of ${file} without a summary`);
    if (reportImport(summary, file, o)) failures++;
  }
  return failures === 0 ? 0 : 1;
};

/** Has the server write a copy of its log to `file`: the copy's summary, or why not (as `exportLog` gives them). */
export const exportLogThroughServer = async (
  server: ServerInfo,
  file: string,
): Promise<E.Either<ExportLogError, ExportedLog>> => {
  for await (const x of operatorCall(
    server,
    "/v1/operator/export-log",
    JSON.stringify({ out: resolve(file) }),
    "application/json",
  )) {
    return x.exported !== undefined ? E.right(x.exported as ExportedLog) : E.left(x.error as ExportLogError);
  }
  throw new Error("the server answered nothing");
};

/** A temporary copy of the server's log (for verify-log and verify), removed by `done`. */
export const logCopyFromServer = async (server: ServerInfo): Promise<{ file: string; done(): void }> => {
  const dir = mkdtempSync(join(tmpdir(), "kpi-log-copy-"));
  const file = join(dir, "events.duckdb");
  const r = await exportLogThroughServer(server, file);
  if (E.isLeft(r)) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the server could not copy its log: ${describeExportLogError(r.left, server.logPath)}`);
  }
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
};

/** The log's head, as the running server reports it. */
export const headFromServer = async (server: ServerInfo): Promise<number> => {
  let r: Response;
  try {
    r = await fetch(`${server.url}/v1/health`);
  } catch (e) {
    throw unreachable(server, e);
  }
  return ((await r.json()) as { logHead: number }).logHead;
};

type Values = Readonly<Record<string, string | boolean | string[] | undefined>>;
const str = (v: Values, k: string): string | undefined => (typeof v[k] === "string" ? (v[k] as string) : undefined);

/**
 * The server side of `run`: the commands that read (or, for publish and quarantine clear, write through) the
 * warehouse, on the server's own, with the arguments the command line checked already.
 */
export const serverRun =
  (config: Config): OperatorRun =>
  async (request, live, out, err) => {
    const access = serverAccess(live);
    const v = request.options as Values;
    const [a0, a1, a2] = request.args;
    switch (request.command) {
      case "figure": {
        const { figureCommand } = await import("./warehouseCommands.js");
        const year = str(v, "year");
        const asOf = str(v, "as-of");
        return figureCommand(config, {
          indicator: a0 ?? "",
          geo: str(v, "geo") ?? "province",
          ...(year === undefined ? {} : { year: Number(year) }),
          ...(asOf === undefined ? {} : { asOf }),
          out,
          err,
          access,
        });
      }
      case "export": {
        const { exportCommand } = await import("./warehouseCommands.js");
        return exportCommand(config, {
          dir: str(v, "out") ?? "",
          format: str(v, "format") === "csv" ? "csv" : "parquet",
          restricted: v.restricted === true,
          out,
          access,
        });
      }
      case "quarantine": {
        const { quarantineCommand } = await import("./warehouseCommands.js");
        return quarantineCommand(config, {
          action: a0 === "clear" ? "clear" : "list",
          ...(a1 === undefined ? {} : { position: Number(a1) }),
          note: str(v, "note") ?? "",
          force: v.force === true,
          out,
          err,
          access,
        });
      }
      case "explain": {
        const { explainCommand } = await import("./auditCommands.js");
        const asOf = str(v, "as-of");
        const breakdown = str(v, "breakdown");
        const file = str(v, "out");
        return explainCommand(config, {
          indicator: a0 ?? "",
          geo: a1 ?? "",
          year: Number(a2),
          ...(asOf === undefined ? {} : { asOf }),
          ...(breakdown === undefined ? {} : { breakdown }),
          ...(v.all === true ? { all: true } : {}),
          ...(file === undefined ? {} : { file }),
          out,
          err,
          access,
        });
      }
      case "publish": {
        const { publishCommand } = await import("./auditCommands.js");
        const year = str(v, "year");
        const level = str(v, "level");
        const file = str(v, "out");
        const releaseAt = str(v, "release-at");
        return publishCommand(config, {
          level: level === "commune" || level === "all" ? level : "province",
          ...(releaseAt === undefined ? {} : { releaseAt: new Date(releaseAt) }),
          ...(year === undefined ? {} : { years: [Number(year)] }),
          ...(Array.isArray(v.indicator) ? { indicators: v.indicator } : {}),
          ...(file === undefined ? {} : { file }),
          out,
          err,
          access,
        });
      }
      default:
        err.write(`kpi ${request.command} does not run through a server\n`);
        return 2;
    }
  };
