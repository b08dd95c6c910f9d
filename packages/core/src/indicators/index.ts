export * from "./amendCatalog.js";
export * from "./breakdownLabels.js";
export * from "./catalogEntry.js";
export * from "./definition.js";
export * from "./entityModel.js";
