/**
 * The contributing events of figures, on a hand-made stream where every member, report, retraction and late
 * fact is known, then as a property on random streams: the set as known at an earlier position (recomputed)
 * equals the set a warehouse folded only up to that position computes from its stored tables.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CatalogEntry, type Fact, position } from "@kpi/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { factStreamArb } from "../testing/streams.js";
import { Warehouse } from "../warehouse/projector.js";
import { cellKey, contributionsOf, LeafCache, type Scope, SubjectEvents } from "./contribution.js";
import { contributionsInMemory, SubjectEventIndex } from "./memberLeaves.js";
import { EMPTY_ROOT, merkleRoot } from "./merkle.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-contrib-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const open = async (logFile?: string) => {
  const k = n++;
  return Warehouse.open(join(dir, `wh-${k}.duckdb`), logFile ?? join(dir, `log-${k}.duckdb`), {
    catalog: testCatalog,
    reference: testReference,
    years: [2023, 2026],
  });
};

const f = (id: string, type: string, subject: string, occurredOn: string, data: Record<string, unknown>) =>
  fact({ id, type, subject, occurredOn, source: "test", data });
const pop = (id: string, commune: string, year: number, aged15plus: number) =>
  f(id, "PopulationEstimated", `stat:pop-${commune}`, `${year}-07-01`, {
    commune,
    year,
    total: aged15plus + 2,
    aged15plus,
    adults: aged15plus,
  });
const account = (id: string, who: string, on: string, commune: string, institution = "vcb") =>
  f(id, "PaymentAccountOpened", `person:${who}`, on, { commune, birthYear: 1990, institution });
const retract = (id: string, subject: string, eventId: string) =>
  f(id, "FactRetracted", subject, "2025-09-01", { eventId, reason: "entered in error" });
const enterprise = (id: string, who: string, size: string) =>
  f(id, "EnterpriseRegistered", `enterprise:${who}`, "2024-01-10", {
    commune: "29926",
    form: "enterprise",
    size,
    sector: "C",
    digitalTech: false,
  });

const STREAM: readonly Fact[] = [
  pop("pop25", "29926", 2025, 40), // 1: replaced by pop25b, stands again once pop25b is retracted
  pop("pop25b", "29926", 2025, 42), // 2
  pop("pop25c", "29927", 2025, 30), // 3
  account("a1", "h1", "2024-03-10", "29926"), // 4
  account("a2", "h2", "2024-05-01", "29927"), // 5
  f("v3", "VneidActivated", "person:h3", "2024-06-01", { commune: "29926", birthYear: 1990, level: 2 }), // 6
  account("a1x", "h1", "2025-02-01", "29926", "agribank"), // 7
  retract("r1", "person:h1", "a1x"), // 8
  f("c1late", "PaymentAccountClosed", "person:h1", "2026-01-10", {
    commune: "29926",
    birthYear: 1990,
    institution: "vcb",
  }), // 9: dated after 2025
  retract("r2", "stat:pop-29926", "pop25b"), // 10
  enterprise("e1", "e1", "micro"), // 11
  f("l1", "EcommerceListed", "enterprise:e1", "2024-02-01", { platform: "shopee" }), // 12
  enterprise("e2", "e2", "small"), // 13: in the population, not listed
  enterprise("e3", "e3", "large"), // 14: not an SME
  f("g24", "GrdpReported", "stat:grdp", "2025-03-01", { year: 2024, sector: "ALL", grdp: 900, digitalEconomy: 90 }), // 15
  f("g25", "GrdpReported", "stat:grdp", "2026-03-01", { year: 2025, sector: "ALL", grdp: 1000, digitalEconomy: 120 }), // 16
  f("g25a", "GrdpReported", "stat:grdp", "2026-03-01", { year: 2025, sector: "A", grdp: 300, digitalEconomy: 15 }), // 17
  f("lp24", "LabourProductivityReported", "stat:lp", "2025-03-01", { year: 2024, valuePerWorker: 80 }), // 18
  f("lp25", "LabourProductivityReported", "stat:lp", "2026-03-01", { year: 2025, valuePerWorker: 88 }), // 19
];

const entries = (...codes: string[]): CatalogEntry[] => testCatalog.filter((e) => codes.includes(e.code));
const ALL_2025: Scope = { year: 2025, province: true, communes: "all" };

/** The expected digest of the events at these positions, computed in TypeScript from the log's hashes. */
const digestOf = async (w: Warehouse, positions: readonly number[]) => {
  const hashes = new Map<number, Buffer>();
  for await (const e of w.log.readAll(position(0))) hashes.set(e.position, Buffer.from(e.hash, "hex"));
  const sorted = [...positions].sort((a, b) => a - b);
  return { events: sorted.length, merkleRoot: merkleRoot(sorted.map((p) => hashes.get(p) as Buffer)) };
};

describe("contributing events", () => {
  it("are the members' facts up to year end, the retractions of such facts and the standing reports with their retractions", async () => {
    const w = await open();
    try {
      const r = await w.log.append(STREAM);
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      expect(r.right.head).toBe(19);
      await w.catchUp();
      const got = await contributionsOf(w, entries("PAYMENT_ACCT_15"), 19, ALL_2025);
      // h1 (a1, and r1 which withdrew a1x) with the standing report of 29926 (pop25, after r2 withdrew pop25b)
      expect(got.get(cellKey("PAYMENT_ACCT_15", "29926", ""))).toEqual(await digestOf(w, [1, 4, 8, 10]));
      expect(got.get(cellKey("PAYMENT_ACCT_15", "29927", ""))).toEqual(await digestOf(w, [3, 5]));
      expect(got.get(cellKey("PAYMENT_ACCT_15", "province", ""))).toEqual(await digestOf(w, [1, 3, 4, 5, 8, 10]));
      expect(got.size).toBe(3);

      // as known before r2 (pop25b stands) and before r1 (a1x counts)
      const at9 = await contributionsOf(w, entries("PAYMENT_ACCT_15"), 9, ALL_2025);
      expect(at9.get(cellKey("PAYMENT_ACCT_15", "29926", ""))).toEqual(await digestOf(w, [2, 4, 8]));
      const at7 = await contributionsOf(w, entries("PAYMENT_ACCT_15"), 7, ALL_2025);
      expect(at7.get(cellKey("PAYMENT_ACCT_15", "29926", ""))).toEqual(await digestOf(w, [2, 4, 7]));
      // for 2024, only facts dated in or before 2024 count, and no 2025 report
      const y2024 = await contributionsOf(w, entries("PAYMENT_ACCT_15"), 19, { ...ALL_2025, year: 2024 });
      expect(y2024.get(cellKey("PAYMENT_ACCT_15", "29926", ""))).toEqual(await digestOf(w, [4]));

      // a share counts the population (e1 listed, e2 not) and leaves out what is outside it (e3, large)
      const sme = await contributionsOf(w, entries("SME_ECOM_PLATFORM"), 19, ALL_2025);
      expect(sme.get(cellKey("SME_ECOM_PLATFORM", "29926", ""))).toEqual(await digestOf(w, [11, 12, 13]));
      expect(sme.get(cellKey("SME_ECOM_PLATFORM", "province", ""))).toEqual(await digestOf(w, [11, 12, 13]));

      // reported kinds: the year's report, by breakdown; growth reads Y and Y−1
      const rep = await contributionsOf(w, entries("DE_GRDP", "DE_SECTOR", "LABOR_PRODUCTIVITY_GROWTH"), 19, ALL_2025);
      expect(rep.get(cellKey("DE_GRDP", "province", ""))).toEqual(await digestOf(w, [16]));
      expect(rep.get(cellKey("DE_SECTOR", "province", "A"))).toEqual(await digestOf(w, [17]));
      expect(rep.get(cellKey("LABOR_PRODUCTIVITY_GROWTH", "province", ""))).toEqual(await digestOf(w, [18, 19]));

      // one commune only
      const one = await contributionsOf(w, entries("PAYMENT_ACCT_15"), 19, {
        year: 2025,
        province: false,
        communes: { geo: "29927" },
      });
      expect([...one.keys()]).toEqual([cellKey("PAYMENT_ACCT_15", "29927", "")]);
      expect(one.get(cellKey("PAYMENT_ACCT_15", "29927", ""))).toEqual(await digestOf(w, [3, 5]));
      expect(EMPTY_ROOT).toHaveLength(64);

      // the leaf hashes a publish keeps for all its calls, reused at earlier positions and for other indicators,
      // give the digests of one call's own: read by a scan of the log's range (share 0), by a join of the events
      // needed (share Infinity), or whichever the share of the range needed says
      const codes = entries("PAYMENT_ACCT_15", "SME_ECOM_PLATFORM", "DE_GRDP", "LABOR_PRODUCTIVITY_GROWTH");
      const needed = new Set<number>();
      for (const share of [0, Number.POSITIVE_INFINITY, undefined]) {
        const leaves = new LeafCache(share);
        const events = new SubjectEvents();
        const index = new SubjectEventIndex();
        const inMemory = new LeafCache(share);
        try {
          expect(SubjectEventIndex.usable(w, 19)).toBe(true);
          for (const [at, scope] of [
            [19, { ...ALL_2025, communes: "none" }],
            [9, ALL_2025],
            [19, ALL_2025],
            [7, ALL_2025],
            [19, { ...ALL_2025, year: 2024 }],
          ] as const) {
            const alone = await contributionsOf(w, codes, at, scope);
            expect(alone.size).toBeGreaterThan(0);
            expect(Object.fromEntries(await contributionsOf(w, codes, at, scope, leaves))).toEqual(
              Object.fromEntries(alone),
            );
            // and with every subject's events of the year listed once (kept while the position and year hold)
            expect(Object.fromEntries(await contributionsOf(w, codes, at, scope, leaves, events))).toEqual(
              Object.fromEntries(alone),
            );
            // and with the members' events joined in memory, from an index of every subject's events
            expect(Object.fromEntries(await contributionsInMemory(w, codes, at, scope, inMemory, index))).toEqual(
              Object.fromEntries(alone),
            );
          }
          if (share === 0) expect(inMemory.store.size).toBe(19);
          // the scan holds every event up to the last needed (19); the join only those needed
          if (share === 0) expect(leaves.store.size).toBe(19);
          if (share === Number.POSITIVE_INFINITY) needed.add(leaves.store.size);
        } finally {
          await leaves.drop(w);
          await events.drop(w);
          await inMemory.drop(w);
          await index.drop(w);
        }
        expect(leaves.store.size).toBe(0);
      }
      expect([...needed][0]).toBeGreaterThan(0);
      expect([...needed][0]).toBeLessThan(19);

      // a publish that expects to need most events up to 19 reads them all at its first figure needing any (one
      // report here), rather than join that one and read the range again at the next; expecting few, it joins
      for (const [expected, held] of [
        [10, 19],
        [2, 1],
      ] as const) {
        const cache = new LeafCache();
        const index = new SubjectEventIndex();
        try {
          cache.expect(expected, 19);
          const got = await contributionsInMemory(w, entries("DE_GRDP"), 19, ALL_2025, cache, index);
          expect(got.get(cellKey("DE_GRDP", "province", ""))).toEqual(await digestOf(w, [16]));
          expect(cache.store.size).toBe(held);
        } finally {
          await cache.drop(w);
          await index.drop(w);
        }
      }
    } finally {
      await w.close();
    }
  });

  it("as known at an earlier position equal those of a warehouse folded only that far (random streams)", async () => {
    await fc.assert(
      fc.asyncProperty(factStreamArb(30), fc.nat(), fc.constantFrom(2024, 2025, 2026), async (facts, cut, year) => {
        const log = join(dir, `log-p${n}.duckdb`);
        const full = await open(log);
        try {
          const r = await full.log.append(facts);
          if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
          await full.catchUp();
          const at = cut % (r.right.head + 1);
          const earlier = await contributionsOf(full, testCatalog, at, { year, province: true, communes: "all" });
          // the members' events joined in memory give the same digests (a new index and cache each time)
          const index = new SubjectEventIndex();
          const leaves = new LeafCache();
          try {
            const scope: Scope = { year, province: true, communes: "all" };
            const inMemory = await contributionsInMemory(full, testCatalog, at, scope, leaves, index);
            expect(Object.fromEntries(inMemory)).toEqual(Object.fromEntries(earlier));
          } finally {
            await leaves.drop(full);
            await index.drop(full);
          }
          await full.close();
          const partial = await open(log);
          try {
            await partial.catchUp(at);
            expect(await partial.checkpoint()).toBe(at);
            const stored = await contributionsOf(partial, testCatalog, at, { year, province: true, communes: "all" });
            expect(Object.fromEntries(earlier)).toEqual(Object.fromEntries(stored));
          } finally {
            await partial.close();
          }
        } catch (e) {
          await full.close().catch(() => undefined);
          throw e;
        }
      }),
      { numRuns: 8 },
    );
  }, 240_000);
});
