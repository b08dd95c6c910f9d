#!/usr/bin/env node
/**
 * The `kpi` command line. Each subcommand is a small module under `commands/`; this file only parses
 * arguments and maps outcomes to exit codes (0 done, 1 refused or failed, 2 wrong usage).
 */
import { parseArgs } from "node:util";
import { DuckDbEventLog } from "@kpi/core";
import { importCommand } from "./commands/importCommand.js";
import { loadConfig } from "./config.js";

const USAGE = `kpi — indicator warehouse for Đồng Tháp's digital-transformation targets

Usage:
  kpi import FILE... [--skip-invalid] [--show-errors N]   validate and append facts (.ndjson, .jsonl, .csv)
  kpi verify-log                                        check the event log's hash chain
  kpi head                                              print the log's last position

Options:
  --data-dir DIR   where the log and warehouse live (default ./var, or KPI_DATA_DIR)
  --log FILE       the event log file (default DIR/events.duckdb, or KPI_LOG)
`;

const main = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "data-dir": { type: "string" },
      log: { type: "string" },
      "skip-invalid": { type: "boolean", default: false },
      "show-errors": { type: "string", default: "50" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const config = loadConfig(process.env, {
    ...(values["data-dir"] !== undefined ? { dataDir: values["data-dir"] } : {}),
    ...(values.log !== undefined ? { log: values.log } : {}),
  });
  switch (command) {
    case "import": {
      if (args.length === 0) {
        process.stderr.write("kpi import: name at least one file\n");
        return 2;
      }
      const showErrors = Number(values["show-errors"]);
      return importCommand(config, {
        files: args,
        skipInvalid: values["skip-invalid"] === true,
        showErrors: Number.isInteger(showErrors) && showErrors >= 0 ? showErrors : 50,
        out: process.stdout,
        err: process.stderr,
      });
    }
    case "verify-log": {
      const log = await DuckDbEventLog.open(config.logPath, { readOnly: true });
      try {
        const r = await log.verifyChain();
        if (r.ok) process.stdout.write(`chain verifies: ${r.checked} events, head ${r.head}\n`);
        else process.stdout.write(`chain BROKEN at position ${r.firstBad?.position}: ${r.firstBad?.reason}\n`);
        return r.ok ? 0 : 1;
      } finally {
        await log.close();
      }
    }
    case "head": {
      const log = await DuckDbEventLog.open(config.logPath, { readOnly: true });
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`kpi: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
