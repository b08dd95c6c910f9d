/** @kpi/api: the `kpi` command line (cli.ts) and the HTTP API (http/), exported for the benchmarks. */
export * from "./http/index.js";
