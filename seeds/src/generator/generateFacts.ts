/**
 * The sample province as a stream of facts, in the order the sources would report them: first the initial load
 * (each source's records of the state at the end of 2018, dated before 2019), then day by day from 2019-01-01 to
 * 2027-10-31 (facts occur until 2026-12-31; the 2026 statistics are released in 2027). Deterministic: the same
 * options give the same facts in the same order. Nothing but the model's compact state and the pending late
 * reports is kept: the province scale streams ~15 M facts in bounded memory.
 *
 * `factStream` is the synchronous generator (fastest); `generateFacts` the async iterator for callers that
 * consume facts asynchronously.
 */
import type { Fact } from "@kpi/core";
import { type ReferenceData, referenceData } from "@kpi/reference";
import { Businesses } from "./businesses.js";
import { Community } from "./community.js";
import { civilOf, isoOf } from "./days.js";
import { Emitter } from "./emitter.js";
import { Facilities } from "./facilities.js";
import { buildGeography } from "./geography.js";
import { Households } from "./households.js";
import { Ocop } from "./ocop.js";
import { People } from "./people.js";
import { Rng } from "./rng.js";
import { SCALES, type ScaleName } from "./scales.js";
import { Statistics } from "./statistics.js";
import { REPORT_END, SIM_END, SIM_START } from "./timeline.js";

export interface GenerateOptions {
  readonly scale: ScaleName;
  /** Any integer; the same seed gives the same stream. */
  readonly seed: number;
  /** Reference data to use instead of the shipped files (tests). */
  readonly reference?: ReferenceData;
  /**
   * Told the report day (YYYY-MM-DD) before the facts reported on it are yielded: the sources' own clock,
   * which `writeSample` writes beside the facts so that an import can replay the reporting history.
   */
  readonly onReportDay?: (day: string) => void;
  /**
   * Give each fact the day it is reported as the envelope's `reportedOn` (default true). A test that needs facts
   * a format-1 log can hold (it has no `reported_on`) turns it off.
   */
  readonly reportedOn?: boolean;
}

export function* factStream(options: GenerateOptions): Generator<Fact> {
  const scale = SCALES[options.scale];
  const root = Rng.seeded(options.seed);
  const geo = buildGeography(options.reference ?? referenceData(), scale, root.split());
  const em = new Emitter(root.split(), options.reportedOn !== false);
  const people = new People(geo, scale.personFraction, root.split(), em);
  const households = new Households(
    geo,
    geo.communes.map((c) => people.capacity(c.index)),
    root.split(),
    em,
  );
  const businesses = new Businesses(geo, scale.businessFraction * geo.scopeShare, root.split(), em);
  const ocop = new Ocop(geo, geo.scopeShare, root.split(), em);
  const facilities = new Facilities(geo, root.split(), em);
  const community = new Community(geo, geo.scopeShare, root.split(), em);
  const statistics = new Statistics(geo, root.split(), em);

  const startYear = (year: number) => {
    const pop = people.startYear(year);
    if (year > 2019) statistics.recordPopulation(year - 1, pop);
    if (year <= 2026)
      statistics.recordHouseholds(
        year,
        households.startYear(year, (c) => people.aliveIn(c)),
      );
    businesses.startYear(year);
    ocop.startYear(year);
    facilities.startYear(year);
    community.startYear(year);
  };

  const report = options.onReportDay;
  // the initial load, source by source
  em.today = SIM_START;
  report?.(isoOf(SIM_START));
  em.live = false;
  startYear(2019);
  for (const load of [
    people.initialLoad(),
    households.initialLoad(),
    businesses.initialLoad(),
    ocop.initialLoad(),
    facilities.initialLoad(),
    community.initialLoad(),
  ]) {
    for (const _ of load) yield* em.drain();
    yield* em.drain();
  }

  // day by day
  em.live = true;
  for (let day = SIM_START; day <= REPORT_END; day++) {
    em.beginDay(day);
    report?.(isoOf(day));
    const [year, month, date] = civilOf(day);
    if (day > SIM_START && month === 1 && date === 1) startYear(year);
    if (day <= SIM_END) {
      people.day(day);
      households.day(day);
      businesses.day(day);
      ocop.day(day);
      facilities.day(day);
      community.day(day);
    }
    statistics.day(day);
    yield* em.drain();
  }
  // late reports and retractions due after the last report day
  for (const day of em.pendingDaysAfter(REPORT_END)) {
    em.beginDay(day);
    report?.(isoOf(day));
    yield* em.drain();
  }
}

/** The same stream as an async iterator. */
export async function* generateFacts(options: GenerateOptions): AsyncGenerator<Fact> {
  let n = 0;
  for (const fact of factStream(options)) {
    yield fact;
    // let other work run now and then without paying a macrotask per fact
    if (++n % 65_536 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
