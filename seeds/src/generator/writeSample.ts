/**
 * Writes the sample stream to an NDJSON file (one fact per line, UTF-8), a chunk at a time, waiting for the
 * file stream to drain whenever it asks to (backpressure), so memory stays bounded whatever the scale. Returns
 * a summary: facts per type, total, bytes and seconds.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
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

export const writeSample = async (options: GenerateOptions & { readonly out: string }): Promise<SampleSummary> => {
  const started = performance.now();
  const out = createWriteStream(options.out, { encoding: "utf8" });
  let failure: Error | undefined;
  out.on("error", (e) => {
    failure = e;
  });
  const byType: Partial<Record<FactType, number>> = {};
  let facts = 0;
  let chunk = "";
  try {
    for (const fact of factStream(options)) {
      chunk += `${JSON.stringify(fact)}\n`;
      facts++;
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
