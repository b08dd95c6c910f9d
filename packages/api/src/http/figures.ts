/**
 * Figures as the API serves them, and the two pure steps between the warehouse and a response:
 *
 * - `judge`: the target applied to each year, the trajectory and the status, for figures recomputed as of an
 *   earlier position or day (`Warehouse.figuresAsOf`, `indicator_revisions`), which carry only numerator,
 *   denominator and value. It follows "Status against targets" in docs/semantics.md exactly as the warehouse's
 *   SQL does (same arithmetic, same order), and a test checks that both agree on every row at the checkpoint.
 * - `publish`: the warehouse's one small-cell rule (`disclosureSql.ts` in the projections package: primary
 *   small cells and the secondary cells that keep them from being recovered by subtraction) applied to a
 *   response. A withheld figure loses numerator, denominator and value, and its status becomes `suppressed`;
 *   a series with any withheld value shows no trajectory, as in the view `published_indicator_values`.
 */
import type { CatalogEntry } from "@kpi/core";

export type Status = "met" | "on_track" | "off_track" | "no_data" | "no_target" | "suppressed";

export interface RawFigure {
  readonly indicator: string;
  readonly geo: string;
  readonly year: number;
  readonly breakdown: string;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly value: number | null;
  /** The log position the figure reflects. */
  readonly position: number;
  /** Withheld for publication, as the warehouse's rule decided (`disclosureSql.ts`). */
  readonly withheld: "primary" | "secondary" | null;
}

export interface Figure extends RawFigure {
  readonly level: "province" | "commune";
  readonly targetYear: number | null;
  readonly targetOp: string | null;
  readonly targetValue: number | null;
  readonly trajectory: number | null;
  readonly status: Status;
  readonly suppressed: boolean;
  /** The released publication that holds this figure with this value (`publications.ts`), or null. */
  readonly publication?: string | null;
}

type Target = CatalogEntry["targets"][number];

/** The target applied to year `year`: the nearest target year ≥ it, else the last target. */
export const targetFor = (targets: readonly Target[], year: number): Target | undefined => {
  let atOrAfter: Target | undefined;
  let last: Target | undefined;
  for (const t of targets) {
    if (t.year >= year && (atOrAfter === undefined || t.year < atOrAfter.year)) atOrAfter = t;
    if (last === undefined || t.year > last.year) last = t;
  }
  return atOrAfter ?? last;
};

const meets = (op: string, value: number, target: number): boolean =>
  (op === ">=" && value >= target) ||
  (op === ">" && value > target) ||
  (op === "<=" && value <= target) ||
  (op === "<" && value < target) ||
  (op === "=" && value === target);

const seriesKey = (f: { readonly geo: string; readonly breakdown: string }) => `${f.geo}\u0000${f.breakdown}`;

type First = { readonly year: number; readonly value: number };

/**
 * The trajectory for `year` (the warehouse's rule): from the target year on, the target itself; before it, linear
 * from the previous target, or, before any target, from the series' first value; `fromFirst` says the latter.
 */
export const trajectoryFor = (
  targets: readonly Target[],
  year: number,
  first: First | undefined,
): { readonly value: number | null; readonly fromFirst: boolean } => {
  const t = targetFor(targets, year);
  if (t === undefined) return { value: null, fromFirst: false };
  if (year >= t.year) return { value: t.value, fromFirst: false };
  let prev: Target | undefined;
  for (const x of targets) if (x.year < year && (prev === undefined || x.year > prev.year)) prev = x;
  if (prev !== undefined && (first === undefined || prev.year >= first.year)) {
    return {
      value: prev.value + ((t.value - prev.value) * (year - prev.year)) / (t.year - prev.year),
      fromFirst: false,
    };
  }
  if (first === undefined || year < first.year) return { value: null, fromFirst: false };
  if (t.year > first.year) {
    return {
      value: first.value + ((t.value - first.value) * (year - first.year)) / (t.year - first.year),
      fromFirst: true,
    };
  }
  return { value: t.value, fromFirst: false };
};

const firstValues = <F extends RawFigure>(figures: readonly F[]): Map<string, F> => {
  const firsts = new Map<string, F>();
  for (const f of figures) {
    if (f.value === null) continue;
    const k = seriesKey(f);
    const cur = firsts.get(k);
    if (cur === undefined || f.year < cur.year) firsts.set(k, f);
  }
  return firsts;
};

const firstOf = (f: RawFigure | undefined): First | undefined =>
  f === undefined || f.value === null ? undefined : { year: f.year, value: f.value };

/** Adds target, trajectory, status and the withheld flag to raw figures of one indicator. */
export const judge = (entry: CatalogEntry, raw: readonly RawFigure[]): Figure[] => {
  const firsts = firstValues(raw);
  return raw.map((f) => {
    const t = targetFor(entry.targets, f.year);
    const trajectory = trajectoryFor(entry.targets, f.year, firstOf(firsts.get(seriesKey(f)))).value;
    const status: Status =
      f.value === null
        ? "no_data"
        : t === undefined
          ? "no_target"
          : meets(t.op, f.value, t.value)
            ? "met"
            : trajectory !== null &&
                (entry.direction === "lower_is_better" ? f.value <= trajectory : f.value >= trajectory)
              ? "on_track"
              : "off_track";
    return {
      ...f,
      level: f.geo === "province" ? "province" : "commune",
      targetYear: t?.year ?? null,
      targetOp: t?.op ?? null,
      targetValue: t?.value ?? null,
      trajectory,
      status,
      suppressed: f.withheld !== null,
    };
  });
};

/** Withholds what the rule withholds (see the module comment). Order is kept. */
export const publish = (figures: readonly Figure[]): Figure[] => {
  const withheldSeries = new Set(figures.filter((f) => f.suppressed).map(seriesKey));
  return figures.map((f) => {
    const hideTrajectory = withheldSeries.has(seriesKey(f)) && f.trajectory !== null;
    if (!f.suppressed && !hideTrajectory) return f;
    const trajectory = hideTrajectory ? null : f.trajectory;
    return f.suppressed
      ? { ...f, numerator: null, denominator: null, value: null, status: "suppressed", trajectory }
      : { ...f, trajectory };
  });
};
