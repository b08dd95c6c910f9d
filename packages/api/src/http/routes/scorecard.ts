/**
 * GET /v1/scorecard — every indicator in one call, grouped by plan area: the province's latest figure (the
 * last year with a value, overall rather than by breakdown), the target applied to that year, and the status
 * with its label in Vietnamese and English. What a landing page or a morning report needs, from the in-memory
 * model (no DuckDB). `?year=Y` takes that year instead of the latest.
 */
import type { CatalogIndicator } from "@kpi/seeds";
import type { FastifyInstance } from "fastify";
import { type ApiContext, readAccess } from "../context.js";
import type { Figure, Status } from "../figures.js";
import type { ReadModel } from "../readModel.js";
import { type Column, sendTable } from "../representation.js";
import { errors, formatParam, tabular } from "../schemas.js";

/** The status codes with their labels, for apps that show them. */
export const STATUS_LABELS: Readonly<Record<Status, { readonly vi: string; readonly en: string }>> = {
  met: { vi: "Đã đạt", en: "Met" },
  on_track: { vi: "Đúng lộ trình", en: "On track" },
  off_track: { vi: "Chậm so với lộ trình", en: "Off track" },
  no_data: { vi: "Chưa có số liệu", en: "No data" },
  no_target: { vi: "Không có chỉ tiêu", en: "No target" },
  suppressed: { vi: "Không công bố (ô nhỏ)", en: "Withheld (small cell)" },
};

export interface ScorecardRow {
  readonly indicator: CatalogIndicator;
  /** The province's figure shown, or undefined when the indicator has none (for that year). */
  readonly figure: Figure | undefined;
}

/** The province figure of each indicator: overall (breakdown ''), the given year or the latest with a value. */
export const scorecardRows = (
  indicators: Iterable<CatalogIndicator>,
  model: ReadModel,
  year: number | undefined,
): ScorecardRow[] =>
  [...indicators].map((indicator) => {
    const overall = (model.figures.get(indicator.code)?.byGeo.get("province") ?? []).filter((f) => f.breakdown === "");
    const figure =
      year !== undefined ? overall.find((f) => f.year === year) : [...overall].reverse().find((f) => f.value !== null);
    return { indicator, figure };
  });

const columns: readonly Column<ScorecardRow>[] = [
  { name: "area", type: "utf8", get: (r) => r.indicator.area },
  { name: "indicator", type: "utf8", get: (r) => r.indicator.code },
  { name: "name_vi", type: "utf8", get: (r) => r.indicator.nameVi },
  { name: "name_en", type: "utf8", get: (r) => r.indicator.nameEn },
  { name: "unit", type: "utf8", get: (r) => r.indicator.unit },
  { name: "direction", type: "utf8", get: (r) => r.indicator.direction },
  { name: "year", type: "int32", get: (r) => r.figure?.year ?? null },
  { name: "value", type: "float64", get: (r) => r.figure?.value ?? null },
  { name: "target_year", type: "int32", get: (r) => r.figure?.targetYear ?? null },
  { name: "target_op", type: "utf8", get: (r) => r.figure?.targetOp ?? null },
  { name: "target_value", type: "float64", get: (r) => r.figure?.targetValue ?? null },
  { name: "status", type: "utf8", get: (r) => r.figure?.status ?? "no_data" },
  { name: "status_vi", type: "utf8", get: (r) => STATUS_LABELS[r.figure?.status ?? "no_data"].vi },
  { name: "status_en", type: "utf8", get: (r) => STATUS_LABELS[r.figure?.status ?? "no_data"].en },
];

const entrySchema = {
  type: "object",
  required: ["indicator", "nameVi", "nameEn", "unit", "direction", "year", "value", "status", "statusLabel"],
  properties: {
    indicator: { type: "string" },
    nameVi: { type: "string" },
    nameEn: { type: "string" },
    unit: { type: "string" },
    direction: { type: "string", enum: ["higher_is_better", "lower_is_better"] },
    year: { type: ["integer", "null"], description: "the year shown: the latest with a value, or the one asked for" },
    value: { type: ["number", "null"] },
    targetYear: { type: ["integer", "null"] },
    targetOp: { type: ["string", "null"] },
    targetValue: { type: ["number", "null"] },
    status: { type: "string", enum: Object.keys(STATUS_LABELS) },
    statusLabel: {
      type: "object",
      required: ["vi", "en"],
      properties: { vi: { type: "string" }, en: { type: "string" } },
    },
  },
} as const;

const rowJson = (r: ScorecardRow) => {
  const status = r.figure?.status ?? "no_data";
  return {
    indicator: r.indicator.code,
    nameVi: r.indicator.nameVi,
    nameEn: r.indicator.nameEn,
    unit: r.indicator.unit,
    direction: r.indicator.direction,
    year: r.figure?.year ?? null,
    value: r.figure?.value ?? null,
    targetYear: r.figure?.targetYear ?? null,
    targetOp: r.figure?.targetOp ?? null,
    targetValue: r.figure?.targetValue ?? null,
    status,
    statusLabel: STATUS_LABELS[status],
  };
};

export const scorecardRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get<{ Querystring: { year?: number; format?: string } }>(
    "/v1/scorecard",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["figures"],
        summary: "Every indicator's province figure against its target, grouped by plan area, in one call",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            year: { type: "integer", minimum: 1900, maximum: 2200, description: "this year instead of the latest" },
            format: formatParam,
          },
        },
        response: {
          ...tabular("The scorecard", {
            type: "object",
            properties: {
              position: { type: "integer", description: "the log position the figures reflect" },
              areas: {
                type: "array",
                items: {
                  type: "object",
                  properties: { area: { type: "string" }, indicators: { type: "array", items: entrySchema } },
                },
              },
            },
          }),
          ...errors(400, 401, 406),
        },
      },
    },
    (request, reply) =>
      sendTable(request, reply, request.query.format, () => {
        const ref = ctx.live.reference;
        const model = ctx.live.current;
        const rows = scorecardRows(ref.indicators.values(), model, request.query.year);
        return {
          position: model.position,
          modelTag: ref.modelTag,
          json: () => {
            const areas = new Map<string, ReturnType<typeof rowJson>[]>();
            for (const r of rows) {
              const list = areas.get(r.indicator.area) ?? [];
              list.push(rowJson(r));
              areas.set(r.indicator.area, list);
            }
            return {
              position: model.position,
              areas: [...areas].map(([area, indicators]) => ({ area, indicators })),
            };
          },
          columns,
          rows: () => rows,
        };
      }),
  );
};
