import { createHash } from "node:crypto";
import { decodeFact, type Fact, formatFieldErrors } from "@kpi/core";
import { MERGER_DATE, referenceData, resolveCommune } from "@kpi/reference";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { factStream, generateFacts } from "./generateFacts.js";

const lines = (scale: "tiny" | "small", seed: number): string[] => {
  const out: string[] = [];
  for (const f of factStream({ scale, seed })) out.push(JSON.stringify(f));
  return out;
};
const sha = (ls: readonly string[]) => createHash("sha256").update(ls.join("\n")).digest("hex");

const tiny = lines("tiny", 1);
const facts = tiny.map((l) => JSON.parse(l) as Fact);
const communeOf = (f: Fact): string | undefined =>
  "commune" in f.data && typeof f.data.commune === "string" ? f.data.commune : undefined;
const currentCodes = new Set(referenceData().communes.map((c) => c.code as string));

describe("factStream (tiny)", () => {
  it("has a few thousand facts", () => {
    expect(tiny.length).toBeGreaterThan(2_000);
    expect(tiny.length).toBeLessThan(12_000);
  });

  it("is byte-identical for the same seed and differs for another seed", () => {
    expect(sha(lines("tiny", 1))).toBe(sha(tiny));
    const other = lines("tiny", 2);
    expect(sha(other)).not.toBe(sha(tiny));
    expect(other.slice(0, 50)).not.toEqual(tiny.slice(0, 50));
  });

  it("writes lines that each decode with decodeFact", () => {
    const refused = tiny
      .map((l) => ({ l, r: decodeFact(JSON.parse(l)) }))
      .filter(({ r }) => E.isLeft(r))
      .map(({ l, r }) => `${l.slice(0, 120)} → ${E.isLeft(r) ? formatFieldErrors(r.left.errors) : ""}`);
    expect(refused).toEqual([]);
  });

  it("uses old unit codes only before 2025-07-01 and current codes only from then", () => {
    const problems: string[] = [];
    let oldOnly = 0;
    let current = 0;
    for (const f of facts) {
      const code = communeOf(f);
      if (code === undefined) continue;
      const r = resolveCommune(code, f.occurredOn);
      if (E.isLeft(r)) problems.push(`${f.id}: ${r.left.message}`);
      if (f.occurredOn < MERGER_DATE && !currentCodes.has(code)) oldOnly++;
      if (f.occurredOn >= MERGER_DATE) current++;
    }
    expect(problems).toEqual([]);
    // not vacuous: codes that exist only as old units do occur (before the merger), current codes after it
    expect(oldOnly).toBeGreaterThan(100);
    expect(current).toBeGreaterThan(100);
  });

  it("keeps a person's commune consistent across the merger (old code rolls up to the new one)", () => {
    const before = new Map<string, string>();
    const after = new Map<string, string>();
    for (const f of facts) {
      const code = communeOf(f);
      if (code === undefined || !f.subject.startsWith("person:")) continue;
      (f.occurredOn < MERGER_DATE ? before : after).set(f.subject, code);
    }
    let both = 0;
    const mismatched: string[] = [];
    for (const [subject, oldCode] of before) {
      const newCode = after.get(subject);
      if (newCode === undefined) continue;
      both++;
      const r = resolveCommune(oldCode, "2025-06-30");
      if (E.isLeft(r)) continue;
      const allowed = [r.right.commune.code as string, ...r.right.warnings.flatMap((w) => w.alsoSplitInto)];
      if (!allowed.includes(newCode)) mismatched.push(`${subject}: ${oldCode} → ${newCode}`);
    }
    expect(both).toBeGreaterThan(50);
    expect(mismatched).toEqual([]);
  });

  it("retracts only existing earlier facts, of the same subject and source", () => {
    const seen = new Map<string, Fact>();
    const retractions = facts.filter((f) => f.type === "FactRetracted");
    const problems: string[] = [];
    for (const f of facts) {
      if (f.type === "FactRetracted") {
        const target = seen.get(f.data.eventId);
        if (target === undefined) problems.push(`${f.id} retracts ${f.data.eventId}, not reported before`);
        else if (target.subject !== f.subject || target.source !== f.source || target.type === "FactRetracted") {
          problems.push(`${f.id} retracts ${target.id} of ${target.subject}`);
        }
      }
      if (!seen.has(f.id)) seen.set(f.id, f);
    }
    expect(retractions.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it("re-sends some facts as exact copies, and never reuses an id for other content", () => {
    const byId = new Map<string, string>();
    let resent = 0;
    const conflicts: string[] = [];
    for (const l of tiny) {
      const id = (JSON.parse(l) as Fact).id;
      const earlier = byId.get(id);
      if (earlier === undefined) byId.set(id, l);
      else if (earlier === l) resent++;
      else conflicts.push(id);
    }
    expect(conflicts).toEqual([]);
    expect(resent).toBeGreaterThan(0);
    expect(resent).toBeLessThan(tiny.length * 0.02);
  });

  it("is in report order: after the initial load, a few percent of facts arrive late, some by years", () => {
    const live = facts.slice(facts.findIndex((f) => f.occurredOn >= "2019-01-01"));
    let max = "";
    let late = 0;
    let yearsLate = 0;
    let counted = 0;
    for (const f of live) {
      if (f.subject.startsWith("stat:")) continue; // a year's statistics are released the year after, by design
      counted++;
      if (f.occurredOn > max) max = f.occurredOn;
      const lag = (Date.parse(max) - Date.parse(f.occurredOn)) / 86_400_000;
      if (lag > 20) late++;
      if (lag > 730) yearsLate++;
    }
    expect(late / counted).toBeGreaterThan(0.01);
    expect(late / counted).toBeLessThan(0.06);
    expect(yearsLate).toBeGreaterThan(0);
    // the initial load is dated before 2019 and comes first
    expect(facts.slice(0, 100).every((f) => f.occurredOn < "2019-01-01")).toBe(true);
  });

  it("revises some statistics: the same key reported again with a different value", () => {
    const first = new Map<string, string>();
    let revised = 0;
    for (const f of facts) {
      if (f.type !== "PopulationEstimated" && f.type !== "GrdpReported") continue;
      const key =
        f.type === "PopulationEstimated" ? `P/${f.data.commune}/${f.data.year}` : `G/${f.data.sector}/${f.data.year}`;
      const value = JSON.stringify(f.data);
      const before = first.get(key);
      if (before === undefined) first.set(key, value);
      else if (before !== value) revised++;
    }
    expect(revised).toBeGreaterThan(0);
  });

  it("names people by 16-hex pseudonyms, never by identity numbers", () => {
    const persons = new Set(facts.filter((f) => f.subject.startsWith("person:")).map((f) => f.subject));
    expect(persons.size).toBeGreaterThan(300);
    expect([...persons].filter((s) => !/^person:[0-9a-f]{16}$/.test(s))).toEqual([]);
  });

  it("reports ids unique per source, prefixed by the source", () => {
    const wrong = facts.filter((f) => !f.id.startsWith(`${f.source}-`));
    expect(wrong).toEqual([]);
  });

  it("gives the same facts through the async iterator", async () => {
    const got: string[] = [];
    for await (const f of generateFacts({ scale: "tiny", seed: 1 })) got.push(JSON.stringify(f));
    expect(sha(got)).toBe(sha(tiny));
  });
});
