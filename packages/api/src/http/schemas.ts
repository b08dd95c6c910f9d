/**
 * JSON Schemas shared by several routes (each route declares its own params, query and responses beside it
 * and builds them from these). Response schemas also drive fastify's serializer, which drops any property
 * they do not list, so they are complete.
 *
 * The shapes an app meets in several answers (Figure, Indicator, Target, Commune, Label, Error, …) are
 * registered once with `app.addSchema` (`SHARED_SCHEMAS`) and referred to by `$ref`, so the OpenAPI document
 * lists them under `components.schemas` by these names and a client generator makes one type of each.
 */
import { errorSchema } from "./errors.js";
import { STATUS_LABELS } from "./labels.js";
import { MEDIA_TYPES } from "./representation.js";

const nullable = (type: "number" | "integer" | "string") => ({ type: [type, "null"] });

export const figureProperties = {
  year: { type: "integer" },
  breakdown: { type: "string", description: "the breakdown value ('' when the indicator has none)" },
  numerator: { ...nullable("number"), description: "withheld (null) when suppressed" },
  denominator: { ...nullable("number"), description: "withheld (null) when suppressed" },
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
} as const;

export type SharedSchemaId =
  | "Label"
  | "Error"
  | "Figure"
  | "IndicatorHead"
  | "Target"
  | "Indicator"
  | "Commune"
  | "ScorecardEntry"
  | "ProfileEntry";

/** A `$ref` to one of `SHARED_SCHEMAS`. */
export const ref = (id: SharedSchemaId) => ({ $ref: `${id}#` }) as const;

const figureDefinition = {
  $id: "Figure",
  type: "object",
  required: Object.keys(figureProperties),
  properties: figureProperties,
} as const;

export const figureSchema = ref("Figure");

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

export const asOfParam = {
  type: "string",
  pattern: "^(\\d{1,15}|\\d{4}-\\d{2}-\\d{2})$",
  description:
    "figures as known at a log position (digits; recomputed from the facts known then) or at the end of a UTC recording day YYYY-MM-DD (as the warehouse published them that day)",
} as const;
