/**
 * The statistics releases. For each year Y, dated Y-12-31 (so years to 2024 use old unit codes, 2025–2026 the
 * current communes) and reported in Y+1:
 *
 * - 15 January: preliminary GRDP (ALL and sectors A, C, F, G, J), retail sales, labour productivity, and the
 *   province's administrative counts (CountReported);
 * - 20 February: the yearly surveys, per unit;
 * - 15 March: preliminary population and household estimates per unit (the simulated counts ± 1.5–2 %);
 * - 15 September: revised GRDP, retail sales and productivity, and revised population (the exact simulated
 *   counts) for about 15 % of units and households for about 10 % — the same key with a different value;
 * - 20 October: the DTI ranking of Y (2020 onwards).
 */
import type { CommuneCode, FactOf, FactType, GRDP_SECTORS, SURVEYS, Year } from "@kpi/core";
import * as calibration from "./calibration.js";
import { curveAt, dti, economy, surveys as surveyCurves } from "./calibration.js";
import { civilOf, dayOf } from "./days.js";
import type { Emitter } from "./emitter.js";
import type { Geography } from "./geography.js";
import type { PopulationCount } from "./people.js";
import type { Rng } from "./rng.js";
import { MERGER_DAY } from "./timeline.js";

const OFFICE = "cuc-thong-ke";
type Survey = (typeof SURVEYS)[number];
type Series = FactOf<"CountReported">["data"]["series"];
type Sector = (typeof GRDP_SECTORS)[number];

interface Place {
  readonly code: CommuneCode;
  readonly ward: boolean;
  readonly affinity: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export class Statistics {
  private readonly population = new Map<number, { byUnit: PopulationCount[]; byCommune: PopulationCount[] }>();
  private readonly households = new Map<number, { byUnit: number[]; byCommune: number[] }>();
  private readonly prelim = new Map<string, { grdp: number; digital: number }[]>();
  /** Preliminary population totals and households by `year/code`, to revise only figures that were off. */
  private readonly prelimPeople = new Map<string, { total: number; households: number }>();

  constructor(
    private readonly geo: Geography,
    private readonly rng: Rng,
    private readonly em: Emitter,
  ) {}

  recordPopulation(year: number, counts: { byUnit: PopulationCount[]; byCommune: PopulationCount[] }): void {
    this.population.set(year, counts);
  }

  recordHouseholds(year: number, counts: { byUnit: number[]; byCommune: number[] }): void {
    this.households.set(year, counts);
  }

  /** The places a year's figures are given for: old units until 2024, current communes from 2025. */
  private places(year: number): Place[] {
    if (dayOf(year, 12, 31) >= MERGER_DAY) {
      return this.geo.communes.map((c) => ({ code: c.code, ward: c.ward, affinity: c.affinity }));
    }
    return this.geo.units.map((u) => {
      const c = this.geo.communes.find((x) => x.units.includes(u.index));
      return { code: u.code, ward: c?.ward ?? false, affinity: c?.affinity ?? 1 };
    });
  }

  day(day: number): void {
    const [y, month, date] = civilOf(day);
    const year = y - 1;
    if (year < 2019 || year > 2026) return;
    if (month === 1 && date === 15) {
      this.economy(year, false);
      this.counts(year);
    } else if (month === 2 && date === 20) this.surveys(year);
    else if (month === 3 && date === 15) this.people(year, false);
    else if (month === 9 && date === 15) {
      this.economy(year, true);
      this.people(year, true);
    } else if (month === 10 && date === 20) this.dti(year);
  }

  private emit<T extends FactType>(type: T, subject: string, year: number, source: string, data: FactOf<T>["data"]) {
    this.em.emit(type, subject, dayOf(year, 12, 31), source, data, false);
  }

  private economy(year: number, revised: boolean): void {
    const y = year as Year;
    const t = (year - 2019) / 7;
    const noise = (sd: number) => 1 + sd * this.rng.normal();
    const key = String(year);
    const rows: { sector: Sector; grdp: number; digital: number }[] = [];
    const prelim = this.prelim.get(key);
    const total = curveAt(economy.grdp, year) * noise(0.01);
    const base = [
      { sector: "ALL" as Sector, grdp: total, digital: total * curveAt(economy.digitalShare, year) * noise(0.02) },
      ...economy.sectors.map((s) => {
        const g = total * (s.gdpShare[0] + (s.gdpShare[1] - s.gdpShare[0]) * t) * noise(0.02);
        return {
          sector: s.sector as Sector,
          grdp: g,
          digital: g * (s.digital[0] + (s.digital[1] - s.digital[0]) * t) * noise(0.03),
        };
      }),
    ];
    base.forEach((b, i) => {
      const p = prelim?.[i];
      const r = revised && p !== undefined ? { grdp: p.grdp * noise(0.015), digital: p.digital * noise(0.03) } : b;
      const grdp = round1(r.grdp);
      rows.push({ sector: b.sector, grdp, digital: Math.min(grdp, round1(r.digital)) });
    });
    if (!revised)
      this.prelim.set(
        key,
        rows.map((r) => ({ grdp: r.grdp, digital: r.digital })),
      );
    for (const r of rows) {
      this.emit("GrdpReported", `stat:grdp-${r.sector}`, year, OFFICE, {
        year: y,
        sector: r.sector,
        grdp: r.grdp,
        digitalEconomy: r.digital,
      });
    }
    const retail = round1(curveAt(economy.retail, year) * noise(0.01));
    this.emit("RetailSalesReported", "stat:retail", year, OFFICE, {
      year: y,
      total: retail,
      ecommerce: round1(retail * curveAt(economy.retailEcommerce, year) * noise(0.02)),
    });
    this.emit("LabourProductivityReported", "stat:labour-productivity", year, OFFICE, {
      year: y,
      valuePerWorker: round1(curveAt(economy.productivity, year) * noise(0.005)),
    });
  }

  private counts(year: number): void {
    const i = year - 2019;
    const c = calibration.counts;
    const at = (a: readonly number[]) => a[i] as number;
    const series: [Series, number, string][] = [
      ["MOBILE_SUBSCRIPTIONS", at(c.MOBILE_SUBSCRIPTIONS), "so-khcn"],
      ["MOBILE_SMARTPHONE_SUBSCRIPTIONS", at(c.MOBILE_SUBSCRIPTIONS) * at(c.smartphoneShare), "so-khcn"],
      ["PROCEDURES_ELIGIBLE_ONLINE", at(c.PROCEDURES_ELIGIBLE_ONLINE), "vp-ubnd-tinh"],
      ["PROCEDURES_FULLY_ONLINE", at(c.PROCEDURES_ELIGIBLE_ONLINE) * at(c.proceduresFullyShare), "vp-ubnd-tinh"],
      ["DOCUMENTS_EXCHANGED", at(c.DOCUMENTS_EXCHANGED), "vp-ubnd-tinh"],
      ["DOCUMENTS_EXCHANGED_ONLINE", at(c.DOCUMENTS_EXCHANGED) * at(c.documentsOnlineShare), "vp-ubnd-tinh"],
      ["STATE_AGENCIES", at(c.STATE_AGENCIES), "so-noi-vu"],
      ["AGENCIES_OPEN_DATA", at(c.STATE_AGENCIES) * at(c.openDataShare), "so-khcn"],
      ["AGENCIES_OPEN_DATA_MACHINE_READABLE", at(c.STATE_AGENCIES) * at(c.machineReadableShare), "so-khcn"],
      ["OFFICIALS", at(c.OFFICIALS), "so-noi-vu"],
      ["OFFICIALS_DIGITAL_TRAINED", at(c.OFFICIALS) * at(c.officialsTrainedShare), "so-noi-vu"],
      ["OFFICIALS_AI_TRAINED", at(c.OFFICIALS_AI_TRAINED), "so-noi-vu"],
    ];
    for (const [s, value, source] of series) {
      this.emit("CountReported", `stat:count-${s}`, year, source, {
        series: s,
        year: year as Year,
        count: Math.round(value),
      });
    }
  }

  private surveys(year: number): void {
    for (const survey of Object.keys(surveyCurves) as Survey[]) {
      const source = survey === "ADMIN_SATISFACTION" ? "so-noi-vu" : "so-khcn";
      for (const place of this.places(year)) {
        const respondents = survey === "FARMERS_IOT" ? (place.ward ? 60 : 200) : place.ward ? 400 : 250;
        const p = Math.min(
          0.99,
          curveAt(surveyCurves[survey], year) * (survey === "ADMIN_SATISFACTION" ? 1 : place.affinity),
        );
        this.emit("SurveyAggregateReported", `stat:survey-${survey}-${place.code}`, year, source, {
          survey,
          commune: place.code,
          year: year as Year,
          respondents,
          meeting: this.rng.binomial(respondents, p),
        });
      }
    }
  }

  private people(year: number, revised: boolean): void {
    const pop = this.population.get(year);
    const hh = this.households.get(year);
    if (pop === undefined || hh === undefined) return;
    const old = dayOf(year, 12, 31) < MERGER_DAY;
    const counts = old ? pop.byUnit : pop.byCommune;
    const houses = old ? hh.byUnit : hh.byCommune;
    this.places(year).forEach((place, i) => {
      const exact = counts[i];
      const h = houses[i] ?? 0;
      if (exact === undefined || exact.total === 0) return;
      const key = `${year}/${place.code}`;
      const before = this.prelimPeople.get(key);
      if (!revised || (before !== undefined && before.total !== exact.total && this.rng.chance(0.15))) {
        const f = revised ? 1 : 1 + 0.015 * (2 * this.rng.float() - 1);
        const total = revised ? exact.total : Math.round(exact.total * f);
        const scaled = (n: number) => (revised ? n : Math.round(n * f));
        this.emit("PopulationEstimated", `stat:population-${place.code}`, year, OFFICE, {
          commune: place.code,
          year: year as Year,
          total,
          aged15plus: Math.min(total, scaled(exact.aged15plus)),
          adults: Math.min(total, scaled(exact.adults), scaled(exact.aged15plus)),
        });
        if (!revised) this.prelimPeople.set(key, { total, households: -1 });
      }
      if ((!revised || (before !== undefined && before.households !== h && this.rng.chance(0.1))) && h > 0) {
        const households = revised ? h : Math.round(h * (1 + 0.02 * (2 * this.rng.float() - 1)));
        if (!revised) this.prelimPeople.set(key, { total: this.prelimPeople.get(key)?.total ?? -1, households });
        this.emit("HouseholdsEstimated", `stat:households-${place.code}`, year, OFFICE, {
          commune: place.code,
          year: year as Year,
          households,
        });
      }
    });
  }

  private dti(year: number): void {
    const rank = curveAt(dti.rank, year);
    if (rank === 0) return;
    this.emit("DtiRankPublished", "stat:dti", year, year <= 2023 ? "bo-tttt" : "bo-khcn", {
      year: year as Year,
      rank,
      of: curveAt(dti.of, year),
      score: curveAt(dti.score, year),
    });
  }
}
