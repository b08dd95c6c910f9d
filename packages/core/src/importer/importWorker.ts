/**
 * The worker thread of an import: reads the chunks it is sent (`readFactChunk`) and sends back their facts
 * (`serveJobs`). An error reading a chunk goes back with the chunk's number.
 */
import { serveJobs } from "../workers/jobPool.js";
import { readFactChunk } from "./factChunk.js";

serveJobs("importWorker.js, a reader of an import's chunks,", readFactChunk);
