export * from "./eventLog/index.js";
export * from "./facts/index.js";
export * from "./importer/index.js";
export * from "./indicators/index.js";
export * from "./sql/sqlNames.js";
export * from "./workers/index.js";
