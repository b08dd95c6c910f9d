/**
 * Figures as the API serves them, and the two pure steps between the warehouse and a response:
 *
 * - judging (the target applied to each year, the baseline, the trajectory and the status) is not done here:
 *   figures recomputed as of an earlier position or day are judged by the warehouse's own SQL
 *   (`WarehouseReader.judge`, `statusSql.ts`), the one place "Status against targets" in docs/semantics.md is
 *   written.
 * - `disclose`: the warehouse's one small-cell rule (`disclosure.ts` in the projections package, the same as the
 *   view `published_indicator_values`) applied to a response: a withheld figure loses numerator, denominator,
 *   value and status (`suppressed` says it is withheld); a series with any withheld value shows no trajectory,
 *   baseline or on_track/off_track status.
 */
import type { Parts } from "@kpi/core";
import { discloseFigures, type Judgement } from "@kpi/projections";

/** The status against the target applied (docs/semantics.md); a withheld figure has none (null). */
export type Status = Judgement["status"];

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

/** A figure judged by the warehouse's rules (`Judgement`, statusSql.ts), as the API serves it. */
export interface Figure extends RawFigure, Omit<Judgement, "status"> {
  /** Null when the figure is withheld (`suppressed`): its status would tell where its value lies. */
  readonly status: Status | null;
  readonly suppressed: boolean;
  /** The released publication that holds this figure with this value (`publications.ts`), or null. */
  readonly publication?: string | null;
}

/** Withholds what the small-cell rule withholds (`discloseFigures`, docs/semantics.md "What is withheld"). */
export const disclose = (figures: readonly Figure[]): Figure[] => discloseFigures(figures);
