/**
 * Figures as the API serves them, and the two pure steps between the warehouse and a response:
 *
 * - `judge`: the target applied to each year, the trajectory and the status, for figures recomputed as of an
 *   earlier position or day (`Warehouse.figuresAsOf`, `indicator_revisions`), which carry only numerator,
 *   denominator and value. It follows "Status against targets" in docs/semantics.md exactly as the warehouse's
 *   SQL does (same arithmetic, same order), and a test checks that both agree on every row at the checkpoint.
 * - `disclose`: the warehouse's one small-cell rule (`disclosure.ts` in the projections package, the same as the
 *   view `published_indicator_values`) applied to a response: a withheld figure loses numerator, denominator,
 *   value and status (`suppressed` says it is withheld); a series with any withheld value shows no trajectory,
 *   baseline or on_track/off_track status.
 */
import type { CatalogEntry, Parts } from "@kpi/core";
import { discloseFigures } from "@kpi/projections";

/** The status against the target applied (docs/semantics.md); a withheld figure has none (null). */
export type Status = "met" | "missed" | "on_track" | "off_track" | "baseline" | "no_data" | "no_target";

export interface RawFigure {
  readonly indicator: string;
  readonly geo: string;
  readonly year: number;
  readonly breakdown: string;
  /** Numerator and denominator, whichever pair of the warehouse holds them (`parts` says which). */
  readonly numerator: number | null;
  readonly denominator: number | null;
  /** What numerator and denominator are: counts (integers) or amounts (decimals); docs/semantics.md. */
  readonly parts: Parts;
  readonly value: number | null;
  /** The log position the figure reflects. */
  readonly position: number;
  /** Withheld for publication, as the warehouse's rule decided (`disclosureSql.ts`). */
  readonly withheld: "primary" | "secondary" | null;
  /** Quality flags, as the warehouse's one rule decided (`qualitySql.ts`). */
  readonly provisional: boolean;
  readonly estimated: boolean;
  readonly breakInSeries: boolean;
  readonly implausible: boolean;
  readonly implausibleReason: string | null;
}

export interface Figure extends RawFigure {
  readonly level: "province" | "commune";
  readonly targetYear: number | null;
  readonly targetOp: string | null;
  readonly targetValue: number | null;
  readonly trajectory: number | null;
  /** Where the trajectory starts: the plan's base value ('plan') or the series' first year ('first_year'). */
  readonly baselineYear: number | null;
  readonly baselineValue: number | null;
  readonly baselineSource: "plan" | "first_year" | null;
  /** Null when the figure is withheld (`suppressed`): its status would tell where its value lies. */
  readonly status: Status | null;
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

type Baseline = { readonly year: number; readonly value: number; readonly source: "plan" | "first_year" };

/**
 * The trajectory for `year` (the warehouse's rule, `statusSql.ts`): from the target year on, the target itself;
 * before it, linear from the previous target (when not before the baseline), or else from the baseline.
 */
export const trajectoryFor = (
  targets: readonly Target[],
  year: number,
  baseline: Baseline | undefined,
): { readonly value: number | null; readonly fromBaseline: boolean } => {
  const t = targetFor(targets, year);
  if (t === undefined) return { value: null, fromBaseline: false };
  if (year >= t.year) return { value: t.value, fromBaseline: false };
  let prev: Target | undefined;
  for (const x of targets) if (x.year < year && (prev === undefined || x.year > prev.year)) prev = x;
  if (prev !== undefined && (baseline === undefined || prev.year >= baseline.year)) {
    return {
      value: prev.value + ((t.value - prev.value) * (year - prev.year)) / (t.year - prev.year),
      fromBaseline: false,
    };
  }
  if (baseline === undefined || year < baseline.year) return { value: null, fromBaseline: false };
  if (t.year > baseline.year) {
    return {
      value: baseline.value + ((t.value - baseline.value) * (year - baseline.year)) / (t.year - baseline.year),
      fromBaseline: true,
    };
  }
  return { value: t.value, fromBaseline: false };
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

/** The baseline of a series: the plan's (province, no breakdown) where it states one, else the first value. */
const baselineOf = (entry: CatalogEntry, f: RawFigure, first: RawFigure | undefined): Baseline | undefined => {
  if (f.geo === "province" && f.breakdown === "" && entry.baseline !== undefined) {
    return { year: entry.baseline.year, value: entry.baseline.value, source: "plan" };
  }
  return first === undefined || first.value === null
    ? undefined
    : { year: first.year, value: first.value, source: "first_year" };
};

/** Adds target, baseline, trajectory, status and the withheld flag to raw figures of one indicator. */
export const judge = (entry: CatalogEntry, raw: readonly RawFigure[]): Figure[] => {
  const firsts = firstValues(raw);
  return raw.map((f) => {
    const t = targetFor(entry.targets, f.year);
    const baseline = baselineOf(entry, f, firsts.get(seriesKey(f)));
    const trajectory = trajectoryFor(entry.targets, f.year, baseline).value;
    const status: Status =
      f.value === null
        ? "no_data"
        : t === undefined
          ? "no_target"
          : meets(t.op, f.value, t.value)
            ? "met"
            : f.year > t.year
              ? "missed"
              : baseline?.source === "first_year" && f.year === baseline.year
                ? "baseline"
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
      baselineYear: baseline?.year ?? null,
      baselineValue: baseline?.value ?? null,
      baselineSource: baseline?.source ?? null,
      status,
      suppressed: f.withheld !== null,
    };
  });
};

/** Withholds what the small-cell rule withholds (`discloseFigures`, docs/semantics.md "What is withheld"). */
export const disclose = (figures: readonly Figure[]): Figure[] => discloseFigures(figures);
