/**
 * `kpi project` and `kpi quarantine` on a log that holds an event the fold cannot take (written before the
 * decoder refused lone surrogates): the rest folds, the event is listed, and clearing it needs a retraction
 * or --force with a note; kpi verify-log verifies it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDbEventLog, type Fact } from "@kpi/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, kpiIn } from "../testing/runKpi.fixture.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-quarantine-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kpi = kpiIn(dir);

const village = (i: number, name: string) =>
  ({
    id: `v${i}`,
    type: "SmartVillageRecognised",
    subject: `village:v${i}`,
    occurredOn: "2025-08-01",
    source: "so-nnmt",
    data: { commune: "28261", name },
  }) as unknown as Fact;

beforeAll(async () => {
  assertBuilt();
  const log = await DuckDbEventLog.open(join(dir, "events.duckdb"));
  try {
    // the fold reads a report's data (its key and figures), so a report whose JSON it refuses (a lone surrogate
    // in a field no decoder of today accepts) fails it; a village's name it does not read at all
    const poisonedReport = {
      id: "v2",
      type: "PopulationEstimated",
      subject: "stat:v2",
      occurredOn: "2025-08-01",
      source: "so-nnmt",
      data: { commune: "28261", year: 2025, total: 100, aged15plus: 80, adults: 70, note: "Ấp \ud800" },
    } as unknown as Fact;
    await log.append([village(1, "Ấp 1"), poisonedReport, village(3, "Ấp 3")]);
  } finally {
    await log.close();
  }
}, 60_000);

describe("kpi verify-log", () => {
  it("verifies the log that holds it: the chain check reads that data in TypeScript, where DuckDB cannot", () => {
    const r = kpi("verify-log", "--no-checkpoint");
    expect(r.err).not.toContain("Malformed JSON");
    expect(r.code).toBe(0);
    expect(r.out).toContain("chain verifies: 3 events, head 3");
  });
});

describe("kpi quarantine", () => {
  it("project folds every other event and names the one left out", () => {
    const r = kpi("project");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Projected positions 0 → 3");
    expect(r.out).toContain('Quarantined position 2 (PopulationEstimated "v2" from so-nnmt)');
  });

  it("lists it, refuses to clear it before a retraction, and clears it with --force and a note", () => {
    const list = kpi("quarantine");
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^2\tv2\tPopulationEstimated\tso-nnmt\t\S+\theld\tInvalid Input Error/m);
    expect(list.out).toContain("1 event(s) held");
    const early = kpi("quarantine", "clear", "2");
    expect(early.code).toBe(1);
    expect(early.err).toContain("has not been retracted");
    expect(kpi("quarantine", "clear", "2", "--force").code).toBe(2);
    expect(kpi("quarantine", "clear", "x").code).toBe(2);
    const forced = kpi("quarantine", "clear", "2", "--force", "--note", "name fixed at the source");
    expect(forced.code).toBe(0);
    expect(forced.out).toContain("Cleared position 2: name fixed at the source");
    expect(kpi("quarantine").out).toMatch(/\tcleared \S+: name fixed at the source\t/);
  });
});
