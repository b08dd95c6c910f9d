/**
 * The crosswalk from the 305 old units of old Đồng Tháp (province 87) and old Tiền Giang (82) to the 102 current
 * communes, decoded from `data/dong_thap_crosswalk_2025.csv` (308 rows: three old communes were split between
 * two new ones, `mergeType` = "partial", and have one row per new commune). Rows keep their file order (`line`),
 * which the resolver's rule for split communes relies on.
 */
import { readFileSync } from "node:fs";
import { CommuneCode } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { decodeCsv, IntFromString, NonEmptyString, type ReferenceDataError } from "./csvRows.js";
import { CROSSWALK_CSV } from "./dataFiles.js";

export const OLD_UNIT_TYPES = ["Xã", "Phường", "Thị trấn"] as const;
export type OldUnitType = (typeof OLD_UNIT_TYPES)[number];

/** An administrative unit that existed until 30 June 2025. */
export interface OldUnit {
  readonly code: CommuneCode;
  readonly name: string;
  readonly type: OldUnitType;
  readonly provinceCode: "82" | "87";
  readonly provinceName: string;
  readonly districtCode: string;
  readonly districtName: string;
  readonly districtType: string;
}

export interface CrosswalkRow {
  readonly old: OldUnit;
  readonly new: {
    readonly code: CommuneCode;
    readonly name: string;
    readonly type: "Xã" | "Phường";
    readonly provinceCode: "82";
    readonly provinceName: string;
  };
  /** full: the whole old unit went into the new one; partial: only part of it (the old unit has two rows). */
  readonly mergeType: "full" | "partial";
  readonly resolution: string;
  readonly resolutionClause: number;
  /** "high" or "manual:high". */
  readonly mappingConfidence: string;
  readonly resolutionText: string;
  readonly crossCheckSapnhapBando: string;
  readonly source: string;
  /** Line of the CSV file the row starts on; the order of rows matters for split old units. */
  readonly line: number;
}

const Row = t.type({
  old_province_code: t.keyof({ "82": null, "87": null }),
  old_province_name: NonEmptyString,
  old_district_code: NonEmptyString,
  old_district_name: NonEmptyString,
  old_district_type: NonEmptyString,
  old_commune_code: CommuneCode,
  old_commune_name: NonEmptyString,
  old_commune_type: t.keyof({ Xã: null, Phường: null, "Thị trấn": null }),
  new_commune_code: CommuneCode,
  new_commune_name: NonEmptyString,
  new_commune_type: t.keyof({ Xã: null, Phường: null }),
  new_province_code: t.literal("82"),
  new_province_name: NonEmptyString,
  merge_type: t.keyof({ full: null, partial: null }),
  resolution: NonEmptyString,
  resolution_clause: IntFromString,
  mapping_confidence: NonEmptyString,
  resolution_text: NonEmptyString,
  cross_check_sapnhap_bando: NonEmptyString,
  source: NonEmptyString,
});

/** Decode the crosswalk CSV text. */
export const parseCrosswalk = (
  text: string,
  file = "dong_thap_crosswalk_2025.csv",
): E.Either<ReferenceDataError, CrosswalkRow[]> =>
  E.map((rows: (t.TypeOf<typeof Row> & { line: number })[]) =>
    rows.map(
      (r): CrosswalkRow => ({
        old: {
          code: r.old_commune_code,
          name: r.old_commune_name,
          type: r.old_commune_type,
          provinceCode: r.old_province_code,
          provinceName: r.old_province_name,
          districtCode: r.old_district_code,
          districtName: r.old_district_name,
          districtType: r.old_district_type,
        },
        new: {
          code: r.new_commune_code,
          name: r.new_commune_name,
          type: r.new_commune_type,
          provinceCode: r.new_province_code,
          provinceName: r.new_province_name,
        },
        mergeType: r.merge_type,
        resolution: r.resolution,
        resolutionClause: r.resolution_clause,
        mappingConfidence: r.mapping_confidence,
        resolutionText: r.resolution_text,
        crossCheckSapnhapBando: r.cross_check_sapnhap_bando,
        source: r.source,
        line: r.line,
      }),
    ),
  )(decodeCsv(file, text, Row));

/** Read and decode the crosswalk CSV (by default the one shipped in `packages/reference/data`). */
export const loadCrosswalk = (path: string = CROSSWALK_CSV): E.Either<ReferenceDataError, CrosswalkRow[]> =>
  parseCrosswalk(readFileSync(path, "utf8"), path);
