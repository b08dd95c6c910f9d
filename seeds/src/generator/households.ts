/**
 * Households and their fixed broadband, reported by the network operators. Each commune has a number of
 * households (its people ÷ the average household size of the year, which falls slowly); a household lives in
 * an old unit like its people. Connections follow the broadband curve of `calibration.ts`; about 5 % of
 * connected households disconnect each year and others connect.
 */
import { households as cal, curveAt } from "./calibration.js";
import { dayOf, daysInYear } from "./days.js";
import type { Emitter } from "./emitter.js";
import type { Geography } from "./geography.js";
import { KeyedId } from "./keyedId.js";
import { cumulative, type Rng } from "./rng.js";
import { codeOn, DAILY_CATCH_UP } from "./timeline.js";

export const OPERATORS = ["vnpt-dongthap", "viettel-dongthap", "fpt-telecom"];
const OPERATOR_WEIGHTS = cumulative([0.45, 0.4, 0.15]);
const CONNECTED = 1;

export const householdSize = (year: number): number => cal.size2019 - 0.03 * (year - 2019);

export class Households {
  private readonly start: Int32Array;
  private readonly unitOf: Uint16Array;
  /** bit 0 connected, bits 1–2 the operator. */
  private readonly state: Uint8Array;
  /** Households existing in each commune this year (slots 0 … count − 1). */
  private readonly count: Int32Array;
  private readonly connected: Int32Array;
  private readonly ids: KeyedId;
  private year = 2018;

  /** `maxPeople[c]`: an upper bound of commune c's living people in any year. */
  constructor(
    private readonly geo: Geography,
    maxPeople: readonly number[],
    private readonly rng: Rng,
    private readonly em: Emitter,
  ) {
    const nC = geo.communes.length;
    this.start = new Int32Array(nC + 1);
    for (let c = 0; c < nC; c++) {
      this.start[c + 1] = (this.start[c] as number) + Math.ceil((maxPeople[c] ?? 0) / householdSize(2026)) + 1;
    }
    const n = this.start[nC] as number;
    this.unitOf = new Uint16Array(n);
    this.state = new Uint8Array(n);
    this.count = new Int32Array(nC);
    this.connected = new Int32Array(nC);
    this.ids = new KeyedId(rng.int(0, 0x7fffffff), rng.int(0, 0x7fffffff));
    for (let c = 0; c < nC; c++) {
      const commune = geo.communes[c];
      if (commune === undefined) continue;
      for (let i = this.start[c] as number; i < (this.start[c + 1] as number); i++) {
        this.unitOf[i] = commune.units[rng.pickCumulative(commune.unitWeights)] as number;
      }
    }
  }

  private subject(i: number): string {
    return `household:${this.ids.of(i)}`;
  }

  private communeOfSlot(i: number): number {
    let lo = 0;
    let hi = this.geo.communes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.start[mid] as number) <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private connect(i: number, day: number, undoable: boolean): void {
    const c = this.communeOfSlot(i);
    const op = this.rng.pickCumulative(OPERATOR_WEIGHTS);
    this.state[i] = CONNECTED | (op << 1);
    this.connected[c] = (this.connected[c] as number) + 1;
    const u = this.rng.float();
    const technology =
      day < dayOf(2021, 1, 1) && u < 0.05 ? "dsl" : u < 0.93 ? "fibre" : u < 0.97 ? "cable" : "fixed_wireless";
    const f = this.em.emit("FixedBroadbandConnected", this.subject(i), day, OPERATORS[op] as string, {
      commune: codeOn(this.geo, this.unitOf[i] as number, c, day),
      technology,
    });
    if (undoable && this.em.retracts(f)) {
      this.state[i] = 0;
      this.connected[c] = (this.connected[c] as number) - 1;
    }
  }

  /** Set the households of `year` from the commune's living people; returns households per unit and commune. */
  startYear(year: number, alive: (c: number) => number): { byUnit: number[]; byCommune: number[] } {
    this.year = year;
    const byUnit = this.geo.units.map(() => 0);
    const byCommune: number[] = [];
    for (let c = 0; c < this.geo.communes.length; c++) {
      const room = (this.start[c + 1] as number) - (this.start[c] as number);
      const n = Math.min(room, Math.max(this.count[c] as number, Math.round(alive(c) / householdSize(year))));
      this.count[c] = n;
      byCommune.push(n);
      const s = this.start[c] as number;
      for (let i = s; i < s + n; i++) byUnit[this.unitOf[i] as number] = (byUnit[this.unitOf[i] as number] ?? 0) + 1;
    }
    return { byUnit, byCommune };
  }

  /** The state at the end of 2018 (call after `startYear(2019, …)`). */
  *initialLoad(): Generator<void> {
    const lastDay = dayOf(2018, 12, 31);
    for (let c = 0; c < this.geo.communes.length; c++) {
      const p = curveAt(cal.fixedBroadband, 2018) * (this.geo.communes[c]?.affinity ?? 1);
      const s = this.start[c] as number;
      for (let i = s; i < s + (this.count[c] as number); i++) {
        if (this.rng.float() >= p) continue;
        this.connect(i, dayOf(2008, 1, 1) + this.rng.below(lastDay - dayOf(2008, 1, 1) + 1), false);
      }
      yield;
    }
  }

  day(day: number): void {
    const y = this.year;
    const frac = (day - dayOf(y, 1, 1) + 1) / daysInYear(y);
    const share =
      curveAt(cal.fixedBroadband, y - 1) + (curveAt(cal.fixedBroadband, y) - curveAt(cal.fixedBroadband, y - 1)) * frac;
    for (let c = 0; c < this.geo.communes.length; c++) {
      const s = this.start[c] as number;
      const n = this.count[c] as number;
      if (n === 0) continue;
      const target = Math.min(0.97, share * (this.geo.communes[c]?.affinity ?? 1)) * n;
      const connects = this.rng.round((target - (this.connected[c] as number)) * DAILY_CATCH_UP);
      for (let k = 0, tries = 0; k < connects && tries < connects * 60 + 20; tries++) {
        const i = s + this.rng.below(n);
        if (((this.state[i] as number) & CONNECTED) === 0) {
          this.connect(i, day, true);
          k++;
        }
      }
      const drops = this.rng.round(((this.connected[c] as number) * cal.disconnection) / 365);
      for (let k = 0, tries = 0; k < drops && tries < drops * 20 + 20; tries++) {
        const i = s + this.rng.below(n);
        const st = this.state[i] as number;
        if ((st & CONNECTED) !== 0) {
          this.state[i] = 0;
          this.connected[c] = (this.connected[c] as number) - 1;
          this.em.emit("FixedBroadbandDisconnected", this.subject(i), day, OPERATORS[st >> 1] as string, {});
          k++;
        }
      }
    }
  }
}
