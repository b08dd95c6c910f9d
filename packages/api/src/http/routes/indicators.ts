/**
 * GET /v1/indicators — the catalog in force: every indicator with its names, unit, direction, the fact types it
 * is computed from, its definition hash and its targets with the planning document and section each comes
 * from, as amended by the catalog changes folded up to the current position (a `TargetRevised` replaces a
 * target, an `IndicatorDefinitionAmended` changes the definition and its hash), not as shipped.
 * GET /v1/indicators/{code} — one of them (404 `unknown_indicator` otherwise).
 */
import type { CatalogIndicator } from "@kpi/reference";
import type { FastifyInstance } from "fastify";
import { type ApiContext, indicatorOrFail, readAccess } from "../context.js";
import type { Reference } from "../readModel.js";
import { type Column, sendTable } from "../representation.js";
import { errors, formatParam, indicatorSchema, tabular } from "../schemas.js";

export const indicatorJson = (ref: Reference, e: CatalogIndicator) => ({
  code: e.code,
  nameVi: e.nameVi,
  nameEn: e.nameEn,
  area: e.area,
  measure: e.measure,
  unit: e.unit,
  direction: e.direction,
  populationVi: e.populationVi,
  populationEn: e.populationEn,
  definitionHash: e.definitionHash,
  facts: e.facts,
  ...(e.notes === undefined ? {} : { notes: e.notes }),
  targets: e.targets.map((t) => {
    const d = ref.documents.get(t.source.document);
    return {
      year: t.year,
      op: t.op,
      value: t.value,
      ...(t.note === undefined ? {} : { note: t.note }),
      source: {
        document: t.source.document,
        ...(d?.number === undefined ? {} : { number: d.number }),
        ...(d === undefined ? {} : { titleVi: d.titleVi, titleEn: d.titleEn, date: d.date }),
        section: t.source.section,
        ...(t.source.quote === undefined ? {} : { quote: t.source.quote }),
      },
    };
  }),
});

const columns: readonly Column<CatalogIndicator>[] = [
  { name: "code", type: "utf8", get: (e) => e.code },
  { name: "name_vi", type: "utf8", get: (e) => e.nameVi },
  { name: "name_en", type: "utf8", get: (e) => e.nameEn },
  { name: "area", type: "utf8", get: (e) => e.area },
  { name: "measure", type: "utf8", get: (e) => e.measure },
  { name: "unit", type: "utf8", get: (e) => e.unit },
  { name: "direction", type: "utf8", get: (e) => e.direction },
  { name: "population_vi", type: "utf8", get: (e) => e.populationVi },
  { name: "population_en", type: "utf8", get: (e) => e.populationEn },
  { name: "definition_hash", type: "utf8", get: (e) => e.definitionHash },
  { name: "facts", type: "utf8", get: (e) => e.facts.join(" ") },
  {
    name: "targets",
    type: "utf8",
    get: (e) =>
      e.targets.map((t) => `${t.op} ${t.value} (${t.year}; ${t.source.document} ${t.source.section})`).join("; "),
  },
];

const codeParams = {
  type: "object",
  required: ["code"],
  properties: { code: { type: "string", description: "indicator code, e.g. DIGSIG_ADULT" } },
} as const;

const formatQuery = {
  type: "object",
  additionalProperties: false,
  properties: { format: formatParam },
} as const;

export const indicatorRoutes = async (app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> => {
  app.get<{ Querystring: { format?: string } }>(
    "/v1/indicators",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["catalog"],
        summary: "The indicator catalog in force (amended by recorded catalog changes), with targets and their sources",
        querystring: formatQuery,
        response: {
          ...tabular("Every indicator", {
            type: "object",
            properties: {
              position: { type: "integer" },
              indicators: { type: "array", items: indicatorSchema },
            },
          }),
          ...errors(400, 401, 406),
        },
      },
    },
    (request, reply) =>
      sendTable(request, reply, request.query.format, () => {
        const ref = ctx.live.reference;
        const all = [...ref.indicators.values()].map((e) => ctx.live.indicatorInForce(e));
        return {
          position: ctx.live.current.position,
          modelTag: ref.modelTag,
          json: () => ({ position: ctx.live.current.position, indicators: all.map((e) => indicatorJson(ref, e)) }),
          columns,
          rows: () => all,
        };
      }),
  );

  app.get<{ Params: { code: string } }>(
    "/v1/indicators/:code",
    {
      onRequest: readAccess(ctx),
      schema: {
        tags: ["catalog"],
        summary: "One indicator, with its targets and their sources",
        params: codeParams,
        response: { 200: { description: "the indicator", ...indicatorSchema }, ...errors(401, 404) },
      },
    },
    async (request) =>
      indicatorJson(
        ctx.live.reference,
        ctx.live.indicatorInForce(indicatorOrFail(ctx.live.reference, request.params.code)),
      ),
  );
};
