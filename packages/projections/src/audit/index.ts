export * from "./contribution.js";
export * from "./explain.js";
export * from "./exportLog.js";
export * from "./merkle.js";
export * from "./publication.js";
export * from "./publish.js";
export * from "./referenceDigest.js";
export * from "./verify.js";
