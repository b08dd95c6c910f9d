/**
 * JSON Schemas shared by several routes (each route declares its own params, query and responses beside it
 * and builds them from these). Response schemas also drive fastify's serializer, which drops any property
 * they do not list, so they are complete.
 */
import { errorSchema } from "./errors.js";
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
  status: { type: "string", enum: ["met", "on_track", "off_track", "no_data", "no_target", "suppressed"] },
  suppressed: { type: "boolean", description: "a commune figure whose denominator is below the small-cell threshold" },
} as const;

export const figureSchema = {
  type: "object",
  required: Object.keys(figureProperties),
  properties: figureProperties,
} as const;

export const indicatorHeadSchema = {
  type: "object",
  properties: {
    code: { type: "string" },
    nameVi: { type: "string" },
    nameEn: { type: "string" },
    unit: { type: "string" },
    direction: { type: "string", enum: ["higher_is_better", "lower_is_better"] },
  },
} as const;

export const targetSchema = {
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

export const indicatorSchema = {
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
    targets: { type: "array", items: targetSchema },
  },
} as const;

export const communeSchema = {
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

const { $id: _id, ...errorBodySchema } = errorSchema;

/** Error responses by status, for a route's `response`. */
export const errors = (...statuses: readonly number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { ...errorBodySchema, description: `error (${s})` }]));

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
