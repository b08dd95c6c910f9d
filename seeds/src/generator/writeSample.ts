/**
 * Writes the sample stream to an NDJSON file (one fact per line, UTF-8), a chunk at a time, waiting for the
 * file stream to drain whenever it asks to (backpressure), so memory stays bounded whatever the scale. Returns
 * a summary: facts per type, total, bytes and seconds.
 *
 * With `reportedOut`, also writes when each fact was reported: a CSV `reported_on,facts` with one row per
 * report day that has facts, in the order of the file (the first `facts` lines were reported on the first
 * day, and so on). `reportingBatches` cuts it into the batches an import replays (`kpi demo`).
 */

import { once } from "node:events";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { finished } from "node:stream/promises";
import type { FactType } from "@kpi/core";
import { factStream, type GenerateOptions } from "./generateFacts.js";

export interface SampleSummary {
  readonly scale: GenerateOptions["scale"];
  readonly seed: number;
  readonly facts: number;
  readonly byType: Readonly<Partial<Record<FactType, number>>>;
  readonly bytes: number;
  readonly seconds: number;
}

const CHUNK = 1 << 20;

export const writeSample = async (
  options: GenerateOptions & { readonly out: string; readonly reportedOut?: string },
): Promise<SampleSummary> => {
  const started = performance.now();
  const out = createWriteStream(options.out, { encoding: "utf8" });
  let failure: Error | undefined;
  out.on("error", (e) => {
    failure = e;
  });
  const byType: Partial<Record<FactType, number>> = {};
  let facts = 0;
  let chunk = "";
  const reported: [string, number][] = [];
  let day = "";
  try {
    for (const fact of factStream({ ...options, onReportDay: (d) => (day = d) })) {
      chunk += `${JSON.stringify(fact)}\n`;
      facts++;
      const last = reported[reported.length - 1];
      if (last !== undefined && last[0] === day) last[1]++;
      else reported.push([day, 1]);
      byType[fact.type] = (byType[fact.type] ?? 0) + 1;
      if (chunk.length >= CHUNK) {
        if (failure !== undefined) throw failure;
        if (!out.write(chunk)) await once(out, "drain");
        if (failure !== undefined) throw failure;
        chunk = "";
      }
    }
    if (chunk !== "") out.write(chunk);
    out.end();
    await finished(out);
  } catch (e) {
    out.destroy();
    throw e;
  }
  if (options.reportedOut !== undefined) {
    writeFileSync(options.reportedOut, `reported_on,facts\n${reported.map(([d, n]) => `${d},${n}\n`).join("")}`);
  }
  return {
    scale: options.scale,
    seed: options.seed,
    facts,
    byType,
    bytes: out.bytesWritten,
    seconds: (performance.now() - started) / 1000,
  };
};

/** The summary as the CLI prints it: one line per fact type, then the totals. */
export const formatSummary = (s: SampleSummary): string => {
  const types = Object.entries(s.byType).sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(...types.map(([t]) => t.length), 5);
  return [
    ...types.map(([t, n]) => `${t.padEnd(width)} ${String(n).padStart(10)}`),
    `${"total".padEnd(width)} ${String(s.facts).padStart(10)}`,
    `scale ${s.scale}, seed ${s.seed}: ${s.facts} facts, ${s.bytes} bytes in ${s.seconds.toFixed(2)} s`,
  ].join("\n");
};

/** One batch of a reporting history: the facts on lines `from`..`to` (1-based, inclusive), reported by `until`. */
export interface ReportingBatch {
  readonly until: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Reads a `reportedOut` file and cuts it into one batch per half-year of reporting: each batch holds the lines
 * reported in that half-year and is dated its last day (what the sources had reported by then). Half-years
 * keep the preliminary statistics (January–March) and their revision (September) in different batches.
 */
export const reportingBatches = (reportedFile: string): ReportingBatch[] => {
  const lines = readFileSync(reportedFile, "utf8").trim().split("\n");
  if (lines[0] !== "reported_on,facts") throw new Error(`${reportedFile}: line 1 must be reported_on,facts`);
  const batches: { until: string; from: number; to: number }[] = [];
  let at = 0;
  for (const [i, line] of lines.slice(1).entries()) {
    const m = /^(\d{4})-(\d{2})-\d{2},(\d+)$/.exec(line);
    if (m === null) throw new Error(`${reportedFile}: line ${i + 2}: expected YYYY-MM-DD,COUNT, got ${line}`);
    const until = `${m[1]}-${Number(m[2]) <= 6 ? "06-30" : "12-31"}`;
    const n = Number(m[3]);
    const last = batches[batches.length - 1];
    if (last !== undefined && last.until === until) last.to += n;
    else batches.push({ until, from: at + 1, to: at + n });
    at += n;
  }
  return batches;
};
