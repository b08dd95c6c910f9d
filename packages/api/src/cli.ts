#!/usr/bin/env node
/**
 * The `kpi` command line. Each subcommand is a small module under `commands/`, imported only when that
 * command runs (so `kpi --help` and a wrong command answer at once); this file only parses arguments, prints
 * help (`kpi --help`, `kpi COMMAND --help`) and maps outcomes to exit codes (0 done, 1 refused or failed,
 * 2 wrong usage).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { EventLog, LogStore } from "@kpi/core";
import { loadConfig } from "./config.js";
import { explainFailure } from "./failures.js";
import { commandHelp } from "./help.js";
import { inHugePages, stopWithLauncher } from "./hugePages.js";

const USAGE = `kpi — indicator warehouse for Đồng Tháp's digital-transformation targets

Usage:
  kpi demo [--scale tiny|small|province] [--no-serve]
                                              make, import and project the sample province, show 2025,
                                              then serve the API and dashboard (unless --no-serve)
  kpi serve [--port 8080] [--host 127.0.0.1]   serve the HTTP API (/v1, docs at /docs) and the dashboard (/)
  kpi sample --scale S [--seed N] --out FILE   write a sample fact stream (NDJSON)
  kpi import FILE... [--skip-invalid] [--show-errors N]
                                              validate and append facts (.ndjson, .jsonl, .csv)
  kpi project                                  fold new events into the warehouse, refresh the snapshot
  kpi rebuild                                  recompute every table of the warehouse from the log
  kpi quarantine [clear POSITION [--note TEXT] [--force]]
                                              list the events the fold could not take; clear one once its
                                              source retracted it (or, with --force and --note, as it is)
  kpi export --out DIR [--format parquet|csv] [--restricted]
                                              write published tables (and with --restricted, raw ones)
  kpi figure INDICATOR [--geo CODE|province] [--year Y] [--as-of POSITION|YYYY-MM-DD]
                                              a figure as known now, at a log position or on a day
  kpi migrate                                  upgrade the log to the current format (kpi-event-log/2) in a
                                              proven copy, keeping the original as a backup
  kpi migrate --from embedded|kurrentdb --to embedded|kurrentdb [--from-log FILE] [--to-log FILE]
                                              copy the log into an empty store and prove the copy
  kpi verify-log [--checkpoint FILE | --no-checkpoint]
                                              check the event log's hash chain (after the head last verified)
  kpi publish [--year Y] [--indicator CODE]... [--level province|commune|all] [--release-at TIME] [--out FILE]
                                              freeze figures into a signed publication and record its digest in the log
  kpi verify PUBLICATION [--public-key FILE] [--verbose] [--log FILE] [--checkpoint FILE | --no-checkpoint]
                                              check the signature, replay the log in memory and check every figure
  kpi explain INDICATOR GEO YEAR [--as-of POSITION|YYYY-MM-DD] [--breakdown B] [--all [--out FILE]]
                                              the facts behind a figure and the vintages that moved it;
                                              --all: every contributing event with its chain hash
  kpi export-log --out FILE                    write a standalone copy of the event log for an auditor
  kpi head                                     print the log's last position

Options:
  --data-dir DIR   where the log and warehouse live (default ./var, or KPI_DATA_DIR)
  --log FILE       the event log file (default DIR/events.duckdb, or KPI_LOG)
`;

/** An ISO 8601 time with its zone (Z or ±hh:mm) that names a real instant. */
const isInstant = (s: string): boolean =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s));

const main = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "data-dir": { type: "string" },
      log: { type: "string" },
      "skip-invalid": { type: "boolean", default: false },
      "show-errors": { type: "string", default: "50" },
      scale: { type: "string" },
      seed: { type: "string", default: "1" },
      out: { type: "string" },
      format: { type: "string", default: "parquet" },
      restricted: { type: "boolean", default: false },
      geo: { type: "string", default: "province" },
      year: { type: "string" },
      "as-of": { type: "string" },
      indicator: { type: "string", multiple: true },
      level: { type: "string", default: "province" },
      breakdown: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      "from-log": { type: "string" },
      "to-log": { type: "string" },
      port: { type: "string", default: "8080" },
      host: { type: "string", default: "127.0.0.1" },
      "no-serve": { type: "boolean", default: false },
      checkpoint: { type: "string" },
      "no-checkpoint": { type: "boolean", default: false },
      note: { type: "string", default: "" },
      force: { type: "boolean", default: false },
      "release-at": { type: "string" },
      "public-key": { type: "string" },
      verbose: { type: "boolean", default: false },
      all: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...args] = positionals;
  if (command === undefined) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.help) {
    const help = commandHelp(command);
    if (help === undefined) {
      process.stderr.write(`kpi: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
    }
    process.stdout.write(help);
    return 0;
  }
  const config = loadConfig(process.env, {
    ...(values["data-dir"] !== undefined ? { dataDir: values["data-dir"] } : {}),
    ...(values.log !== undefined ? { log: values.log } : {}),
  });
  /** The configured log store's settings (embedded by default; KPI_LOG_STORE / kpi.config.json choose KurrentDB). */
  const logConfig = async () => {
    const { describeConfigError, loadEventLogConfig } = await import("@kpi/core");
    const E = await import("fp-ts/lib/Either.js");
    const c = loadEventLogConfig(process.env, { logPath: config.logPath });
    if (E.isLeft(c)) throw new Error(describeConfigError(c.left));
    return c.right;
  };
  const logStore = async () => (await logConfig()).store;
  /** The configured log store, opened. */
  const openLog = async (readOnly: boolean): Promise<EventLog> => {
    const { openEventLog } = await import("@kpi/core");
    return openEventLog(await logConfig(), { readOnly });
  };
  /** The server holding the log, if one runs: commands then go through it (commands/server.ts). */
  const server = async () => (await import("./commands/server.js")).findServer(config);
  const viaServer = async (options: Record<string, unknown> = values): Promise<number | undefined> => {
    const s = await server();
    if (s === undefined) return undefined;
    const { runInServer } = await import("./commands/server.js");
    return runInServer(s, { command, args, options }, process.stdout, process.stderr);
  };
  const refuseWhileServing = async (what: string): Promise<number | undefined> => {
    const s = await server();
    if (s === undefined) return undefined;
    process.stderr.write(`kpi ${command}: a server (process ${s.pid}) holds the log at ${s.url}; ${what}\n`);
    return 1;
  };
  const usage = (message: string) => {
    process.stderr.write(`kpi ${command}: ${message}\n`);
    return 2;
  };
  /** verify, verify-log: `--checkpoint FILE`, `--no-checkpoint`, or the log's default; undefined when both are given. */
  const checkpoint: { readonly checkpoint?: string | false } | undefined = values["no-checkpoint"]
    ? values.checkpoint === undefined
      ? { checkpoint: false }
      : undefined
    : values.checkpoint === undefined
      ? {}
      : { checkpoint: resolve(values.checkpoint) };
  switch (command) {
    case "demo": {
      const port = Number(values.port);
      if (!/^\d{1,5}$/.test(values.port ?? "") || port > 65535) return usage("--port must be a port number (0–65535)");
      const refused = await refuseWhileServing(
        `stop it to run the demo on ${config.dataDir}, or run the demo with another --data-dir`,
      );
      if (refused !== undefined) return refused;
      const { demoCommand } = await import("./commands/demoCommand.js");
      const { serveCommand } = await import("./commands/serveCommand.js");
      const done = await demoCommand(config, {
        scale: values.scale ?? "small",
        out: process.stdout,
        err: process.stderr,
      });
      if (done !== 0 || values["no-serve"] === true) return done;
      return serveCommand(config, { host: values.host ?? "127.0.0.1", port, out: process.stdout });
    }
    case "serve": {
      const port = Number(values.port);
      if (!/^\d{1,5}$/.test(values.port ?? "") || port > 65535) return usage("--port must be a port number (0–65535)");
      const { serveCommand } = await import("./commands/serveCommand.js");
      return serveCommand(config, { host: values.host ?? "127.0.0.1", port, out: process.stdout });
    }
    case "sample": {
      const { formatSummary, isScaleName, writeSample } = await import("@kpi/seeds");
      const scale = values.scale ?? "";
      if (!isScaleName(scale)) return usage("--scale must be tiny, small or province");
      if (values.out === undefined) return usage("--out FILE is required");
      if (!/^\d{1,9}$/.test(values.seed ?? "")) return usage("--seed must be a whole number");
      const s = await writeSample({ scale, seed: Number(values.seed), out: values.out });
      process.stderr.write(`${formatSummary(s)}\n`);
      return 0;
    }
    case "import": {
      if (args.length === 0) return usage("name at least one file");
      const showErrors = Number(values["show-errors"]);
      const s = await server();
      if (s !== undefined) {
        const { importThroughServer } = await import("./commands/server.js");
        return importThroughServer(s, {
          files: args,
          skipInvalid: values["skip-invalid"] === true,
          showErrors: Number.isInteger(showErrors) && showErrors >= 0 ? showErrors : 50,
          out: process.stdout,
          err: process.stderr,
        });
      }
      const { importCommand } = await import("./commands/importCommand.js");
      return importCommand(config, {
        openLog: () => openLog(false),
        files: args,
        skipInvalid: values["skip-invalid"] === true,
        showErrors: Number.isInteger(showErrors) && showErrors >= 0 ? showErrors : 50,
        out: process.stdout,
        err: process.stderr,
      });
    }
    case "project":
    case "rebuild": {
      const s = await server();
      if (s !== undefined) {
        if (command === "rebuild") {
          return (await refuseWhileServing("stop it to rebuild (a rebuild recomputes every table)")) ?? 1;
        }
        const { headFromServer } = await import("./commands/server.js");
        process.stdout.write(
          `A server (process ${s.pid}) holds the log at ${s.url} and folds facts as they arrive; its log head is ${(await headFromServer(s)).toLocaleString("en-US")}. Nothing to do.\n`,
        );
        return 0;
      }
      const { projectCommand } = await import("./commands/warehouseCommands.js");
      // the embedded log is attached by the warehouse and read in SQL; another store is read through the port
      const log = (await logStore()) === "embedded" ? undefined : await openLog(false);
      return projectCommand(config, {
        rebuild: command === "rebuild",
        out: process.stdout,
        ...(log === undefined ? {} : { log }),
      });
    }
    case "quarantine": {
      const [action = "list", at] = args;
      if (action !== "list" && action !== "clear") return usage("say list (the default) or clear POSITION");
      if (action === "clear" && (at === undefined || !/^\d{1,15}$/.test(at))) {
        return usage("clear needs the position of a quarantined event (kpi quarantine lists them)");
      }
      const remote = await viaServer();
      if (remote !== undefined) return remote;
      const { quarantineCommand } = await import("./commands/warehouseCommands.js");
      return quarantineCommand(config, {
        action,
        ...(at !== undefined ? { position: Number(at) } : {}),
        note: values.note ?? "",
        force: values.force === true,
        out: process.stdout,
        err: process.stderr,
      });
    }
    case "export": {
      if (values.out === undefined) return usage("--out DIR is required");
      if (values.format !== "parquet" && values.format !== "csv") return usage("--format must be parquet or csv");
      const remote = await viaServer({ ...values, out: resolve(values.out) });
      if (remote !== undefined) return remote;
      const { exportCommand } = await import("./commands/warehouseCommands.js");
      return exportCommand(config, {
        dir: values.out,
        format: values.format,
        restricted: values.restricted === true,
        out: process.stdout,
      });
    }
    case "figure": {
      const [indicator] = args;
      if (indicator === undefined) return usage("name an indicator code, e.g. PAYMENT_ACCT_15");
      if (values.year !== undefined && !/^\d{4}$/.test(values.year)) return usage("--year must be a year like 2025");
      const asOf = values["as-of"];
      if (asOf !== undefined && !/^\d+$|^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
        return usage("--as-of must be a log position or a date YYYY-MM-DD");
      }
      const remote = await viaServer();
      if (remote !== undefined) return remote;
      const { figureCommand } = await import("./commands/warehouseCommands.js");
      return figureCommand(config, {
        indicator,
        geo: values.geo ?? "province",
        ...(values.year !== undefined ? { year: Number(values.year) } : {}),
        ...(asOf !== undefined ? { asOf } : {}),
        out: process.stdout,
        err: process.stderr,
      });
    }
    case "migrate": {
      if (values.from === undefined && values.to === undefined) {
        const refused = await refuseWhileServing("stop it to upgrade the log (the upgrade replaces the log file)");
        if (refused !== undefined) return refused;
        const { upgradeLogCommand } = await import("./commands/migrateCommand.js");
        return upgradeLogCommand(config, { out: process.stdout, err: process.stderr });
      }
      const isStore = (x: string | undefined): x is LogStore => x === "embedded" || x === "kurrentdb";
      if (!isStore(values.from) || !isStore(values.to))
        return usage("--from and --to must each be embedded or kurrentdb");
      const refused = await refuseWhileServing("stop it to migrate the log (a migration reads the log file itself)");
      if (refused !== undefined) return refused;
      const { migrateCommand } = await import("./commands/migrateCommand.js");
      return migrateCommand(config, {
        from: values.from,
        to: values.to,
        ...(values["from-log"] !== undefined ? { fromLog: values["from-log"] } : {}),
        ...(values["to-log"] !== undefined ? { toLog: values["to-log"] } : {}),
        out: process.stdout,
        err: process.stderr,
      });
    }
    case "publish": {
      if (values.year !== undefined && !/^\d{4}$/.test(values.year)) return usage("--year must be a year like 2025");
      const level = values.level;
      if (level !== "province" && level !== "commune" && level !== "all") {
        return usage("--level must be province, commune or all");
      }
      const releaseAt = values["release-at"];
      if (releaseAt !== undefined && !isInstant(releaseAt)) {
        return usage("--release-at must be a time with its zone, e.g. 2026-01-15T09:00:00+07:00");
      }
      const remote = await viaServer(values.out === undefined ? values : { ...values, out: resolve(values.out) });
      if (remote !== undefined) return remote;
      const { publishCommand } = await import("./commands/auditCommands.js");
      return publishCommand(config, {
        level,
        ...(releaseAt === undefined ? {} : { releaseAt: new Date(releaseAt) }),
        ...(values.year !== undefined ? { years: [Number(values.year)] } : {}),
        ...(values.indicator !== undefined ? { indicators: values.indicator } : {}),
        ...(values.out !== undefined ? { file: values.out } : {}),
        out: process.stdout,
        err: process.stderr,
      });
    }
    case "verify": {
      const [publication] = args;
      if (publication === undefined) return usage("name the publication file, e.g. var/publications/pub-….json");
      if (checkpoint === undefined) return usage("--checkpoint FILE and --no-checkpoint exclude each other");
      const { verifyCommand } = await import("./commands/auditCommands.js");
      const keyAndDetail = {
        ...(values["public-key"] === undefined ? {} : { publicKey: resolve(values["public-key"]) }),
        verbose: values.verbose,
      };
      const s = await server();
      if (s !== undefined) {
        // the auditor's way: a copy of the log, taken through the server, replayed here
        const { logCopyFromServer } = await import("./commands/server.js");
        const copy = await logCopyFromServer(s);
        try {
          return await verifyCommand(
            { ...config, logPath: copy.file },
            {
              publication,
              out: process.stdout,
              err: process.stderr,
              ...checkpoint,
              ...keyAndDetail,
              checkpointFor: config.logPath,
            },
          );
        } finally {
          copy.done();
        }
      }
      return verifyCommand(config, {
        publication,
        out: process.stdout,
        err: process.stderr,
        ...checkpoint,
        ...keyAndDetail,
      });
    }
    case "explain": {
      const [indicator, geo, year] = args;
      if (indicator === undefined || geo === undefined || year === undefined) {
        return usage("name an indicator, a geography (province or a commune code) and a year");
      }
      if (!/^\d{4}$/.test(year)) return usage("the year must look like 2025");
      const asOf = values["as-of"];
      if (asOf !== undefined && !/^\d+$|^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
        return usage("--as-of must be a log position or a date YYYY-MM-DD");
      }
      if (values.out !== undefined && !values.all) return usage("--out FILE goes with --all");
      const remote = await viaServer(values.out === undefined ? values : { ...values, out: resolve(values.out) });
      if (remote !== undefined) return remote;
      const { explainCommand } = await import("./commands/auditCommands.js");
      return explainCommand(config, {
        indicator,
        geo,
        year: Number(year),
        ...(asOf !== undefined ? { asOf } : {}),
        ...(values.breakdown !== undefined ? { breakdown: values.breakdown } : {}),
        ...(values.all ? { all: true } : {}),
        ...(values.out !== undefined ? { file: values.out } : {}),
        out: process.stdout,
        err: process.stderr,
      });
    }
    case "export-log": {
      if (values.out === undefined) return usage("--out FILE is required");
      const s = await server();
      const { exportLogCommand } = await import("./commands/auditCommands.js");
      const through =
        s === undefined
          ? undefined
          : async (file: string) => (await import("./commands/server.js")).exportLogThroughServer(s, file);
      return exportLogCommand(config, {
        file: values.out,
        out: process.stdout,
        err: process.stderr,
        ...(through === undefined ? {} : { through }),
      });
    }
    case "verify-log": {
      if (checkpoint === undefined) return usage("--checkpoint FILE and --no-checkpoint exclude each other");
      // while a server holds the log, a copy of it taken through the server is checked
      const s = await server();
      const copy = s === undefined ? undefined : await (await import("./commands/server.js")).logCopyFromServer(s);
      const log =
        copy === undefined
          ? await openLog(true)
          : await (await import("@kpi/core")).DuckDbEventLog.open(copy.file, { readOnly: true });
      try {
        const { verifyLogCommand } = await import("./commands/auditCommands.js");
        const { DuckDbEventLog } = await import("@kpi/core");
        // the checkpoint is of the configured log (the embedded file, or the KurrentDB store), even when a copy is read
        const checkpointFor = copy === undefined && !(log instanceof DuckDbEventLog) ? log.name : config.logPath;
        return await verifyLogCommand(config, log, { out: process.stdout, ...checkpoint, checkpointFor });
      } finally {
        await log.close();
        copy?.done();
      }
    }
    case "head": {
      const s = await server();
      if (s !== undefined) {
        const { headFromServer } = await import("./commands/server.js");
        process.stdout.write(`${await headFromServer(s)}\n`);
        return 0;
      }
      const log = await openLog(true);
      try {
        process.stdout.write(`${await log.head()}\n`);
        return 0;
      } finally {
        await log.close();
      }
    }
    default:
      process.stderr.write(`kpi: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
};

// A reader that stops early (`kpi project | head -1`) closes the pipe: the rest of the output has nowhere to go,
// which is no failure of the command. It finishes its work and exits quietly; any other write error still fails.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
});

stopWithLauncher();
(inHugePages(process.argv.slice(2)) ?? main(process.argv.slice(2))).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`kpi: ${explainFailure(e instanceof Error ? e.message : String(e))}\n`);
    process.exitCode = 1;
  },
);
