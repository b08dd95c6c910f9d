/**
 * `kpi serve [--port 8080] [--host 127.0.0.1]`: opens the embedded log and warehouse, serves the HTTP API and
 * the dashboard, and prints their addresses; what was appended since the last fold is folded in the background
 * (a warehouse never folded, or folded for another catalog, is built first). The server holds the log and the
 * warehouse open (DuckDB allows one writing process), so while it runs facts are added through
 * POST /v1/facts, and the other `kpi` commands reach it through `DIR/server.json` (commands/server.ts); after
 * each catch-up it refreshes the statisticians' snapshot. SIGINT or SIGTERM closes the server (in-flight
 * requests finish), then the warehouse, and resolves with exit code 0.
 */
import { formatCatalogError, loadCatalog } from "@kpi/reference";
import * as E from "fp-ts/lib/Either.js";
import type { Config } from "../config.js";
import { explainFailure } from "../failures.js";
import { loadApiConfig } from "../http/apiConfig.js";
import type { BacklogFolded } from "../http/app.js";
import { listen } from "../http/server.js";
import { findServer, operatorFor, serverRun } from "./server.js";
import {
  openWarehouse,
  printCatchUp,
  publicationsDir,
  writePublicSnapshot,
  writeSnapshots,
} from "./warehouseCommands.js";

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly out: NodeJS.WritableStream;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<unknown>;
  /** Called with the base URL once the server listens. */
  readonly onListening?: (url: string) => void;
}

const signalled = (): Promise<NodeJS.Signals> =>
  new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(s);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });

export const serveCommand = async (config: Config, o: ServeOptions): Promise<number> => {
  const api = loadApiConfig(o.env ?? process.env);
  const catalog = loadCatalog();
  if (E.isLeft(catalog)) throw new Error(formatCatalogError(catalog.left));
  const running = findServer(config);
  if (running !== undefined) {
    throw new Error(
      `a server (process ${running.pid}) already serves ${config.dataDir} at ${running.url}; use it, or stop it first`,
    );
  }
  const until = o.until ?? signalled();
  const operator = operatorFor(config, serverRun(config));
  // The HTTP app's modules load while the warehouse opens (reading the log's saved indexes leaves this thread
  // idle): a restart takes the longer of the two, not their sum.
  const appModule = import("../http/app.js");
  appModule.catch(() => undefined);
  // the saved append indexes (a gigabyte at province scale) load while the server gets ready to answer reads
  const w = await openWarehouse(config, undefined, { logIndexesInBackground: true });
  try {
    // A warehouse never folded, or folded for another catalog, is built before serving (its tables would be
    // empty or wrong); otherwise the server listens at once and folds what was appended since in the background.
    const backlogLater = await w.foldedForCatalog();
    if (!backlogLater) printCatchUp(await w.catchUp(), o.out);
    const { buildApp } = await appModule;
    let listening = false;
    let folded: BacklogFolded | undefined;
    const sayFolded = (r: BacklogFolded): void => {
      if ("error" in r) {
        o.out.write(
          `Folding the events appended since position ${r.from.toLocaleString("en-US")} failed: ${explainFailure(r.error instanceof Error ? r.error.message : String(r.error))}. The server answers with the figures as of that position; writes retry the fold.\n`,
        );
      } else if (r.to > r.from) {
        o.out.write(
          `Folded the events appended before the start: positions ${r.from.toLocaleString("en-US")} → ${r.to.toLocaleString("en-US")} in ${r.seconds.toFixed(2)} s\n`,
        );
      }
    };
    const app = await buildApp({
      warehouse: w,
      ...(backlogLater
        ? {
            // said after the addresses, whichever ends first
            foldBacklog: (r: BacklogFolded) => {
              if (listening) sayFolded(r);
              else folded = r;
            },
          }
        : {}),
      catalog: catalog.right,
      years: config.years,
      smallCellThreshold: config.smallCellThreshold,
      api,
      // at stop, only the published tables (small); the restricted copy of the whole warehouse waits for the
      // next start's interval or kpi project
      afterRefresh: (wh, closing) => (closing ? writePublicSnapshot(wh, config) : writeSnapshots(wh, config)),
      operator: operator.options,
      publicationsDir: publicationsDir(config),
      fastify: { logger: { level: "warn" } },
    });
    try {
      const url = await listen(app, o.host, o.port);
      operator.announce(url);
      o.out.write(
        `Dashboard: ${url}/\nAPI docs: ${url}/docs\nServing figures as of log position ${(await w.checkpoint()).toLocaleString("en-US")}` +
          `${api.tokens.size === 0 ? "; no write tokens configured (KPI_API_TOKENS), so POST /v1/facts refuses every request" : ""}. Ctrl-C stops.\n`,
      );
      listening = true;
      if (folded !== undefined) sayFolded(folded);
      o.onListening?.(url);
      await until;
      o.out.write("Stopping ...\n");
    } finally {
      operator.withdraw();
      await app.close();
    }
    return 0;
  } finally {
    await w.close();
  }
};
