export * from "./audit/index.js";
export * from "./forecast/index.js";
export * from "./oracle/oracleFold.js";
export * from "./warehouse/index.js";
