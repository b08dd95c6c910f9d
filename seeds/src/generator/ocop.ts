/**
 * OCOP products: certified in the province's evaluation rounds (four a year), re-certified or ended when their
 * 36-month certificate runs out, and listed on (or taken off) online platforms. The certified stock follows
 * `ocop.certified` (1,100 at the end of 2025 against the published 1,002 in November and 1,102 at year end);
 * the online share follows `ocop.online` (82 % in 2025 against the published 82.24 %). Products come mostly
 * from rural communes, and more from old Đồng Tháp, which led the programme.
 */
import { Agenda } from "./agenda.js";
import { type Curve, ocop as cal, curveAt } from "./calibration.js";
import { civilOf, dayOf, daysInYear, yearOfDay } from "./days.js";
import type { Emitter } from "./emitter.js";
import type { Geography } from "./geography.js";
import { cumulative, type Rng } from "./rng.js";
import { codeOn, DAILY_CATCH_UP } from "./timeline.js";

const CERTIFIER = "so-nnmt";
const TRADE = "so-cong-thuong";
export const OCOP_PLATFORMS = ["postmart", "voso", "shopee", "lazada", "tiktokshop", "sendo"] as const;
const STAR_WEIGHTS = cumulative(cal.stars.map((s) => s.share));
const ROUNDS: readonly [number, number][] = [
  [3, 25],
  [6, 25],
  [9, 25],
  [12, 10],
];
const CERT_DAYS = 3 * 365;
const EXPIRY = 0;

interface Product {
  readonly index: number;
  readonly subject: string;
  readonly commune: number;
  readonly unit: number;
  stars: number;
  certified: boolean;
  certifiedOn: number;
  platforms: number;
}

export class Ocop {
  private readonly products: Product[] = [];
  private readonly agenda = new Agenda(1);
  private readonly weights: Float64Array;
  private certifiedCount = 0;
  private onlineCount = 0;
  private year = 2018;

  constructor(
    private readonly geo: Geography,
    /** Products simulated per real one (the scope's share of the province). */
    private readonly scale: number,
    private readonly rng: Rng,
    private readonly em: Emitter,
  ) {
    this.weights = cumulative(
      geo.communes.map((c) => c.population * (c.ward ? 0.6 : 1.5) * (c.oldProvince === "Đồng Tháp" ? 1.8 : 1)),
    );
  }

  private certify(p: Product, day: number): void {
    if (!p.certified) {
      this.certifiedCount++;
      if (p.platforms !== 0) this.onlineCount++;
    }
    p.certified = true;
    p.certifiedOn = day;
    this.agenda.at(day + CERT_DAYS, EXPIRY, p.index);
    this.em.emit("OcopCertified", p.subject, day, CERTIFIER, {
      commune: codeOn(this.geo, p.unit, p.commune, day),
      stars: p.stars,
    });
  }

  private newProduct(day: number): void {
    const c = this.rng.pickCumulative(this.weights);
    const commune = this.geo.communes[c];
    if (commune === undefined) return;
    const year = yearOfDay(day);
    const p: Product = {
      index: this.products.length,
      subject: `ocop:OCOP-${year}-${String(this.products.length + 1).padStart(5, "0")}`,
      commune: c,
      unit: commune.units[this.rng.pickCumulative(commune.unitWeights)] as number,
      stars: cal.stars[this.rng.pickCumulative(STAR_WEIGHTS)]?.stars ?? 3,
      certified: false,
      certifiedOn: day,
      platforms: 0,
    };
    this.products.push(p);
    this.certify(p, day);
  }

  private list(p: Product, day: number, undoable: boolean): void {
    const free = OCOP_PLATFORMS.map((_, i) => i).filter((i) => (p.platforms & (1 << i)) === 0);
    if (free.length === 0) return;
    const k = this.rng.pick(free);
    const was = p.platforms !== 0;
    p.platforms |= 1 << k;
    if (!was && p.certified) this.onlineCount++;
    const f = this.em.emit("OcopListedOnline", p.subject, day, TRADE, { platform: OCOP_PLATFORMS[k] as string });
    if (undoable && this.em.retracts(f)) {
      p.platforms &= ~(1 << k);
      if (!was && p.certified) this.onlineCount--;
    }
  }

  *initialLoad(): Generator<void> {
    const rounds2018 = [dayOf(2018, 6, 25), dayOf(2018, 9, 25), dayOf(2018, 12, 10)];
    const n = this.rng.round(curveAt(cal.certified, 2018) * this.scale);
    for (let k = 0; k < n; k++) this.newProduct(this.rng.pick(rounds2018));
    for (const p of this.products) {
      if (this.rng.chance(curveAt(cal.online, 2018))) {
        this.list(p, p.certifiedOn + this.rng.below(dayOf(2018, 12, 31) - p.certifiedOn + 1), false);
      }
    }
    yield;
  }

  startYear(year: number): void {
    this.year = year;
  }

  day(day: number): void {
    const y = this.year;
    const frac = (day - dayOf(y, 1, 1) + 1) / daysInYear(y);
    const at = (c: Curve) => curveAt(c, y - 1) + (curveAt(c, y) - curveAt(c, y - 1)) * frac;
    this.agenda.take(day, (_, i) => {
      const p = this.products[i];
      if (p === undefined || !p.certified || p.certifiedOn + CERT_DAYS !== day) return;
      if (this.rng.chance(cal.recertified)) {
        if (p.stars < 5 && this.rng.chance(0.12)) p.stars++;
        this.certify(p, day);
      } else {
        p.certified = false;
        this.certifiedCount--;
        if (p.platforms !== 0) this.onlineCount--;
        this.em.emit("OcopCertificationEnded", p.subject, day, CERTIFIER, {});
      }
    });
    const [, month, date] = civilOf(day);
    const round = ROUNDS.some(([m, d]) => month === m && date === d);
    if (round) {
      const n = this.rng.round(at(cal.certified) * this.scale - this.certifiedCount);
      for (let k = 0; k < n; k++) this.newProduct(day);
    }
    const listings = this.rng.round((at(cal.online) * this.certifiedCount - this.onlineCount) * DAILY_CATCH_UP);
    for (let k = 0; k < listings; k++) {
      const p = this.draw((x) => x.certified && x.platforms === 0);
      if (p === undefined) break;
      this.list(p, day, true);
    }
    const more = this.rng.round((this.onlineCount * 0.1) / 365);
    for (let k = 0; k < more; k++) {
      const p = this.draw((x) => x.certified && x.platforms !== 0);
      if (p !== undefined) this.list(p, day, true);
    }
    const delist = this.rng.round((this.onlineCount * cal.delisting) / 365);
    for (let k = 0; k < delist; k++) {
      const p = this.draw((x) => x.certified && x.platforms !== 0);
      if (p === undefined) break;
      const held = OCOP_PLATFORMS.map((_, i) => i).filter((i) => (p.platforms & (1 << i)) !== 0);
      const i = this.rng.pick(held);
      p.platforms &= ~(1 << i);
      if (p.platforms === 0) this.onlineCount--;
      this.em.emit("OcopDelistedOnline", p.subject, day, TRADE, { platform: OCOP_PLATFORMS[i] as string });
    }
  }

  private draw(ok: (p: Product) => boolean): Product | undefined {
    if (this.products.length === 0) return undefined;
    for (let t = 0; t < 200; t++) {
      const p = this.products[this.rng.below(this.products.length)] as Product;
      if (ok(p)) return p;
    }
    return undefined;
  }
}
