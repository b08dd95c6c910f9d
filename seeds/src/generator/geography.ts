/**
 * The sample province's map: the current communes in scope with a usable population, the old units that were
 * merged into them, and the weights the simulation places people and businesses with. Built from the reference
 * data (`@kpi/reference`), so codes, names and the old → new mapping are the real ones.
 *
 * Populations flagged SUSPECT_LOW are not used as they stand. The 12 flagged communes share what the 90
 * unflagged ones leave of the province's 4,370,046 (the merger figure) in proportion to how many old units each
 * merged: (4,370,046 − Σ unflagged) × n_old_units / Σ n_old_units of the flagged ones, about 14,900 people per old
 * unit (the province's average old unit has 14,300). Phường Thới Sơn (flagged at 3,849) gets ~29,700, against
 * 33,045 seen on vreview.vn.
 */
import type { CommuneCode } from "@kpi/core";
import type { Commune, ReferenceData } from "@kpi/reference";
import { PROVINCE_POPULATION_2025 } from "./calibration.js";
import { cumulative, type Rng } from "./rng.js";
import type { Scale } from "./scales.js";

export interface CalibratedPopulation {
  readonly value: number;
  /** "reported": the source's figure; "imputed": replaces a SUSPECT_LOW figure (see the module comment). */
  readonly basis: "reported" | "imputed";
}

/** The population the generator uses for each current commune (province scale). */
export const calibratedPopulations = (communes: readonly Commune[]): Map<string, CalibratedPopulation> => {
  let reported = 0;
  let flaggedUnits = 0;
  for (const c of communes) {
    if (c.population._tag === "Reported") reported += c.population.value;
    else flaggedUnits += c.nOldUnits;
  }
  const perUnit = flaggedUnits === 0 ? 0 : Math.max(0, PROVINCE_POPULATION_2025 - reported) / flaggedUnits;
  return new Map(
    communes.map((c) => [
      c.code as string,
      c.population._tag === "Reported"
        ? { value: c.population.value, basis: "reported" }
        : { value: Math.round(perUnit * c.nOldUnits), basis: "imputed" },
    ]),
  );
};

export interface ModelUnit {
  readonly index: number;
  readonly code: CommuneCode;
  readonly name: string;
  readonly provinceCode: "82" | "87";
  readonly districtCode: string;
  /** Split between two current communes (merge_type partial). */
  readonly split: boolean;
}

export interface ModelCommune {
  readonly index: number;
  readonly code: CommuneCode;
  readonly name: string;
  readonly ward: boolean;
  readonly oldProvince: "Tiền Giang" | "Đồng Tháp";
  /** Calibrated 2025 population at province scale. */
  readonly population: number;
  readonly populationBasis: "reported" | "imputed";
  /** Old units (indexes into `units`) merged wholly or partly into it, in crosswalk order. */
  readonly units: readonly number[];
  /** Cumulative weights over `units`: the share of the commune's people living in each old unit. */
  readonly unitWeights: Float64Array;
  /** Digital-uptake multiplier of the commune (wards a little ahead), population-weighted mean 1 in scope. */
  readonly affinity: number;
}

export interface Geography {
  readonly communes: readonly ModelCommune[];
  readonly units: readonly ModelUnit[];
  /** Share of the province's population living in the communes in scope. */
  readonly scopeShare: number;
}

export const buildGeography = (ref: ReferenceData, scale: Scale, rng: Rng): Geography => {
  const populations = calibratedPopulations(ref.communes);
  const inScope = ref.communes.filter((c) => scale.communes === "all" || scale.communes.includes(c.code));
  if (scale.communes !== "all" && inScope.length !== scale.communes.length) {
    throw new Error(`scale ${scale.name}: unknown commune among ${scale.communes.join(", ")}`);
  }
  const units: ModelUnit[] = [];
  const unitIndex = new Map<string, number>();
  const rows = [...ref.crosswalk].sort((a, b) => a.line - b.line);
  const raw = inScope.map((c) => {
    const mine = rows.filter((r) => r.new.code === c.code);
    const idx = mine.map((r) => {
      let i = unitIndex.get(r.old.code);
      if (i === undefined) {
        i = units.length;
        unitIndex.set(r.old.code, i);
        units.push({
          index: i,
          code: r.old.code,
          name: r.old.name,
          provinceCode: r.old.provinceCode,
          districtCode: r.old.districtCode,
          split: r.mergeType === "partial",
        });
      }
      return i;
    });
    // a split unit contributes only part of itself: weigh it lower than the units merged whole
    const weights = mine.map((r) => (r.mergeType === "partial" ? 0.5 : 1) * (0.6 + 0.8 * rng.float()));
    const pop = populations.get(c.code);
    if (pop === undefined) throw new Error(`no population for ${c.code}`);
    return { c, idx, weights, pop, affinity: (c.type === "Phường" ? 1.06 : 0.97) * (0.95 + 0.1 * rng.float()) };
  });
  const popTotal = raw.reduce((s, r) => s + r.pop.value, 0);
  const meanAffinity = raw.reduce((s, r) => s + r.affinity * r.pop.value, 0) / popTotal;
  const communes = raw.map(
    (r, index): ModelCommune => ({
      index,
      code: r.c.code,
      name: r.c.name,
      ward: r.c.type === "Phường",
      oldProvince: r.c.oldProvince,
      population: r.pop.value,
      populationBasis: r.pop.basis,
      units: r.idx,
      unitWeights: cumulative(r.weights),
      affinity: r.affinity / meanAffinity,
    }),
  );
  return { communes, units, scopeShare: popTotal / PROVINCE_POPULATION_2025 };
};
