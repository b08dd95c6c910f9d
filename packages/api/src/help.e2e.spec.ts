/**
 * `kpi --help` and `kpi COMMAND --help` from the built command line: every command the usage lists has its own
 * help, which answers without opening a log, and an unknown command is a usage error.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "./help.js";
import { assertBuilt, kpiIn } from "./testing/runKpi.fixture.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-help-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kpi = kpiIn(dir);

describe("kpi help", () => {
  beforeAll(() => assertBuilt());

  it("lists every command that has a help of its own, and only those", () => {
    const r = kpi("--help");
    expect(r.code).toBe(0);
    const listed = [...r.out.matchAll(/^ {2}kpi ([a-z-]+)/gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(COMMANDS));
  });

  it("answers COMMAND --help with that command's usage, options and the common ones, touching nothing", () => {
    for (const command of COMMANDS) {
      const r = kpi(command, "--help");
      expect(r.code, command).toBe(0);
      expect(r.out.startsWith(`kpi ${command}`), command).toBe(true);
      expect(r.out).toContain("--data-dir DIR");
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it("says an unknown command is unknown, with or without --help", () => {
    for (const args of [["frobnicate"], ["frobnicate", "--help"]]) {
      const r = kpi(...args);
      expect(r.code).toBe(2);
      expect(r.err).toContain('unknown command "frobnicate"');
    }
  });
});
