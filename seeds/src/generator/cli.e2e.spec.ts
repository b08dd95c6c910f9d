import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { factStream } from "./generateFacts.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const dir = mkdtempSync(join(tmpdir(), "kpi-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(here, "cli.ts"), ...args], { cwd: root, encoding: "utf8" });

describe("generator CLI", () => {
  it("writes the tiny sample and prints counts per type, the total and the time to stderr", () => {
    const out = join(dir, "tiny.ndjson");
    const r = run("--scale", "tiny", "--seed", "1", "--out", out);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    const expected = [...factStream({ scale: "tiny", seed: 1 })].map((f) => JSON.stringify(f));
    expect(lines).toEqual(expected);
    expect(r.stderr).toMatch(/^PopulationEstimated\s+\d+$/m);
    expect(r.stderr).toMatch(new RegExp(`^total\\s+${lines.length}$`, "m"));
    expect(r.stderr).toMatch(/in \d+\.\d+ s/);
    expect(r.stdout).toBe("");
  });

  it("exits 2 with the usage on a bad scale or seed", () => {
    const bad = run("--scale", "huge", "--seed", "1", "--out", join(dir, "x.ndjson"));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("usage:");
    expect(run("--scale", "tiny", "--seed", "one", "--out", join(dir, "y.ndjson")).status).toBe(2);
    expect(run("--scale", "tiny", "--seed", "1").status).toBe(2);
  });
});
