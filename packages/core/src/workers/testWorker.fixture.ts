/**
 * A worker for the tests of `JobPool`: doubles each number it is sent, after `ms` milliseconds when asked; a
 * job `throw` fails alone, and a job `exit` ends the thread (as a crash would).
 */
import { serveJobs } from "./jobPool.js";

export type TestTask =
  | { readonly op: "double"; readonly value: number; readonly ms?: number }
  | { readonly op: "throw" }
  | { readonly op: "exit" }
  | { readonly op: "sum"; readonly words: ArrayBuffer };

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

serveJobs("testWorker.fixture.ts", (t: TestTask): number => {
  switch (t.op) {
    case "double":
      if (t.ms !== undefined) sleep(t.ms);
      return 2 * t.value;
    case "throw":
      throw new Error("this job cannot be done");
    case "exit":
      process.exit(7);
      return 0;
    case "sum":
      return new Int32Array(t.words).reduce((a, b) => a + b, 0);
  }
});
