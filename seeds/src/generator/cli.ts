/**
 * `tsx seeds/src/generator/cli.ts --scale tiny|small|province --seed N --out FILE.ndjson`: writes the sample
 * province's fact stream to FILE and prints the count of facts per type, the total and the time taken to
 * stderr. Exit code 2 on bad arguments, 1 on failure.
 */
import { parseArgs } from "node:util";
import { isScaleName, SCALE_NAMES } from "./scales.js";
import { formatSummary, writeSample } from "./writeSample.js";

const usage = `usage: cli.ts --scale ${SCALE_NAMES.join("|")} --seed <integer> --out <file.ndjson>`;

const main = async (): Promise<number> => {
  let values: { scale?: string; seed?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        scale: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const { scale = "tiny", seed = "1", out } = values;
  if (!isScaleName(scale) || !/^-?\d{1,9}$/.test(seed) || out === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const summary = await writeSample({ scale, seed: Number(seed), out });
  const rss = process.resourceUsage().maxRSS;
  process.stderr.write(`${formatSummary(summary)}\npeak RSS ${(rss / 1024).toFixed(0)} MiB\n`);
  return 0;
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
