import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { describeStore, type EventLogConfig, loadEventLogConfig } from "./openEventLog.js";

const files = (contents: Record<string, string>) => (path: string) => contents[path];
const load = (env: NodeJS.ProcessEnv, contents: Record<string, string> = {}) =>
  loadEventLogConfig(env, { logPath: "/data/events.duckdb", cwd: "/work", readFile: files(contents) });
const ok = (r: ReturnType<typeof load>): EventLogConfig => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

describe("loadEventLogConfig", () => {
  it("chooses the embedded log when nothing is configured", () => {
    expect(ok(load({}))).toEqual({ store: "embedded", logPath: "/data/events.duckdb" });
  });

  it("does not switch stores because KURRENTDB_URL is set, but keeps the server for kpi migrate", () => {
    const c = ok(load({ KURRENTDB_URL: "kurrentdb://localhost:2113?tls=false" }));
    expect(c.store).toBe("embedded");
    expect(c.kurrentdb).toEqual({ url: "kurrentdb://localhost:2113?tls=false", namespace: "kpi", appendMode: "auto" });
  });

  it("reads kpi.config.json from the working folder, and the environment wins over it", () => {
    const file = {
      "/work/kpi.config.json": JSON.stringify({
        logStore: "kurrentdb",
        kurrentdbUrl: "kurrentdb+discover://admin:changeit@cluster.dongthap.internal:2113",
        kurrentdbNamespace: "dongthap",
      }),
    };
    expect(ok(load({}, file))).toMatchObject({
      store: "kurrentdb",
      kurrentdb: { namespace: "dongthap", appendMode: "auto" },
    });
    const overridden = ok(load({ KPI_LOG_STORE: "embedded", KURRENTDB_APPEND_MODE: "per-stream" }, file));
    expect(overridden.store).toBe("embedded");
    expect(overridden.kurrentdb?.appendMode).toBe("per-stream");
  });

  it("reads the file KPI_CONFIG names, relative to the working folder", () => {
    const c = ok(
      load(
        { KPI_CONFIG: "conf/prod.json" },
        { "/work/conf/prod.json": '{"logStore":"kurrentdb","kurrentdbUrl":"esdb://db:2113"}' },
      ),
    );
    expect(c).toMatchObject({ store: "kurrentdb", kurrentdb: { url: "esdb://db:2113" } });
  });

  it("names the source of every bad setting", () => {
    const cases: [NodeJS.ProcessEnv, Record<string, string>, string, RegExp][] = [
      [{ KPI_LOG_STORE: "postgres" }, {}, "KPI_LOG_STORE", /embedded or kurrentdb/],
      [{ KPI_LOG_STORE: "kurrentdb" }, {}, "KPI_LOG_STORE", /needs KURRENTDB_URL/],
      [{ KURRENTDB_URL: "http://localhost:2113" }, {}, "KURRENTDB_URL", /connection string/],
      [{ KURRENTDB_URL: "esdb://x:2113", KURRENTDB_NAMESPACE: "Prod" }, {}, "KURRENTDB_NAMESPACE", /lower-case/],
      [{ KURRENTDB_APPEND_MODE: "fast" }, {}, "KURRENTDB_APPEND_MODE", /auto, multi-stream, per-stream/],
      [{ KPI_CONFIG: "missing.json" }, {}, "KPI_CONFIG", /does not exist/],
      [{}, { "/work/kpi.config.json": "{" }, "/work/kpi.config.json", /not JSON/],
      [{}, { "/work/kpi.config.json": "[]" }, "/work/kpi.config.json", /JSON object/],
      [
        {},
        { "/work/kpi.config.json": '{"logstore":"kurrentdb"}' },
        "/work/kpi.config.json: logstore",
        /unknown setting/,
      ],
      [{}, { "/work/kpi.config.json": '{"logStore":1}' }, "/work/kpi.config.json: logStore", /string/],
    ];
    for (const [env, contents, source, reason] of cases) {
      const r = load(env, contents);
      expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "BadLogConfig", source, reason });
    }
  });

  it("never shows the password of a connection string", () => {
    const r = load({ KURRENTDB_URL: "http://admin:s3cret@db:2113" });
    expect(E.isLeft(r) && r.left.reason).not.toContain("s3cret");
    const c = ok(load({ KPI_LOG_STORE: "kurrentdb", KURRENTDB_URL: "kurrentdb://admin:s3cret@db:2113?tls=true" }));
    expect(describeStore(c)).toBe("kurrentdb kurrentdb://***@db:2113?tls=true namespace kpi");
    expect(describeStore(c, "embedded")).toBe("embedded /data/events.duckdb");
  });
});
