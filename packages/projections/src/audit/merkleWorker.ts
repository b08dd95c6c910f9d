/**
 * A worker thread of the Merkle digests (`merkleThreads.ts`): reduces the hashes it is sent to their root
 * (`sha256x4`, level by level) and sends back the root's 8 words, with the job's number. An error goes back the
 * same way.
 */
import { parentPort } from "node:worker_threads";
import { sha256x4 } from "./sha256x4.js";

const port = parentPort;
if (port === null) throw new Error("merkleWorker.js runs as a worker thread of the Merkle digests");
port.on("message", (m: { readonly id: number; readonly words: ArrayBuffer; readonly n: number }) => {
  try {
    port.postMessage({ id: m.id, root: sha256x4().reduce(new Int32Array(m.words), m.n) });
  } catch (e) {
    port.postMessage({ id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
