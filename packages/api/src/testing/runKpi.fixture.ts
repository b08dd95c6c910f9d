/**
 * Runs the built `kpi` command line (packages/api/dist/cli.js) as a user does, against one data folder, for the
 * end-to-end specs. Each run has a time limit, so a command that does not end fails its test.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, "../../../..");
export const CLI = join(here, "../../dist/cli.js");

export interface KpiRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Fails with a clear message when the CLI has not been built. */
export const assertBuilt = (): void => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx --yes pnpm@10 build)`);
};

export const kpiIn =
  (dataDir: string) =>
  (...args: string[]): KpiRun => {
    const r = spawnSync(process.execPath, [CLI, ...args, "--data-dir", dataDir], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 180_000,
      // the auditor's chain checkpoints stay in the test's folder
      env: { ...process.env, KPI_YEARS: "2019-2026", KPI_CHECKPOINT_DIR: join(dataDir, "checkpoints") },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
