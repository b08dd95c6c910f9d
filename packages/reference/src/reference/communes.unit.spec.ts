import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { loadCommunes, parseCommunes } from "./communes.js";
import { loadCrosswalk, parseCrosswalk } from "./crosswalk.js";
import { checkReference, loadReferenceData } from "./referenceData.js";

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left).slice(0, 2000));
  return e.right;
};

describe("loadCommunes", () => {
  const communes = right(loadCommunes());

  it("has the 102 communes of Nghị quyết 1663: 82 xã and 20 phường", () => {
    expect(communes).toHaveLength(102);
    expect(communes.filter((c) => c.type === "Xã")).toHaveLength(82);
    expect(communes.filter((c) => c.type === "Phường")).toHaveLength(20);
    expect(new Set(communes.map((c) => c.code)).size).toBe(102);
  });

  it("keeps the typed source columns", () => {
    const myTho = communes.find((c) => c.code === "28261");
    expect(myTho).toMatchObject({
      name: "Phường Mỹ Tho",
      type: "Phường",
      typeEn: "ward",
      oldProvince: "Tiền Giang",
      resolutionClause: 83,
      nOldUnits: 3,
      areaKm2: 6.4,
      population: { _tag: "Reported", value: 66766 },
    });
    expect(myTho?.sources.areaPopulation).toContain("sapnhap.bando.com.vn");
  });

  it("keeps the 12 SUSPECT_LOW populations flagged, with their note", () => {
    const suspect = communes.filter((c) => c.population._tag === "SuspectLow");
    expect(suspect).toHaveLength(12);
    for (const c of suspect) {
      expect(c.population.value).toBeLessThan(10_000);
      expect(c.population._tag === "SuspectLow" && c.population.note).toMatch(/^SUSPECT_LOW/);
    }
    expect(communes.find((c) => c.code === "28270")?.population).toMatchObject({ _tag: "SuspectLow", value: 3849 });
  });

  it("refuses an unknown population flag and a bad number, naming line and column", () => {
    const text = `${"commune_code,commune_name,commune_type,type_en,province_code,province_name,gso_list_stt,area_km2,population,population_flag,area_population_note,admin_center,name_on_sapnhap_bando,old_units_sapnhap_bando,old_province,resolution,resolution_clause,old_districts,n_old_units,partial_old_units,source_code_name,source_area_population"}
28261,Phường Mỹ Tho,Phường,ward,82,Tỉnh Đồng Tháp,2827,6.4,66766,MAYBE,,,,,Tiền Giang,r,83,d,3,,s,s
28262,Phường X,Phường,ward,82,Tỉnh Đồng Tháp,2828,abc,1,,,,,,Tiền Giang,r,84,d,3,,s,s
`;
    const r = parseCommunes(text);
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left.problems).toContainEqual({
        line: 3,
        column: "area_km2",
        reason: "expected a decimal number like 14.3",
      });
      // row 2 decodes, then its flag is refused (only reported once the columns themselves are fine)
      const again = parseCommunes(text.replace(",abc,", ",1.5,"));
      expect(E.isLeft(again) && again.left.problems[0]).toMatchObject({ line: 2, column: "population_flag" });
    }
  });

  it("refuses a header with a missing or unexpected column", () => {
    const r = parseCommunes("commune_code,whatever\n28261,x\n");
    expect(E.isLeft(r) && r.left.problems.map((p) => p.reason)).toContain("unexpected column");
  });
});

describe("loadCrosswalk", () => {
  const crosswalk = right(loadCrosswalk());

  it("has 308 rows for 305 distinct old units, 3 of them split in two", () => {
    expect(crosswalk).toHaveLength(308);
    expect(new Set(crosswalk.map((r) => r.old.code)).size).toBe(305);
    const partial = crosswalk.filter((r) => r.mergeType === "partial");
    expect(partial).toHaveLength(6);
    expect(new Set(partial.map((r) => r.old.code))).toEqual(new Set(["29995", "30079", "30157"]));
  });

  it("covers old Tiền Giang (82) and old Đồng Tháp (87) only", () => {
    const units = new Map(crosswalk.map((r) => [r.old.code, r.old.provinceCode]));
    const counts: Record<string, number> = {};
    for (const p of units.values()) counts[p] = (counts[p] ?? 0) + 1;
    expect(counts).toEqual({ "82": 164, "87": 141 });
  });

  it("refuses a row with an invalid code", () => {
    const header =
      "old_province_code,old_province_name,old_district_code,old_district_name,old_district_type,old_commune_code,old_commune_name,old_commune_type,new_commune_code,new_commune_name,new_commune_type,new_province_code,new_province_name,merge_type,resolution,resolution_clause,mapping_confidence,resolution_text,cross_check_sapnhap_bando,source";
    const r = parseCrosswalk(
      `${header}\n82,T,815,M,Thành phố,2824,P5,Phường,28249,Đ,Phường,82,Đ,full,r,84,high,t,match,s\n`,
    );
    expect(E.isLeft(r) && r.left.problems[0]?.column).toBe("old_commune_code");
  });
});

describe("checkReference", () => {
  it("finds the shipped files consistent with each other", () => {
    const ref = right(loadReferenceData());
    expect(checkReference(ref.communes, ref.crosswalk)).toEqual([]);
  });

  it("notices a crosswalk row pointing at a commune that does not exist", () => {
    const ref = right(loadReferenceData());
    const [first, ...rest] = ref.crosswalk;
    if (first === undefined) throw new Error("empty crosswalk");
    const broken = [{ ...first, new: { ...first.new, code: "99999" as typeof first.new.code } }, ...rest];
    const problems = checkReference(ref.communes, broken);
    expect(problems.map((p) => p.column)).toContain("new_commune_code");
    expect(problems.map((p) => p.column)).toContain("n_old_units");
  });
});
