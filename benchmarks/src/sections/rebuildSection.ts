/**
 * 2. Full rebuild: every indicator for every commune and year from the whole log (`Warehouse.rebuild`), for the
 * full catalog and for a catalog of exactly the hand-SQL subset (the like-for-like comparison with (b)), and for
 * the full catalog read through the event-log port instead of the embedded log's SQL fast path (what a KurrentDB
 * deployment does: every event read, copied into the warehouse, then folded), beside
 *   (a) the oracle fold: every event read from the log and folded (`foldEvent`), then `computeFigures` for
 *       the subset and for the full catalog;
 *   (b) the hand SQL for the subset over the flat table (loaded once beforehand, its load timed apart).
 * Both baselines are checked against the warehouse's figures.
 */
import type { CatalogEntry } from "@kpi/core";
import type { FigureRow } from "@kpi/projections";
import { FlatTable, type HandFigure } from "../baselines/flatTable.js";
import { SUBSET } from "../baselines/handSql.js";
import { computeByKind, foldLog } from "../baselines/naive.js";
import { compareFigures, describeAgreement, warehouseFigures } from "../compare.js";
import { collectGarbage, fmt, type Measured, measure, median, medianOf } from "../measure.js";
import { naiveRunsNote } from "../options.js";
import { type Row, type Section, seconds } from "../report.js";
import { type Bench, ensureFlat, ensureLog, openWarehouse, say } from "../workspace.js";

const REBUILD_VS_HAND_SQL = 1.5;
const REBUILD_VS_NAIVE = 5;

interface Rebuilt extends Measured {
  readonly figures: number;
}

/** Times `Warehouse.rebuild` of a warehouse with `catalog` over the log, and returns its figures. */
const timeRebuild = async (
  b: Bench,
  path: string,
  catalog: readonly CatalogEntry[],
  readPath: "sql" | "generic" = "sql",
  runs = b.options.runs,
): Promise<{ m: Rebuilt; figures: HandFigure[] }> => {
  const w = await openWarehouse(b, path, catalog, b.paths.log, readPath);
  try {
    const m = await medianOf(
      runs,
      () => undefined,
      () => w.rebuild(),
    );
    const n = await w.query<{ n: number }>("SELECT CAST(count(*) AS DOUBLE) AS n FROM indicator_values");
    return { m: { ...m, figures: n[0]?.n ?? 0 }, figures: await warehouseFigures(w) };
  } finally {
    await w.close();
  }
};

const timeHandSql = async (b: Bench, head: number) => {
  const flat = await FlatTable.open(b.paths.flat);
  try {
    const load = await ensureFlat(b, flat, head);
    await flat.setYears(b.years[0], b.years[1]);
    const m = await medianOf(
      b.options.runs,
      () => undefined,
      () => flat.compute(SUBSET),
    );
    return { m, load, figures: await flat.figures() };
  } finally {
    flat.close();
  }
};

interface NaiveRuns {
  readonly subset: Measured;
  readonly full: Measured;
  /** Median seconds of each phase. */
  readonly phases: { readonly fold: number; readonly subset: number; readonly full: number };
  readonly subsetRows: readonly FigureRow[];
  readonly fullRows: readonly FigureRow[];
  readonly events: number;
}

/** Per run: read and fold the log, then compute the subset, then the full catalog, each timed. */
const timeNaive = async (b: Bench): Promise<NaiveRuns> => {
  const years = Array.from({ length: b.years[1] - b.years[0] + 1 }, (_, i) => b.years[0] + i);
  const fold: Measured[] = [];
  const sub: Measured[] = [];
  const full: Measured[] = [];
  let subsetRows: readonly FigureRow[] = [];
  let fullRows: readonly FigureRow[] = [];
  let events = 0;
  for (let r = 0; r < b.options.naiveRuns; r++) {
    const folded = await measure(() => foldLog(b.paths.log));
    fold.push(folded);
    events = folded.result.events;
    const s = await measure(() => computeByKind(folded.result.state, b.subset, years, b.resolve));
    sub.push(s);
    const f = await measure(() => computeByKind(folded.result.state, b.catalog, years, b.resolve));
    full.push(f);
    subsetRows = s.result;
    fullRows = f.result;
  }
  collectGarbage();
  const total = (phase: Measured[]): Measured => ({
    seconds: median(fold.map((m, i) => m.seconds + (phase[i]?.seconds ?? 0))),
    peakRssMiB: Math.max(...fold.map((m) => m.peakRssMiB), ...phase.map((m) => m.peakRssMiB)),
  });
  const med = (ms: Measured[]) => median(ms.map((m) => m.seconds));
  return {
    subset: total(sub),
    full: total(full),
    phases: { fold: med(fold), subset: med(sub), full: med(full) },
    subsetRows,
    fullRows,
    events,
  };
};

export const rebuildSection = async (b: Bench): Promise<Section> => {
  const head = await ensureLog(b);
  const codes = [...SUBSET];
  say(`rebuild: ${fmt(head)} events, ${b.options.runs} run(s) each: ours (full, subset), (b), (a) ...`);
  const full = await timeRebuild(b, b.paths.whFull, b.catalog);
  const subset = await timeRebuild(b, b.paths.whSubset, b.subset);
  // the port's fold is as slow as (a), and runs as often (`--naive-runs`)
  const port = await timeRebuild(b, b.paths.whPort, b.catalog, "generic", b.options.naiveRuns);
  const hand = await timeHandSql(b, head);
  const naive = await timeNaive(b);
  b.memo.oracleFigures = naive.fullRows;

  const fullRatio = full.m.seconds / naive.full.seconds;
  const subsetRatio = subset.m.seconds / hand.m.seconds;
  const rows: Row[] = [
    {
      label: `full rebuild, ${b.catalog.length} indicators`,
      ours: seconds(full.m.seconds, full.m.peakRssMiB),
      a: seconds(naive.full.seconds, naive.full.peakRssMiB),
      goal: {
        text: `full rebuild ≥ ${REBUILD_VS_NAIVE}× faster than the naive TypeScript fold (a)`,
        pass: fullRatio <= 1 / REBUILD_VS_NAIVE,
        measured: `${fmt(full.m.seconds, 1)} s vs ${fmt(naive.full.seconds, 1)} s: ${fmt(1 / fullRatio, 1)}× faster`,
      },
    },
    {
      label: `full rebuild through the port, ${b.catalog.length} indicators${naiveRunsNote(b)}`,
      ours: seconds(port.m.seconds, port.m.peakRssMiB),
    },
    {
      label: `rebuild of the subset, ${codes.length} indicators`,
      ours: seconds(subset.m.seconds, subset.m.peakRssMiB),
      a: seconds(naive.subset.seconds, naive.subset.peakRssMiB),
      b: seconds(hand.m.seconds, hand.m.peakRssMiB),
      goal: {
        text: `rebuild within ${REBUILD_VS_HAND_SQL}× of hand-written SQL (b), like for like (${codes.length} indicators)`,
        pass: subsetRatio <= REBUILD_VS_HAND_SQL,
        measured: `${fmt(subset.m.seconds, 1)} s vs ${fmt(hand.m.seconds, 1)} s: ×${fmt(subsetRatio, 2)}`,
      },
    },
  ];
  return {
    name: "rebuild",
    title: `Full rebuild from ${fmt(head)} events, every indicator for every commune and year ${b.years[0]}–${b.years[1]}`,
    a: `oracle fold: read every event from the log, foldEvent, computeFigures (plain TypeScript)${naiveRunsNote(b)}`,
    b: `hand-written DuckDB SQL for ${codes.join(", ")} over a flat facts table`,
    rows,
    notes: [
      `Subset: ${codes.join(", ")} (enterprise, person, OCOP, household shares and a reported ratio).`,
      `Figures: ${fmt(full.m.figures)} (full catalog), ${fmt(subset.m.figures)} (subset).`,
      `(a): reading and folding ${fmt(naive.events)} events ${fmt(naive.phases.fold, 1)} s, then computeFigures ${fmt(naive.phases.subset, 1)} s (subset) or ${fmt(naive.phases.full, 1)} s (full catalog).`,
      hand.load === undefined
        ? "(b)'s flat table was loaded by an earlier run; its load is not counted in (b)."
        : `(b)'s flat table is loaded from the log (typed columns extracted from the JSON) in ${fmt(hand.load.seconds, 1)} s, peak ${fmt(hand.load.peakRssMiB)} MiB; not counted in (b). With it, ours/(b + load) = ×${fmt(subset.m.seconds / (hand.m.seconds + hand.load.seconds), 2)}.`,
      `Through the port: the full catalog with \`readPath: "generic"\` (the events read with \`readAll\`, copied into \`source_events\`, then folded): ×${fmt(port.m.seconds / full.m.seconds, 2)} the SQL fast path.`,
      describeAgreement("Through the port, full catalog,", compareFigures(port.figures, full.figures)),
      describeAgreement("Hand SQL (b), subset,", compareFigures(subset.figures, hand.figures)),
      describeAgreement("Oracle fold (a), subset,", compareFigures(subset.figures, naive.subsetRows)),
      describeAgreement("Oracle fold (a), full catalog,", compareFigures(full.figures, naive.fullRows)),
    ],
  };
};
