/**
 * 5. Verify one published figure: one province figure of one indicator and year (`--verify`, default the
 * person share DIGSIG_ADULT in the last year with a value) is published from copies of the log and the
 * full-catalog warehouse (publishing appends a `PublicationIssued` fact, so the shared log stays as it is), then
 * `verifyPublication` checks it against the copy of the log: the hash chain, then a replay into a fresh
 * warehouse and the recomputation. Twice: from the auditor's checkpoint that a first verify left (only the chain
 * after it checked), and cold (the whole chain). Beside the cold one
 *   (a) the naive audit: read the whole log, recompute the hash chain in JavaScript, fold the facts the
 *       indicator reads with the oracle fold and compute the figure;
 *   (b) the hand SQL for that indicator, that year only, over the flat table (no chain check).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { publishFigures, type VerifyReport, verifyPublication } from "@kpi/projections";
import * as E from "fp-ts/lib/Either.js";
import { FlatTable } from "../baselines/flatTable.js";
import { isSubsetCode, type SubsetCode } from "../baselines/handSql.js";
import { naiveVerify } from "../baselines/naive.js";
import { fmt, median, medianOf } from "../measure.js";
import { naiveRunsNote } from "../options.js";
import { type Row, type Section, seconds } from "../report.js";
import { type Bench, copyDb, ensureFlat, ensureLog, ensureWarehouse, openWarehouse, say } from "../workspace.js";

/** From the auditor's previous checkpoint, and cold (the whole chain checked). */
const VERIFY_GOAL_S = 5;
const VERIFY_COLD_GOAL_S = 30;

interface Published {
  readonly file: string;
  readonly log: string;
  readonly year: number;
  readonly position: number;
  readonly numerator: string | null;
  readonly denominator: string | null;
  readonly value: number | null;
}

/**
 * The year asked for, else the last year whose province figure has a value (else a non-zero numerator, else
 * the last year): a figure with something in it to recompute. The warehouse is folded first.
 */
const yearOf = async (b: Bench, code: string): Promise<number> => {
  const w = await ensureWarehouse(b, b.paths.whFull, b.catalog);
  try {
    if (b.options.verifyYear !== undefined) return b.options.verifyYear;
    const r = await w.query<{ year: number }>(
      `SELECT year FROM indicator_values WHERE indicator = $code AND geo = 'province'
       ORDER BY value IS NOT NULL DESC, coalesce(numerator, 0) <> 0 DESC, year DESC LIMIT 1`,
      { code },
    );
    return r[0]?.year ?? b.years[1];
  } finally {
    await w.close();
  }
};

/** Publishes the figure from copies of the log and warehouse in DIR/verify. */
const publishOne = async (b: Bench, code: string, year: number): Promise<Published> => {
  rmSync(b.paths.verify, { recursive: true, force: true });
  mkdirSync(join(b.paths.verify, "tmp"), { recursive: true });
  const log = join(b.paths.verify, "log.duckdb");
  const wh = join(b.paths.verify, "warehouse.duckdb");
  copyDb(b.paths.log, log);
  copyDb(b.paths.whFull, wh);
  const w = await openWarehouse(b, wh, b.catalog, log);
  try {
    const r = await publishFigures(w, { dir: b.paths.verify, indicators: [code], years: [year], level: "province" });
    if (E.isLeft(r)) throw new Error(`publish: ${r.left._tag}`);
    const f = r.right.publication.figures[0];
    if (f === undefined) throw new Error("publish: no figure");
    return { ...f, file: r.right.file, log, position: r.right.publication.position };
  } finally {
    await w.close();
  }
};

/** The hand SQL for one subset indicator, `year` only; its province figure. */
const timeHandSql = async (b: Bench, head: number, code: SubsetCode, year: number) => {
  const flat = await FlatTable.open(b.paths.flat);
  try {
    await ensureFlat(b, flat, head);
    await flat.setYears(year, year);
    const m = await medianOf(
      b.options.runs,
      () => undefined,
      () => flat.compute([code]),
    );
    return { m, figure: (await flat.figures()).find((f) => f.geo === "province") };
  } finally {
    flat.close();
  }
};

const sameNumber = (a: number | null | undefined, b: string | null): boolean =>
  (a ?? null) === (b === null ? null : Number(b));

export const verifySection = async (b: Bench): Promise<Section> => {
  const code = b.options.verifyIndicator;
  const spec = b.catalog.find((e) => e.code === code);
  if (spec === undefined) throw new Error(`--verify: unknown indicator ${code}`);
  const head = await ensureLog(b);
  const year = await yearOf(b, code);
  say(`verify: ${code} province ${year} at position ${fmt(head)}, ${b.options.runs} run(s) each ...`);
  const pub = await publishOne(b, code, year);

  const reports: VerifyReport[] = [];
  const warmReports: VerifyReport[] = [];
  const checkpoint = { file: join(b.paths.verify, "checkpoint.json"), log: pub.log };
  const verifyOnce = async (into: VerifyReport[], withCheckpoint: boolean) => {
    const r = await verifyPublication(pub.file, pub.log, {
      tmpDir: join(b.paths.verify, "tmp"),
      ...(withCheckpoint ? { checkpoint } : {}),
    });
    if (E.isLeft(r)) throw new Error(`verify: ${r.left._tag}`);
    into.push(r.right);
    return r.right;
  };
  const ours = await medianOf(
    b.options.runs,
    () => undefined,
    () => verifyOnce(reports, false),
  );
  // the auditor's checkpoint, as a first verify leaves it (not timed); then the verifies that start from it
  await verifyOnce([], true);
  const warm = await medianOf(
    b.options.runs,
    () => undefined,
    () => verifyOnce(warmReports, true),
  );
  const naive = await medianOf(
    b.options.naiveRuns,
    () => undefined,
    () => naiveVerify(pub.log, spec, year, pub.position, b.resolve),
  );
  const hand = isSubsetCode(code) ? await timeHandSql(b, head, code, year) : undefined;

  const report = ours.last;
  const part = (k: "chain" | "replay" | "recompute", from = reports) => median(from.map((r) => r.seconds[k]));
  const parts = (from: VerifyReport[]) =>
    `chain ${fmt(part("chain", from), 2)} s, replay ${fmt(part("replay", from), 2)} s, recompute ${fmt(part("recompute", from), 2)} s`;
  const nf = naive.last.figure;
  const warmOk = warm.last.ok && warm.last.log.checkpoint._tag === "Used";
  const rows: Row[] = [
    {
      label: `verify ${code} province ${year}, from a checkpoint`,
      ours: seconds(warm.seconds, warm.peakRssMiB),
      goal: {
        text: `verify of one published figure from the auditor's checkpoint < ${VERIFY_GOAL_S} s`,
        pass: warm.seconds < VERIFY_GOAL_S && warmOk,
        measured: `${fmt(warm.seconds, 2)} s (${parts(warmReports)}), ${warmOk ? "verified from the checkpoint" : "NOT verified from the checkpoint"}`,
      },
    },
    { label: "  of which the hash chain after it", ours: seconds(part("chain", warmReports)) },
    { label: "  of which the replay", ours: seconds(part("replay", warmReports)) },
    { label: "  of which the recomputation", ours: seconds(part("recompute", warmReports)) },
    {
      label: `verify ${code} province ${year}, cold`,
      ours: seconds(ours.seconds, ours.peakRssMiB),
      a: seconds(naive.seconds, naive.peakRssMiB),
      ...(hand === undefined ? {} : { b: seconds(hand.m.seconds, hand.m.peakRssMiB) }),
      goal: {
        text: `verify of one published figure, the whole chain checked < ${VERIFY_COLD_GOAL_S} s`,
        pass: ours.seconds < VERIFY_COLD_GOAL_S && report.ok,
        measured: `${fmt(ours.seconds, 2)} s (${parts(reports)}), ${report.ok ? "verified" : "NOT verified"}; naive (a) ${fmt(naive.seconds, 1)} s`,
      },
    },
    { label: "  of which the hash chain", ours: seconds(part("chain")) },
    { label: "  of which the replay", ours: seconds(part("replay")) },
    { label: "  of which the recomputation", ours: seconds(part("recompute")) },
  ];
  const naiveAgrees =
    naive.last.chainOk && sameNumber(nf?.numerator, pub.numerator) && sameNumber(nf?.denominator, pub.denominator);
  return {
    name: "verify",
    title: `Verify one published figure: ${code}, province, ${year}, at log position ${fmt(pub.position)}`,
    a: `read the whole log, SHA-256 chain in JavaScript, oracle fold of the facts the indicator reads${naiveRunsNote(b)}`,
    b: "the hand SQL for that indicator and year over the flat table (no chain check)",
    rows,
    notes: [
      `Published: numerator ${pub.numerator}, denominator ${pub.denominator}, value ${pub.value}. verifyPublication: ${report.ok ? "ok" : "NOT ok"}, ${report.matched} matched, ${report.mismatched} mismatched, chain of ${fmt(report.log.checked)} events; the replay staged ${report.replayed === "counted entities" ? "only the entities the figure can count" : "every entity (the figure's cell held none it can count)"}.`,
      `(a) ${naiveAgrees ? "agrees" : "DISAGREES"}: chain ${naive.last.chainOk ? "verifies" : "does NOT verify"}, figure ${nf?.numerator ?? "null"}/${nf?.denominator ?? "null"}.`,
      hand === undefined
        ? `(b) has no hand SQL for ${code}; pick one of the subset with --verify to compare.`
        : `(b) ${sameNumber(hand.figure?.numerator, pub.numerator) && sameNumber(hand.figure?.denominator, pub.denominator) ? "agrees" : "DISAGREES"}: ${hand.figure?.numerator ?? "null"}/${hand.figure?.denominator ?? "null"}.`,
    ],
  };
};
