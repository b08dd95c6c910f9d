/**
 * Where the engine keeps its files and which log store it uses. Read from the environment (and command-line
 * flags, which win); the embedded store under `./var` is the default, so a fresh checkout needs no setup.
 */
import { resolve } from "node:path";

export interface Config {
  readonly dataDir: string;
  readonly logPath: string;
  readonly warehousePath: string;
}

export const loadConfig = (
  env: NodeJS.ProcessEnv = process.env,
  flags: { dataDir?: string; log?: string } = {},
): Config => {
  const dataDir = resolve(flags.dataDir ?? env.KPI_DATA_DIR ?? "var");
  return {
    dataDir,
    logPath: resolve(flags.log ?? env.KPI_LOG ?? `${dataDir}/events.duckdb`),
    warehousePath: resolve(env.KPI_WAREHOUSE ?? `${dataDir}/warehouse.duckdb`),
  };
};
