/**
 * `entityFactsRequired` (core), checked against the reference fold's own entity states: an entity that counts in
 * a figure (meets the numerator, or a share's population, on some 31 December) holds a fact of one of the types
 * the definition requires. A replay of one figure folds only those entities, so a type missing from the set
 * would leave a member out; this is the independent side that would say so.
 */
import {
  type CatalogEntry,
  type Condition,
  ENTITY_KINDS,
  type EntityKind,
  entityFactsRequired,
  type Fact,
} from "@kpi/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveTest, testCatalog } from "../testing/fixtures.js";
import { factStreamArb } from "../testing/streams.js";
import { seedCatalog } from "../warehouse/seedTables.js";
import { entitySnapshot } from "./entitySnapshot.js";
import { meets } from "./meets.js";

const YEARS = [2022, 2023, 2024, 2025, 2026];

/** Each entity's facts that count (not retractions, not retracted), in (occurredOn, stream order). */
const entities = (facts: readonly Fact[]): Map<string, Fact[]> => {
  const retracted = new Set(
    facts.filter((f) => f.type === "FactRetracted").map((f) => String((f.data as { eventId: unknown }).eventId)),
  );
  const out = new Map<string, Fact[]>();
  for (const f of facts) {
    if (f.type === "FactRetracted" || retracted.has(f.id)) continue;
    const list = out.get(f.subject) ?? [];
    list.push(f);
    out.set(f.subject, list);
  }
  for (const list of out.values())
    list.sort((a, b) => (a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : 0));
  return out;
};

/** The condition an entity meets to count at all: a share's population, else the numerator. */
const counts = (d: CatalogEntry["definition"]): { kind: EntityKind; when: Condition } | undefined => {
  if (!("entity" in d)) return undefined;
  return { kind: d.entity, when: d.kind === "share" ? d.population : d.numerator };
};

const catalog = [...testCatalog, ...seedCatalog()];
const narrowed = catalog.filter((e) => entityFactsRequired(e.definition) !== undefined);

describe("entityFactsRequired", () => {
  it("narrows some definitions of the catalog (otherwise a replay of one figure folds every entity of its kind)", () => {
    expect(narrowed.map((e) => e.code)).toContain("DIGSIG_ADULT");
    expect(entityFactsRequired(catalog.find((e) => e.code === "DIGSIG_ADULT")?.definition ?? ({} as never))).toEqual([
      "DigitalSignatureIssued",
      "DigitalSignatureRevoked",
    ]);
  });

  it("holds for every entity the reference fold counts, in any year", () => {
    let members = 0;
    fc.assert(
      fc.property(factStreamArb(60), (facts) => {
        const all = new Map<string, Fact[]>();
        for (const f of facts) all.set(f.subject, [...(all.get(f.subject) ?? []), f]);
        for (const [subject, known] of entities(facts)) {
          const kind = subject.split(":")[0] as EntityKind;
          if (!ENTITY_KINDS.includes(kind)) continue;
          for (const e of narrowed) {
            const c = counts(e.definition);
            if (c === undefined || c.kind !== kind) continue;
            const required = new Set(entityFactsRequired(e.definition));
            const holds = (all.get(subject) ?? []).some((f) => required.has(f.type));
            for (const year of YEARS) {
              const dated = known.filter((f) => f.occurredOn <= `${year}-12-31`);
              if (dated.length === 0) continue;
              const s = entitySnapshot(kind, dated, year, resolveTest);
              if (meets(c.when, s.attributes, year)) {
                members++;
                expect({ code: e.code, subject, year, holds }).toMatchObject({ holds: true });
              }
            }
          }
        }
      }),
      { numRuns: 300 },
    );
    expect(members).toBeGreaterThan(0); // entities met a narrowed condition: the check ran, not only passed
  });
});
