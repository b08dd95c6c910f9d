/**
 * `pnpm bench [--facts N] [--tail 10000] [--runs 3] [--only import,open,rebuild,incremental,query,verify,mixed]
 * [--scale province|small] [--dir DIR]`: the engine on the province-scale sample (the first N facts, default
 * 10 M), each figure the median of R runs with the peak memory, beside two baselines measured in the same run —
 * (a) the naive approach in plain TypeScript and (b) hand-written DuckDB SQL over the same facts in a flat
 * table — with the ratios and the goals of issue 7. Prints one table per section, then a summary with one line
 * per goal, and writes everything to DIR/bench-results.json.
 *
 * Sections reuse what earlier ones (in this run or an earlier run in the same DIR) made — the log of the head
 * facts, the warehouses folded to its end, the flat table — so any section can be run alone. Progress goes to
 * stderr, results to stdout.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import * as E from "fp-ts/lib/Either.js";
import { fmt } from "./measure.js";
import { type BenchOptions, parseOptions, SECTIONS, type SectionName, USAGE } from "./options.js";
import { formatSection, formatSummary, type Section } from "./report.js";
import { importSection } from "./sections/importSection.js";
import { incrementalSection } from "./sections/incrementalSection.js";
import { mixedSection } from "./sections/mixedSection.js";
import { openSection } from "./sections/openSection.js";
import { publishSection } from "./sections/publishSection.js";
import { querySection } from "./sections/querySection.js";
import { rebuildSection } from "./sections/rebuildSection.js";
import { verifySection } from "./sections/verifySection.js";
import { type Bench, openBench, say } from "./workspace.js";

const RUNNERS: Record<SectionName, (b: Bench) => Promise<Section>> = {
  import: importSection,
  open: openSection,
  rebuild: rebuildSection,
  incremental: incrementalSection,
  query: querySection,
  verify: verifySection,
  publish: publishSection,
  mixed: mixedSection,
};

const machine = () => ({
  cpus: availableParallelism(),
  cpu: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
});

const heading = (b: Bench): string => {
  const m = machine();
  return (
    `Benchmark, ${new Date().toISOString().slice(0, 10)}: ${fmt(b.inputs.headFacts + b.inputs.tailFacts)} facts of the ` +
    `${b.options.scale} sample (seed 1; ${fmt(b.inputs.headFacts)} imported and folded, the last ` +
    `${fmt(b.inputs.tailFacts)} the incremental update), median of ${b.options.runs} run(s); ` +
    `${m.cpus} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}.`
  );
};

const main = async (o: BenchOptions): Promise<void> => {
  const b = await openBench(o);
  say(`Working in ${o.dir}`);
  process.stdout.write(`${heading(b)}\n\n`);
  const sections: Section[] = [];
  for (const name of o.only) {
    const s = await RUNNERS[name](b);
    sections.push(s);
    process.stdout.write(`${formatSection(s, SECTIONS.indexOf(name) + 1, o.runs)}\n`);
  }
  process.stdout.write(formatSummary(`Summary — ${heading(b)}`, sections));
  writeFileSync(
    b.paths.results,
    JSON.stringify(
      { date: new Date().toISOString(), machine: machine(), options: o, inputs: b.inputs, sections },
      null,
      2,
    ),
  );
  say(`Results written to ${b.paths.results}`);
};

const parsed = parseOptions(process.argv.slice(2));
if (E.isLeft(parsed)) {
  process.stderr.write(`bench: ${parsed.left}\nusage: ${USAGE}\n`);
  process.exitCode = 2;
} else {
  main(parsed.right).catch((e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
