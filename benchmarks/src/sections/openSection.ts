/**
 * 2. Open: the embedded log opened for writing, as a restarted server or the next import opens it, until it
 * accepts a write (a bulk session's first append, rolled back), beside
 *   (a) the same open with the append indexes derived from every stored event (no saved index: how every open
 *       ran before the indexes were saved beside the log);
 *   (b) no baseline: DuckDB opens a file in milliseconds; the indexes are what costs.
 */
import { copyFileSync, existsSync, rmSync } from "node:fs";
import { DuckDbEventLog, decodeFact, type Fact, snapshotPath } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { fmt, medianOf } from "../measure.js";
import { type Section, seconds } from "../report.js";
import { type Bench, ensureLog, say } from "../workspace.js";

const OPEN_GOAL_SECONDS = 5;

const probe = ((): Fact => {
  const r = decodeFact({
    id: "bench-open-probe",
    type: "PaymentAccountOpened",
    subject: "person:bench-open-probe",
    occurredOn: "2025-08-01",
    source: "nhnn-kv15",
    data: { commune: "28261", birthYear: 1990, institution: "vcb" },
  });
  if (E.isLeft(r)) throw new Error("the open section's probe fact does not decode");
  return r.right;
})();

/** Opens the log for writing and makes one append (rolled back); how the indexes were loaded. */
const openAndWrite = async (path: string, save: boolean) => {
  const log = await DuckDbEventLog.open(path, save ? {} : { saveIndexFrom: Number.POSITIVE_INFINITY });
  try {
    const session = await log.beginBulk();
    const r = await session.append([probe]);
    await session.rollback();
    if (E.isLeft(r) || r.right.appended !== 1) throw new Error("the open section's probe was not appended");
    return log.indexLoad;
  } finally {
    await log.close();
  }
};

export const openSection = async (b: Bench): Promise<Section> => {
  const { runs } = b.options;
  const head = await ensureLog(b);
  const saved = snapshotPath(b.paths.log);
  const aside = `${saved}.bench`;
  if (!existsSync(saved)) {
    // a log made before the indexes were saved, or too small for them to be saved by default
    say("open: saving the log's indexes (one untimed open) ...");
    await (await DuckDbEventLog.open(b.paths.log, { saveIndexFrom: 0 })).close();
  }
  say(`open: ${fmt(head)} events, ${runs} run(s) each from the saved indexes and deriving them ...`);
  const ours = await medianOf(
    runs,
    () => undefined,
    () => openAndWrite(b.paths.log, true),
  );
  if (!ours.last.snapshot) throw new Error(`the log did not open from its saved indexes: ${ours.last.why ?? ""}`);
  copyFileSync(saved, aside);
  const a = await medianOf(
    runs,
    () => rmSync(saved, { force: true }),
    () => openAndWrite(b.paths.log, false),
  );
  copyFileSync(aside, saved);
  rmSync(aside, { force: true });
  return {
    name: "open",
    title: `Open of the ${fmt(head)}-event log for writing, until it accepts a write`,
    a: "the same open deriving the append indexes from every stored event (no saved index)",
    b: "—",
    rows: [
      {
        label: "open for writing",
        ours: seconds(ours.seconds, ours.peakRssMiB),
        a: seconds(a.seconds, a.peakRssMiB),
        goal: {
          text: `read-write open ≤ ${OPEN_GOAL_SECONDS} s`,
          pass: ours.seconds <= OPEN_GOAL_SECONDS,
          measured: `${fmt(ours.seconds, 2)} s from the saved indexes (${fmt(head)} events), ${fmt(a.seconds, 1)} s deriving them`,
        },
      },
    ],
    notes: [
      "Both open the log, append one fact in a bulk session and roll it back. The check of every stored block, which the open from saved indexes runs after it, is not in the time (it was in (a)'s).",
    ],
  };
};
