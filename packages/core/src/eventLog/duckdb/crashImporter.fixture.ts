/**
 * An importer process for the crash test: imports the file at argv[3] into the log at argv[2] (saving the
 * append indexes whatever the log's size), prints `DONE <accepted> <head>` once the import is durable and the
 * log closed. The test kills it with SIGKILL at a random moment: reading, appending, committing or saving.
 */
import { importFile } from "../../importer/index.js";
import { DuckDbEventLog } from "./duckdbEventLog.js";

const main = async () => {
  const [path, file] = process.argv.slice(2);
  if (path === undefined || file === undefined) throw new Error("usage: crashImporter LOG FILE");
  const log = await DuckDbEventLog.open(path, { saveIndexFrom: 0 });
  const r = await importFile(log, file);
  if (!r.committed) throw new Error(`the import was refused: ${JSON.stringify(r.errors.slice(0, 3))}`);
  process.stdout.write(`COMMITTED ${r.accepted} ${r.finalPosition}\n`);
  await log.close();
  process.stdout.write(`DONE ${r.accepted} ${r.finalPosition}\n`);
};

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
