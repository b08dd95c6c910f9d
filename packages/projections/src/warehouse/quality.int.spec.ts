/**
 * The quality flags of `qualitySql.ts` on a real DuckDB warehouse: given facts, when folded, then each figure
 * carries provisional / estimated / break_in_series / implausible (with its reason) and the province carries
 * what its communes carry; and, as a property, flags are deterministic: the same log gives the same flags
 * however it was folded, and they obey their rules on random fact streams.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { factStreamArb } from "../testing/streams.js";
import { Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-quality-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const pop = (id: string, commune: string, year: number, aged15plus: number) =>
  fact({
    id,
    type: "PopulationEstimated",
    subject: `stat:pop-${commune}`,
    occurredOn: `${year}-07-01`,
    source: "gso",
    data: { commune, year, total: aged15plus, aged15plus, adults: aged15plus },
  });
const account = (id: string, commune: string, on: string) =>
  fact({
    id,
    type: "PaymentAccountOpened",
    subject: `person:${id}`,
    occurredOn: on,
    source: "nhnn-kv15",
    data: { commune, birthYear: 1990, institution: "vcb" },
  });

/** A warehouse whose log records every append on `day` (the vintage), with small cells not withheld. */
const open = async (day = "2026-03-01") => {
  const k = n++;
  const clock = { day };
  const w = await Warehouse.open(join(dir, `wh-${k}.duckdb`), join(dir, `log-${k}.duckdb`), {
    catalog: testCatalog,
    reference: testReference,
    years: [2023, 2026],
    smallCellThreshold: 1,
    now: () => new Date(`${clock.day}T12:00:00Z`),
  });
  return { w, clock };
};

interface Flags {
  geo: string;
  year: number;
  provisional: boolean;
  estimated: boolean;
  break_in_series: boolean;
  implausible: boolean;
  implausible_reason: string | null;
}
const flags = (w: Warehouse, indicator: string) =>
  w.query<Flags>(
    `SELECT geo, year, provisional, estimated, break_in_series, implausible, implausible_reason
     FROM indicator_values WHERE indicator = $indicator AND breakdown = '' ORDER BY geo, year`,
    { indicator },
  );
const at = (rows: readonly Flags[], geo: string, year: number) => rows.find((r) => r.geo === geo && r.year === year);

describe("quality flags", () => {
  it("marks a share above 100 % implausible with its numbers, and the province carries it naming the commune", async () => {
    const { w } = await open();
    try {
      await w.log.append([
        pop("p24", "29926", 2024, 2),
        account("a1", "29926", "2024-03-10"),
        account("a2", "29926", "2024-03-11"),
        account("a3", "29926", "2024-03-12"),
      ]);
      await w.catchUp();
      const rows = await flags(w, "PAYMENT_ACCT_15");
      expect(at(rows, "29926", 2024)).toMatchObject({
        implausible: true,
        implausible_reason: "share above 100 % (150.0 %): numerator 3.0 > denominator 2.0",
      });
      expect(at(rows, "province", 2024)).toMatchObject({
        implausible: true,
        implausible_reason: expect.stringContaining("1 commune figure(s) implausible: 29926"),
      });
      // the denominator is a population estimate: every figure of the indicator is estimated
      expect(rows.every((r) => r.estimated)).toBe(true);
      expect(at(rows, "29926", 2023)).toBeUndefined();
    } finally {
      await w.close();
    }
  });

  it("marks a denominator jump beyond 50 % implausible, but not where a boundary break explains it", async () => {
    const { w } = await open();
    try {
      await w.log.append([
        pop("a23", "29926", 2023, 100),
        pop("a24", "29926", 2024, 160),
        pop("a25", "29926", 2025, 400),
        pop("b23", "29927", 2023, 100),
        pop("b24", "29927", 2024, 140),
      ]);
      await w.catchUp();
      const rows = await flags(w, "PAYMENT_ACCT_15");
      expect(at(rows, "29926", 2024)).toMatchObject({
        implausible: true,
        implausible_reason: "denominator rose by 60 % from 2023 (100.0 → 160.0), beyond the 50 % threshold",
      });
      expect(at(rows, "29927", 2024)).toMatchObject({ implausible: false, implausible_reason: null });
      // 160 → 400 across the boundary change of 1 July 2025 in a commune that took part of a split unit
      expect(at(rows, "29926", 2025)).toMatchObject({ break_in_series: true, implausible: false });
    } finally {
      await w.close();
    }
  });

  it("marks the break in series on 2025 for communes of a partial split, and the province carries it", async () => {
    const { w } = await open();
    try {
      await w.log.append([account("a1", "29931", "2024-05-01"), account("a2", "29926", "2025-08-01")]);
      await w.catchUp();
      const rows = await flags(w, "PAYMENT_ACCT_15");
      expect(rows.filter((r) => r.break_in_series).map((r) => [r.geo, r.year])).toEqual([
        ["29926", 2025],
        ["29927", 2025],
        ["province", 2025],
      ]);
    } finally {
      await w.close();
    }
  });

  it("keeps a year provisional until 1 October of the next year, as of each vintage", async () => {
    const { w, clock } = await open("2025-09-30");
    try {
      await w.log.append([account("a1", "29926", "2024-05-01")]);
      await w.catchUp();
      const provisional = async () =>
        (await flags(w, "PAYMENT_ACCT_15")).filter((r) => r.geo === "province").map((r) => [r.year, r.provisional]);
      expect(await provisional()).toEqual([
        [2023, false],
        [2024, true],
        [2025, true],
        [2026, true],
      ]);
      clock.day = "2025-10-01";
      // a fact that changes another indicator only: PAYMENT_ACCT_15 is not recomputed, but its flags move on
      await w.log.append([
        fact({
          id: "e1",
          type: "EnterpriseRegistered",
          subject: "enterprise:0301",
          occurredOn: "2025-09-01",
          source: "dkkd",
          data: { commune: "29926", form: "enterprise", size: "small", sector: "C", digitalTech: false },
        }),
      ]);
      const r = await w.catchUp();
      expect(r.indicators).not.toContain("PAYMENT_ACCT_15");
      expect(await provisional()).toEqual([
        [2023, false],
        [2024, false],
        [2025, true],
        [2026, true],
      ]);
    } finally {
      await w.close();
    }
  });

  it("gives a year that had not begun at the vintage no figures, now and as of then", async () => {
    const { w, clock } = await open("2024-06-01");
    try {
      await w.log.append([pop("p24", "29926", 2024, 10), account("a1", "29926", "2024-03-10")]);
      await w.catchUp();
      const years = async () =>
        w.query<{ geo: string; year: number; value: number | null }>(
          "SELECT geo, year, value FROM indicator_values WHERE indicator = 'PAYMENT_ACCT_15' ORDER BY geo, year",
        );
      expect((await years()).map((r) => [r.geo, r.year, r.value])).toEqual([
        ["29926", 2024, 10],
        ["province", 2023, null],
        ["province", 2024, 10],
        ["province", 2025, null],
        ["province", 2026, null],
      ]);
      clock.day = "2025-02-01";
      await w.log.append([pop("p25", "29926", 2025, 10)]);
      await w.catchUp();
      expect((await years()).filter((r) => r.year === 2025).map((r) => [r.geo, r.value])).toEqual([
        ["29926", 10],
        ["province", 10],
      ]);
      // as of the first vintage, recomputed: the same rule
      const then = await w.figuresAsOf({ date: "2024-06-01" }, ["PAYMENT_ACCT_15"]);
      expect(then.filter((f) => f.year === 2025).map((f) => [f.geo, f.value])).toEqual([["province", null]]);
    } finally {
      await w.close();
    }
  });

  it("are deterministic: the same log gives the same flags, folded at once or step by step, and obey their rules", async () => {
    await fc.assert(
      fc.asyncProperty(factStreamArb(25), fc.nat(), async (facts, cut) => {
        const a = await open();
        const b = await open();
        try {
          const split = cut % (facts.length + 1);
          await a.w.log.append(facts);
          await a.w.catchUp();
          if (split > 0) await b.w.log.append(facts.slice(0, split));
          await b.w.catchUp();
          if (split < facts.length) await b.w.log.append(facts.slice(split));
          await b.w.catchUp();
          const q = `SELECT indicator, geo, year, breakdown, value, provisional, estimated, break_in_series,
                            implausible, implausible_reason FROM indicator_values ORDER BY ALL`;
          const once = await a.w.query<Flags & { value: number | null; indicator: string }>(q);
          expect(await b.w.query(q)).toEqual(once);
          await a.w.rebuild();
          expect(await a.w.query(q)).toEqual(once);
          const shares = new Set(["PAYMENT_ACCT_15", "DIGSIG_ADULT"]);
          for (const r of once) {
            expect(r.implausible).toBe(r.implausible_reason !== null);
            if (shares.has(r.indicator) && r.value !== null && r.value > 100) expect(r.implausible).toBe(true);
            if (r.break_in_series) expect(r.year).toBe(2025);
            expect(r.provisional).toBe(r.year >= 2025); // recorded on 2026-03-01
          }
        } finally {
          await a.w.close();
          await b.w.close();
        }
      }),
      { numRuns: 8 },
    );
  }, 300_000);
});
