export * from "./audit/index.js";
export * from "./forecast/index.js";
export * from "./reference/referenceFold.js";
export * from "./warehouse/index.js";
