/**
 * A bounded HTTP load generator, run in a worker thread so that it does not share an event loop with the
 * server it measures. Two modes, both over keep-alive connections to a loopback origin, both stopping after
 * `seconds` or `maxRequests`, whichever comes first:
 * - `rate`: open loop at a fixed request rate; a request's latency runs from the moment it was due, so a slow
 *   server is not flattered by the generator waiting for it (no coordinated omission);
 * - `max`: `connections` closed loops, each sending its next request when the previous answer has arrived.
 * With `post`, each request is a POST of the next body (in turn) to the next path instead of a GET.
 * Latencies are measured with `performance.now()` (sub-millisecond).
 */
import { Agent, request as httpRequest } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

export interface LoadJob {
  readonly mode: "rate" | "max";
  readonly origin: string;
  readonly paths: readonly string[];
  readonly seconds: number;
  readonly connections: number;
  readonly maxRequests: number;
  /** Requests per second (mode `rate`). */
  readonly rate?: number;
  /** POST these bodies (one per request, in turn) with these headers instead of GETs. */
  readonly post?: { readonly bodies: readonly string[]; readonly headers: Readonly<Record<string, string>> };
}

export interface LoadResult {
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly non2xx: number;
  readonly seconds: number;
}

const run = async (job: LoadJob): Promise<LoadResult> => {
  const url = new URL(job.origin);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error("loopback targets only");
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  const post = job.post;
  const get = (i: number, from: number) =>
    new Promise<void>((resolve) => {
      const path = job.paths[i % job.paths.length] ?? "/";
      const body = post === undefined ? undefined : (post.bodies[i % post.bodies.length] ?? "");
      const options = { agent, host: url.hostname, port: url.port, path };
      const req = httpRequest(
        post === undefined ? options : { ...options, method: "POST", headers: post.headers },
        (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(performance.now() - from);
            if ((res.statusCode ?? 0) >= 300) non2xx++;
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const t0 = performance.now();
  const end = t0 + job.seconds * 1000;
  if (job.mode === "rate") {
    const interval = 1000 / (job.rate ?? 1);
    const pending: Promise<void>[] = [];
    let next = t0;
    while (next < end && sent < job.maxRequests) {
      const now = performance.now();
      while (next <= now && next < end && sent < job.maxRequests) {
        pending.push(get(sent++, next));
        next += interval;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(1, next - performance.now()))));
    }
    await Promise.all(pending);
  } else {
    await Promise.all(
      Array.from({ length: job.connections }, async () => {
        while (performance.now() < end && sent < job.maxRequests) {
          await get(sent++, performance.now());
        }
      }),
    );
  }
  agent.destroy();
  return { latenciesMs: latencies, errors, non2xx, seconds: (performance.now() - t0) / 1000 };
};

if (parentPort !== null) {
  const port = parentPort;
  run(workerData as LoadJob).then(
    (r) => port.postMessage({ ok: true, result: r }),
    (e: unknown) => port.postMessage({ ok: false, error: String(e) }),
  );
}
