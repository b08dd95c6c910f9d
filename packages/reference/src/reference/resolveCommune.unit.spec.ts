import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { referenceData } from "./referenceData.js";
import { createResolver, MERGER_DATE, type ResolvedCommune, resolveCommune } from "./resolveCommune.js";

const ok = (r: E.Either<unknown, ResolvedCommune>): ResolvedCommune => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

const { communes, crosswalk } = referenceData();

describe("resolveCommune", () => {
  it("resolves each of the 102 current codes to itself from 2025-07-01 on, without warnings", () => {
    for (const c of communes) {
      for (const day of [MERGER_DATE, "2026-12-31"]) {
        const r = ok(resolveCommune(c.code, day));
        expect(r.era).toBe("current");
        expect(r.commune.code).toBe(c.code);
        expect(r.warnings).toEqual([]);
      }
    }
  });

  it("resolves every old code of the crosswalk before 2025-07-01 to the commune of its (first) row", () => {
    const distinct = new Set<string>();
    for (const row of crosswalk) {
      const r = ok(resolveCommune(row.old.code, "2025-06-30"));
      expect(r.era).toBe("old");
      expect(r.unit.name).toBe(row.old.name);
      distinct.add(row.old.code);
      if (row.mergeType === "full") expect(r.commune.code).toBe(row.new.code);
    }
    expect(distinct.size).toBe(305);
  });

  it("joins on code and date: reused code 28249 is Phường 5 on 2025-06-30 and Phường Đạo Thạnh on 2025-07-01", () => {
    const before = ok(resolveCommune("28249", "2025-06-30"));
    const after = ok(resolveCommune("28249", "2025-07-01"));
    expect(before.unit.name).toBe("Phường 5");
    expect(after.unit.name).toBe("Phường Đạo Thạnh");
    expect(before.commune.code).toBe("28249");
  });

  it("joins on code and date: 30157 rolls up to Xã Thanh Bình before the merger and is Xã Tân Thạnh after", () => {
    const before = ok(resolveCommune("30157", "2025-06-30"));
    const after = ok(resolveCommune("30157", "2025-07-01"));
    expect(before.commune.code).toBe("30130");
    expect(after.commune.code).toBe("30157");
    expect(after.commune.name).toBe("Xã Tân Thạnh");
  });

  it("applies the first-listed-row rule to the three split old units and says so in a warning", () => {
    const expected: Record<string, [string, string]> = {
      "29995": ["29992", "30154"],
      "30079": ["30025", "30088"],
      "30157": ["30130", "30157"],
    };
    for (const [old, [chosen, other]] of Object.entries(expected)) {
      const r = ok(resolveCommune(old, "2024-01-15"));
      expect(r.commune.code).toBe(chosen);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatchObject({ _tag: "PartialSplit", oldCode: old, chosen, alsoSplitInto: [other] });
      const rows = crosswalk.filter((x) => x.old.code === old).sort((a, b) => a.line - b.line);
      expect(rows[0]?.new.code).toBe(chosen);
      expect(rows[0]?.resolutionClause).toBeLessThan(rows[1]?.resolutionClause ?? 0);
    }
    expect(
      crosswalk
        .filter((r) => r.mergeType === "full")
        .every((r) => ok(resolveCommune(r.old.code, "2020-01-01")).warnings.length === 0),
    ).toBe(true);
  });

  it("refuses an old code that is not in the crosswalk (An Giang's Xã Tân Phú, 30622) with an error value", () => {
    const r = resolveCommune("30622", "2024-05-01");
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "UnknownCommuneCode", code: "30622", era: "old" });
  });

  it("refuses an old-only code after the merger, saying what it became", () => {
    const r = resolveCommune("28252", "2025-07-01");
    expect(E.isLeft(r) && r.left._tag).toBe("UnknownCommuneCode");
    expect(E.isLeft(r) && r.left.message).toContain("became 28249");
  });

  it("refuses malformed codes and dates as values", () => {
    const short = resolveCommune("2824", "2024-01-01");
    expect(E.isLeft(short) && short.left._tag).toBe("InvalidCommuneCode");
    const bad = resolveCommune("28249", "2025-02-30");
    expect(E.isLeft(bad) && bad.left._tag).toBe("InvalidDate");
    const badCode = resolveCommune("2824x", "2024-01-01");
    expect(E.isLeft(badCode) && badCode.left._tag).toBe("InvalidCommuneCode");
  });

  it("a resolver over other reference data uses that data", () => {
    const only = createResolver({ communes, crosswalk: crosswalk.filter((r) => r.new.code === "28249") });
    expect(E.isRight(only.resolve("28252", "2025-01-01"))).toBe(true);
    expect(E.isLeft(only.resolve("28264", "2025-01-01"))).toBe(true);
  });
});
