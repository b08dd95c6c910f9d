/**
 * JSON Schemas shared by several routes (each route declares its own params, query and responses beside it
 * and builds them from these). Response schemas also drive fastify's serializer, which drops any property
 * they do not list, so they are complete.
 *
 * The shapes an app meets in several answers (Figure, Indicator, Target, Commune, Label, Error, …) are
 * registered once with `app.addSchema` (`SHARED_SCHEMAS`) and referred to by `$ref`, so the OpenAPI document
 * lists them under `components.schemas` by these names and a client generator makes one type of each.
 */
import { PARTS } from "@kpi/core";
import { errorSchema } from "./errors.js";
import { FORECAST_STATUS_LABELS, STATUS_LABELS } from "./labels.js";
import { MEDIA_TYPES } from "./representation.js";

const nullable = (type: "number" | "integer" | "string") => ({ type: [type, "null"] });

export const figureProperties = {
  year: { type: "integer" },
  breakdown: { type: "string", description: "the breakdown value ('' when the indicator has none)" },
  numerator: { ...nullable("number"), description: "withheld (null) when suppressed" },
  denominator: { ...nullable("number"), description: "withheld (null) when suppressed" },
  parts: {
    type: "string",
    enum: [...PARTS],
    description:
      "what numerator and denominator are: count (whole numbers: entities, head counts, counts reported, a rank) or amount (reported amounts with up to 3 decimals: billion VND, million VND per worker)",
  },
  value: { ...nullable("number"), description: "the indicator's value in its unit; withheld when suppressed" },
  targetYear: { ...nullable("integer"), description: "the year of the target applied to this year" },
  targetOp: nullable("string"),
  targetValue: nullable("number"),
  trajectory: { ...nullable("number"), description: "the value the linear path to the target asks for this year" },
  baselineYear: {
    ...nullable("integer"),
    description: "the year the trajectory starts from (the plan's base year, or the series' first year)",
  },
  baselineValue: { ...nullable("number"), description: "the value the trajectory starts from" },
  baselineSource: {
    type: ["string", "null"],
    enum: ["plan", "first_year", null],
    description: "plan: the base value the plan states; first_year: the series' first year with a value",
  },
  status: {
    type: ["string", "null"],
    enum: [...Object.keys(STATUS_LABELS), null],
    description: "against the target applied (docs/semantics.md); null when the figure is withheld (suppressed)",
  },
  suppressed: {
    type: "boolean",
    description: "withheld for publication: a small cell, or a cell that would give one away",
  },
  provisional: { type: "boolean", description: "the year is still open to late reports" },
  estimated: { type: "boolean", description: "the denominator is an estimate (or a SUSPECT_LOW population)" },
  breakInSeries: {
    type: "boolean",
    description: "not comparable with earlier years (partial split of 1 July 2025, flagged on 2025)",
  },
  implausible: { type: "boolean", description: "a share above 100 % or a denominator jump beyond 50 %" },
  implausibleReason: { ...nullable("string"), description: "why the figure is implausible" },
  publication: {
    ...nullable("string"),
    description: "the released publication that holds this figure with this value (GET /v1/publications/{id})",
  },
} as const;

export type SharedSchemaId =
  | "Label"
  | "Error"
  | "Figure"
  | "IndicatorHead"
  | "Target"
  | "Indicator"
  | "Commune"
  | "Forecast"
  | "ForecastSummary"
  | "ScorecardEntry"
  | "ProfileEntry";

/** A `$ref` to one of `SHARED_SCHEMAS`. */
export const ref = (id: SharedSchemaId) => ({ $ref: `${id}#` }) as const;

const figureDefinition = {
  $id: "Figure",
  type: "object",
  required: Object.keys(figureProperties).filter((k) => k !== "publication"),
  properties: figureProperties,
} as const;

export const figureSchema = ref("Figure");

const forecastDefinition = {
  $id: "Forecast",
  type: "object",
  description:
    "A FORECAST, not an observed figure: the value expected for a year after the series' last value, with its prediction interval lo–hi (nominal coverage `coverage`), and for a target year the forecast status of that target (docs/forecasts.md)",
  required: [
    "forecast",
    "year",
    "breakdown",
    "value",
    "lo",
    "hi",
    "coverage",
    "method",
    "baseYear",
    "observations",
    "targetOp",
    "targetValue",
    "forecastStatus",
    "position",
  ],
  properties: {
    forecast: { type: "boolean", enum: [true], description: "always true: this is a forecast" },
    year: { type: "integer" },
    breakdown: { type: "string" },
    value: { type: "number", description: "the point forecast, in the indicator's unit" },
    lo: { type: "number", description: "lower end of the prediction interval" },
    hi: { type: "number", description: "upper end of the prediction interval" },
    coverage: { type: "number", description: "the interval's nominal coverage (0.8: 80 %)" },
    method: { type: "string", enum: ["naive", "drift", "trend"] },
    baseYear: { type: "integer", description: "the last year with a value the forecast starts from" },
    observations: { type: "integer", description: "how many values the forecast was fitted on" },
    targetOp: nullable("string"),
    targetValue: nullable("number"),
    forecastStatus: {
      type: ["string", "null"],
      enum: [...Object.keys(FORECAST_STATUS_LABELS), null],
      description:
        "for a target year: likely (the whole interval meets the target), at_risk (none of it does), uncertain",
    },
    position: { type: "integer", description: "the log position of the figures the forecast comes from" },
  },
} as const;

export const forecastSchema = ref("Forecast");

const forecastSummaryDefinition = {
  $id: "ForecastSummary",
  type: ["object", "null"],
  description: "the FORECAST at the first target year after the latest value (null when the series has none)",
  required: ["targetYear", "targetOp", "targetValue", "value", "lo", "hi", "coverage", "status", "statusLabel"],
  properties: {
    targetYear: { type: "integer" },
    targetOp: { type: "string" },
    targetValue: { type: "number" },
    value: { type: "number" },
    lo: { type: "number" },
    hi: { type: "number" },
    coverage: { type: "number" },
    status: { type: "string", enum: Object.keys(FORECAST_STATUS_LABELS) },
    statusLabel: { $ref: "Label#" },
  },
} as const;

const indicatorHeadDefinition = {
  $id: "IndicatorHead",
  type: "object",
  properties: {
    code: { type: "string" },
    nameVi: { type: "string" },
    nameEn: { type: "string" },
    unit: { type: "string" },
    direction: { type: "string", enum: ["higher_is_better", "lower_is_better"] },
  },
} as const;

export const indicatorHeadSchema = ref("IndicatorHead");

const targetDefinition = {
  $id: "Target",
  type: "object",
  properties: {
    year: { type: "integer" },
    op: { type: "string", enum: [">=", ">", "<=", "<", "="] },
    value: { type: "number" },
    note: { type: "string" },
    source: {
      type: "object",
      description: "the planning document and section that set the target",
      properties: {
        document: { type: "string", examples: ["KH-315-2025"] },
        number: { type: "string" },
        titleVi: { type: "string" },
        titleEn: { type: "string" },
        date: { type: "string" },
        section: { type: "string" },
        quote: { type: "string" },
      },
    },
  },
} as const;

const indicatorDefinition = {
  $id: "Indicator",
  type: "object",
  properties: {
    code: { type: "string", examples: ["DIGSIG_ADULT"] },
    nameVi: { type: "string" },
    nameEn: { type: "string" },
    area: { type: "string" },
    measure: { type: "string" },
    unit: { type: "string" },
    direction: { type: "string" },
    populationVi: { type: "string" },
    populationEn: { type: "string" },
    definitionHash: { type: "string" },
    facts: { type: "array", items: { type: "string" }, description: "the fact types the figures are computed from" },
    notes: { type: "string" },
    targets: { type: "array", items: ref("Target") },
  },
} as const;

export const indicatorSchema = ref("Indicator");

const communeDefinition = {
  $id: "Commune",
  type: "object",
  properties: {
    code: { type: "string", examples: ["29926"] },
    name: { type: "string" },
    type: { type: "string" },
    typeEn: { type: "string" },
    oldProvince: { type: "string" },
    areaKm2: nullable("number"),
    population: nullable("number"),
  },
} as const;

export const communeSchema = ref("Commune");

const labelDefinition = {
  $id: "Label",
  type: "object",
  description: "a code's name in Vietnamese and English",
  required: ["vi", "en"],
  properties: { vi: { type: "string" }, en: { type: "string" } },
} as const;

export const labelSchema = ref("Label");

const scorecardEntryDefinition = {
  $id: "ScorecardEntry",
  type: "object",
  description: "an indicator's figure against its target, with the labels a page shows",
  required: [
    "indicator",
    "nameVi",
    "nameEn",
    "area",
    "areaLabel",
    "unit",
    "unitLabel",
    "direction",
    "year",
    "value",
    "targetYear",
    "targetOp",
    "targetValue",
    "status",
    "statusLabel",
  ],
  properties: {
    indicator: { type: "string", examples: ["DIGSIG_ADULT"] },
    nameVi: { type: "string" },
    nameEn: { type: "string" },
    area: { type: "string", description: "the plan area (see GET /v1/labels)" },
    areaLabel: { $ref: "Label#" },
    unit: { type: "string" },
    unitLabel: { $ref: "Label#" },
    direction: { type: "string", enum: ["higher_is_better", "lower_is_better"] },
    year: { type: ["integer", "null"], description: "the year shown: the latest with a value, or the one asked for" },
    value: { type: ["number", "null"] },
    numerator: { type: ["number", "null"] },
    denominator: { type: ["number", "null"] },
    parts: figureProperties.parts,
    targetYear: { type: ["integer", "null"] },
    targetOp: { type: ["string", "null"] },
    targetValue: { type: ["number", "null"] },
    status: {
      type: ["string", "null"],
      enum: [...Object.keys(STATUS_LABELS), null],
      description: "null when the figure is withheld (suppressed)",
    },
    statusLabel: { anyOf: [{ $ref: "Label#" }, { type: "null" }] },
    provisional: figureProperties.provisional,
    estimated: figureProperties.estimated,
    breakInSeries: figureProperties.breakInSeries,
    implausible: figureProperties.implausible,
    implausibleReason: figureProperties.implausibleReason,
    forecast: { $ref: "ForecastSummary#" },
  },
} as const;

const profileEntryDefinition = {
  $id: "ProfileEntry",
  type: "object",
  description: "a commune's figure of one indicator, beside the province's of the same year",
  required: [...scorecardEntryDefinition.required, "suppressed", "province"],
  properties: {
    ...scorecardEntryDefinition.properties,
    suppressed: { type: "boolean", description: "withheld for publication (a small cell)" },
    province: {
      type: "object",
      required: ["value", "status"],
      properties: { value: { type: ["number", "null"] }, status: { type: ["string", "null"] } },
    },
  },
} as const;

/** Every schema registered once (`app.addSchema`), in an order where each refers only to earlier ones. */
export const SHARED_SCHEMAS = [
  labelDefinition,
  errorSchema,
  figureDefinition,
  forecastDefinition,
  forecastSummaryDefinition,
  indicatorHeadDefinition,
  targetDefinition,
  indicatorDefinition,
  communeDefinition,
  scorecardEntryDefinition,
  profileEntryDefinition,
] as const;

/** What a figure answer says about how current it is. */
export const freshnessProperties = {
  position: { type: "integer", description: "the log position the figures reflect" },
  vintage: {
    type: ["string", "null"],
    format: "date",
    description: "the vintage: the last recording day (UTC) folded into the figures",
  },
  updatedAt: { type: "string", format: "date-time", description: "when the server took these figures" },
} as const;

/** Error responses by status, for a route's `response`. */
export const errors = (...statuses: readonly number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { ...ref("Error"), description: `error (${s})` }]));

/** A 200 answered as JSON (schema given), CSV or Arrow, and the 304 of a conditional request. */
/** `tabular`, for the routes of figures: also SDMX-CSV 2.0 and SDMX-JSON 2.0.0. */
export const figureTabular = (description: string, json: object) => {
  const t = tabular(description, json);
  return {
    ...t,
    200: {
      ...t[200],
      description: `${t[200].description} SDMX-CSV 2.0 or SDMX-JSON 2.0.0 (dataflow DONGTHAP_STAT:DF_DIGITAL_KPI(1.0.0), GET /v1/sdmx/structure) on request.`,
      content: {
        ...t[200].content,
        [MEDIA_TYPES["sdmx-csv"]]: { schema: { type: "string", description: "SDMX-CSV 2.0" } },
        [MEDIA_TYPES["sdmx-json"]]: {
          schema: { type: "object", description: "SDMX-JSON 2.0.0 data message", additionalProperties: true },
        },
      },
    },
  };
};

export const tabular = (description: string, json: object) => ({
  200: {
    description: `${description}. JSON by default; CSV or Arrow IPC stream on request (Accept or ?format=). ETag from the log position.`,
    content: {
      [MEDIA_TYPES.json]: { schema: json },
      [MEDIA_TYPES.csv]: { schema: { type: "string", description: "RFC 4180 CSV with a header line" } },
      [MEDIA_TYPES.arrow]: { schema: { type: "string", format: "binary", description: "Arrow IPC stream" } },
    },
  },
  304: { description: "Not modified: If-None-Match matched the current ETag", type: "null" },
});

export const formatParam = {
  type: "string",
  enum: ["json", "csv", "arrow"],
  description: "overrides the Accept header",
} as const;

/** `format` of the routes of figures, which also answer SDMX-CSV 2.0 and SDMX-JSON 2.0.0. */
export const figureFormatParam = {
  type: "string",
  enum: ["json", "csv", "arrow", "sdmx-csv", "sdmx-json"],
  description: "overrides the Accept header (sdmx-csv: SDMX-CSV 2.0; sdmx-json: SDMX-JSON 2.0.0)",
} as const;

export const asOfParam = {
  type: "string",
  pattern: "^(\\d{1,15}|\\d{4}-\\d{2}-\\d{2})$",
  description:
    "figures as known at a log position (digits; recomputed from the facts known then) or at the end of a UTC recording day YYYY-MM-DD (as the warehouse published them that day)",
} as const;
