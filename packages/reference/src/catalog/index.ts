/** The indicator catalog: planning documents, indicator entries, loading and checking them, the rendered doc. */
export * from "./catalogFiles.js";
export * from "./loadCatalog.js";
export * from "./planningDocument.js";
export * from "./renderCatalog.js";
