/**
 * Renders the catalog as Markdown (`docs/indicators.md`): the planning documents, then one table per area (code,
 * Vietnamese and English names, measure, population, targets with their sources, definition hash prefix and the
 * facts each indicator depends on), then each indicator's definition written out, quotes and notes. Pure and
 * deterministic: the same catalog gives the same bytes, so a test can compare the file on disk with it.
 */
import { AREAS, type CatalogEntry, type Condition, type Definition, type ReportedField } from "@kpi/core";
import type { Catalog, CatalogIndicator } from "./loadCatalog.js";
import type { PlanningDocument } from "./planningDocument.js";

const AREA_TITLES: Readonly<Record<(typeof AREAS)[number], string>> = {
  digital_economy: "Digital economy (kinh tế số)",
  digital_society: "Digital society (xã hội số)",
  digital_government: "Digital government (chính quyền số)",
  artificial_intelligence: "Artificial intelligence (trí tuệ nhân tạo)",
};

const MEASURE_NAMES: Readonly<Record<CatalogEntry["measure"], string>> = {
  share: "share",
  value_ratio: "value ratio",
  rate_per_1000: "rate per 1,000",
  count: "count",
  growth: "growth",
  rank: "rank",
};

const OP_SYMBOLS: Readonly<Record<CatalogEntry["targets"][number]["op"], string>> = {
  ">=": "≥",
  ">": ">",
  "<=": "≤",
  "<": "<",
  "=": "=",
};

/** Hex digits of the definition hash shown in tables; the full hash is in the details. */
export const HASH_PREFIX_LENGTH = 12;

const cell = (s: string): string => s.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");

const showValue = (v: string | number | boolean): string => (typeof v === "string" ? JSON.stringify(v) : String(v));

/** A condition in the notation of docs/semantics.md: ∧, ∨, ¬, ∈; `attr = Y` for `isYear`. */
export const showCondition = (c: Condition): string => {
  if ("all" in c) return c.all.map((x) => ("any" in x ? `(${showCondition(x)})` : showCondition(x))).join(" ∧ ");
  if ("any" in c) return c.any.map((x) => ("all" in x ? `(${showCondition(x)})` : showCondition(x))).join(" ∨ ");
  if ("not" in c) return `¬(${showCondition(c.not)})`;
  if ("age" in c) {
    const parts = [
      ...(c.age.gte === undefined ? [] : [`age ≥ ${c.age.gte}`]),
      ...(c.age.lt === undefined ? [] : [`age < ${c.age.lt}`]),
    ];
    return parts.join(" ∧ ") || "true";
  }
  if ("isYear" in c) return `${c.attr} = Y`;
  if ("in" in c) return `${c.attr} ∈ {${c.in.map(showValue).join(", ")}}`;
  if (c.eq === true) return c.attr;
  if (c.eq === false) return `¬${c.attr}`;
  return `${c.attr} = ${showValue(c.eq)}`;
};

export const showReported = (r: ReportedField): string => {
  const where = Object.entries(r.where ?? {}).map(([k, v]) => `${k} = ${showValue(v)}`);
  return `${r.fact}.${r.field}${where.length > 0 ? `[${where.join(", ")}]` : ""}`;
};

/** A definition as a formula over year Y; counts are of entities in the geography at Y-12-31. */
export const showDefinition = (d: Definition): string => {
  switch (d.kind) {
    case "share":
      return `100 × count(${d.entity}: ${showCondition({ all: [d.population, d.numerator] })}) ÷ count(${d.entity}: ${showCondition(d.population)})`;
    case "shareOfReported":
      return `100 × count(${d.entity}: ${showCondition(d.numerator)}) ÷ Σ ${showReported(d.denominator)}`;
    case "ratePer1000":
      return `1000 × count(${d.entity}: ${showCondition(d.numerator)}) ÷ Σ ${showReported(d.denominator)}`;
    case "entityCount":
      return `count(${d.entity}: ${showCondition(d.numerator)})`;
    case "reportedRatio":
      return `100 × Σ ${showReported(d.numerator)} ÷ Σ ${showReported(d.denominator)}${d.by === undefined ? "" : `, for each ${d.by} (ALL left out)`}`;
    case "reportedCount":
      return d.cumulative ? `Σ ${showReported(d.value)} over the years ≤ Y` : `${showReported(d.value)} for Y`;
    case "growth":
      return `100 × (V(Y) ÷ V(Y − 1) − 1) where V = ${showReported(d.value)}`;
    case "rank":
      return `${showReported(d.value)} for Y`;
  }
};

const showTargetValue = (e: CatalogEntry, value: number): string => {
  switch (e.unit) {
    case "percent":
      return `${value} %`;
    case "percent_yoy":
      return `${value} %/yr`;
    case "per_1000_people":
      return `${value} per 1,000`;
    case "rank":
      return `rank ${value}`;
    case "count":
      return String(value);
  }
};

const showSource = (s: CatalogEntry["targets"][number]["source"]): string => `${s.document} ${s.section}`;

type Target = CatalogEntry["targets"][number];

/** Consecutive years with the same target, source and note, as one span (a yearly rate such as 2022–2025). */
const targetSpans = (targets: readonly Target[]): { from: number; to: number; target: Target }[] => {
  const same = (a: Target, b: Target): boolean =>
    a.op === b.op && a.value === b.value && a.note === b.note && JSON.stringify(a.source) === JSON.stringify(b.source);
  const spans: { from: number; to: number; target: Target }[] = [];
  for (const target of targets) {
    const last = spans[spans.length - 1];
    if (last !== undefined && last.to + 1 === target.year && same(last.target, target)) last.to = target.year;
    else spans.push({ from: target.year, to: target.year, target });
  }
  return spans;
};

const showSpan = (e: CatalogEntry, span: { from: number; to: number; target: Target }): string =>
  `${OP_SYMBOLS[span.target.op]} ${showTargetValue(e, span.target.value)} (${
    span.from === span.to ? span.from : `each year ${span.from}–${span.to}`
  })`;

const targetsCell = (e: CatalogEntry): string =>
  targetSpans(e.targets)
    .map((span) => `${showSpan(e, span)} — ${showSource(span.target.source)}`)
    .join("<br>");

const documentsTable = (documents: readonly PlanningDocument[]): string[] => [
  "| id | number | title | date | horizon | file under `plans/` |",
  "|---|---|---|---|---|---|",
  ...documents.map(
    (d) =>
      `| ${d.id} | ${cell(d.number ?? "(blank in the text)")} | ${cell(d.titleVi)}<br>*${cell(d.titleEn)}* | ${d.date} | ${d.horizon.join(", ")} | \`${d.file}\` |`,
  ),
];

const areaTable = (indicators: readonly CatalogIndicator[]): string[] => [
  "| code | tên chỉ tiêu | indicator | measure | population / denominator | targets (source) | definition hash | facts |",
  "|---|---|---|---|---|---|---|---|",
  ...indicators.map((i) =>
    [
      "",
      ` [${i.code}](#${i.code.toLowerCase()}) `,
      ` ${cell(i.nameVi)} `,
      ` ${cell(i.nameEn)} `,
      ` ${MEASURE_NAMES[i.measure]}${i.direction === "lower_is_better" ? " (lower is better)" : ""} `,
      ` ${cell(i.populationVi)}<br>*${cell(i.populationEn)}* `,
      ` ${targetsCell(i)} `,
      ` \`${i.definitionHash.slice(0, HASH_PREFIX_LENGTH)}\` `,
      ` ${i.facts.join(", ")} `,
      "",
    ].join("|"),
  ),
];

const details = (i: CatalogIndicator): string[] => [
  `### ${i.code}`,
  "",
  `${i.nameVi} — *${i.nameEn}*`,
  "",
  `- Definition (\`${i.definition.kind}\`): \`${showDefinition(i.definition)}\``,
  `- Definition hash: \`${i.definitionHash}\``,
  ...targetSpans(i.targets).map((span) => {
    const { source, note } = span.target;
    const quote = source.quote === undefined ? "" : `: “${source.quote}”`;
    return `- Target ${showSpan(i, span)} — ${showSource(source)}${quote}${note === undefined ? "" : ` (${note})`}`;
  }),
  ...(i.notes === undefined ? [] : [`- Notes: ${i.notes}`]),
  "",
];

export const renderCatalog = (catalog: Catalog): string => {
  const lines = [
    // Biome formats Markdown (padding tables, rewriting emphasis); the file must stay byte-equal to this rendering.
    "<!-- biome-ignore-all format: generated by packages/reference/src/catalog/writeCatalogDoc.ts -->",
    "<!-- Generated from packages/reference/catalog/*.json by packages/reference/src/catalog/writeCatalogDoc.ts (`pnpm docs:indicators`). Do not edit by hand. -->",
    "",
    "# Indicator catalog",
    "",
    `The ${catalog.indicators.length} indicators the engine computes, with every target of the ${catalog.documents.length} planning documents below.`,
    "Definitions are written in the language of `packages/core/src/indicators/definition.ts`; how each kind is computed",
    "is fixed in [semantics.md](semantics.md). A published figure names the hash of the definition it was computed with.",
    "",
    "Conventions: target values are in the indicator's unit (15 means 15 %); ≥ is at least, > strictly more, ≤ at most.",
    'A plan\'s "100 %" is written ≥ 100 %: a share cannot exceed 100 % (a count over an estimate can, and then meets it).',
    'A plan\'s bare "X %" goal is read as at least X %. The target applied to a year is the nearest target year on or after it.',
    "",
    "## Planning documents",
    "",
    ...documentsTable(catalog.documents),
    "",
  ];
  for (const area of AREAS) {
    const indicators = catalog.indicators.filter((i) => i.area === area);
    if (indicators.length === 0) continue;
    lines.push(`## ${AREA_TITLES[area]}`, "", ...areaTable(indicators), "", ...indicators.flatMap(details));
  }
  return `${lines.join("\n").trimEnd()}\n`;
};
