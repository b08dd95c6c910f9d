/**
 * An import worker that reads four chunks, then fails as a bug would: an error thrown out of its message
 * handler (uncaught, so the thread dies). For the test that a failing worker rolls the import back.
 */
import { parentPort } from "node:worker_threads";
import type { JobMessage, ResultMessage } from "../workers/jobPool.js";
import { type FactChunk, type FactChunkTask, readFactChunk } from "./factChunk.js";

let chunks = 0;
parentPort?.on("message", (m: JobMessage<FactChunkTask>) => {
  chunks++;
  if (chunks > 4) throw new Error("a fault in the worker");
  parentPort?.postMessage({ id: m.id, result: readFactChunk(m.task) } satisfies ResultMessage<FactChunk>);
});
