/**
 * A worker thread of the Merkle digests (`merkleThreads.ts`): reduces the hashes it is sent to their root
 * (`sha256x4`, level by level) and sends back the root's 8 words (`serveJobs`). An error goes back the same way.
 */
import { serveJobs } from "@kpi/core/workers";
import type { ReduceTask } from "./merkleThreads.js";
import { sha256x4 } from "./sha256x4.js";

serveJobs("merkleWorker.js, a reducer of the Merkle digests,", (t: ReduceTask) =>
  sha256x4().reduce(new Int32Array(t.words), t.n),
);
