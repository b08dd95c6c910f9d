export * from "./audit/index.js";
export * from "./reference/referenceFold.js";
export * from "./warehouse/index.js";
