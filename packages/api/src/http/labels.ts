/**
 * Labels in Vietnamese and English for the codes the API answers with: status, flag, unit, plan area and breakdown
 * values (VSIC 2018 sections for `sector`, and `ALL`). One table per code list, used by the JSON answers, the
 * CSV/Arrow columns and `GET /v1/labels` (which the dashboard reads, so a label is written once).
 */

import { BREAKDOWN_LABELS as CORE_BREAKDOWN_LABELS } from "@kpi/core";
import type { ForecastStatus } from "@kpi/projections";
import type { Status } from "./figures.js";

export interface Label {
  readonly vi: string;
  readonly en: string;
}

export const STATUS_LABELS: Readonly<Record<Status, Label>> = {
  met: { vi: "Đã đạt", en: "Met" },
  missed: { vi: "Không đạt", en: "Missed" },
  on_track: { vi: "Đúng lộ trình", en: "On track" },
  off_track: { vi: "Chậm so với lộ trình", en: "Off track" },
  baseline: { vi: "Năm gốc", en: "Baseline year" },
  no_data: { vi: "Chưa có số liệu", en: "No data" },
  no_target: { vi: "Không có chỉ tiêu", en: "No target" },
};

/** The quality flags a figure carries beside its status (`qualitySql.ts` in the projections package). */
export const FLAG_LABELS: Readonly<Record<string, Label>> = {
  provisional: { vi: "Sơ bộ", en: "Provisional" },
  estimated: { vi: "Ước tính", en: "Estimated" },
  break_in_series: { vi: "Chuỗi số liệu bị gián đoạn", en: "Break in series" },
  implausible: { vi: "Bất thường", en: "Implausible" },
  suppressed: { vi: "Không công bố (ô nhỏ)", en: "Withheld (small cell)" },
};

/** The forecast status of a target (see docs/forecasts.md). */
export const FORECAST_STATUS_LABELS: Readonly<Record<ForecastStatus, Label>> = {
  likely: { vi: "Dự báo đạt", en: "Likely to be met" },
  uncertain: { vi: "Chưa chắc đạt", en: "Uncertain" },
  at_risk: { vi: "Có nguy cơ không đạt", en: "At risk" },
  no_forecast: { vi: "Chưa dự báo được", en: "No forecast" },
};
/** The flags a figure carries, by their codes (as `FLAG_LABELS` names them), in that order. */
export const flagsOf = (f: {
  readonly provisional: boolean;
  readonly estimated: boolean;
  readonly breakInSeries: boolean;
  readonly implausible: boolean;
  readonly suppressed: boolean;
}): string[] => [
  ...(f.provisional ? ["provisional"] : []),
  ...(f.estimated ? ["estimated"] : []),
  ...(f.breakInSeries ? ["break_in_series"] : []),
  ...(f.implausible ? ["implausible"] : []),
  ...(f.suppressed ? ["suppressed"] : []),
];

/** Units of the catalog (`unit`); `short` is what follows a number. */
export const UNIT_LABELS: Readonly<Record<string, Label & { readonly short: string }>> = {
  percent: { vi: "phần trăm", en: "percent", short: "%" },
  per_1000_people: { vi: "trên 1.000 dân", en: "per 1,000 people", short: "‰" },
  count: { vi: "số lượng", en: "count", short: "" },
  rank: { vi: "thứ hạng (1 là cao nhất)", en: "rank (1 is best)", short: "" },
  percent_yoy: { vi: "% so với năm trước", en: "% on the year before", short: "%" },
};

/** Plan areas of the catalog (`area`), in the order the plans list them. */
export const AREA_LABELS: Readonly<Record<string, Label>> = {
  digital_government: { vi: "Chính quyền số", en: "Digital government" },
  digital_economy: { vi: "Kinh tế số", en: "Digital economy" },
  digital_society: { vi: "Xã hội số", en: "Digital society" },
  artificial_intelligence: { vi: "Trí tuệ nhân tạo", en: "Artificial intelligence" },
};

/** Breakdown values (one list with the warehouse's table `breakdown_labels`: `@kpi/core`). */
export const BREAKDOWN_LABELS: Readonly<Record<string, Label>> = CORE_BREAKDOWN_LABELS;

/** A code's label, or the code itself in both languages when the list does not have it. */
export const labelOf = (labels: Readonly<Record<string, Label>>, code: string): Label =>
  labels[code] ?? { vi: code, en: code };
