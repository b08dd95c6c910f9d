/**
 * `resolveCommune(code, onDate)`: which current commune a commune code on a fact dated `onDate` rolls up to.
 *
 * Codes were reused in the 2025 reorganisation (every new code is the code of one of its old units), so a code
 * alone is ambiguous: it is joined on (code, date). Before 2025-07-01 a code names an old unit of old Đồng Tháp
 * (87) or old Tiền Giang (82) and is looked up in the crosswalk; from 2025-07-01 it names a current commune.
 *
 * Split old units. Three old communes were divided between two new ones (`merge_type` = partial): 29995 Xã Phú
 * Thuận B, 30079 Xã Gáo Giồng and 30157 Xã Tân Thạnh. A fact from one of them cannot say which part it came
 * from, so the rule is: **it rolls up to the new commune of the row listed first in the crosswalk** (for all
 * three that is also the lower resolution clause, the new commune that took "a part" of the old one; the other
 * took "the remainder"). The result then carries a `PartialSplit` warning naming the rule and the other
 * commune, so a caller can count or report such facts. The rule is a convention, not a measured share: the
 * sources give no population per part.
 *
 * Errors are values, never throws: a malformed code or date, or a code unknown on that date.
 */
import { CommuneCode, IsoDate } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import type { Commune } from "./communes.js";
import type { CrosswalkRow, OldUnit } from "./crosswalk.js";
import { type ReferenceData, referenceData } from "./referenceData.js";

/** The first day of the current communes (Nghị quyết 1663/NQ-UBTVQH15 took effect on 1 July 2025). */
export const MERGER_DATE = "2025-07-01" as IsoDate;

export type Era = "old" | "current";
export const eraOn = (onDate: string): Era => (onDate < MERGER_DATE ? "old" : "current");

/** What the code named on that date. */
export type ResolvedUnit =
  | { readonly era: "old"; readonly unit: OldUnit }
  | { readonly era: "current"; readonly unit: Commune };

export interface PartialSplitWarning {
  readonly _tag: "PartialSplit";
  readonly oldCode: CommuneCode;
  readonly oldName: string;
  /** The commune the fact was rolled up to (the row listed first). */
  readonly chosen: CommuneCode;
  /** The other commune(s) that received part of the old unit. */
  readonly alsoSplitInto: readonly CommuneCode[];
  readonly message: string;
}
export type ResolveWarning = PartialSplitWarning;

export type ResolvedCommune = ResolvedUnit & {
  readonly code: CommuneCode;
  readonly onDate: IsoDate;
  /** The current commune the code rolls up to. */
  readonly commune: Commune;
  readonly warnings: readonly ResolveWarning[];
};

export type ResolveError =
  | { readonly _tag: "InvalidCommuneCode"; readonly input: string; readonly message: string }
  | { readonly _tag: "InvalidDate"; readonly input: string; readonly message: string }
  | {
      readonly _tag: "UnknownCommuneCode";
      readonly code: CommuneCode;
      readonly onDate: IsoDate;
      readonly era: Era;
      readonly message: string;
    };

export interface CommuneResolver {
  resolve(code: string, onDate: string): E.Either<ResolveError, ResolvedCommune>;
}

/** A resolver over the given reference data (pure: the maps are built once). */
export const createResolver = (ref: ReferenceData): CommuneResolver => {
  const current = new Map<string, Commune>(ref.communes.map((c) => [c.code, c]));
  const rowsByOld = new Map<string, CrosswalkRow[]>();
  for (const r of [...ref.crosswalk].sort((a, b) => a.line - b.line)) {
    rowsByOld.set(r.old.code, [...(rowsByOld.get(r.old.code) ?? []), r]);
  }

  const resolve = (code: string, onDate: string): E.Either<ResolveError, ResolvedCommune> => {
    if (!CommuneCode.is(code)) {
      return E.left({
        _tag: "InvalidCommuneCode",
        input: code,
        message: `${JSON.stringify(code)} is not a 5-digit commune code`,
      });
    }
    if (!IsoDate.is(onDate)) {
      return E.left({
        _tag: "InvalidDate",
        input: onDate,
        message: `${JSON.stringify(onDate)} is not a date YYYY-MM-DD`,
      });
    }
    if (eraOn(onDate) === "current") {
      const commune = current.get(code);
      if (commune === undefined) {
        const old = rowsByOld.get(code)?.[0];
        return E.left({
          _tag: "UnknownCommuneCode",
          code,
          onDate,
          era: "current",
          message:
            old === undefined
              ? `${code} is not a current commune of Đồng Tháp (on ${onDate})`
              : `${code} is not a current commune; it was the old unit ${old.old.name} (${old.old.districtName}), which became ${old.new.code} ${old.new.name} on ${MERGER_DATE}: a fact dated ${onDate} must carry the current code`,
        });
      }
      return E.right({ era: "current", unit: commune, code, onDate, commune, warnings: [] });
    }
    const rows = rowsByOld.get(code) ?? [];
    const first = rows[0];
    if (first === undefined) {
      return E.left({
        _tag: "UnknownCommuneCode",
        code,
        onDate,
        era: "old",
        message: `${code} is not an old unit of Đồng Tháp (87) or Tiền Giang (82) in the crosswalk, so a fact dated ${onDate} (before ${MERGER_DATE}) cannot carry it`,
      });
    }
    const commune = current.get(first.new.code);
    if (commune === undefined)
      throw new Error(`crosswalk row ${first.line} points at unknown commune ${first.new.code}`);
    const others = rows.slice(1).map((r) => r.new.code);
    const warnings: ResolveWarning[] =
      first.mergeType === "partial"
        ? [
            {
              _tag: "PartialSplit",
              oldCode: code,
              oldName: first.old.name,
              chosen: commune.code,
              alsoSplitInto: others,
              message: `old unit ${code} ${first.old.name} was split between ${[commune.code, ...others].join(" and ")}; by the documented rule the fact is counted in ${commune.code} ${commune.name}, the commune of the crosswalk row listed first`,
            },
          ]
        : [];
    return E.right({ era: "old", unit: first.old, code, onDate, commune, warnings });
  };
  return { resolve };
};

let shipped: CommuneResolver | undefined;

/** Resolve against the shipped reference data (see the module comment for the rules). */
export const resolveCommune = (code: string, onDate: string): E.Either<ResolveError, ResolvedCommune> => {
  shipped ??= createResolver(referenceData());
  return shipped.resolve(code, onDate);
};
