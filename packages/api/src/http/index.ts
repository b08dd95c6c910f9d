/** The HTTP API's public surface (for `kpi serve` and the benchmarks). */
export * from "./apiConfig.js";
export * from "./app.js";
export * from "./errors.js";
export * from "./figures.js";
export * from "./liveWarehouse.js";
export * from "./readModel.js";
export * from "./server.js";
