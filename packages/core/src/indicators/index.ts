export * from "./catalogEntry.js";
export * from "./definition.js";
export * from "./entityModel.js";
export * from "./breakdownLabels.js";
