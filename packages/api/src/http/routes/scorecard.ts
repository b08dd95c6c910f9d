/**
 * GET /v1/scorecard — every indicator in one call, grouped by plan area: the province's latest figure (the
 * last year with a value, overall rather than by breakdown), the target applied to that year, and the status
 * with its label in Vietnamese and English, and the FORECAST at the next target year with its forecast status
 * (likely / uncertain / at_risk: "will we make it?", see forecasts.ts). What a landing page or a morning report
 * needs, from the in-memory model (no DuckDB). `?year=Y` takes that year instead of the latest.
 *
 * GET /v1/communes/{code}/profile — one commune on every indicator: its overall figure (that year, or the latest
 * it has, withheld ones shown as withheld) with the province's of the same year beside it.
 */
import { partsOf } from "@kpi/core";
import type { CatalogIndicator } from "@kpi/reference";
import type { FastifyInstance } from "fastify";
import { type ApiContext, geoOrFail, readAccess } from "../context.js";
import { fail } from "../errors.js";
import type { Figure } from "../figures.js";
import { type ForecastFigure, nextTargetForecast } from "../forecasts.js";
import { AREA_LABELS, FORECAST_STATUS_LABELS, labelOf, STATUS_LABELS, UNIT_LABELS } from "../labels.js";
import { modelFor } from "../publications.js";
import type { ReadModel } from "../readModel.js";
import { type Column, sendTable } from "../representation.js";
import { errors, formatParam, freshnessProperties, ref, tabular } from "../schemas.js";

/** The status codes with their labels (kept here too for those that import it from the scorecard). */
export { STATUS_LABELS };

/** `?year=` (that year instead of the latest) and `?format=`, for the scorecard and the commune profile. */
const yearQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    year: { type: "integer", minimum: 1900, maximum: 2200, description: "this year instead of the latest" },
    format: formatParam,
  },
} as const;

/** A figure's status and its labels, as table columns. */
const statusColumns = <R>(figure: (r: R) => Figure | undefined): Column<R>[] => [
  { name: "status", type: "utf8", get: (r) => statusOf(figure(r)) },
  { name: "status_vi", type: "utf8", get: (r) => statusLabelOf(figure(r))?.vi ?? null },
  { name: "status_en", type: "utf8", get: (r) => statusLabelOf(figure(r))?.en ?? null },
  { name: "provisional", type: "bool", get: (r) => figure(r)?.provisional ?? false },
  { name: "estimated", type: "bool", get: (r) => figure(r)?.estimated ?? false },
  { name: "break_in_series", type: "bool", get: (r) => figure(r)?.breakInSeries ?? false },
  { name: "implausible", type: "bool", get: (r) => figure(r)?.implausible ?? false },
  { name: "implausible_reason", type: "utf8", get: (r) => figure(r)?.implausibleReason ?? null },
];

/** A figure's status: no_data where there is no figure, null where it is withheld. */
const statusOf = (f: Figure | undefined) => (f === undefined ? "no_data" : f.status);
const statusLabelOf = (f: Figure | undefined) => {
  const s = statusOf(f);
  return s === null ? null : STATUS_LABELS[s];
};

/** The quality flags of a figure, as the JSON answers carry them. */
const flagsJson = (f: Figure | undefined) => ({
  provisional: f?.provisional ?? false,
  estimated: f?.estimated ?? false,
  breakInSeries: f?.breakInSeries ?? false,
  implausible: f?.implausible ?? false,
  implausibleReason: f?.implausibleReason ?? null,
});

export interface ScorecardRow {
  readonly indicator: CatalogIndicator;
  /** The province's figure shown, or undefined when the indicator has none (for that year). */
  readonly figure: Figure | undefined;
  /** The forecast at the first target year after the province's latest value, if any. */
  readonly forecast: ForecastFigure | undefined;
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
    return { indicator, figure, forecast: nextTargetForecast(indicator, overall) };
  });

/** The forecast columns of a table (a forecast, never an observed figure). */
const forecastColumns = <R>(forecast: (r: R) => ForecastFigure | undefined): Column<R>[] => [
  { name: "forecast_target_year", type: "int32", get: (r) => forecast(r)?.year ?? null },
  { name: "forecast_value", type: "float64", get: (r) => forecast(r)?.value ?? null },
  { name: "forecast_lo", type: "float64", get: (r) => forecast(r)?.lo ?? null },
  { name: "forecast_hi", type: "float64", get: (r) => forecast(r)?.hi ?? null },
  { name: "forecast_status", type: "utf8", get: (r) => forecast(r)?.forecastStatus ?? "no_forecast" },
];

/** The forecast at the next target year as the JSON answers give it. */
const forecastJson = (f: ForecastFigure | undefined) =>
  f === undefined || f.forecastStatus === null || f.targetOp === null || f.targetValue === null
    ? null
    : {
        targetYear: f.year,
        targetOp: f.targetOp,
        targetValue: f.targetValue,
        value: f.value,
        lo: f.lo,
        hi: f.hi,
        coverage: f.coverage,
        status: f.forecastStatus,
        statusLabel: FORECAST_STATUS_LABELS[f.forecastStatus],
      };

const columns: readonly Column<ScorecardRow>[] = [
  { name: "area", type: "utf8", get: (r) => r.indicator.area },
  { name: "indicator", type: "utf8", get: (r) => r.indicator.code },
  { name: "name_vi", type: "utf8", get: (r) => r.indicator.nameVi },
  { name: "name_en", type: "utf8", get: (r) => r.indicator.nameEn },
  { name: "unit", type: "utf8", get: (r) => r.indicator.unit },
  { name: "unit_vi", type: "utf8", get: (r) => labelOf(UNIT_LABELS, r.indicator.unit).vi },
  { name: "unit_en", type: "utf8", get: (r) => labelOf(UNIT_LABELS, r.indicator.unit).en },
  { name: "direction", type: "utf8", get: (r) => r.indicator.direction },
  { name: "year", type: "int32", get: (r) => r.figure?.year ?? null },
  { name: "value", type: "float64", get: (r) => r.figure?.value ?? null },
  { name: "target_year", type: "int32", get: (r) => r.figure?.targetYear ?? null },
  { name: "target_op", type: "utf8", get: (r) => r.figure?.targetOp ?? null },
  { name: "target_value", type: "float64", get: (r) => r.figure?.targetValue ?? null },
  ...statusColumns<ScorecardRow>((r) => r.figure),
  ...forecastColumns<ScorecardRow>((r) => r.forecast),
];

const rowJson = (r: ScorecardRow) => {
  return {
    indicator: r.indicator.code,
    nameVi: r.indicator.nameVi,
    nameEn: r.indicator.nameEn,
    area: r.indicator.area,
    areaLabel: labelOf(AREA_LABELS, r.indicator.area),
    unit: r.indicator.unit,
    unitLabel: labelOf(UNIT_LABELS, r.indicator.unit),
    direction: r.indicator.direction,
    year: r.figure?.year ?? null,
    value: r.figure?.value ?? null,
    numerator: r.figure?.numerator ?? null,
    denominator: r.figure?.denominator ?? null,
    parts: partsOf(r.indicator.definition),
    targetYear: r.figure?.targetYear ?? null,
    targetOp: r.figure?.targetOp ?? null,
    targetValue: r.figure?.targetValue ?? null,
    status: statusOf(r.figure),
    statusLabel: statusLabelOf(r.figure),
    ...flagsJson(r.figure),
    forecast: forecastJson(r.forecast),
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
        querystring: yearQuery,
        response: {
          ...tabular("The scorecard", {
            type: "object",
            required: ["position", "vintage", "updatedAt", "areas"],
            properties: {
              ...freshnessProperties,
              areas: {
                type: "array",
                items: {
                  type: "object",
                  required: ["area", "label", "indicators"],
                  properties: {
                    area: { type: "string" },
                    label: ref("Label"),
                    indicators: { type: "array", items: ref("ScorecardEntry") },
                  },
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
        const model = modelFor(ctx, request);
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
              vintage: model.vintage,
              updatedAt: model.updatedAt,
              areas: [...areas].map(([area, indicators]) => ({
                area,
                label: labelOf(AREA_LABELS, area),
                indicators,
              })),
            };
          },
          columns,
          rows: () => rows,
        };
      }),
  );
};

/** The commune's overall figure of an indicator: that year, or the latest year it has one (withheld counts). */
const communeFigure = (model: ReadModel, code: string, geo: string, year: number | undefined): Figure | undefined => {
  const overall = (model.figures.get(code)?.byGeo.get(geo) ?? []).filter((f) => f.breakdown === "");
  return year !== undefined
    ? overall.find((f) => f.year === year)
    : [...overall].reverse().find((f) => f.value !== null || f.suppressed);
};

interface ProfileRow {
  readonly indicator: CatalogIndicator;
  readonly figure: Figure | undefined;
  readonly province: Figure | undefined;
  readonly forecast: ForecastFigure | undefined;
}

const profileColumns: readonly Column<ProfileRow>[] = [
  { name: "area", type: "utf8", get: (r) => r.indicator.area },
  { name: "indicator", type: "utf8", get: (r) => r.indicator.code },
  { name: "name_vi", type: "utf8", get: (r) => r.indicator.nameVi },
  { name: "name_en", type: "utf8", get: (r) => r.indicator.nameEn },
  { name: "unit", type: "utf8", get: (r) => r.indicator.unit },
  { name: "year", type: "int32", get: (r) => r.figure?.year ?? null },
  { name: "value", type: "float64", get: (r) => r.figure?.value ?? null },
  ...statusColumns<ProfileRow>((r) => r.figure),
  { name: "suppressed", type: "bool", get: (r) => r.figure?.suppressed ?? false },
  { name: "province_value", type: "float64", get: (r) => r.province?.value ?? null },
  { name: "province_status", type: "utf8", get: (r) => statusOf(r.province) },
  ...forecastColumns<ProfileRow>((r) => r.forecast),
];

export const profileRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get<{ Params: { code: string }; Querystring: { year?: number; format?: string } }>(
    "/v1/communes/:code/profile",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["figures"],
        summary: "One commune on every indicator: its latest published figure beside the province's, in one call",
        params: {
          type: "object",
          required: ["code"],
          properties: { code: { type: "string", description: "a current commune's 5-digit code, e.g. 29926" } },
        },
        querystring: yearQuery,
        response: {
          ...tabular("The commune's profile", {
            type: "object",
            required: ["position", "vintage", "updatedAt", "commune", "indicators"],
            properties: {
              ...freshnessProperties,
              commune: {
                type: "object",
                required: ["code", "name"],
                properties: { code: { type: "string" }, name: { type: "string" } },
              },
              indicators: { type: "array", items: ref("ProfileEntry") },
            },
          }),
          ...errors(400, 401, 404, 406),
        },
      },
    },
    (request, reply) =>
      sendTable(request, reply, request.query.format, () => {
        const ref = ctx.live.reference;
        const geo = request.params.code;
        const commune = geo === "province" ? undefined : ref.communes.get(geoOrFail(ref, geo));
        if (commune === undefined) {
          return fail({
            _tag: "UnknownCommune",
            geo,
            hint: "; a profile is of one of the current communes (GET /v1/communes); the province's is GET /v1/scorecard",
          });
        }
        const model = modelFor(ctx, request);
        const rows: ProfileRow[] = [...ref.indicators.values()].map((indicator) => {
          const figure = communeFigure(model, indicator.code, commune.code, request.query.year);
          const year = figure?.year ?? request.query.year;
          const province =
            year === undefined
              ? undefined
              : (model.figures.get(indicator.code)?.byGeo.get("province") ?? []).find(
                  (f) => f.breakdown === "" && f.year === year,
                );
          const forecast = nextTargetForecast(
            indicator,
            (model.figures.get(indicator.code)?.byGeo.get(commune.code) ?? []).filter((f) => f.breakdown === ""),
          );
          return { indicator, figure, province, forecast };
        });
        return {
          position: model.position,
          modelTag: ref.modelTag,
          json: () => ({
            position: model.position,
            vintage: model.vintage,
            updatedAt: model.updatedAt,
            commune: { code: commune.code, name: commune.name },
            indicators: rows.map((r) => ({
              ...rowJson({ indicator: r.indicator, figure: r.figure, forecast: r.forecast }),
              suppressed: r.figure?.suppressed ?? false,
              province: { value: r.province?.value ?? null, status: statusOf(r.province) },
            })),
          }),
          columns: profileColumns,
          rows: () => rows,
        };
      }),
  );
};
