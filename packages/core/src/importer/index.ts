export * from "./factChunk.js";
export * from "./factChunksOfFile.js";
export * from "./importFile.js";
export * from "./readFactLines.js";
export * from "./utf8Lines.js";
