/**
 * @kpi/reference: what the warehouse is measured against — the indicator catalog and its planning documents, and
 * the Đồng Tháp reference data (communes, crosswalk, the (code, date) resolver) with the files they are read from.
 * It sits just above `@kpi/core` and below everything else: projections, the sample generator and the API read it.
 */

export * from "./catalog/index.js";
export {
  type Commune,
  type CommuneType,
  loadCommunes,
  type PopulationFigure,
  parseCommunes,
} from "./reference/communes.js";
export { type CrosswalkRow, loadCrosswalk, type OldUnit, parseCrosswalk } from "./reference/crosswalk.js";
export { formatReferenceDataError, type ReferenceDataError, type RowProblem } from "./reference/csvRows.js";
export {
  COMMUNES_CSV,
  COMMUNES_GEOJSON,
  CROSSWALK_CSV,
  DATA_DIR,
  PUBLISHED_FIGURES_CSV,
} from "./reference/dataFiles.js";
export { checkReference, loadReferenceData, type ReferenceData, referenceData } from "./reference/referenceData.js";
export {
  type CommuneResolver,
  createResolver,
  type Era,
  eraOn,
  MERGER_DATE,
  type PartialSplitWarning,
  type ResolvedCommune,
  type ResolveError,
  type ResolveWarning,
  resolveCommune,
} from "./reference/resolveCommune.js";
