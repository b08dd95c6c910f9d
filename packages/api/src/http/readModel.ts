/**
 * What the API reads, held in memory: the reference (catalog with its planning documents, communes, the old
 * commune codes) loaded once, and the published figures at one warehouse checkpoint, indexed by indicator and
 * geography and by indicator and year. All figures of all indicators are small (39 indicators × 103
 * geographies × the year range, about 17,000 rows on the `small` sample and bounded by the 102 communes at any
 * scale), so a read never touches DuckDB: a series is one map lookup. `LiveWarehouse` rebuilds the model after
 * each catch-up and swaps it in whole, so a response always comes from one checkpoint.
 */
import { createHash } from "node:crypto";
import type { Parts } from "@kpi/core";
import { DENOMINATOR_SQL, NUMERATOR_SQL, type Warehouse, withheldSql } from "@kpi/projections";
import type { CatalogIndicator, PlanningDocument } from "@kpi/reference";
import { disclose, type Figure, type Status } from "./figures.js";

export interface CommuneInfo {
  readonly code: string;
  readonly name: string;
  readonly type: string;
  readonly typeEn: string;
  readonly oldProvince: string;
  readonly areaKm2: number | null;
  readonly population: number | null;
}

export interface Reference {
  readonly indicators: ReadonlyMap<string, CatalogIndicator>;
  readonly documents: ReadonlyMap<string, PlanningDocument>;
  readonly communes: ReadonlyMap<string, CommuneInfo>;
  /** Old (before 1 July 2025) commune code → the current commune it went to (first listed). */
  readonly oldCodes: ReadonlyMap<string, { readonly code: string; readonly name: string }>;
  readonly years: readonly [number, number];
  readonly smallCellThreshold: number;
  /** Changes when definitions, years or the threshold change (figures at the same position then differ). */
  readonly modelTag: string;
}

export const loadReference = async (
  warehouse: Warehouse,
  catalog: { readonly indicators: readonly CatalogIndicator[]; readonly documents: readonly PlanningDocument[] },
  years: readonly [number, number],
  smallCellThreshold: number,
): Promise<Reference> => {
  const communes = await warehouse.query<{
    code: string;
    name: string;
    type: string;
    type_en: string;
    old_province: string;
    area_km2: number | null;
    population: number | null;
  }>(
    `SELECT code, name, type, type_en, old_province, area_km2, CAST(population AS DOUBLE) AS population
     FROM communes ORDER BY code`,
  );
  const crosswalk = await warehouse.query<{ old_code: string; new_code: string; new_name: string }>(
    "SELECT old_code, arg_min(new_code, line) AS new_code, arg_min(new_name, line) AS new_name FROM crosswalk GROUP BY old_code",
  );
  const modelTag = createHash("sha256")
    .update(JSON.stringify([years, smallCellThreshold, catalog.indicators.map((e) => [e.code, e.definitionHash])]))
    .digest("hex")
    .slice(0, 8);
  return {
    indicators: new Map(catalog.indicators.map((e) => [e.code, e])),
    documents: new Map(catalog.documents.map((d) => [d.id, d])),
    communes: new Map(
      communes.map((c) => [
        c.code,
        {
          code: c.code,
          name: c.name,
          type: c.type,
          typeEn: c.type_en,
          oldProvince: c.old_province,
          areaKm2: c.area_km2,
          population: c.population,
        },
      ]),
    ),
    oldCodes: new Map(crosswalk.map((x) => [x.old_code, { code: x.new_code, name: x.new_name }])),
    years,
    smallCellThreshold,
    modelTag,
  };
};

/** Published figures of one indicator, indexed. */
export interface IndicatorFigures {
  readonly byGeo: ReadonlyMap<string, readonly Figure[]>;
  readonly byYear: ReadonlyMap<number, readonly Figure[]>;
}

const byBreakdownYear = (a: Figure, b: Figure) =>
  a.breakdown < b.breakdown ? -1 : a.breakdown > b.breakdown ? 1 : a.year - b.year;

/** Indexes one indicator's figures (already disclosed) by geography and by year. */
export const indexFigures = (figures: readonly Figure[]): IndicatorFigures => {
  const byGeo = new Map<string, Figure[]>();
  const byYear = new Map<number, Figure[]>();
  for (const f of figures) {
    const g = byGeo.get(f.geo);
    if (g === undefined) byGeo.set(f.geo, [f]);
    else g.push(f);
    const y = byYear.get(f.year);
    if (y === undefined) byYear.set(f.year, [f]);
    else y.push(f);
  }
  for (const g of byGeo.values()) g.sort(byBreakdownYear);
  for (const y of byYear.values()) y.sort((a, b) => (a.geo < b.geo ? -1 : a.geo > b.geo ? 1 : byBreakdownYear(a, b)));
  return { byGeo, byYear };
};

export interface ReadModel {
  /** The warehouse checkpoint: the last log position folded into these figures. */
  readonly position: number;
  /** The vintage of the figures: the last recording day (UTC, YYYY-MM-DD) folded in; null before any. */
  readonly vintage: string | null;
  /** When this server took these figures from the warehouse (ISO 8601): "updated on" for a reader. */
  readonly updatedAt: string;
  readonly figures: ReadonlyMap<string, IndicatorFigures>;
}

interface FigureRow {
  indicator: string;
  geo: string;
  year: number;
  breakdown: string;
  numerator: number | null;
  denominator: number | null;
  parts: Parts;
  value: number | null;
  target_year: number | null;
  target_op: string | null;
  target_value: number | null;
  trajectory: number | null;
  baseline_year: number | null;
  baseline_value: number | null;
  baseline_source: "plan" | "first_year" | null;
  status: string;
  withheld: "primary" | "secondary" | null;
  position: number;
  provisional: boolean;
  estimated: boolean;
  break_in_series: boolean;
  implausible: boolean;
  implausible_reason: string | null;
}

const toFigure = (r: FigureRow): Figure => ({
  indicator: r.indicator,
  geo: r.geo,
  level: r.geo === "province" ? "province" : "commune",
  year: r.year,
  breakdown: r.breakdown,
  numerator: r.numerator,
  denominator: r.denominator,
  parts: r.parts,
  value: r.value,
  targetYear: r.target_year,
  targetOp: r.target_op,
  targetValue: r.target_value,
  trajectory: r.trajectory,
  baselineYear: r.baseline_year,
  baselineValue: r.baseline_value,
  baselineSource: r.baseline_source,
  status: r.status as Status,
  suppressed: r.withheld !== null,
  withheld: r.withheld,
  position: r.position,
  provisional: r.provisional,
  estimated: r.estimated,
  breakInSeries: r.break_in_series,
  implausible: r.implausible,
  implausibleReason: r.implausible_reason,
});

/** Lets waiting requests run: model loads yield between chunks and indicators, so reads never stall behind one. */
const yieldToReads = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Every figure of `indicator_values` (or of the indicators in `only`) as `Figure`s (restricted: nothing
 * withheld yet), read a chunk at a time.
 */
export const readFigures = async (
  warehouse: Warehouse,
  only?: readonly string[],
): Promise<{ position: number; vintage: string | null; figures: Figure[] }> => {
  const position = await warehouse.checkpoint();
  const vintage = await readVintage(warehouse);
  const params: Record<string, string> = {};
  for (const [i, code] of (only ?? []).entries()) params[`i${i}`] = code;
  const where =
    only === undefined
      ? ""
      : `WHERE indicator IN (${
          only.length === 0
            ? "NULL"
            : Object.keys(params)
                .map((k) => `$${k}`)
                .join(", ")
        })`;
  const figures: Figure[] = [];
  // the rule's groups are within one indicator: only those read are worked on
  for await (const chunk of warehouse.streamQuery<FigureRow>(
    `SELECT indicator, geo, year, breakdown, CAST(${NUMERATOR_SQL} AS DOUBLE) AS numerator,
            CAST(${DENOMINATOR_SQL} AS DOUBLE) AS denominator,
            (SELECT i.parts FROM indicators i WHERE i.code = indicator) AS parts, value, target_year, target_op, target_value, trajectory,
            baseline_year, baseline_value, baseline_source, status, withheld, CAST(position AS DOUBLE) AS position,
            provisional, estimated, break_in_series, implausible, implausible_reason
     FROM (${withheldSql(`SELECT * FROM indicator_values ${where}`, "suppressed")})
     ORDER BY indicator, geo, breakdown, year`,
    params,
  )) {
    for (const r of chunk) figures.push(toFigure(r));
    await yieldToReads();
  }
  return { position, vintage, figures };
};

/** The projection's vintage (`projection_meta`), or null when nothing is folded yet. */
export const readVintage = async (warehouse: Warehouse): Promise<string | null> => {
  const rows = await warehouse.query<{ value: string }>(
    "SELECT value FROM projection_meta WHERE key = 'vintage' AND value <> ''",
  );
  return rows[0]?.value ?? null;
};

const groupByIndicator = (figures: readonly Figure[]): Map<string, Figure[]> => {
  const grouped = new Map<string, Figure[]>();
  for (const f of figures) {
    const g = grouped.get(f.indicator);
    if (g === undefined) grouped.set(f.indicator, [f]);
    else g.push(f);
  }
  return grouped;
};

/** Groups figures by indicator, discloses them (small-cell suppression) and indexes them. */
export const buildReadModel = (
  position: number,
  figures: readonly Figure[],
  vintage: string | null = null,
): ReadModel => ({
  position,
  vintage,
  updatedAt: new Date().toISOString(),
  figures: new Map([...groupByIndicator(figures)].map(([code, fs]) => [code, indexFigures(disclose(fs))])),
});

export const loadReadModel = async (warehouse: Warehouse): Promise<ReadModel> => {
  const { position, vintage, figures } = await readFigures(warehouse);
  const out = new Map<string, IndicatorFigures>();
  for (const [code, fs] of groupByIndicator(figures)) {
    out.set(code, indexFigures(disclose(fs)));
    await yieldToReads();
  }
  return { position, vintage, updatedAt: new Date().toISOString(), figures: out };
};

/**
 * The model after a catch-up that recomputed only the indicators in `changed`: those are read again; the
 * others keep their figures, stamped with the new position (the warehouse stamps every row with it). Equal to
 * `loadReadModel` at the same checkpoint, at a fraction of the reading.
 */
export const refreshReadModel = async (
  warehouse: Warehouse,
  old: ReadModel,
  changed: readonly string[],
): Promise<ReadModel> => {
  const { position, vintage, figures } = await readFigures(warehouse, changed);
  const fresh = groupByIndicator(figures);
  const out = new Map<string, IndicatorFigures>();
  const codes = new Set([...old.figures.keys(), ...fresh.keys()]);
  for (const code of [...codes].sort()) {
    const again = fresh.get(code);
    if (again !== undefined) {
      out.set(code, indexFigures(disclose(again)));
    } else if (!changed.includes(code)) {
      const kept = old.figures.get(code);
      if (kept === undefined) continue;
      const restamped: Figure[] = [];
      for (const fs of kept.byGeo.values()) for (const f of fs) restamped.push({ ...f, position });
      out.set(code, indexFigures(restamped));
    }
    await yieldToReads();
  }
  return { position, vintage, updatedAt: new Date().toISOString(), figures: out };
};
