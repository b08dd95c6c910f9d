/**
 * A worker thread of the Merkle digests (`merkleThreads.ts`): reduces the hashes it is sent to their root
 * (`reduceInPlace`) and sends back the root's 8 words, with the job's number. An error goes back the same way.
 */
import { parentPort } from "node:worker_threads";
import { reduceInPlace } from "./sha256Words.js";

const port = parentPort;
if (port === null) throw new Error("merkleWorker.js runs as a worker thread of the Merkle digests");
port.on("message", (m: { readonly id: number; readonly words: ArrayBuffer; readonly n: number }) => {
  try {
    const v = new Int32Array(m.words);
    reduceInPlace(v, m.n);
    port.postMessage({ id: m.id, root: v.slice(0, 8) });
  } catch (e) {
    port.postMessage({ id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
