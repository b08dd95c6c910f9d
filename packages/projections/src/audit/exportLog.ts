/**
 * `exportLog`: a standalone copy of the embedded event log for an auditor to take away. The copy is a DuckDB
 * file with the same tables (`COPY FROM DATABASE`: `events` with every column, the chain hash and typed columns included, the `subjects` dictionary and
 * `log_meta`), to whose `log_meta` it adds `exported_at`, `exported_head` and `exported_head_hash`; `kpi verify --log COPY` and
 * `kpi verify-log --log COPY` read it like the live log. It is written to a temporary file, checkpointed (no
 * write-ahead log beside it) and renamed into place; an existing file is never overwritten. The source log is
 * attached read-only, so it must not be held open for writing by another process (stop the server first).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import * as E from "fp-ts/lib/Either.js";

export type ExportLogError =
  | { readonly _tag: "OutputExists"; readonly file: string }
  | { readonly _tag: "LogUnreadable"; readonly reason: string };

export const describeExportLogError = (e: ExportLogError, logPath: string): string =>
  e._tag === "OutputExists"
    ? `${e.file} exists already; choose another file (an export is never overwritten)`
    : `the event log ${logPath} cannot be read: ${e.reason}`;

export interface ExportedLog {
  readonly file: string;
  readonly events: number;
  readonly head: number;
  /** The chain hash of the last event (lower-case hex; empty for an empty log): note it down as an anchor. */
  readonly headHash: string;
  readonly seconds: number;
}

const quoted = (path: string): string => `'${path.replaceAll("'", "''")}'`;

export const exportLog = async (
  logPath: string,
  out: string,
  o: { readonly now?: () => Date } = {},
): Promise<E.Either<ExportLogError, ExportedLog>> => {
  const t0 = performance.now();
  if (existsSync(out)) return E.left({ _tag: "OutputExists", file: out });
  if (!existsSync(logPath)) return E.left({ _tag: "LogUnreadable", reason: "no such file" });
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  const instance = await DuckDBInstance.create(tmp);
  const c = await instance.connect();
  let head = 0;
  let headHash = "";
  let events = 0;
  let written = false;
  try {
    await c.run("SET TimeZone = 'UTC'");
    try {
      await c.run(`ATTACH ${quoted(logPath)} AS src (READ_ONLY)`);
    } catch (e) {
      return E.left({ _tag: "LogUnreadable", reason: e instanceof Error ? e.message : String(e) });
    }
    const db = (await c.runAndReadAll("SELECT current_database() AS db")).getRowObjectsJS()[0]?.db as string;
    await c.run(`COPY FROM DATABASE src TO "${db.replaceAll('"', '""')}"`);
    const last = (
      await c.runAndReadAll(
        `SELECT CAST(count(*) AS DOUBLE) AS n, CAST(max(position) AS DOUBLE) AS head,
                lower(hex(arg_max(hash, position))) AS h FROM events`,
      )
    ).getRowObjectsJS()[0] as { n: number; head: number | null; h: string | null };
    events = last.n;
    head = last.head ?? 0;
    headHash = last.h ?? "";
    const meta = {
      exported_at: (o.now?.() ?? new Date()).toISOString(),
      exported_head: String(head),
      exported_head_hash: headHash,
    };
    for (const [key, value] of Object.entries(meta)) {
      await c.run("INSERT INTO log_meta VALUES ($key, $value) ON CONFLICT DO UPDATE SET value = excluded.value", {
        key,
        value,
      });
    }
    await c.run("DETACH src");
    await c.run("CHECKPOINT");
    written = true;
  } finally {
    c.closeSync();
    instance.closeSync();
    if (!written) {
      rmSync(tmp, { force: true });
      rmSync(`${tmp}.wal`, { force: true });
    }
  }
  renameSync(tmp, out);
  return E.right({ file: out, events, head, headHash, seconds: (performance.now() - t0) / 1000 });
};

/**
 * `exportLog` from a log a running server holds open: the same copy, made through the server's own DuckDB
 * instance (where the log is attached as `log`), so no second process needs to open the log file. One
 * `COPY FROM DATABASE` reads one committed state of the log.
 */
export const exportOpenLog = async (
  w: { query(text: string, params?: Readonly<Record<string, string>>): Promise<unknown[]> },
  out: string,
  o: { readonly now?: () => Date } = {},
): Promise<E.Either<ExportLogError, ExportedLog>> => {
  const t0 = performance.now();
  if (existsSync(out)) return E.left({ _tag: "OutputExists", file: out });
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  let written = false;
  let summary: { n: number; head: number | null; h: string | null } | undefined;
  await w.query(`ATTACH ${quoted(tmp)} AS export_out`);
  try {
    await w.query("COPY FROM DATABASE log TO export_out");
    summary = (
      await w.query(
        `SELECT CAST(count(*) AS DOUBLE) AS n, CAST(max(position) AS DOUBLE) AS head,
              lower(hex(arg_max(hash, position))) AS h FROM export_out.events`,
      )
    )[0] as { n: number; head: number | null; h: string | null };
    const meta = {
      exported_at: (o.now?.() ?? new Date()).toISOString(),
      exported_head: String(summary.head ?? 0),
      exported_head_hash: summary.h ?? "",
    };
    for (const [key, value] of Object.entries(meta)) {
      await w.query(
        "INSERT INTO export_out.log_meta VALUES ($key, $value) ON CONFLICT DO UPDATE SET value = excluded.value",
        { key, value },
      );
    }
    await w.query("CHECKPOINT export_out");
    written = true;
  } finally {
    await w.query("DETACH export_out");
    if (!written) {
      rmSync(tmp, { force: true });
      rmSync(`${tmp}.wal`, { force: true });
    }
  }
  renameSync(tmp, out);
  return E.right({
    file: out,
    events: summary.n,
    head: summary.head ?? 0,
    headHash: summary.h ?? "",
    seconds: (performance.now() - t0) / 1000,
  });
};
