import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { factStream } from "./generateFacts.js";
import { formatSummary, writeSample } from "./writeSample.js";

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

  it("rejects when the file cannot be written", async () => {
    await expect(writeSample({ scale: "tiny", seed: 1, out: join(dir, "missing", "x.ndjson") })).rejects.toThrow();
  });
});
