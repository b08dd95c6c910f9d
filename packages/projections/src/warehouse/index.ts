export * from "./conditionSql.js";
export * from "./disclosureSql.js";
export * from "./entitySql.js";
export * from "./figuresSql.js";
export * from "./projector.js";
export * from "./schema.js";
export * from "./seedTables.js";
export * from "./sql.js";
