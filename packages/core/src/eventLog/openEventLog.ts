/**
 * Chooses and opens the event-log store. The embedded DuckDB file is the default; KurrentDB is chosen with
 * `KPI_LOG_STORE=kurrentdb` (or `"logStore": "kurrentdb"` in the config file) and then needs `KURRENTDB_URL`.
 * Settings come from the environment and from an optional JSON file — `KPI_CONFIG`, else `kpi.config.json` in
 * the working folder when there is one — and the environment wins over the file. A bad setting is a tagged
 * `BadLogConfig` value naming where it came from; setting `KURRENTDB_URL` alone does not switch stores.
 *
 * | variable | file key | default | meaning |
 * |---|---|---|---|
 * | KPI_LOG_STORE | logStore | embedded | `embedded` or `kurrentdb` |
 * | KURRENTDB_URL | kurrentdbUrl | — | connection string, e.g. `kurrentdb://admin:changeit@host:2113?tls=true` |
 * | KURRENTDB_NAMESPACE | kurrentdbNamespace | kpi | stream prefix, so several logs can share a cluster |
 * | KURRENTDB_APPEND_MODE | kurrentdbAppendMode | auto | `auto`, `multi-stream` (KurrentDB 25.1+) or `per-stream` |
 * | KPI_CONFIG | — | ./kpi.config.json | the config file |
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { DuckDbEventLog } from "./duckdb/duckdbEventLog.js";
import type { EventLog } from "./eventLog.js";
import { type AppendMode, KurrentDbEventLog, redactUrl } from "./kurrentdb/kurrentdbEventLog.js";
import { isNamespace } from "./kurrentdb/kurrentdbRecords.js";

export type LogStore = "embedded" | "kurrentdb";

export interface KurrentDbSettings {
  readonly url: string;
  readonly namespace: string;
  readonly appendMode: AppendMode;
}

export interface EventLogConfig {
  readonly store: LogStore;
  /** The embedded log's file (used when `store` is `embedded`, and as the default side of `kpi migrate`). */
  readonly logPath: string;
  /** Present whenever a KurrentDB URL is configured, whichever store is chosen. */
  readonly kurrentdb?: KurrentDbSettings;
}

export type EventLogConfigError = {
  readonly _tag: "BadLogConfig";
  /** `KPI_LOG_STORE`, or `kpi.config.json: logStore`, … */
  readonly source: string;
  readonly reason: string;
};

export const describeConfigError = (e: EventLogConfigError): string => `${e.source}: ${e.reason}`;

const FILE_KEYS = ["logStore", "kurrentdbUrl", "kurrentdbNamespace", "kurrentdbAppendMode"] as const;
type FileKey = (typeof FILE_KEYS)[number];
const ENV_OF: Record<FileKey, string> = {
  logStore: "KPI_LOG_STORE",
  kurrentdbUrl: "KURRENTDB_URL",
  kurrentdbNamespace: "KURRENTDB_NAMESPACE",
  kurrentdbAppendMode: "KURRENTDB_APPEND_MODE",
};

const URL_SCHEME = /^(kurrentdb|kdb|esdb)(\+discover)?:\/\/\S+$/;
const MODES: readonly AppendMode[] = ["auto", "multi-stream", "per-stream"];

export interface LoadEventLogConfigOptions {
  /** The embedded log's file, as the caller resolved it (flags, `KPI_LOG`, the data folder). */
  readonly logPath: string;
  /** Where a relative `KPI_CONFIG` and the default `kpi.config.json` are looked for. Default: the process's. */
  readonly cwd?: string;
  /** Reads the config file; returns undefined when it does not exist (tests pass their own). */
  readonly readFile?: (path: string) => string | undefined;
}

const readIfExists = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, "utf8") : undefined);

export const loadEventLogConfig = (
  env: NodeJS.ProcessEnv,
  options: LoadEventLogConfigOptions,
): E.Either<EventLogConfigError, EventLogConfig> => {
  const cwd = options.cwd ?? process.cwd();
  const read = options.readFile ?? readIfExists;
  const explicit = env.KPI_CONFIG !== undefined && env.KPI_CONFIG !== "";
  const file = resolve(cwd, explicit ? (env.KPI_CONFIG as string) : "kpi.config.json");
  const fail = (source: string, reason: string) =>
    E.left<EventLogConfigError>({ _tag: "BadLogConfig", source, reason });

  let text: string | undefined;
  try {
    text = read(file);
  } catch (e) {
    return fail(file, `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (text === undefined && explicit) return fail("KPI_CONFIG", `${file} does not exist`);
  const fromFile: Partial<Record<FileKey, string>> = {};
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return fail(file, `is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) return fail(file, "must hold a JSON object");
    for (const [k, v] of Object.entries(json)) {
      if (!(FILE_KEYS as readonly string[]).includes(k)) {
        return fail(`${file}: ${k}`, `unknown setting (known: ${FILE_KEYS.join(", ")})`);
      }
      if (typeof v !== "string") return fail(`${file}: ${k}`, "must be a string");
      fromFile[k as FileKey] = v;
    }
  }
  const setting = (k: FileKey): { value: string; source: string } | undefined => {
    const e = env[ENV_OF[k]];
    if (e !== undefined && e !== "") return { value: e, source: ENV_OF[k] };
    const f = fromFile[k];
    return f === undefined ? undefined : { value: f, source: `${file}: ${k}` };
  };

  const store = setting("logStore");
  if (store !== undefined && store.value !== "embedded" && store.value !== "kurrentdb") {
    return fail(store.source, `must be embedded or kurrentdb, got ${JSON.stringify(store.value)}`);
  }
  const url = setting("kurrentdbUrl");
  if (url !== undefined && !URL_SCHEME.test(url.value)) {
    return fail(
      url.source,
      `must be a connection string like kurrentdb://host:2113?tls=false, got ${redactUrl(url.value)}`,
    );
  }
  const ns = setting("kurrentdbNamespace");
  if (ns !== undefined && !isNamespace(ns.value)) {
    return fail(ns.source, "must be 1–64 characters: a lower-case letter, then lower-case letters, digits, _ or -");
  }
  const mode = setting("kurrentdbAppendMode");
  if (mode !== undefined && !(MODES as readonly string[]).includes(mode.value)) {
    return fail(mode.source, `must be one of ${MODES.join(", ")}, got ${JSON.stringify(mode.value)}`);
  }
  const chosen: LogStore = store?.value === "kurrentdb" ? "kurrentdb" : "embedded";
  if (chosen === "kurrentdb" && url === undefined) {
    return fail(
      store?.source ?? "KPI_LOG_STORE",
      "the kurrentdb store needs KURRENTDB_URL (or kurrentdbUrl in the file)",
    );
  }
  return E.right({
    store: chosen,
    logPath: options.logPath,
    ...(url !== undefined
      ? {
          kurrentdb: {
            url: url.value,
            namespace: ns?.value ?? "kpi",
            appendMode: (mode?.value ?? "auto") as AppendMode,
          },
        }
      : {}),
  });
};

/** One line saying which store a config opens, without credentials. */
export const describeStore = (config: EventLogConfig, store: LogStore = config.store): string =>
  store === "embedded"
    ? `embedded ${config.logPath}`
    : `kurrentdb ${config.kurrentdb === undefined ? "(no URL)" : `${redactUrl(config.kurrentdb.url)} namespace ${config.kurrentdb.namespace}`}`;

export interface OpenEventLogOptions {
  /** Open `store` instead of the configured one (`kpi migrate` opens both sides). */
  readonly store?: LogStore;
  readonly readOnly?: boolean;
  /** The clock that stamps `recordedAt`. */
  readonly now?: () => Date;
}

export const openEventLog = async (config: EventLogConfig, options: OpenEventLogOptions = {}): Promise<EventLog> => {
  const store = options.store ?? config.store;
  const common = {
    ...(options.readOnly !== undefined ? { readOnly: options.readOnly } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  };
  if (store === "embedded") return DuckDbEventLog.open(config.logPath, common);
  const k = config.kurrentdb;
  if (k === undefined) throw new Error("the kurrentdb store needs KURRENTDB_URL (or kurrentdbUrl in kpi.config.json)");
  return KurrentDbEventLog.open(k.url, { ...common, namespace: k.namespace, appendMode: k.appendMode });
};
