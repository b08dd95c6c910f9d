/**
 * The province's people: every resident gets an old unit, a current commune, a birth year and possibly a day of
 * death (or of leaving for good), and the simulation follows who holds a payment account, a VNeID, a personal
 * digital signature and an electronic health record. State lives in typed arrays (about 20 bytes a person);
 * facts are emitted as things happen and never kept.
 *
 * Uptake follows the curves of `calibration.ts`: each day, in each commune, a twentieth of the gap between the
 * target share (× the commune's affinity) and the current holders is closed by drawing random eligible people.
 * Deaths are reported by nobody, as in reality: a dead person's VNeID and health record stay in the numerators
 * (the statistics' denominators drop them), the bank closes their accounts 1–6 months later.
 */
import { Agenda } from "./agenda.js";
import { type Curve, people as cal, curveAt } from "./calibration.js";
import { dayOf, daysInYear, isoOf } from "./days.js";
import type { Emitter } from "./emitter.js";
import type { Geography } from "./geography.js";
import { KeyedId } from "./keyedId.js";
import { cumulative, type Rng } from "./rng.js";
import { codeOn, DAILY_CATCH_UP, SIM_START } from "./timeline.js";

export const INSTITUTIONS = ["agribank", "vietinbank", "vcb", "bidv", "sacombank", "mbbank", "momo", "viettelmoney"];
const INSTITUTION_WEIGHTS = cumulative([0.3, 0.15, 0.12, 0.12, 0.08, 0.08, 0.1, 0.05]);
export const SIGNATURE_PROVIDERS = ["vnpt-ca", "viettel-ca", "misa-ca", "fpt-ca", "bkav-ca"];
const PROVIDER_WEIGHTS = cumulative([0.35, 0.3, 0.15, 0.1, 0.1]);

const PAYMENTS = "nhnn-kv15";
const VNEID = "bca-vneid";
const HEALTH = "so-y-te";

const NEVER = 0x7fffffff;
// flags
const VNEID_ON = 1;
const VNEID_L2 = 2;
const EHR_ON = 4;
const SIG_ON = 8;
const SIG_REVOKE = 16;
// agenda kinds
const DEATH = 0;
const SIG_END = 1;
const SECOND_ACCOUNT = 2;
const VNEID_UPGRADE = 3;
const DEAD_CLOSE = 4;
const KINDS = 5;

/** Per-commune counts of a year's population, for the statistics office. */
export interface PopulationCount {
  total: number;
  aged15plus: number;
  adults: number;
}

export class People {
  readonly size: number;
  private readonly start: Int32Array;
  private readonly communeOf: Uint8Array;
  private readonly unitOf: Uint16Array;
  private readonly birthYear: Uint16Array;
  private readonly death: Int32Array;
  private readonly acct: Uint8Array;
  private readonly flags: Uint8Array;
  private readonly sigEnd: Int32Array;
  private readonly sigUntil: Int32Array;
  private readonly sigProvider: Uint8Array;
  private readonly ids: KeyedId;
  private readonly agenda = new Agenda(KINDS);
  // per-commune counters, exact at the start of each year, kept up to date during it
  private readonly alive: Int32Array;
  private readonly e14: Int32Array;
  private readonly e15: Int32Array;
  private readonly e18: Int32Array;
  private readonly holders: Int32Array;
  private readonly vneid: Int32Array;
  private readonly signed: Int32Array;
  private readonly ehr: Int32Array;
  private year = 2018;

  constructor(
    private readonly geo: Geography,
    personFraction: number,
    private readonly rng: Rng,
    private readonly em: Emitter,
  ) {
    const nC = geo.communes.length;
    if (nC > 255) throw new Error("at most 255 communes");
    // residents on 2019-01-01 and births to 2026, per commune
    const initial = geo.communes.map((c) =>
      Math.max(1, Math.round(c.population * personFraction * cal.initialShareOf2025)),
    );
    const births = initial.map((n) => Math.round(n * cal.birthRate * 8));
    this.start = new Int32Array(nC + 1);
    for (let c = 0; c < nC; c++)
      this.start[c + 1] = (this.start[c] as number) + (initial[c] as number) + (births[c] as number);
    const n = this.start[nC] as number;
    this.size = n;
    this.communeOf = new Uint8Array(n);
    this.unitOf = new Uint16Array(n);
    this.birthYear = new Uint16Array(n);
    this.death = new Int32Array(n).fill(NEVER);
    this.acct = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.sigEnd = new Int32Array(n);
    this.sigUntil = new Int32Array(n);
    this.sigProvider = new Uint8Array(n);
    this.alive = new Int32Array(nC);
    this.e14 = new Int32Array(nC);
    this.e15 = new Int32Array(nC);
    this.e18 = new Int32Array(nC);
    this.holders = new Int32Array(nC);
    this.vneid = new Int32Array(nC);
    this.signed = new Int32Array(nC);
    this.ehr = new Int32Array(nC);
    this.ids = new KeyedId(rng.int(0, 0x7fffffff), rng.int(0, 0x7fffffff));

    const bandWeights = cumulative(cal.ageBands.map((b) => b.share));
    for (let c = 0; c < nC; c++) {
      const commune = geo.communes[c];
      if (commune === undefined) continue;
      const s = this.start[c] as number;
      const nInitial = initial[c] as number;
      const e = this.start[c + 1] as number;
      for (let i = s; i < e; i++) {
        this.communeOf[i] = c;
        this.unitOf[i] = commune.units[rng.pickCumulative(commune.unitWeights)] as number;
        let birth: number;
        if (i - s < nInitial) {
          const band = cal.ageBands[rng.pickCumulative(bandWeights)];
          birth = band === undefined ? 1990 : 2018 - rng.int(band.from, band.to);
        } else {
          birth = 2019 + Math.floor(((i - s - nInitial) * 8) / Math.max(1, e - s - nInitial));
        }
        this.birthYear[i] = birth;
        for (let y = Math.max(2019, birth); y <= 2026; y++) {
          if (rng.float() < cal.deathRate(y - birth)) {
            const day = dayOf(y, 1, 1) + rng.below(daysInYear(y));
            this.death[i] = day;
            this.agenda.at(day, DEATH, i);
            break;
          }
        }
      }
    }
  }

  subject(i: number): string {
    return `person:${this.ids.of(i)}`;
  }

  private code(i: number, day: number) {
    return codeOn(this.geo, this.unitOf[i] as number, this.communeOf[i] as number, day);
  }

  private institution(): number {
    return this.rng.pickCumulative(INSTITUTION_WEIGHTS);
  }

  // ---- emitting ----------------------------------------------------------------------------------------

  private openAccount(i: number, day: number, inst: number, undoable: boolean): void {
    const wasHolder = this.acct[i] !== 0;
    this.acct[i] = (this.acct[i] as number) | (1 << inst);
    const c = this.communeOf[i] as number;
    if (!wasHolder) this.holders[c] = (this.holders[c] as number) + 1;
    const f = this.em.emit("PaymentAccountOpened", this.subject(i), day, PAYMENTS, {
      commune: this.code(i, day),
      birthYear: this.birthYear[i] as number,
      institution: INSTITUTIONS[inst] as string,
    });
    if (undoable && this.em.retracts(f)) {
      this.acct[i] = (this.acct[i] as number) & ~(1 << inst);
      if (!wasHolder) this.holders[c] = (this.holders[c] as number) - 1;
    }
  }

  private closeAccount(i: number, day: number, inst: number): void {
    this.acct[i] = (this.acct[i] as number) & ~(1 << inst);
    this.em.emit("PaymentAccountClosed", this.subject(i), day, PAYMENTS, {
      commune: this.code(i, day),
      birthYear: this.birthYear[i] as number,
      institution: INSTITUTIONS[inst] as string,
    });
  }

  private activateVneid(i: number, day: number, level: 1 | 2): void {
    const c = this.communeOf[i] as number;
    const had = ((this.flags[i] as number) & VNEID_ON) !== 0;
    this.flags[i] = (this.flags[i] as number) | VNEID_ON | (level === 2 ? VNEID_L2 : 0);
    if (!had) this.vneid[c] = (this.vneid[c] as number) + 1;
    const f = this.em.emit("VneidActivated", this.subject(i), day, VNEID, {
      commune: this.code(i, day),
      birthYear: this.birthYear[i] as number,
      level,
    });
    if (!had && this.em.retracts(f)) {
      this.flags[i] = (this.flags[i] as number) & ~(VNEID_ON | VNEID_L2);
      this.vneid[c] = (this.vneid[c] as number) - 1;
    } else if (level === 1 && this.rng.chance(0.5)) {
      this.agenda.at(day + this.rng.int(60, 500), VNEID_UPGRADE, i);
    }
  }

  private issueSignature(i: number, day: number, provider: number): void {
    const years = this.rng.int(1, 3);
    const until = day + 365 * years - 1;
    const revoked = this.rng.chance(cal.signatureRevocation);
    const end = revoked ? day + this.rng.int(30, until - day) : until + 1;
    const c = this.communeOf[i] as number;
    if (((this.flags[i] as number) & SIG_ON) === 0) this.signed[c] = (this.signed[c] as number) + 1;
    this.flags[i] = ((this.flags[i] as number) & ~SIG_REVOKE) | SIG_ON | (revoked ? SIG_REVOKE : 0);
    this.sigEnd[i] = end;
    this.sigUntil[i] = until;
    this.sigProvider[i] = provider;
    this.agenda.at(end, SIG_END, i);
    this.em.emit("DigitalSignatureIssued", this.subject(i), day, SIGNATURE_PROVIDERS[provider] as string, {
      commune: this.code(i, day),
      birthYear: this.birthYear[i] as number,
      provider: SIGNATURE_PROVIDERS[provider] as string,
      validUntil: isoOfDay(until),
    });
  }

  private createHealthRecord(i: number, day: number, undoable: boolean): void {
    const c = this.communeOf[i] as number;
    this.flags[i] = (this.flags[i] as number) | EHR_ON;
    this.ehr[c] = (this.ehr[c] as number) + 1;
    const f = this.em.emit("HealthRecordCreated", this.subject(i), day, HEALTH, {
      commune: this.code(i, day),
      birthYear: this.birthYear[i] as number,
    });
    if (undoable && this.em.retracts(f)) {
      this.flags[i] = (this.flags[i] as number) & ~EHR_ON;
      this.ehr[c] = (this.ehr[c] as number) - 1;
    }
  }

  // ---- the initial load: the state at the end of 2018 -----------------------------------------------------

  *initialLoad(): Generator<void> {
    const lastDay = dayOf(2018, 12, 31);
    const aliveAtStart = (i: number) => (this.birthYear[i] as number) <= 2018 && (this.death[i] as number) >= SIM_START;
    const affinity = (i: number) => this.geo.communes[this.communeOf[i] as number]?.affinity ?? 1;
    for (let i = 0; i < this.size; i++) {
      const b = this.birthYear[i] as number;
      if (!aliveAtStart(i) || 2018 - b < 15) continue;
      if (this.rng.float() >= curveAt(cal.paymentAccount15, 2018) * affinity(i)) continue;
      const from = Math.max(dayOf(2008, 1, 1), dayOf(b + 15, 1, 1));
      const day = from + this.rng.below(lastDay - from + 1);
      this.openAccount(i, day, this.institution(), false);
      if (this.rng.chance(0.15) && day < lastDay) {
        const other = this.institution();
        if (((this.acct[i] as number) & (1 << other)) === 0) {
          this.openAccount(i, day + 1 + this.rng.below(lastDay - day), other, false);
        }
      }
      if ((i & 0x3fff) === 0) yield;
    }
    yield;
    for (let i = 0; i < this.size; i++) {
      const b = this.birthYear[i] as number;
      if (!aliveAtStart(i) || 2018 - b < 18) continue;
      if (this.rng.float() >= curveAt(cal.signatureAdult, 2018) * affinity(i)) continue;
      const years = this.rng.int(1, 3);
      const from = Math.max(dayOf(2016, 1, 1), SIM_START - 365 * years + 1);
      const day = from + this.rng.below(lastDay - from + 1);
      this.issueSignatureAt(i, day, years);
      if ((i & 0x3fff) === 0) yield;
    }
    yield;
    for (let i = 0; i < this.size; i++) {
      if (!aliveAtStart(i)) continue;
      if (this.rng.float() >= curveAt(cal.healthRecord, 2018) * affinity(i)) continue;
      const from = Math.max(dayOf(2016, 1, 1), dayOf(this.birthYear[i] as number, 1, 1));
      this.createHealthRecord(i, from + this.rng.below(lastDay - from + 1), false);
      if ((i & 0x3fff) === 0) yield;
    }
  }

  /** An initial-load signature with a given validity, not revoked. */
  private issueSignatureAt(i: number, day: number, years: number): void {
    const until = day + 365 * years - 1;
    const c = this.communeOf[i] as number;
    this.flags[i] = (this.flags[i] as number) | SIG_ON;
    this.signed[c] = (this.signed[c] as number) + 1;
    this.sigEnd[i] = until + 1;
    this.sigUntil[i] = until;
    const provider = this.rng.pickCumulative(PROVIDER_WEIGHTS);
    this.sigProvider[i] = provider;
    this.agenda.at(until + 1, SIG_END, i);
    this.em.emit("DigitalSignatureIssued", this.subject(i), day, SIGNATURE_PROVIDERS[provider] as string, {
      commune: this.code(i, day),
      birthYear: this.birthYear[i] as number,
      provider: SIGNATURE_PROVIDERS[provider] as string,
      validUntil: isoOfDay(until),
    });
  }

  // ---- the years -----------------------------------------------------------------------------------------

  /**
   * Called at the start of 1 January of `year`: recounts the year's eligible people and holders per commune,
   * and returns the population at the end of the year before, per old unit and per current commune.
   */
  startYear(year: number): { byUnit: PopulationCount[]; byCommune: PopulationCount[] } {
    this.year = year;
    const day = dayOf(year, 1, 1);
    for (const a of [this.alive, this.e14, this.e15, this.e18, this.holders, this.vneid, this.signed, this.ehr])
      a.fill(0);
    const byUnit = this.geo.units.map(() => ({ total: 0, aged15plus: 0, adults: 0 }));
    const byCommune = this.geo.communes.map(() => ({ total: 0, aged15plus: 0, adults: 0 }));
    const prev = year - 1;
    for (let i = 0; i < this.size; i++) {
      if ((this.death[i] as number) < day) continue;
      const b = this.birthYear[i] as number;
      if (b > year) continue;
      const c = this.communeOf[i] as number;
      if (b <= prev) {
        const u = byUnit[this.unitOf[i] as number] as PopulationCount;
        const k = byCommune[c] as PopulationCount;
        u.total++;
        k.total++;
        if (prev - b >= 15) {
          u.aged15plus++;
          k.aged15plus++;
        }
        if (prev - b >= 18) {
          u.adults++;
          k.adults++;
        }
      }
      const age = year - b;
      this.alive[c] = (this.alive[c] as number) + 1;
      if (age >= 14) this.e14[c] = (this.e14[c] as number) + 1;
      if (age >= 15) this.e15[c] = (this.e15[c] as number) + 1;
      if (age >= 18) this.e18[c] = (this.e18[c] as number) + 1;
      if (this.acct[i] !== 0) this.holders[c] = (this.holders[c] as number) + 1;
      const f = this.flags[i] as number;
      if (f & VNEID_ON) this.vneid[c] = (this.vneid[c] as number) + 1;
      if (f & SIG_ON) this.signed[c] = (this.signed[c] as number) + 1;
      if (f & EHR_ON) this.ehr[c] = (this.ehr[c] as number) + 1;
    }
    return { byUnit, byCommune };
  }

  /** How many people commune `c` has in all (living or not yet born or dead): an upper bound of its living. */
  capacity(c: number): number {
    return (this.start[c + 1] as number) - (this.start[c] as number);
  }

  /** People alive in each commune now (for the households model). */
  aliveIn(c: number): number {
    return this.alive[c] as number;
  }

  private isAlive(i: number, day: number): boolean {
    return (this.death[i] as number) > day && (this.birthYear[i] as number) <= this.year;
  }

  /** Draw up to `n` people of commune `c` for which `ok` holds; returns how many were found. */
  private drawEach(c: number, n: number, ok: (i: number) => boolean, act: (i: number) => void): void {
    const s = this.start[c] as number;
    const size = (this.start[c + 1] as number) - s;
    let found = 0;
    for (let tries = 0; found < n && tries < n * 60 + 20; tries++) {
      const i = s + this.rng.below(size);
      if (ok(i)) {
        act(i);
        found++;
      }
    }
  }

  private gapDraws(curve: Curve, yearFraction: number, affinity: number, base: number, have: number): number {
    const y = this.year;
    const target = (curveAt(curve, y - 1) + (curveAt(curve, y) - curveAt(curve, y - 1)) * yearFraction) * affinity;
    return this.rng.round((Math.min(0.97, target) * base - have) * DAILY_CATCH_UP);
  }

  /** Everything that happens to people on `day`. */
  day(day: number): void {
    const y = this.year;
    this.agenda.take(day, (kind, i) => this.onAgenda(kind, i, day));
    const yearFraction = (day - dayOf(y, 1, 1) + 1) / daysInYear(y);
    for (let c = 0; c < this.geo.communes.length; c++) {
      const aff = this.geo.communes[c]?.affinity ?? 1;
      // payment accounts
      const opens = this.gapDraws(
        cal.paymentAccount15,
        yearFraction,
        aff,
        this.e15[c] as number,
        this.holders[c] as number,
      );
      if (opens > 0) {
        this.drawEach(
          c,
          opens,
          (i) => this.acct[i] === 0 && this.isAlive(i, day) && y - (this.birthYear[i] as number) >= 15,
          (i) => {
            this.openAccount(i, day, this.institution(), true);
            if (this.rng.chance(cal.secondAccount)) this.agenda.at(day + this.rng.int(30, 700), SECOND_ACCOUNT, i);
          },
        );
      }
      const closes = this.rng.round(((this.holders[c] as number) * cal.accountClosure) / 365);
      if (closes > 0) {
        this.drawEach(
          c,
          closes,
          (i) => this.acct[i] !== 0 && this.isAlive(i, day),
          (i) => {
            const inst = lowestBit(this.acct[i] as number);
            this.closeAccount(i, day, inst);
            if (this.acct[i] === 0) this.holders[c] = (this.holders[c] as number) - 1;
          },
        );
      }
      // VNeID
      const vn = this.gapDraws(cal.vneid14, yearFraction, aff, this.e14[c] as number, this.vneid[c] as number);
      if (vn > 0) {
        this.drawEach(
          c,
          vn,
          (i) =>
            ((this.flags[i] as number) & VNEID_ON) === 0 &&
            this.isAlive(i, day) &&
            y - (this.birthYear[i] as number) >= 14,
          (i) => this.activateVneid(i, day, this.rng.chance(cal.vneidLevel2) ? 2 : 1),
        );
      }
      // digital signatures
      const sg = this.gapDraws(cal.signatureAdult, yearFraction, aff, this.e18[c] as number, this.signed[c] as number);
      if (sg > 0) {
        this.drawEach(
          c,
          sg,
          (i) =>
            ((this.flags[i] as number) & SIG_ON) === 0 &&
            this.isAlive(i, day) &&
            y - (this.birthYear[i] as number) >= 18,
          (i) => this.issueSignature(i, day, this.rng.pickCumulative(PROVIDER_WEIGHTS)),
        );
      }
      // electronic health records
      const hr = this.gapDraws(cal.healthRecord, yearFraction, aff, this.alive[c] as number, this.ehr[c] as number);
      if (hr > 0) {
        this.drawEach(
          c,
          hr,
          (i) => ((this.flags[i] as number) & EHR_ON) === 0 && this.isAlive(i, day),
          (i) => this.createHealthRecord(i, day, true),
        );
      }
    }
  }

  private onAgenda(kind: number, i: number, day: number): void {
    const c = this.communeOf[i] as number;
    switch (kind) {
      case DEATH: {
        if ((this.birthYear[i] as number) > this.year) return;
        const age = this.year - (this.birthYear[i] as number);
        this.alive[c] = (this.alive[c] as number) - 1;
        if (age >= 14) this.e14[c] = (this.e14[c] as number) - 1;
        if (age >= 15) this.e15[c] = (this.e15[c] as number) - 1;
        if (age >= 18) this.e18[c] = (this.e18[c] as number) - 1;
        const f = this.flags[i] as number;
        if (f & VNEID_ON) this.vneid[c] = (this.vneid[c] as number) - 1;
        if (f & EHR_ON) this.ehr[c] = (this.ehr[c] as number) - 1;
        if (f & SIG_ON) this.signed[c] = (this.signed[c] as number) - 1;
        this.flags[i] = f & ~(SIG_ON | SIG_REVOKE);
        this.sigEnd[i] = 0;
        if (this.acct[i] !== 0) {
          this.holders[c] = (this.holders[c] as number) - 1;
          this.agenda.at(day + this.rng.int(30, 180), DEAD_CLOSE, i);
        }
        return;
      }
      case DEAD_CLOSE: {
        let a = this.acct[i] as number;
        while (a !== 0) {
          const inst = lowestBit(a);
          this.closeAccount(i, day, inst);
          a = this.acct[i] as number;
        }
        return;
      }
      case SECOND_ACCOUNT: {
        const a = this.acct[i] as number;
        if (a === 0 || !this.isAlive(i, day)) return;
        const inst = this.institution();
        if ((a & (1 << inst)) === 0) this.openAccount(i, day, inst, true);
        return;
      }
      case VNEID_UPGRADE: {
        const f = this.flags[i] as number;
        if ((f & VNEID_ON) !== 0 && (f & VNEID_L2) === 0 && this.isAlive(i, day)) this.activateVneid(i, day, 2);
        return;
      }
      case SIG_END: {
        const f = this.flags[i] as number;
        if ((f & SIG_ON) === 0 || this.sigEnd[i] !== day) return; // stale: renewed, or the person died
        const provider = this.sigProvider[i] as number;
        if (f & SIG_REVOKE) {
          this.em.emit("DigitalSignatureRevoked", this.subject(i), day, SIGNATURE_PROVIDERS[provider] as string, {
            commune: this.code(i, day),
            birthYear: this.birthYear[i] as number,
            provider: SIGNATURE_PROVIDERS[provider] as string,
            validUntil: isoOfDay(this.sigUntil[i] as number),
          });
        } else if (this.rng.chance(cal.signatureRenewal)) {
          // renewed on the first day after the old one ends: the holder stays signed
          this.signed[c] = (this.signed[c] as number) - 1;
          this.flags[i] = f & ~SIG_ON;
          this.issueSignature(i, day, provider);
          return;
        }
        this.signed[c] = (this.signed[c] as number) - 1;
        this.flags[i] = f & ~(SIG_ON | SIG_REVOKE);
        return;
      }
    }
  }
}

const lowestBit = (mask: number): number => 31 - Math.clz32(mask & -mask);

const isoOfDay = (day: number) => isoOf(day);
