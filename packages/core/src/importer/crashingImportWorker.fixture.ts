/**
 * An import worker that reads four chunks, then fails as a bug would: an error thrown out of its message
 * handler (uncaught, so the thread dies). For the test that a failing worker rolls the import back.
 */
import { parentPort } from "node:worker_threads";
import { type FactChunkTask, readFactChunk } from "./factChunk.js";

let chunks = 0;
parentPort?.on("message", (m: { readonly seq: number; readonly task: FactChunkTask }) => {
  chunks++;
  if (chunks > 4) throw new Error("a fault in the worker");
  parentPort?.postMessage({ seq: m.seq, chunk: readFactChunk(m.task) });
});
