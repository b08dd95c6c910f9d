import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { arbitraryFact } from "../facts/arbitraries.js";
import { CATALOG_AUTHORITY, canonicalFactParts, type Fact, isCatalogChange, position } from "../facts/index.js";
import { type PlanContext, planAppend } from "./appendPlan.js";
import { GENESIS_HASH } from "./hashChain.js";

const emptyLog: PlanContext = {
  head: position(0),
  lastHash: GENESIS_HASH,
  recordedAt: "2026-12-05T12:00:00.000Z",
  maybeStored: () => false,
  lookup: () => Promise.resolve(new Map()),
  revision: () => -1,
};

/** Facts any source may append: no retractions, and catalog changes by the catalog authority. */
const noRetractions = arbitraryFact()
  .filter((f) => f.type !== "FactRetracted")
  .map((f) => (isCatalogChange(f.type) ? ({ ...f, source: CATALOG_AUTHORITY } as Fact) : f));

describe("planAppend with canonical parts computed already", () => {
  it("plans the same rows, hashes and outcomes as when it computes them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(noRetractions, { selector: (f) => f.id, maxLength: 20 }),
        async (facts: Fact[]) => {
          const own = await planAppend(facts, {}, emptyLog);
          const given = await planAppend(facts, { canonicalParts: facts.map(canonicalFactParts) }, emptyLog);
          expect(given).toEqual(own);
          expect(E.isRight(own)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses parts that do not match the facts one for one", async () => {
    const facts = fc.sample(noRetractions, 2);
    await expect(
      planAppend(facts, { canonicalParts: [canonicalFactParts(facts[0] as Fact)] }, emptyLog),
    ).rejects.toThrow(/1 canonical parts given for 2 facts/);
  });
});

describe("planAppend of catalog changes", () => {
  it("refuses one from any source but the catalog authority, naming the authority", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(arbitraryFact("TargetRevised"), arbitraryFact("IndicatorDefinitionAmended")),
        async (f) => {
          const r = await planAppend([f], {}, emptyLog);
          if (f.source === CATALOG_AUTHORITY) expect(E.isRight(r)).toBe(true);
          else
            expect(E.isLeft(r) && r.left).toEqual({
              _tag: "CatalogChangeRefused",
              id: f.id,
              index: 0,
              type: f.type,
              source: f.source,
              authority: CATALOG_AUTHORITY,
            });
          const byAuthority = await planAppend([f], { catalogAuthority: f.source }, emptyLog);
          expect(E.isRight(byAuthority)).toBe(true);
        },
      ),
    );
  });
});
