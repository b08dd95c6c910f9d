/**
 * @kpi/seeds: the sample province generator (a deterministic NDJSON stream of facts at three scales over the
 * real communes of `@kpi/reference`).
 */

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
