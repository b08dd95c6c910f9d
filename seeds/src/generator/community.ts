/**
 * Farmer clubs (hội quán), smart villages and AI projects. Clubs began in old Đồng Tháp (2016) and spread to the
 * whole province after the merger; each year a fixed number start applying IoT (IOT_FARMER_CLUBS), and
 * traceability and e-commerce follow shares (CLUB_COOP_TRACE_ECOM), e-commerce mostly among clubs that already
 * trace their produce. Smart villages and AI projects follow the yearly counts of `calibration.ts` (not scaled:
 * they are few and counted, not shares).
 */
import { aiProjectsPerYear, type Curve, clubs as cal, curveAt, smartVillagesPerYear } from "./calibration.js";
import { dayOf, daysInYear, yearOfDay } from "./days.js";
import type { Emitter } from "./emitter.js";
import type { Geography } from "./geography.js";
import { cumulative, type Rng } from "./rng.js";
import { codeOn, DAILY_CATCH_UP, MERGER_DAY } from "./timeline.js";

const AGRICULTURE = "so-nnmt";
const SCIENCE = "so-khcn";
type Tech = "iot" | "traceability" | "ecommerce";

const VILLAGE_NAMES = [
  "Ấp Mỹ Hòa",
  "Ấp Tân Lập 2",
  "Ấp An Thạnh",
  "Ấp Bình Hòa",
  "Ấp Long Hưng",
  "Ấp Phú Thọ",
  "Ấp Thạnh Lợi",
  "Ấp Hòa Khánh",
  "Ấp Tân Thuận",
  "Ấp Mỹ Long",
  "Ấp 3",
  "Ấp 5",
];

const AI_PROJECTS: readonly { agency: string; name: string; local: boolean }[] = [
  { agency: "so-khcn", name: "Trợ lý ảo tra cứu thủ tục hành chính", local: false },
  { agency: "cong-an-tinh", name: "Camera AI giám sát giao thông", local: true },
  { agency: "so-nnmt", name: "Nhận diện sâu bệnh trên lúa bằng ảnh điện thoại", local: true },
  { agency: "so-y-te", name: "Hỗ trợ đọc phim X-quang phổi bằng AI", local: true },
  { agency: "ubnd-tinh", name: "Chatbot trả lời phản ánh kiến nghị của người dân", local: false },
  { agency: "so-nnmt", name: "Dự báo xâm nhập mặn và mực nước lũ", local: false },
  { agency: "so-gddt", name: "Trợ giảng AI cho học sinh trung học", local: false },
  { agency: "so-khcn", name: "Phân tích dữ liệu kinh tế - xã hội cho kho dữ liệu dùng chung", local: false },
  { agency: "so-y-te", name: "Phân luồng bệnh nhân cấp cứu bằng AI", local: true },
  { agency: "cong-an-tinh", name: "Nhận dạng biển số xe tại các chốt kiểm soát", local: true },
  { agency: "so-cong-thuong", name: "Gợi ý sản phẩm OCOP trên sàn thương mại điện tử tỉnh", local: false },
  { agency: "ubnd-tinh", name: "Tóm tắt văn bản và soạn thảo tự động cho cán bộ", local: false },
  { agency: "so-tai-chinh", name: "Phát hiện bất thường trong hồ sơ thanh toán", local: false },
  { agency: "so-nnmt", name: "Giám sát ao nuôi cá tra bằng cảm biến và AI", local: true },
];

interface Club {
  readonly subject: string;
  active: boolean;
  tech: Set<Tech>;
}

export class Community {
  private readonly clubs: Club[] = [];
  private readonly oldDongThap: Float64Array;
  private readonly everywhere: Float64Array;
  private readonly villages: { subject: string; active: boolean }[] = [];
  private readonly plannedIot = new Map<number, number>();
  private aiCount = 0;
  private activeClubs = 0;
  /** Active clubs applying each technology. */
  private readonly using = new Map<Tech, number>([
    ["iot", 0],
    ["traceability", 0],
    ["ecommerce", 0],
  ]);
  private year = 2018;

  constructor(
    private readonly geo: Geography,
    private readonly scale: number,
    private readonly rng: Rng,
    private readonly em: Emitter,
  ) {
    const rural = (c: { ward: boolean; population: number }) => c.population * (c.ward ? 0.2 : 1);
    this.oldDongThap = cumulative(geo.communes.map((c) => (c.oldProvince === "Đồng Tháp" ? rural(c) : 0)));
    this.everywhere = cumulative(geo.communes.map(rural));
  }

  private found(day: number): void {
    const before = day < MERGER_DAY;
    const weights =
      before && (this.oldDongThap[this.oldDongThap.length - 1] ?? 0) > 0 ? this.oldDongThap : this.everywhere;
    const c = this.rng.pickCumulative(weights);
    const commune = this.geo.communes[c];
    if (commune === undefined) return;
    const units = commune.units.filter((u) => !before || this.geo.units[u]?.provinceCode === "87");
    const unit = units.length > 0 ? this.rng.pick(units) : (commune.units[0] as number);
    const club: Club = {
      subject: `club:HQ-${String(this.clubs.length + 1).padStart(4, "0")}`,
      active: true,
      tech: new Set(),
    };
    this.clubs.push(club);
    this.activeClubs++;
    this.em.emit("ClubFounded", club.subject, day, AGRICULTURE, { commune: codeOn(this.geo, unit, c, day) });
  }

  private count(tech: Tech, delta: number): void {
    this.using.set(tech, (this.using.get(tech) ?? 0) + delta);
  }

  private adopt(club: Club, tech: Tech, day: number, undoable: boolean): void {
    club.tech.add(tech);
    this.count(tech, 1);
    const f = this.em.emit("ClubTechnologyAdopted", club.subject, day, AGRICULTURE, { technology: tech });
    if (undoable && this.em.retracts(f)) {
      club.tech.delete(tech);
      this.count(tech, -1);
    }
  }

  *initialLoad(): Generator<void> {
    const from = dayOf(2016, 3, 1);
    const lastDay = dayOf(2018, 12, 31);
    const n = this.rng.round(curveAt(cal.active, 2018) * this.scale);
    for (let k = 0; k < n; k++) this.found(from + this.rng.below(lastDay - from + 1));
    const iot = this.rng.round(curveAt(cal.newIot, 2018) * this.scale);
    for (const club of this.clubs.slice(0, iot))
      this.adopt(club, "iot", dayOf(2018, 6, 1) + this.rng.below(200), false);
    for (const club of this.clubs) {
      if (this.rng.chance(curveAt(cal.traceability, 2018)))
        this.adopt(club, "traceability", dayOf(2018, 1, 1) + this.rng.below(365), false);
    }
    yield;
  }

  startYear(year: number): void {
    this.year = year;
    this.plannedIot.clear();
    const n = this.rng.round(curveAt(cal.newIot, year) * this.scale);
    for (let k = 0; k < n; k++) {
      const day = dayOf(year, 1, 1) + this.rng.below(daysInYear(year));
      this.plannedIot.set(day, (this.plannedIot.get(day) ?? 0) + 1);
    }
    const villages = smartVillagesPerYear[year] ?? 0;
    this.plannedVillages = Array.from({ length: villages }, () => dayOf(year, 3, 1) + this.rng.below(280));
    const projects = aiProjectsPerYear[year] ?? 0;
    this.plannedProjects = Array.from({ length: projects }, () => dayOf(year, 1, 15) + this.rng.below(330));
  }

  private plannedVillages: number[] = [];
  private plannedProjects: number[] = [];

  day(day: number): void {
    const y = this.year;
    const frac = (day - dayOf(y, 1, 1) + 1) / daysInYear(y);
    const at = (c: Curve) => curveAt(c, y - 1) + (curveAt(c, y) - curveAt(c, y - 1)) * frac;
    const founding = this.rng.round((at(cal.active) * this.scale - this.activeClubs) * DAILY_CATCH_UP);
    for (let k = 0; k < founding; k++) this.found(day);
    const dissolving = this.rng.round((this.activeClubs * cal.dissolution) / 365);
    for (let k = 0; k < dissolving; k++) {
      const active = this.clubs.filter((c) => c.active);
      if (active.length === 0) break;
      const club = this.rng.pick(active);
      club.active = false;
      this.activeClubs--;
      for (const t of club.tech) this.count(t, -1);
      this.em.emit("ClubDissolved", club.subject, day, AGRICULTURE, {});
    }
    for (let k = 0; k < (this.plannedIot.get(day) ?? 0); k++) {
      const candidates = this.clubs.filter((c) => c.active && !c.tech.has("iot"));
      if (candidates.length > 0) this.adopt(this.rng.pick(candidates), "iot", day, false);
    }
    for (const [tech, curve] of [
      ["traceability", cal.traceability],
      ["ecommerce", cal.ecommerce],
    ] as const) {
      const have = this.using.get(tech) ?? 0;
      const n = this.rng.round((at(curve) * this.activeClubs - have) * DAILY_CATCH_UP);
      for (let k = 0; k < n; k++) {
        const without = this.clubs.filter((c) => c.active && !c.tech.has(tech));
        const tracing = without.filter((c) => c.tech.has("traceability"));
        const pool = tech === "ecommerce" && tracing.length > 0 && this.rng.chance(0.75) ? tracing : without;
        if (pool.length === 0) break;
        this.adopt(this.rng.pick(pool), tech, day, true);
      }
      if (tech === "ecommerce") {
        const drops = this.rng.round((have * 0.03) / 365);
        for (let k = 0; k < drops; k++) {
          const withIt = this.clubs.filter((c) => c.active && c.tech.has(tech));
          if (withIt.length === 0) break;
          const club = this.rng.pick(withIt);
          club.tech.delete(tech);
          this.count(tech, -1);
          this.em.emit("ClubTechnologyDropped", club.subject, day, AGRICULTURE, { technology: tech });
        }
      }
    }
    for (const d of this.plannedVillages) if (d === day) this.recogniseVillage(day);
    if (day === dayOf(2026, 11, 20) && this.villages.length > 0) {
      const v = this.villages[0];
      if (v?.active) {
        v.active = false;
        this.em.emit("SmartVillageWithdrawn", v.subject, day, SCIENCE, {});
      }
    }
    for (const d of this.plannedProjects) if (d === day) this.deployProject(day);
  }

  private recogniseVillage(day: number): void {
    const c = this.rng.pickCumulative(this.everywhere);
    const commune = this.geo.communes[c];
    if (commune === undefined) return;
    const unit = this.rng.pick(commune.units);
    const code = codeOn(this.geo, unit, c, day);
    const subject = `village:${code}-${this.villages.length + 1}`;
    this.villages.push({ subject, active: true });
    this.em.emit(
      "SmartVillageRecognised",
      subject,
      day,
      SCIENCE,
      { commune: code, name: this.rng.pick(VILLAGE_NAMES) },
      false,
    );
  }

  private deployProject(day: number): void {
    const p = AI_PROJECTS[this.aiCount % AI_PROJECTS.length];
    if (p === undefined) return;
    this.aiCount++;
    const subject = `project:AI-${yearOfDay(day)}-${this.aiCount}`;
    if (p.local) {
      const c = this.rng.pickCumulative(this.everywhere);
      const commune = this.geo.communes[c];
      const unit = commune?.units[0];
      if (commune !== undefined && unit !== undefined) {
        this.em.emit(
          "AiProjectDeployed",
          subject,
          day,
          SCIENCE,
          { agency: p.agency, name: p.name, commune: codeOn(this.geo, unit, c, day) },
          false,
        );
        return;
      }
    }
    this.em.emit("AiProjectDeployed", subject, day, SCIENCE, { agency: p.agency, name: p.name }, false);
  }
}
