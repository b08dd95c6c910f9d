/**
 * Checks that a baseline computes the same figures as the warehouse (so it is not timing something easier):
 * every (indicator, geography, year) on either side, numerator and denominator equal.
 */
import type { Warehouse } from "@kpi/projections";
import type { HandFigure } from "./baselines/flatTable.js";
import { fmt } from "./measure.js";

const key = (f: HandFigure): string => `${f.indicator} ${f.geo} ${f.year}${f.breakdown ? ` ${f.breakdown}` : ""}`;

const same = (a: number | null, b: number | null): boolean =>
  a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)));

const show = (f: HandFigure | undefined): string =>
  f === undefined ? "no row" : `${f.numerator ?? "null"}/${f.denominator ?? "null"}`;

export interface Agreement {
  readonly compared: number;
  readonly agreeing: number;
  /** A few disagreements, as text. */
  readonly examples: readonly string[];
}

export const compareFigures = (ours: readonly HandFigure[], theirs: readonly HandFigure[]): Agreement => {
  const mine = new Map(ours.map((f) => [key(f), f]));
  const other = new Map(theirs.map((f) => [key(f), f]));
  const keys = [...new Set([...mine.keys(), ...other.keys()])].sort();
  const examples: string[] = [];
  let agreeing = 0;
  for (const k of keys) {
    const a = mine.get(k);
    const b = other.get(k);
    if (a !== undefined && b !== undefined && same(a.numerator, b.numerator) && same(a.denominator, b.denominator)) {
      agreeing++;
    } else if (examples.length < 5) {
      examples.push(`${k}: ours ${show(a)}, baseline ${show(b)}`);
    }
  }
  return { compared: keys.length, agreeing, examples };
};

export const describeAgreement = (who: string, a: Agreement): string =>
  a.agreeing === a.compared
    ? `${who} agrees with ours on all ${fmt(a.compared)} figures (numerator and denominator, every geography and year).`
    : `${who} DISAGREES with ours on ${fmt(a.compared - a.agreeing)} of ${fmt(a.compared)} figures, e.g. ${a.examples.join("; ")}`;

/**
 * The warehouse's figures (of `codes`, default all), as numbers: counts, or amounts where the indicator's parts are
 * amounts (DE_GRDP, DE_SECTOR, ECOM_RETAIL, …), which the warehouse keeps in `numerator_amount`/`denominator_amount`.
 */
export const warehouseFigures = (w: Warehouse, codes?: readonly string[]): Promise<HandFigure[]> =>
  w.query<HandFigure>(
    `SELECT indicator, geo, year, breakdown, CAST(coalesce(numerator, numerator_amount) AS DOUBLE) AS numerator,
            CAST(coalesce(denominator, denominator_amount) AS DOUBLE) AS denominator
     FROM indicator_values
     ${codes === undefined ? "" : `WHERE indicator IN (${codes.map((_, i) => `$c${i}`).join(", ")})`}
     ORDER BY ALL`,
    Object.fromEntries((codes ?? []).map((c, i) => [`c${i}`, c])),
  );
