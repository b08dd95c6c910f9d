/**
 * The small-cell rule of docs/semantics.md ("What is withheld") applied to figures in TypeScript, for the API's
 * figures (current and as of an earlier day). Which cells are withheld is decided once, in SQL (`withheldSql`);
 * what a withheld cell and its series then show is this rule, written twice — here and `disclosedSql` for the
 * `published_indicator_values` view — and a property checks that both withhold exactly the same values,
 * statuses and trajectories.
 *
 * - A withheld cell shows no numerator, denominator, value or status, and an implausibility reason without its
 *   numbers ('withheld cell').
 * - A series (indicator, geo, breakdown) with any withheld cell shows no trajectory and no baseline in any year.
 * - Where the trajectory runs from a withheld value (a first-year baseline whose cell is withheld), no status
 *   judged against it (on_track, off_track) is shown either: it says on which side of the trajectory a published
 *   value lies, which bounds the withheld one.
 */
import { TRAJECTORY_STATUSES } from "./disclosureSql.js";

export interface DisclosableFigure {
  readonly indicator: string;
  readonly geo: string;
  readonly year: number;
  readonly breakdown: string;
  readonly withheld: "primary" | "secondary" | null;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly value: number | null;
  readonly trajectory: number | null;
  readonly status: string | null;
  readonly baselineYear: number | null;
  readonly baselineValue: number | null;
  readonly baselineSource: string | null;
  readonly implausible: boolean;
  readonly implausibleReason: string | null;
}

const seriesKey = (f: DisclosableFigure): string => `${f.indicator}\u0000${f.geo}\u0000${f.breakdown}`;
const judgedAgainstTrajectory: ReadonlySet<string> = new Set(TRAJECTORY_STATUSES);

/** The figures as the rule lets them be shown, in the same order. */
export const discloseFigures = <F extends DisclosableFigure>(figures: readonly F[]): F[] => {
  const withheldSeries = new Set(figures.filter((f) => f.withheld !== null).map(seriesKey));
  const withheldBaseline = new Set(
    figures
      .filter((f) => f.withheld !== null && f.baselineSource === "first_year" && f.year === f.baselineYear)
      .map(seriesKey),
  );
  return figures.map((f) => {
    const series = withheldSeries.has(seriesKey(f));
    if (!series) return f;
    const hidden = {
      trajectory: null,
      baselineYear: null,
      baselineValue: null,
      status:
        f.status !== null && judgedAgainstTrajectory.has(f.status) && withheldBaseline.has(seriesKey(f))
          ? null
          : f.status,
    };
    return f.withheld === null
      ? ({ ...f, ...hidden } as F)
      : ({
          ...f,
          ...hidden,
          numerator: null,
          denominator: null,
          value: null,
          status: null,
          implausibleReason: f.implausible ? "withheld cell" : null,
        } as F);
  });
};
