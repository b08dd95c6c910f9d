import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { factStream } from "./generateFacts.js";
import { formatSummary, reportingBatches, writeSample } from "./writeSample.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-sample-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeSample", () => {
  it("writes the stream as NDJSON and summarises it by type", async () => {
    const out = join(dir, "tiny.ndjson");
    const summary = await writeSample({ scale: "tiny", seed: 7, out });
    const text = readFileSync(out, "utf8");
    const expected = [...factStream({ scale: "tiny", seed: 7 })].map((f) => `${JSON.stringify(f)}\n`).join("");
    expect(text).toBe(expected);
    expect(summary.facts).toBe(text.split("\n").length - 1);
    expect(summary.bytes).toBe(Buffer.byteLength(text));
    expect(Object.values(summary.byType).reduce((s, n) => s + (n ?? 0), 0)).toBe(summary.facts);
    expect(summary.byType.PopulationEstimated).toBeGreaterThan(0);
    expect(summary.seconds).toBeLessThan(30);
    const printed = formatSummary(summary);
    expect(printed).toMatch(new RegExp(`^total\\s+${summary.facts}$`, "m"));
    expect(printed).toContain("scale tiny, seed 7");
  });

  it("marks when each fact was reported, and cuts the file into half-yearly reporting batches", async () => {
    const out = join(dir, "tiny-reported.ndjson");
    const reportedOut = join(dir, "tiny.reported.csv");
    const summary = await writeSample({ scale: "tiny", seed: 7, out, reportedOut });
    const rows = readFileSync(reportedOut, "utf8").trim().split("\n").slice(1);
    const days = rows.map((r) => r.split(",")[0] as string);
    expect([...days].sort()).toEqual(days); // report order
    expect(new Set(days).size).toBe(days.length);
    expect(rows.reduce((s, r) => s + Number(r.split(",")[1]), 0)).toBe(summary.facts);
    const batches = reportingBatches(reportedOut);
    expect(batches[0]?.from).toBe(1);
    expect(batches.at(-1)?.to).toBe(summary.facts);
    for (const [i, b] of batches.entries()) {
      expect(b.until).toMatch(/^\d{4}-(06-30|12-31)$/);
      if (i > 0) expect(b.from).toBe((batches[i - 1]?.to ?? 0) + 1);
    }
    // after the initial load, a fact reported late sits in a batch more than a year after it occurred
    const lines = readFileSync(out, "utf8").trim().split("\n");
    const late = batches
      .slice(1)
      .some((b) =>
        lines
          .slice(b.from - 1, b.to)
          .some(
            (l) => (JSON.parse(l) as { occurredOn: string }).occurredOn < `${Number(b.until.slice(0, 4)) - 1}-12-31`,
          ),
      );
    expect(late).toBe(true);
    expect(() => reportingBatches(out)).toThrow(/line 1 must be reported_on,facts/);
  });

  it("rejects when the file cannot be written", async () => {
    await expect(writeSample({ scale: "tiny", seed: 1, out: join(dir, "missing", "x.ndjson") })).rejects.toThrow();
  });
});
