/**
 * The 102 current communes and wards of Đồng Tháp (from 1 July 2025), decoded from
 * `data/dong_thap_communes_2025.csv`. Every column that matters is kept, typed. A population the reference data
 * flags SUSPECT_LOW stays flagged: `population` is a tagged value, so no caller can use a suspect figure without
 * first looking at its tag.
 */
import { readFileSync } from "node:fs";
import { CommuneCode } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import {
  DecimalFromString,
  decodeCsv,
  IntFromString,
  NonEmptyString,
  type ReferenceDataError,
  referenceDataError,
} from "./csvRows.js";
import { COMMUNES_CSV } from "./dataFiles.js";

/**
 * A commune's population as the source gives it. `SuspectLow`: the reference data marks the figure as
 * implausibly low (below 10,000 for a unit merged from 2–4 old communes; see `data/SOURCES.md`); `note` is the
 * flag's full text. Use `value` of a suspect figure only after deciding what to do about it.
 */
export type PopulationFigure =
  | { readonly _tag: "Reported"; readonly value: number }
  | { readonly _tag: "SuspectLow"; readonly value: number; readonly note: string };

export const COMMUNE_TYPES = ["Xã", "Phường"] as const;
export type CommuneType = (typeof COMMUNE_TYPES)[number];

export interface Commune {
  readonly code: CommuneCode;
  readonly name: string;
  /** Xã (rural commune) or Phường (urban ward). */
  readonly type: CommuneType;
  readonly typeEn: "commune" | "ward";
  readonly provinceCode: "82";
  readonly provinceName: string;
  /** Row number in the statistics office's list (Công văn 1027/CTK-CSCL, Phụ lục I). */
  readonly gsoListStt: number;
  /** Provisional area from the merger dossier, km². */
  readonly areaKm2: number;
  readonly population: PopulationFigure;
  readonly areaPopulationNote: string;
  readonly adminCenter: string;
  readonly nameOnSapnhapBando: string;
  /** The old units as sapnhap.bando lists them, one text. */
  readonly oldUnitsSapnhapBando: string;
  /** The old province most of its old units came from. */
  readonly oldProvince: "Tiền Giang" | "Đồng Tháp";
  /** "1663/NQ-UBTVQH15 (16/06/2025)". */
  readonly resolution: string;
  /** Clause of Article 1 of the resolution that created it. */
  readonly resolutionClause: number;
  readonly oldDistricts: string;
  readonly nOldUnits: number;
  /** Old units only partly merged into this commune, as "Name code" texts (empty for most communes). */
  readonly partialOldUnits: string;
  readonly sources: { readonly codeName: string; readonly areaPopulation: string };
  /** Line of the CSV file the row starts on. */
  readonly line: number;
}

const Row = t.type({
  commune_code: CommuneCode,
  commune_name: NonEmptyString,
  commune_type: t.keyof({ Xã: null, Phường: null }),
  type_en: t.keyof({ commune: null, ward: null }),
  province_code: t.literal("82"),
  province_name: NonEmptyString,
  gso_list_stt: IntFromString,
  area_km2: DecimalFromString,
  population: IntFromString,
  population_flag: t.string,
  area_population_note: t.string,
  admin_center: t.string,
  name_on_sapnhap_bando: t.string,
  old_units_sapnhap_bando: t.string,
  old_province: t.keyof({ "Tiền Giang": null, "Đồng Tháp": null }),
  resolution: NonEmptyString,
  resolution_clause: IntFromString,
  old_districts: t.string,
  n_old_units: IntFromString,
  partial_old_units: t.string,
  source_code_name: NonEmptyString,
  source_area_population: NonEmptyString,
});

const populationOf = (value: number, flag: string): PopulationFigure | string => {
  if (flag.trim() === "") return { _tag: "Reported", value };
  if (flag.startsWith("SUSPECT_LOW")) return { _tag: "SuspectLow", value, note: flag };
  return `unknown population_flag ${JSON.stringify(flag.slice(0, 40))}; expected empty or SUSPECT_LOW: …`;
};

/** Decode the communes CSV text. */
export const parseCommunes = (
  text: string,
  file = "dong_thap_communes_2025.csv",
): E.Either<ReferenceDataError, Commune[]> => {
  const rows = decodeCsv(file, text, Row);
  if (E.isLeft(rows)) return rows;
  const out: Commune[] = [];
  const problems: { line: number; column: string; reason: string }[] = [];
  for (const r of rows.right) {
    const population = populationOf(r.population, r.population_flag);
    if (typeof population === "string") {
      problems.push({ line: r.line, column: "population_flag", reason: population });
      continue;
    }
    if ((r.commune_type === "Phường") !== (r.type_en === "ward")) {
      problems.push({ line: r.line, column: "type_en", reason: `${r.type_en} does not match ${r.commune_type}` });
    }
    out.push({
      code: r.commune_code,
      name: r.commune_name,
      type: r.commune_type,
      typeEn: r.type_en,
      provinceCode: r.province_code,
      provinceName: r.province_name,
      gsoListStt: r.gso_list_stt,
      areaKm2: r.area_km2,
      population,
      areaPopulationNote: r.area_population_note,
      adminCenter: r.admin_center,
      nameOnSapnhapBando: r.name_on_sapnhap_bando,
      oldUnitsSapnhapBando: r.old_units_sapnhap_bando,
      oldProvince: r.old_province,
      resolution: r.resolution,
      resolutionClause: r.resolution_clause,
      oldDistricts: r.old_districts,
      nOldUnits: r.n_old_units,
      partialOldUnits: r.partial_old_units,
      sources: { codeName: r.source_code_name, areaPopulation: r.source_area_population },
      line: r.line,
    });
  }
  const seen = new Set<string>();
  for (const c of out) {
    if (seen.has(c.code)) problems.push({ line: c.line, column: "commune_code", reason: `duplicate code ${c.code}` });
    seen.add(c.code);
  }
  return problems.length > 0 ? E.left(referenceDataError(file, problems)) : E.right(out);
};

/** Read and decode the communes CSV (by default the one shipped in `packages/reference/data`). */
export const loadCommunes = (path: string = COMMUNES_CSV): E.Either<ReferenceDataError, Commune[]> =>
  parseCommunes(readFileSync(path, "utf8"), path);
