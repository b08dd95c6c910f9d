/**
 * The three sizes of sample province. `province` is the real geography at full size (10–20 M facts); `small`
 * is the whole province with people, households and businesses sampled at 1 in 70 (so shares and rates per
 * 1,000 people keep their meaning; programmes such as OCOP, facilities and clubs stay whole); `tiny` is five
 * communes chosen to exercise the awkward cases, with businesses over-sampled so every family of facts appears
 * (rates per 1,000 people are not meaningful there).
 */
export const SCALE_NAMES = ["tiny", "small", "province"] as const;
export type ScaleName = (typeof SCALE_NAMES)[number];

export interface Scale {
  readonly name: ScaleName;
  /** Current commune codes in scope, or "all". */
  readonly communes: readonly string[] | "all";
  /** Fraction of the people (and households) simulated. */
  readonly personFraction: number;
  /** Fraction of enterprises, cooperatives and household businesses simulated (relative to the scope). */
  readonly businessFraction: number;
}

/**
 * The tiny scope: Phường Mỹ Tho (a ward of old Tiền Giang), Phường Đạo Thạnh (code 28249 reused from old Phường
 * 5; population SUSPECT_LOW), Xã Tân Hồng (old Đồng Tháp), Xã Thanh Bình (SUSPECT_LOW; receives part of the split
 * old Xã Tân Thạnh) and Xã Tân Thạnh (code 30157: the split old unit before 2025-07-01, a new commune after).
 */
export const TINY_COMMUNES = ["28261", "28249", "29926", "30130", "30157"] as const;

export const SCALES: Readonly<Record<ScaleName, Scale>> = {
  tiny: { name: "tiny", communes: TINY_COMMUNES, personFraction: 1 / 300, businessFraction: 1 / 15 },
  small: { name: "small", communes: "all", personFraction: 1 / 70, businessFraction: 1 / 70 },
  province: { name: "province", communes: "all", personFraction: 1, businessFraction: 1 },
};

export const isScaleName = (s: string): s is ScaleName => (SCALE_NAMES as readonly string[]).includes(s);
