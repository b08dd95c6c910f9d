/**
 * The command line piped into a reader that stops early (`kpi project | head -1`): the closed pipe is no failure
 * of the command, which finishes its work and exits quietly instead of dying on an EPIPE stack trace.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, CLI, REPO_ROOT } from "./testing/runKpi.fixture.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-pipe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("kpi piped into head -1", () => {
  beforeAll(() => assertBuilt());

  it("prints the first line, finishes the projection and exits 0 without a word on stderr", () => {
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const r = spawnSync(
      "bash",
      ["-c", `set -o pipefail; ${q(process.execPath)} ${q(CLI)} project --data-dir ${q(dir)} | head -1`],
      { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, KPI_YEARS: "2019-2026" } },
    );
    expect(r.stdout).toMatch(/^Projected positions 0 → 0 in 0 step\(s\), [\d.]+ s\n$/);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, "warehouse-snapshot.duckdb"))).toBe(true);
  });
});
