/**
 * Where the engine keeps its files and how it folds them. Read from the environment (and command-line flags,
 * which win); the embedded store under `./var` is the default, so a fresh checkout needs no setup.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | KPI_DATA_DIR | ./var | folder for the log, the warehouse and its snapshot |
 * | KPI_LOG | DIR/events.duckdb | the embedded event log |
 * | KPI_WAREHOUSE | DIR/warehouse.duckdb | the warehouse (restricted; the server holds it open) |
 * | KPI_SNAPSHOT | DIR/warehouse-snapshot.duckdb | the public snapshot, refreshed after each projection run: published tables only, for anyone's DuckDB client |
 * | KPI_RESTRICTED_SNAPSHOT | DIR/warehouse-restricted.duckdb | the whole warehouse (microdata, small cells), readable by its owner only |
 * | KPI_YEARS | 2019-<this year> | the years figures are computed for |
 * | KPI_SMALL_CELL | 10 | commune figures with a denominator below this are suppressed when published |
 * | KPI_PUBLICATION_KEY | (none) | the office's Ed25519 private key (PKCS #8 PEM file) that signs publications; keep it out of the repository and readable by the publisher only |
 * | KPI_CHECKPOINT_DIR | $XDG_CONFIG_HOME/kpi/checkpoints, else ~/.config/kpi/checkpoints (DIR/checkpoints without a home) | the auditor's chain checkpoints (`kpi verify`, `kpi verify-log`), one file per log |
 */
import { join, resolve } from "node:path";

export interface Config {
  readonly dataDir: string;
  readonly logPath: string;
  readonly warehousePath: string;
  readonly snapshotPath: string;
  readonly restrictedSnapshotPath: string;
  readonly years: readonly [number, number];
  readonly smallCellThreshold: number;
  /** Where `kpi verify` and `kpi verify-log` keep the head they last verified of each log. */
  readonly checkpointDir: string;
  /** The PEM file of the Ed25519 key that signs publications (`KPI_PUBLICATION_KEY`); unsigned without it. */
  readonly publicationKeyFile?: string;
}

const parseYears = (s: string | undefined, now: Date): readonly [number, number] => {
  if (s === undefined || s === "") return [2019, now.getUTCFullYear()];
  const m = /^(\d{4})-(\d{4})$/.exec(s);
  if (m === null || Number(m[1]) > Number(m[2]))
    throw new Error(`KPI_YEARS must look like 2019-2026, got ${JSON.stringify(s)}`);
  return [Number(m[1]), Number(m[2])];
};

export const loadConfig = (
  env: NodeJS.ProcessEnv = process.env,
  flags: { dataDir?: string; log?: string } = {},
  now: Date = new Date(),
): Config => {
  const dataDir = resolve(flags.dataDir ?? env.KPI_DATA_DIR ?? "var");
  const threshold = Number(env.KPI_SMALL_CELL ?? "10");
  if (!Number.isInteger(threshold) || threshold < 0)
    throw new Error(`KPI_SMALL_CELL must be a whole number, got ${env.KPI_SMALL_CELL}`);
  return {
    dataDir,
    logPath: resolve(flags.log ?? env.KPI_LOG ?? `${dataDir}/events.duckdb`),
    warehousePath: resolve(env.KPI_WAREHOUSE ?? `${dataDir}/warehouse.duckdb`),
    snapshotPath: resolve(env.KPI_SNAPSHOT ?? `${dataDir}/warehouse-snapshot.duckdb`),
    restrictedSnapshotPath: resolve(env.KPI_RESTRICTED_SNAPSHOT ?? `${dataDir}/warehouse-restricted.duckdb`),
    years: parseYears(env.KPI_YEARS, now),
    smallCellThreshold: threshold,
    ...(env.KPI_PUBLICATION_KEY ? { publicationKeyFile: resolve(env.KPI_PUBLICATION_KEY) } : {}),
    checkpointDir: resolve(
      env.KPI_CHECKPOINT_DIR ??
        (env.XDG_CONFIG_HOME
          ? join(env.XDG_CONFIG_HOME, "kpi", "checkpoints")
          : env.HOME
            ? join(env.HOME, ".config", "kpi", "checkpoints")
            : join(dataDir, "checkpoints")),
    ),
  };
};
