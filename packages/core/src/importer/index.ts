export * from "./importFile.js";
export * from "./readFactLines.js";
