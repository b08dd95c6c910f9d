export * from "./jobPool.js";
