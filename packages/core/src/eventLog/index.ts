export * from "./appendPlan.js";
export * from "./canonicalParts.js";
export * from "./duckdbEventLog.js";
export * from "./eventLog.js";
export * from "./hashChain.js";
export * from "./logIndex.js";
