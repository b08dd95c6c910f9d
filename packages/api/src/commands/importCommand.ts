/**
 * `kpi import FILE...`: validates and appends files of facts to the event log, one file as one unit, with a
 * progress bar on a terminal and a summary per file. Exit code 0 when every file was appended, 1 otherwise.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  DuckDbEventLog,
  type EventLog,
  formatLineError,
  type ImportProgress,
  type ImportSummary,
  importFile,
  parseRetractionGrants,
} from "@kpi/core";
import cliProgress from "cli-progress";
import type { Config } from "../config.js";

export interface ImportCommandOptions {
  /** Opens the configured log store; by default the embedded log at the configured path. */
  readonly openLog?: () => Promise<EventLog>;
  readonly files: readonly string[];
  readonly skipInvalid: boolean;
  readonly showErrors: number;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
}

const n = (x: number) => x.toLocaleString("en-US");

export const printSummary = (s: ImportSummary, out: NodeJS.WritableStream): void => {
  const rate = s.seconds > 0 ? Math.round((s.accepted + s.duplicates) / s.seconds) : 0;
  out.write(
    [
      `${s.committed ? "Imported" : "Refused"} ${s.file}`,
      `  lines read      ${n(s.lines)}`,
      `  accepted        ${n(s.accepted)}`,
      `  duplicates      ${n(s.duplicates)}`,
      `  rejected        ${n(s.rejected)}${s.rejectFile ? ` (written to ${s.rejectFile})` : ""}`,
      `  final position  ${n(s.finalPosition)}`,
      `  time            ${s.seconds.toFixed(2)} s (${n(rate)} facts/s)`,
      "",
    ].join("\n"),
  );
};

/** `kpi import`'s progress bar for one file, drawn on a terminal only. */
export const progressBar = (
  file: string,
  err: NodeJS.WritableStream & { isTTY?: boolean },
): { update(p: Pick<ImportProgress, "bytesRead" | "totalBytes" | "lines">): void; stop(): void } => {
  const bar = err.isTTY
    ? new cliProgress.SingleBar(
        {
          stream: err,
          format: `${file} {bar} {percentage}% | {lines} lines | {rate} facts/s | ETA {eta_formatted}`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const t0 = performance.now();
  bar?.start(100, 0, { lines: 0, rate: 0 });
  return {
    update: (p) => {
      const secs = (performance.now() - t0) / 1000;
      bar?.update(p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100, {
        lines: n(p.lines),
        rate: n(secs > 0 ? Math.round(p.lines / secs) : 0),
      });
    },
    stop: () => bar?.stop(),
  };
};

/** What `kpi import` says of one file once it is read (errors, why it was refused, summary); true if refused. */
export const reportImport = (
  summary: ImportSummary,
  file: string,
  o: { readonly showErrors: number; readonly out: NodeJS.WritableStream; readonly err: NodeJS.WritableStream },
): boolean => {
  for (const e of summary.errors.slice(0, o.showErrors)) o.err.write(`${formatLineError(e)}\n`);
  if (summary.rejected > o.showErrors) {
    o.err.write(`... ${n(summary.rejected - Math.min(o.showErrors, summary.errors.length))} more bad lines\n`);
  }
  let refused = false;
  if (summary.fileError !== undefined) {
    o.err.write(
      `${file}: nothing was appended: the file cannot be read as facts (see above); --skip-invalid skips bad lines, not a bad file\n`,
    );
    refused = true;
  } else if (!summary.committed) {
    o.err.write(
      `${file}: nothing was appended because of the ${n(summary.rejected)} bad line(s) above; fix them, or use --skip-invalid to append the rest and write the bad lines to a reject file\n`,
    );
    refused = true;
  }
  printSummary(summary, o.out);
  return refused;
};

export const importCommand = async (config: Config, o: ImportCommandOptions): Promise<number> => {
  mkdirSync(dirname(config.logPath), { recursive: true });
  const retractionGrants = parseRetractionGrants(process.env.KPI_RETRACTION_GRANTS);
  const log = o.openLog !== undefined ? await o.openLog() : await DuckDbEventLog.open(config.logPath);
  let failures = 0;
  try {
    for (const file of o.files) {
      const bar = progressBar(file, o.err);
      const summary = await importFile(log, file, {
        skipInvalid: o.skipInvalid,
        append: { retractionGrants },
        onProgress: (p) => bar.update(p),
      });
      bar.stop();
      if (reportImport(summary, file, o)) failures++;
    }
  } finally {
    await log.close();
  }
  return failures === 0 ? 0 : 1;
};
