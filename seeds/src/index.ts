/**
 * @kpi/seeds: the Đồng Tháp reference data (communes, crosswalk, the (code, date) resolver) and the sample
 * province generator (a deterministic NDJSON stream of facts at three scales).
 */

export * from "./catalog/index.js";
export { factStream, type GenerateOptions, generateFacts } from "./generator/generateFacts.js";
export { calibratedPopulations } from "./generator/geography.js";
export { isScaleName, SCALE_NAMES, SCALES, type Scale, type ScaleName } from "./generator/scales.js";
export {
  formatSummary,
  type ReportingBatch,
  reportingBatches,
  type SampleSummary,
  writeSample,
} from "./generator/writeSample.js";
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
