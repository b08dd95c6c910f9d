export * from "./facts/index.js";
