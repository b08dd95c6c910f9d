/**
 * The warehouse's inputs from `@kpi/reference`: the reference tables (communes, crosswalk, and how every code
 * resolves in each era, computed with the reference package's own resolver so SQL and TypeScript agree) and the
 * catalog.
 */
import type { CatalogEntry } from "@kpi/core";
import { type CommuneResolver, createResolver, formatCatalogError, loadCatalog, referenceData } from "@kpi/reference";
import * as E from "fp-ts/lib/Either.js";
import type { ReferenceTables } from "./projector.js";

export const seedReferenceTables = (): ReferenceTables => {
  const ref = referenceData();
  const resolver: CommuneResolver = createResolver(ref);
  const resolution: ReferenceTables["resolution"][number][] = [];
  for (const c of ref.communes) {
    const r = resolver.resolve(c.code, "2025-07-01");
    if (E.isRight(r)) resolution.push({ code: c.code, era: "current", commune: r.right.commune.code, partial: false });
  }
  for (const code of new Set(ref.crosswalk.map((x) => x.old.code as string))) {
    const r = resolver.resolve(code, "2025-06-30");
    if (E.isRight(r)) {
      resolution.push({ code, era: "old", commune: r.right.commune.code, partial: r.right.warnings.length > 0 });
    }
  }
  return {
    communes: ref.communes.map((c) => ({
      code: c.code,
      name: c.name,
      type: c.type,
      typeEn: c.typeEn,
      oldProvince: c.oldProvince,
      areaKm2: c.areaKm2,
      population: c.population.value,
      populationFlag: c.population._tag === "SuspectLow" ? `SUSPECT_LOW: ${c.population.note}` : null,
      resolution: c.resolution,
      resolutionClause: c.resolutionClause,
      nOldUnits: c.nOldUnits,
    })),
    crosswalk: ref.crosswalk.map((x) => ({
      line: x.line,
      oldCode: x.old.code,
      oldName: x.old.name,
      oldProvinceCode: x.old.provinceCode,
      oldDistrict: x.old.districtName,
      newCode: x.new.code,
      newName: x.new.name,
      mergeType: x.mergeType,
      resolutionClause: x.resolutionClause,
    })),
    resolution,
  };
};

/** The shipped catalog; throws with every problem listed if the shipped files are broken. */
export const seedCatalog = (): readonly CatalogEntry[] => {
  const r = loadCatalog();
  if (E.isLeft(r)) throw new Error(formatCatalogError(r.left));
  return r.right.indicators;
};

/** A resolver function over the shipped reference data (for the oracle fold). */
export const seedResolve = (): ((code: string, occurredOn: string) => string | undefined) => {
  const resolver = createResolver(referenceData());
  return (code, on) => {
    const r = resolver.resolve(code, on);
    return E.isRight(r) ? r.right.commune.code : undefined;
  };
};
