/**
 * Enterprises, cooperatives (HTX) and household businesses (HKD): registrations on working days, closures that
 * keep the active stock on the curve of `calibration.ts`, and their digital life (solutions, e-commerce
 * listings, smart manufacturing, briefings, updates). Shares are tracked per group (e.g. agricultural SMEs on
 * e-commerce) at province level. After 2025-07-01 some entities re-register their address under the new code,
 * most of those in a split old unit (which the crosswalk rule could roll up to the wrong commune).
 */
import type { VSIC_SECTIONS } from "@kpi/core";
import { Agenda } from "./agenda.js";
import { type Curve, businesses as cal, curveAt } from "./calibration.js";
import { dayOf, daysInYear, weekdayOf } from "./days.js";
import type { Emitter } from "./emitter.js";
import type { Geography } from "./geography.js";
import { cumulative, type Rng } from "./rng.js";
import { codeOn, DAILY_CATCH_UP, MERGER_DAY } from "./timeline.js";

const REGISTRY = "so-khdt";
const SURVEY = "so-khcn";
const TRADE = "so-cong-thuong";

export const SOLUTIONS = [
  "einvoice",
  "accounting",
  "erp",
  "crm",
  "hrm",
  "cloud-office",
  "farm-management",
  "pos",
  "qr-payment",
  "traceability",
] as const;
const TRACE = 1 << 9;
export const PLATFORMS = ["shopee", "lazada", "tiktokshop", "tiki", "sendo", "postmart", "voso"] as const;

type VsicSection = (typeof VSIC_SECTIONS)[number];
type Form = 0 | 1 | 2; // enterprise, cooperative, household
const FORM_NAMES = ["enterprise", "cooperative", "household"] as const;
const SIZES = ["micro", "small", "medium", "large"] as const;
type Size = (typeof SIZES)[number];

const SOLUTIONS_OF: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5],
  [0, 1, 6],
  [0, 1, 7, 8],
];

const sectorTable = (pairs: [VsicSection, number][]) => ({
  letters: pairs.map((p) => p[0]),
  weights: cumulative(pairs.map((p) => p[1])),
});
const SECTORS = [
  sectorTable([
    ["G", 0.4],
    ["C", 0.15],
    ["F", 0.12],
    ["I", 0.06],
    ["A", 0.05],
    ["H", 0.05],
    ["M", 0.04],
    ["N", 0.03],
    ["J", 0.02],
    ["L", 0.02],
    ["K", 0.01],
    ["E", 0.01],
    ["P", 0.01],
    ["Q", 0.01],
    ["R", 0.01],
    ["S", 0.01],
  ]),
  sectorTable([
    ["A", 0.8],
    ["G", 0.08],
    ["C", 0.06],
    ["H", 0.03],
    ["E", 0.03],
  ]),
  sectorTable([
    ["G", 0.55],
    ["I", 0.2],
    ["C", 0.08],
    ["S", 0.08],
    ["A", 0.04],
    ["H", 0.03],
    ["J", 0.01],
    ["R", 0.01],
  ]),
];
const SIZE_WEIGHTS = [cumulative([0.7, 0.22, 0.05, 0.03]), cumulative([0.75, 0.22, 0.03, 0]), cumulative([1, 0, 0, 0])];

interface Entity {
  readonly index: number;
  readonly subject: string;
  readonly form: Form;
  size: Size;
  readonly sector: VsicSection;
  digitalTech: boolean;
  commune: number;
  unit: number;
  readonly registered: number;
  active: boolean;
  solutions: number;
  platforms: number;
  smart: boolean;
  readonly groups: number[];
}

/** A share tracked over a group of entities. */
interface Group {
  readonly name: string;
  readonly curve: Curve;
  readonly factor: number;
  readonly kind: "solution" | "traceability" | "ecommerce" | "smart";
  readonly members: number[];
  active: number;
  adopters: number;
}

const ENT_SOL = 0;
const SME_ECOM_A = 1;
const SME_ECOM_O = 2;
const LARGE_ECOM = 3;
const SMART = 4;
const COOP_SOL = 5;
const COOP_TRACE = 6;
const COOP_ECOM = 7;
const HH_SOL = 8;
const HH_ECOM = 9;

// agenda kinds
const BRIEF = 0;
const ADDRESS = 1;

export class Businesses {
  private readonly entities: Entity[] = [];
  private readonly byForm: number[][] = [[], [], []];
  private readonly activeCount = [0, 0, 0];
  private readonly groups: Group[];
  private readonly agenda = new Agenda(2);
  private readonly weights: Float64Array[];
  private readonly taxSeq = new Map<string, number>();
  private year = 2018;

  constructor(
    private readonly geo: Geography,
    /** Entities simulated per real one: the business fraction × the scope's share of the province. */
    private readonly scale: number,
    private readonly rng: Rng,
    private readonly em: Emitter,
  ) {
    const g = (name: string, curve: Curve, factor: number, kind: Group["kind"]): Group => ({
      name,
      curve,
      factor,
      kind,
      members: [],
      active: 0,
      adopters: 0,
    });
    this.groups = [
      g("enterprise solution", cal.enterpriseSolution, 1, "solution"),
      g("agri SME e-commerce", cal.smeEcommerce, cal.agriEcommerceFactor, "ecommerce"),
      g("other SME e-commerce", cal.smeEcommerce, 1, "ecommerce"),
      g("large e-commerce", cal.smeEcommerce, 0.8, "ecommerce"),
      g("smart manufacturing", cal.smartManufacturing, 1, "smart"),
      g("cooperative solution", cal.cooperativeSolution, 1, "solution"),
      g("cooperative traceability", cal.cooperativeTraceability, 1, "traceability"),
      g("cooperative e-commerce", cal.cooperativeEcommerce, 1, "ecommerce"),
      g("household solution", cal.householdSolution, 1, "solution"),
      g("household e-commerce", cal.householdEcommerce, 1, "ecommerce"),
    ];
    // where each form registers: enterprises crowd into wards, cooperatives into rural communes
    const factor: [number, number][] = [
      [3, 1],
      [0.3, 1.2],
      [1.6, 1],
    ];
    this.weights = factor.map(([ward, rural]) =>
      cumulative(geo.communes.map((c) => c.population * (c.ward ? ward : rural))),
    );
  }

  // ---- entities --------------------------------------------------------------------------------------------

  private taxId(form: Form, unit: number, commune: number, day: number): string {
    if (form === 2) {
      const prefix =
        day < MERGER_DAY
          ? `${this.geo.units[unit]?.districtCode ?? "000"}A8`
          : `${this.geo.communes[commune]?.code ?? "00000"}HK`;
      const n = (this.taxSeq.get(prefix) ?? 0) + this.rng.int(1, 9);
      this.taxSeq.set(prefix, n);
      return `${prefix}${String(n).padStart(6, "0")}`;
    }
    const prefix = this.geo.units[unit]?.provinceCode === "82" && day < MERGER_DAY ? "12" : "14";
    const n = (this.taxSeq.get(prefix) ?? 200_000) + this.rng.int(1, 40);
    this.taxSeq.set(prefix, n);
    return `${prefix}${String(n).padStart(8, "0")}`;
  }

  private groupsOf(e: { form: Form; size: Size; sector: VsicSection }): number[] {
    if (e.form === 1) return [COOP_SOL, COOP_TRACE, COOP_ECOM];
    if (e.form === 2) return [HH_SOL, HH_ECOM];
    const out = [ENT_SOL, e.size === "large" ? LARGE_ECOM : e.sector === "A" ? SME_ECOM_A : SME_ECOM_O];
    if (e.sector === "C") out.push(SMART);
    return out;
  }

  private isAdopter(g: number, e: Entity): boolean {
    switch (this.groups[g]?.kind) {
      case "solution":
        return (e.solutions & ~TRACE) !== 0;
      case "traceability":
        return (e.solutions & TRACE) !== 0;
      case "ecommerce":
        return e.platforms !== 0;
      case "smart":
        return e.smart;
      default:
        return false;
    }
  }

  private register(form: Form, day: number, live: boolean): Entity {
    const c = this.rng.pickCumulative(this.weights[form] as Float64Array);
    const commune = this.geo.communes[c];
    if (commune === undefined) throw new Error("no commune");
    const unit = commune.units[this.rng.pickCumulative(commune.unitWeights)] as number;
    const table = SECTORS[form] as (typeof SECTORS)[number];
    const sector = table.letters[this.rng.pickCumulative(table.weights)] as VsicSection;
    const size = SIZES[this.rng.pickCumulative(SIZE_WEIGHTS[form] as Float64Array)] as Size;
    const year = Math.max(2019, this.year);
    const digitalTech =
      sector === "J" ||
      this.rng.chance(form === 0 ? cal.digitalTechShare2019 + 0.01 * (year - 2019) : form === 1 ? 0.02 : 0.01);
    const index = this.entities.length;
    const e: Entity = {
      index,
      subject: `enterprise:${this.taxId(form, unit, c, day)}`,
      form,
      size,
      sector,
      digitalTech,
      commune: c,
      unit,
      registered: day,
      active: true,
      solutions: 0,
      platforms: 0,
      smart: false,
      groups: [],
    };
    e.groups.push(...this.groupsOf(e));
    this.entities.push(e);
    (this.byForm[form] as number[]).push(index);
    this.activeCount[form] = (this.activeCount[form] as number) + 1;
    for (const g of e.groups) {
      const group = this.groups[g] as Group;
      group.members.push(index);
      group.active++;
    }
    this.em.emit(
      "EnterpriseRegistered",
      e.subject,
      day,
      REGISTRY,
      { commune: codeOn(this.geo, unit, c, day), form: FORM_NAMES[form], size, sector, digitalTech },
      live,
    );
    if (live && form === 0 && this.rng.chance(curveAt(cal.briefedInFoundingYear, this.year))) {
      const yearEnd = dayOf(this.year, 12, 31);
      this.agenda.at(day + this.rng.below(yearEnd - day + 1), BRIEF, index);
    }
    return e;
  }

  private close(index: number, day: number): void {
    const e = this.entities[index] as Entity;
    e.active = false;
    this.activeCount[e.form] = (this.activeCount[e.form] as number) - 1;
    for (const g of e.groups) {
      const group = this.groups[g] as Group;
      group.active--;
      if (this.isAdopter(g, e)) group.adopters--;
    }
    this.em.emit("EnterpriseClosed", e.subject, day, REGISTRY, {});
  }

  /** Adopt the group's thing (a solution, a listing, smart manufacturing). */
  private adopt(g: number, e: Entity, day: number, undoable: boolean): void {
    const group = this.groups[g] as Group;
    const was = this.isAdopter(g, e);
    switch (group.kind) {
      case "solution":
      case "traceability": {
        const options =
          group.kind === "traceability"
            ? [9]
            : (SOLUTIONS_OF[e.form] as number[]).filter((s) => (e.solutions & (1 << s)) === 0);
        if (options.length === 0) return;
        const s = this.rng.pick(options);
        e.solutions |= 1 << s;
        const f = this.em.emit("DigitalSolutionAdopted", e.subject, day, SURVEY, { solution: SOLUTIONS[s] as string });
        if (undoable && this.em.retracts(f)) e.solutions &= ~(1 << s);
        break;
      }
      case "ecommerce": {
        const options = PLATFORMS.map((_, i) => i).filter((p) => (e.platforms & (1 << p)) === 0);
        if (options.length === 0) return;
        const p = this.rng.pick(options);
        e.platforms |= 1 << p;
        const f = this.em.emit("EcommerceListed", e.subject, day, TRADE, { platform: PLATFORMS[p] as string });
        if (undoable && this.em.retracts(f)) e.platforms &= ~(1 << p);
        break;
      }
      case "smart":
        e.smart = true;
        this.em.emit("SmartManufacturingAdopted", e.subject, day, TRADE, {});
        break;
    }
    if (!was && this.isAdopter(g, e)) group.adopters++;
  }

  private drop(g: number, e: Entity, day: number): void {
    const group = this.groups[g] as Group;
    switch (group.kind) {
      case "solution":
      case "traceability": {
        const held = [...Array(SOLUTIONS.length).keys()].filter(
          (s) => (e.solutions & (1 << s)) !== 0 && (s === 9) === (group.kind === "traceability"),
        );
        if (held.length === 0) return;
        const s = this.rng.pick(held);
        e.solutions &= ~(1 << s);
        this.em.emit("DigitalSolutionDropped", e.subject, day, SURVEY, { solution: SOLUTIONS[s] as string });
        break;
      }
      case "ecommerce": {
        const held = PLATFORMS.map((_, i) => i).filter((p) => (e.platforms & (1 << p)) !== 0);
        if (held.length === 0) return;
        const p = this.rng.pick(held);
        e.platforms &= ~(1 << p);
        this.em.emit("EcommerceDelisted", e.subject, day, TRADE, { platform: PLATFORMS[p] as string });
        break;
      }
      case "smart":
        e.smart = false;
        this.em.emit("SmartManufacturingDropped", e.subject, day, TRADE, {});
        break;
    }
    if (!this.isAdopter(g, e)) group.adopters--;
  }

  /** A random active entity of the list satisfying `ok`, or undefined. */
  private drawFrom(list: readonly number[], ok: (e: Entity) => boolean, tries = 200): Entity | undefined {
    if (list.length === 0) return undefined;
    for (let t = 0; t < tries; t++) {
      const e = this.entities[list[this.rng.below(list.length)] as number] as Entity;
      if (e.active && ok(e)) return e;
    }
    return undefined;
  }

  // ---- the initial load ------------------------------------------------------------------------------------

  *initialLoad(): Generator<void> {
    const active = [cal.activeEnterprises, cal.activeCooperatives, cal.activeHouseholds];
    const since = [dayOf(2000, 1, 1), dayOf(1997, 1, 1), dayOf(2005, 1, 1)];
    const lastDay = dayOf(2018, 12, 31);
    for (const form of [0, 1, 2] as const) {
      const n = this.rng.round(curveAt(active[form] as Curve, 2018) * this.scale);
      for (let k = 0; k < n; k++) {
        const from = since[form] as number;
        const e = this.register(form, from + this.rng.below(lastDay - from + 1), false);
        for (const g of e.groups) {
          const group = this.groups[g] as Group;
          if (!this.rng.chance(curveAt(group.curve, 2018) * group.factor)) continue;
          const start = Math.max(e.registered, dayOf(2014, 1, 1));
          this.adopt(g, e, start + this.rng.below(lastDay - start + 1), false);
        }
        if ((k & 0x3ff) === 0) yield;
      }
    }
  }

  startYear(year: number): void {
    this.year = year;
  }

  // ---- the days ----------------------------------------------------------------------------------------------

  day(day: number): void {
    const y = this.year;
    const frac = (day - dayOf(y, 1, 1) + 1) / daysInYear(y);
    const at = (c: Curve) => curveAt(c, y - 1) + (curveAt(c, y) - curveAt(c, y - 1)) * frac;
    this.agenda.take(day, (kind, index) => this.onAgenda(kind, index, day));
    if (day === MERGER_DAY) this.scheduleAddressUpdates(day);
    const weekday = weekdayOf(day);
    const working = weekday !== 0 && weekday !== 6;
    const newPerYear = [cal.newEnterprises, cal.newCooperatives, cal.newHouseholds];
    const active = [cal.activeEnterprises, cal.activeCooperatives, cal.activeHouseholds];
    for (const form of [0, 1, 2] as const) {
      if (working) {
        const mean = ((curveAt(newPerYear[form] as Curve, y) * this.scale) / daysInYear(y)) * (7 / 5);
        const n = this.rng.poisson(mean);
        for (let k = 0; k < n; k++) this.register(form, day, true);
      }
      const excess = (this.activeCount[form] as number) - at(active[form] as Curve) * this.scale;
      const closures = this.rng.round(excess * 0.2);
      const list = this.byForm[form] as number[];
      for (let k = 0; k < closures; k++) {
        const e = this.drawFrom(list, () => true);
        if (e === undefined) break;
        this.close(e.index, day);
      }
    }
    for (let g = 0; g < this.groups.length; g++) {
      const group = this.groups[g] as Group;
      const target = Math.min(0.97, at(group.curve) * group.factor) * group.active;
      const n = this.rng.round((target - group.adopters) * DAILY_CATCH_UP);
      for (let k = 0; k < n; k++) {
        const preferTrace = g === COOP_ECOM && this.rng.chance(0.8);
        const e =
          (preferTrace
            ? this.drawFrom(group.members, (x) => !this.isAdopter(g, x) && (x.solutions & TRACE) !== 0, 40)
            : undefined) ?? this.drawFrom(group.members, (x) => !this.isAdopter(g, x));
        if (e === undefined) break;
        this.adopt(g, e, day, true);
      }
      if (group.kind === "smart") {
        const drops = this.rng.round((group.adopters * cal.smartDrop) / 365);
        for (let k = 0; k < drops; k++) {
          const e = this.drawFrom(group.members, (x) => x.smart);
          if (e !== undefined) this.drop(g, e, day);
        }
        continue;
      }
      const extra = this.rng.round((group.adopters * cal.extraAdoption) / 365);
      for (let k = 0; k < extra; k++) {
        const e = this.drawFrom(group.members, (x) => this.isAdopter(g, x), 40);
        if (e !== undefined && group.kind !== "traceability") this.adopt(g, e, day, true);
      }
      const rate = group.kind === "ecommerce" ? cal.delisting : cal.solutionDrop;
      const drops = this.rng.round((group.adopters * rate) / 365);
      for (let k = 0; k < drops; k++) {
        const e = this.drawFrom(group.members, (x) => this.isAdopter(g, x), 40);
        if (e !== undefined) this.drop(g, e, day);
      }
    }
    this.updates(day);
  }

  private updates(day: number): void {
    const list = this.byForm[0] as number[];
    const firms = (this.activeCount[0] as number) + (this.activeCount[1] as number);
    const n = this.rng.round((firms * cal.update) / 365);
    for (let k = 0; k < n; k++) {
      const form = this.rng.chance(0.96) ? 0 : 1;
      const e = this.drawFrom(form === 0 ? list : (this.byForm[1] as number[]), () => true);
      if (e === undefined) continue;
      if (!e.digitalTech && this.rng.chance(0.3)) {
        e.digitalTech = true;
        this.em.emit("EnterpriseUpdated", e.subject, day, REGISTRY, { digitalTech: true });
      } else if (e.size !== "large") {
        const next: Size =
          e.size === "micro" ? "small" : e.size === "small" ? (this.rng.chance(0.5) ? "medium" : "micro") : "small";
        e.size = next;
        this.em.emit("EnterpriseUpdated", e.subject, day, REGISTRY, { size: next });
      }
    }
    const moves = this.rng.round((firms * cal.move) / 365);
    for (let k = 0; k < moves; k++) {
      const e = this.drawFrom(list, () => true);
      if (e === undefined) continue;
      const c = this.rng.pickCumulative(this.weights[0] as Float64Array);
      const commune = this.geo.communes[c];
      if (commune === undefined || c === e.commune) continue;
      e.commune = c;
      e.unit = commune.units[this.rng.pickCumulative(commune.unitWeights)] as number;
      this.em.emit("EnterpriseUpdated", e.subject, day, REGISTRY, { commune: codeOn(this.geo, e.unit, c, day) });
    }
    const briefed = this.rng.round(((this.activeCount[0] as number) * cal.briefedLater) / 365);
    for (let k = 0; k < briefed; k++) {
      const e = this.drawFrom(list, (x) => x.registered < dayOf(this.year, 1, 1));
      if (e !== undefined) this.em.emit("DigitalTransformationBriefed", e.subject, day, SURVEY, {});
    }
  }

  private scheduleAddressUpdates(day: number): void {
    const yearEnd = dayOf(2025, 12, 31);
    this.entities.forEach((e, index) => {
      if (!e.active || e.registered >= MERGER_DAY) return;
      const p = this.geo.units[e.unit]?.split ? cal.addressUpdateSplit : cal.addressUpdateOther;
      if (this.rng.chance(p)) this.agenda.at(day + this.rng.below(yearEnd - day + 1), ADDRESS, index);
    });
  }

  private onAgenda(kind: number, index: number, day: number): void {
    const e = this.entities[index];
    if (e === undefined || !e.active) return;
    if (kind === BRIEF) this.em.emit("DigitalTransformationBriefed", e.subject, day, SURVEY, {});
    else
      this.em.emit("EnterpriseUpdated", e.subject, day, REGISTRY, {
        commune: codeOn(this.geo, e.unit, e.commune, day),
      });
  }

  /** Active entities of each form and adopters per group, for checks. */
  snapshot(): { active: readonly number[]; groups: { name: string; active: number; adopters: number }[] } {
    return {
      active: [...this.activeCount],
      groups: this.groups.map((g) => ({ name: g.name, active: g.active, adopters: g.adopters })),
    };
  }
}
