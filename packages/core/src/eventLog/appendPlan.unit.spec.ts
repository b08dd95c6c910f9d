import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { arbitraryFact } from "../facts/arbitraries.js";
import { canonicalFactParts, type Fact, position } from "../facts/index.js";
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

const noRetractions = arbitraryFact().filter((f) => f.type !== "FactRetracted");

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
