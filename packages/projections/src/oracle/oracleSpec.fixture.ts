/**
 * `oracleSpec({indicators, years}).given(facts).when(facts).then(rows)`: projection tests as given/when/then,
 * in the spirit of Emmett's `ProjectionSpec`. `given` facts are the history, `when` facts are appended after them
 * (consecutive positions from 1 across both), and `then` folds everything from an empty state and expects exactly
 * `rows`; `thenAsOf(p, rows)` reads the figures as known at position `p`. `resolve` defaults to "every 5-digit
 * code is a current commune".
 */

import { decodeDefinition, type Fact, formatFieldErrors } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { expect } from "vitest";
import { storedEvents } from "./facts.fixture.js";
import { type FigureRow, type IndicatorSpec, oracleFigures, type ResolveCommune } from "./oracleFold.js";

export interface Scenario {
  readonly indicators: readonly IndicatorSpec[];
  readonly years: readonly number[];
  readonly resolve?: ResolveCommune;
}

export const sameCode: ResolveCommune = (code) => code;

export interface Then {
  then(expected: readonly FigureRow[]): void;
  thenAsOf(asOf: number, expected: readonly FigureRow[]): void;
}

export const oracleSpec = (scenario: Scenario) => ({
  given: (...history: Fact[]) => ({
    when: (...appended: Fact[]): Then => {
      const figures = (asOf?: number) =>
        oracleFigures(
          storedEvents([...history, ...appended]),
          scenario.indicators,
          scenario.years,
          scenario.resolve ?? sameCode,
          asOf,
        );
      return {
        // biome-ignore lint/suspicious/noThenProperty: the given/when/then shape of Emmett's specs; never awaited
        then: (expected) => expect(figures()).toEqual(expected),
        thenAsOf: (asOf, expected) => expect(figures(asOf)).toEqual(expected),
      };
    },
  }),
});

/** One expected row; `breakdown` is "" unless given. */
export const row = (
  indicator: string,
  geo: string,
  year: number,
  numerator: number | null,
  denominator: number | null,
  value: number | null,
  breakdown = "",
): FigureRow => ({ indicator, geo, year, breakdown, numerator, denominator, value });

/** An indicator whose definition must pass `decodeDefinition` (codec and checks), as a catalog entry's would. */
export const indicator = (code: string, definition: unknown): IndicatorSpec => {
  const d = decodeDefinition(definition);
  if (E.isLeft(d)) throw new Error(`${code}: ${formatFieldErrors(d.left)}`);
  return { code, definition: d.right };
};
