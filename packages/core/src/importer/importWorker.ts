/**
 * The worker thread of an import: reads the chunks it is sent (`readFactChunk`) and sends back their facts,
 * in the order it got them. An error reading a chunk goes back as a message with the chunk's number.
 */
import { parentPort } from "node:worker_threads";
import { type FactChunkTask, readFactChunk } from "./factChunk.js";

const port = parentPort;
if (port === null) throw new Error("importWorker.js runs as a worker thread of an import");
port.on("message", (m: { readonly seq: number; readonly task: FactChunkTask }) => {
  try {
    port.postMessage({ seq: m.seq, chunk: readFactChunk(m.task) });
  } catch (e) {
    port.postMessage({ seq: m.seq, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
