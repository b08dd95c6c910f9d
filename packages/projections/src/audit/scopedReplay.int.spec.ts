/**
 * A replay that stages only the facts a catalog reads (`stageOnlyCatalogFacts`, what verify uses) gives the same
 * figures and the same contributing events as the statisticians' warehouse that staged everything.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CatalogEntry, decodeFact, ENTITY_KINDS, entityFactsRequired, type Fact } from "@kpi/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { factStreamArb } from "../testing/streams.js";
import { catalogStaging, stagedInPart, Warehouse } from "../warehouse/projector.js";
import { figureRows, withContributions } from "./publish.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-scoped-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const years = [2023, 2026] as const;
/** A replay folds the years of the figures it recomputes, as `verifyPublication` does. */
const replayYears = [2024, 2025] as const;
/**
 * Replays that, staging every entity of the kinds their part counts, would have staged facts of those kinds dated
 * after their last year but for the cut: the facts the cut leaves out.
 */
let later = 0;
/** The facts of `kinds` (not retractions) dated after 2025. */
const laterEntityFacts = async (w: Warehouse, kinds: Iterable<string>): Promise<number> =>
  (
    await w.query<{ n: number }>(
      `SELECT CAST(count(*) AS DOUBLE) AS n FROM facts
       WHERE occurred_on > DATE '2025-12-31' AND type <> 'FactRetracted'
         AND list_contains([${[...kinds].map((k) => `'${k}'`).join(", ")}]::VARCHAR[], kind)`,
    )
  )[0]?.n ?? -1;

const figures = async (w: Warehouse, catalog: readonly CatalogEntry[]) => {
  const codes = catalog.map((e) => e.code as string);
  const defs = new Map(catalog.map((e) => [e.code as string, e.definition]));
  const rows = await figureRows(w, codes, [2024, 2025], "all");
  return withContributions(w, defs, rows, await w.checkpoint());
};

/**
 * The figures of `part` from a full warehouse and from a replay of `part`'s facts only, over the same log;
 * `countedOnly`: the replay stages only the entities the definitions can count (`stageOnlyCountedEntities`).
 */
const bothWays = async (facts: readonly Fact[], part: readonly CatalogEntry[], countedOnly = false) => {
  const k = n++;
  const log = join(dir, `log-${k}.duckdb`);
  const full = await Warehouse.open(join(dir, `full-${k}.duckdb`), log, {
    catalog: testCatalog,
    reference: testReference,
    years,
  });
  let expected: Awaited<ReturnType<typeof figures>>;
  try {
    if (facts.length > 0 && E.isLeft(await full.log.append(facts))) throw new Error("append refused");
    await full.catchUp();
    expected = await figures(full, part);
    if (!countedOnly && (await laterEntityFacts(full, catalogStaging(part, false).wholeKinds)) > 0) later++;
  } finally {
    await full.close();
  }
  const replay = async (singleSubjectKeys: boolean) => {
    const scoped = await Warehouse.open(join(dir, `scoped-${k}-${singleSubjectKeys}.duckdb`), log, {
      catalog: part,
      reference: testReference,
      years: replayYears,
      logReadOnly: true,
      stageOnlyCatalogFacts: true,
      stageOnlyCountedEntities: countedOnly,
      singleSubjectKeys,
    });
    try {
      await scoped.catchUp();
      // an entity's facts dated after the last year-end change no figure of the years replayed: not staged
      expect(await laterEntityFacts(scoped, ENTITY_KINDS)).toBe(0);
      return await figures(scoped, part);
    } finally {
      await scoped.close();
    }
  };
  const actual = await replay(true);
  // the entities staged, listed by their events' keys or through the log's dictionary: the same figures
  if (countedOnly) expect(await replay(false)).toEqual(actual);
  return { expected, actual };
};

const fact = (raw: unknown): Fact => {
  const r = decodeFact(raw);
  if (E.isLeft(r)) throw new Error("test fact does not decode");
  return r.right;
};

describe("replay of a catalog's facts only", () => {
  it("gives the full warehouse's figures and contributions for any part of the catalog", async () => {
    await fc.assert(
      fc.asyncProperty(
        factStreamArb(40),
        fc.subarray([...testCatalog], { minLength: 1, maxLength: 3 }),
        async (facts, part) => {
          const { expected, actual } = await bothWays(facts, part);
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
    expect(later).toBeGreaterThan(0); // replays left out facts they would have staged, and still agreed
  }, 300_000);

  it("staging only the entities the definitions can count, gives the same figures but where none is in a cell", async () => {
    // DIGSIG_ADULT counts signature holders only: a replay stages them and their facts, not every person
    const narrowed = testCatalog.filter((e) => entityFactsRequired(e.definition) !== undefined);
    expect(narrowed.map((e) => e.code)).toContain("DIGSIG_ADULT");
    let unsure = 0;
    await fc.assert(
      fc.asyncProperty(
        factStreamArb(40),
        fc.subarray([...testCatalog], { minLength: 1, maxLength: 3 }),
        async (facts, part) => {
          const { expected, actual } = await bothWays(facts, part, true);
          expect(actual.length).toBe(expected.length);
          for (const [i, a] of actual.entries()) {
            const e = expected[i];
            const d = part.find((x) => x.code === a.indicator)?.definition;
            if (a.numerator === null && d !== undefined && stagedInPart(catalogStaging(part, true), d)) {
              // no counted entity in the cell: the full fold says 0 where other entities of the kind exist there
              unsure++;
              expect(e?.numerator === null || e?.numerator === "0").toBe(true);
              expect({ ...a, numerator: null, denominator: null, value: null }).toEqual({
                ...e,
                numerator: null,
                denominator: null,
                value: null,
              });
            } else {
              expect(a).toEqual(e);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
    expect(unsure).toBeGreaterThan(0); // the exception is taken, not only allowed
  }, 300_000);

  it("honours the retraction of a statistics report, whose subject is no entity", async () => {
    const population = (id: string, adults: number) =>
      fact({
        id,
        type: "PopulationEstimated",
        subject: "stat:population",
        occurredOn: "2025-03-01",
        source: "src",
        data: { commune: "29926", year: 2025, total: 10 * adults, aged15plus: 2 * adults, adults },
      });
    const account = fact({
      id: "a1",
      type: "PaymentAccountOpened",
      subject: "person:p1",
      occurredOn: "2025-02-01",
      source: "src",
      data: { commune: "29926", birthYear: 1990, institution: "vcb" },
    });
    const retraction = fact({
      id: "r1",
      type: "FactRetracted",
      subject: "stat:population",
      occurredOn: "2025-04-01",
      source: "src",
      data: { eventId: "p2", reason: "reported in error" },
    });
    const part = testCatalog.filter((e) => e.code === "PAYMENT_ACCT_15");
    const { expected, actual } = await bothWays(
      [account, population("p1", 50), population("p2", 60), retraction],
      part,
    );
    const province2025 = expected.find((f) => f.geo === "province" && f.year === 2025);
    expect(province2025?.denominator).toBe("100"); // p1's 2 × 50, the retracted p2 left out
    expect(actual).toEqual(expected);
  });
});
