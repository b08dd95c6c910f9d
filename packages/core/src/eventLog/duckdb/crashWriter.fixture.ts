/**
 * A writer process for the crash test: appends batches of BATCH facts to the log at argv[2], starting at
 * batch number argv[3], and prints `ACK <batch> <head>` after each append has resolved (is durable). The
 * test kills it with SIGKILL at a random moment.
 */
import * as E from "fp-ts/lib/Either.js";
import { accountOpened } from "../testFacts.js";
import { DuckDbEventLog } from "./duckdbEventLog.js";

export const BATCH = 400;

const main = async () => {
  const [path, start] = process.argv.slice(2);
  if (path === undefined || start === undefined) throw new Error("usage: crashWriter LOG START_BATCH");
  const log = await DuckDbEventLog.open(path);
  for (let b = Number(start); ; b++) {
    const facts = Array.from({ length: BATCH }, (_, i) => accountOpened(`w-${b}-${i}`, `p${b % 50}-${i % 7}`));
    const r = await log.append(facts);
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    process.stdout.write(`ACK ${b} ${r.right.head}\n`);
  }
};

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
