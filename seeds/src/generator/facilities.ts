/**
 * Health and education facilities of the communes in scope, registered in the initial load (one health station
 * and one or two schools of each level per old unit, clinics by population, district- and province-level
 * institutions once per old district or province), with their digital capabilities (electronic health records,
 * telemedicine, digital teaching, smart classrooms) following `facilities` in `calibration.ts`. A few close
 * and a few clinics open each year; one university starts teaching AI in 2024, a second institution in 2026.
 */
import type { FACILITY_KINDS } from "@kpi/core";
import { type Curve, facilities as cal, curveAt } from "./calibration.js";
import { dayOf, daysInYear } from "./days.js";
import type { Emitter } from "./emitter.js";
import type { Geography } from "./geography.js";
import type { Rng } from "./rng.js";
import { codeOn, DAILY_CATCH_UP } from "./timeline.js";

type Kind = (typeof FACILITY_KINDS)[number];
type Capability = "ehr" | "telemedicine" | "digital_teaching" | "smart_classroom";

const HEALTH: readonly Kind[] = ["hospital", "health_centre", "health_station", "clinic"];
const GENERAL: readonly Kind[] = ["primary", "lower_secondary", "upper_secondary", "multi_level"];
const sourceOf = (kind: Kind) => (HEALTH.includes(kind) ? "so-y-te" : "so-gddt");

interface Facility {
  readonly index: number;
  readonly subject: string;
  readonly kind: Kind;
  open: boolean;
  capabilities: Set<string>;
}

interface TrackSpec {
  readonly capability: Capability;
  readonly curve: Curve;
  readonly kinds: (k: Kind) => boolean;
  readonly dropRate: number;
}

/** A capability's uptake over the facilities it applies to, counted as facilities open, register or close. */
interface Track extends TrackSpec {
  readonly members: number[];
  open: number;
  have: number;
}

const TRACKS: readonly TrackSpec[] = [
  { capability: "ehr", curve: cal.ehr, kinds: (k) => HEALTH.includes(k), dropRate: 0 },
  {
    capability: "telemedicine",
    curve: cal.telemedicine,
    kinds: (k) => HEALTH.includes(k),
    dropRate: cal.capabilityDrop,
  },
  {
    capability: "digital_teaching",
    curve: cal.digitalTeaching,
    kinds: (k) => !HEALTH.includes(k),
    dropRate: cal.capabilityDrop,
  },
  { capability: "smart_classroom", curve: cal.smartClassroom, kinds: (k) => GENERAL.includes(k), dropRate: 0 },
];

export class Facilities {
  private readonly list: Facility[] = [];
  private readonly tracks: Track[] = TRACKS.map((t) => ({ ...t, members: [], open: 0, have: 0 }));
  private year = 2018;

  constructor(
    private readonly geo: Geography,
    private readonly rng: Rng,
    private readonly em: Emitter,
  ) {}

  private add(kind: Kind, unit: number, commune: number, day: number, n: number): Facility {
    const code = codeOn(this.geo, unit, commune, day);
    const f: Facility = {
      index: this.list.length,
      subject: `facility:${kind}-${code}-${n}`,
      kind,
      open: true,
      capabilities: new Set(),
    };
    this.list.push(f);
    for (const t of this.tracks) {
      if (!t.kinds(kind)) continue;
      t.members.push(f.index);
      t.open++;
    }
    this.em.emit("FacilityRegistered", f.subject, day, sourceOf(kind), { commune: code, kind });
    return f;
  }

  private track(capability: string): Track | undefined {
    return this.tracks.find((t) => t.capability === capability);
  }

  private adopt(f: Facility, capability: string, day: number, undoable: boolean): void {
    f.capabilities.add(capability);
    const t = this.track(capability);
    if (t !== undefined) t.have++;
    const fact = this.em.emit("FacilityCapabilityAdopted", f.subject, day, sourceOf(f.kind), {
      capability: capability as Capability,
    });
    if (undoable && this.em.retracts(fact)) {
      f.capabilities.delete(capability);
      if (t !== undefined) t.have--;
    }
  }

  private close(f: Facility, day: number): void {
    f.open = false;
    for (const t of this.tracks) {
      if (!t.kinds(f.kind)) continue;
      t.open--;
      if (f.capabilities.has(t.capability)) t.have--;
    }
    this.em.emit("FacilityClosed", f.subject, day, sourceOf(f.kind), {});
  }

  *initialLoad(): Generator<void> {
    const lastDay = dayOf(2018, 12, 31);
    const when = () => dayOf(1976, 1, 1) + this.rng.below(lastDay - dayOf(1976, 1, 1) + 1);
    const seenDistricts = new Set<string>();
    const seenProvinces = new Set<string>();
    for (const commune of this.geo.communes) {
      for (const u of commune.units) {
        const unit = this.geo.units[u];
        // a split unit's facilities are registered once, under the first commune that lists it
        if (unit === undefined || (unit.split && this.list.some((f) => f.subject.includes(`-${unit.code}-`)))) continue;
        const c = commune.index;
        this.add("health_station", u, c, when(), 1);
        this.add("preschool", u, c, when(), 1);
        if (this.rng.chance(0.15)) this.add("preschool", u, c, when(), 2);
        this.add("primary", u, c, when(), 1);
        if (this.rng.chance(0.45)) this.add("primary", u, c, when(), 2);
        if (this.rng.chance(0.9)) this.add("lower_secondary", u, c, when(), 1);
        const clinics = this.rng.poisson(0.6 * (commune.ward ? 2 : 1));
        for (let k = 1; k <= clinics; k++) this.add("clinic", u, c, when(), k);
        if (!seenDistricts.has(unit.districtCode)) {
          seenDistricts.add(unit.districtCode);
          this.add("health_centre", u, c, when(), 1);
          this.add("continuing_education", u, c, when(), 1);
          for (let k = 1; k <= this.rng.int(2, 4); k++) this.add("upper_secondary", u, c, when(), k);
          if (this.rng.chance(0.7)) this.add("hospital", u, c, when(), 1);
          if (this.rng.chance(0.8)) this.add("vocational", u, c, when(), 1);
          if (this.rng.chance(0.4)) this.add("multi_level", u, c, when(), 1);
        }
        if (!seenProvinces.has(unit.provinceCode) && commune.ward) {
          seenProvinces.add(unit.provinceCode);
          this.add("university", u, c, when(), 1);
          for (let k = 1; k <= 3; k++) this.add("college", u, c, when(), k);
          for (let k = 2; k <= 5; k++) this.add("hospital", u, c, when(), k);
        }
      }
      yield;
    }
    for (const f of this.list) {
      for (const t of this.tracks) {
        if (t.kinds(f.kind) && this.rng.chance(curveAt(t.curve, 2018))) {
          this.adopt(f, t.capability, dayOf(2014, 1, 1) + this.rng.below(lastDay - dayOf(2014, 1, 1) + 1), false);
        }
      }
    }
  }

  startYear(year: number): void {
    this.year = year;
  }

  day(day: number): void {
    const y = this.year;
    const frac = (day - dayOf(y, 1, 1) + 1) / daysInYear(y);
    for (const t of this.tracks) {
      const share = curveAt(t.curve, y - 1) + (curveAt(t.curve, y) - curveAt(t.curve, y - 1)) * frac;
      const n = this.rng.round((share * t.open - t.have) * DAILY_CATCH_UP);
      for (let k = 0; k < n; k++) {
        const f = this.draw((x) => !x.capabilities.has(t.capability), t.members);
        if (f === undefined) break;
        this.adopt(f, t.capability, day, true);
      }
      const drops = this.rng.round((t.have * t.dropRate) / 365);
      for (let k = 0; k < drops; k++) {
        const f = this.draw((x) => x.capabilities.has(t.capability), t.members);
        if (f === undefined) break;
        f.capabilities.delete(t.capability);
        t.have--;
        this.em.emit("FacilityCapabilityDropped", f.subject, day, sourceOf(f.kind), { capability: t.capability });
      }
    }
    const closures = this.rng.round((this.list.length * cal.closure) / 365);
    for (let k = 0; k < closures; k++) {
      const f = this.draw((x) => x.kind !== "hospital" && x.kind !== "university");
      if (f === undefined) break;
      this.close(f, day);
    }
    if (this.rng.chance((this.geo.communes.length * 0.6 * 0.03) / 365)) {
      const c = this.rng.below(this.geo.communes.length);
      const commune = this.geo.communes[c];
      const u = commune?.units[0];
      if (commune !== undefined && u !== undefined) this.add("clinic", u, c, day, 100 + this.list.length);
    }
    const ai = [dayOf(2024, 9, 5), dayOf(2026, 9, 7)].indexOf(day);
    if (ai >= 0) {
      const kinds: Kind[] = ai === 0 ? ["university", "college"] : ["college", "vocational", "university"];
      const f = this.list.find((x) => x.open && kinds.includes(x.kind) && !x.capabilities.has("ai_training"));
      if (f !== undefined) this.adopt(f, "ai_training", day, false);
    }
  }

  private draw(ok: (f: Facility) => boolean, among?: readonly number[]): Facility | undefined {
    const n = among === undefined ? this.list.length : among.length;
    if (n === 0) return undefined;
    for (let t = 0; t < 200; t++) {
      const i = this.rng.below(n);
      const f = this.list[among === undefined ? i : (among[i] as number)] as Facility;
      if (f.open && ok(f)) return f;
    }
    return undefined;
  }
}
