/**
 * docs/facts.md is generated from the codecs and must not drift: the file on disk equals the rendering, the
 * rendering is deterministic, every type has its section, and every example line in it decodes.
 */
import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { FieldSet } from "./defineFact.js";
import { MAX_JSON_DEPTH } from "./factJson.js";
import { FACTS_PAGE_URL, renderFactsPage } from "./factsPage.js";
import { FIRST_DAY, LAST_DAY, subjectProblem } from "./ids.js";
import { decodeFact, FACT_DEFINITIONS, FACT_TYPES } from "./registry.js";

const page = renderFactsPage();
const examples = [...page.matchAll(/```json\n(.*)\n```/g)].map((m) => m[1] ?? "");
const section = (type: string): string => {
  const start = page.indexOf(`### \`${type}\`\n`);
  const end = page.indexOf("\n### ", start + 1);
  return start < 0 ? "" : page.slice(start, end < 0 ? undefined : end);
};

describe("the facts page", () => {
  it("on disk equals the rendering of the codecs (regenerate with `pnpm docs:facts`)", () => {
    expect(readFileSync(FACTS_PAGE_URL, "utf8")).toBe(page);
  });

  it("renders the same on every call", () => {
    expect(renderFactsPage()).toBe(page);
  });

  it("has one example per type, each decoding to itself, in the order of the sections", () => {
    expect(examples).toHaveLength(FACT_TYPES.length);
    examples.forEach((line, i) => {
      const json = JSON.parse(line);
      expect(decodeFact(json)).toStrictEqual(E.right(json));
      expect(json.type).toBe(FACT_TYPES[i]);
    });
  });

  it("documents every data field of every type with its presence and expected value", () => {
    for (const d of FACT_DEFINITIONS) {
      const s = section(d.type);
      expect(s, d.type).not.toBe("");
      expect(s).toContain(d.summary);
      const fields = [
        ...Object.entries(d.required as FieldSet).map(([k, c]) => [k, "required", c.expected] as const),
        ...Object.entries((d.optional ?? {}) as FieldSet).map(([k, c]) => [k, "optional", c.expected] as const),
      ];
      for (const [k, presence, expected] of fields) expect(s).toContain(`| \`${k}\` | ${presence} | ${expected} |`);
      if (fields.length === 0) expect(s).toContain("No data fields");
      if (d.key !== undefined) expect(s).toContain("a later report with the same key replaces an earlier one");
      for (const rule of d.rules ?? []) expect(s).toContain(rule);
    }
  });

  it("documents the envelope fields", () => {
    for (const k of ["id", "type", "subject", "occurredOn", "source", "data"]) expect(page).toMatch(`| \`${k}\` |`);
  });

  it("says what is refused before the fields are read, and the identity-number examples behave as it says", () => {
    const page = renderFactsPage();
    expect(page).toContain("## What is refused before the fields are read");
    for (const rule of [
      "**Text is UTF-8.**",
      "**Byte order mark.**",
      "**Well-formed strings.**",
      "**Each key once.**",
    ]) {
      expect(page).toContain(rule);
    }
    expect(page).toContain(`at most ${MAX_JSON_DEPTH} levels`);
    expect(page).toContain(`from ${FIRST_DAY} to ${LAST_DAY}`);
    const between = (from: string, to: string) => page.slice(page.indexOf(from), page.indexOf(to, page.indexOf(from)));
    const subjects = (text: string) => [...text.matchAll(/`([a-z]+:[^`]+)`/g)].map((m) => m[1] ?? "");
    const refused = subjects(between("- refused:", "- accepted:"));
    const accepted = subjects(between("- accepted:", "A fact id"));
    expect(refused.length).toBeGreaterThanOrEqual(5);
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    for (const s of refused) expect(subjectProblem(s), s).toMatch(/looks like a raw identity number/);
    for (const s of accepted) expect(subjectProblem(s), s).toBeUndefined();
  });
});
