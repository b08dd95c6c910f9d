/**
 * Catalog changes on the record, on a real DuckDB warehouse: given facts and then a `TargetRevised` or an
 * `IndicatorDefinitionAmended`, when folded, then the figures use the catalog in force (target, status,
 * definition and its hash), as-of an earlier position reproduces the catalog then, the revision history says
 * why each figure moved (data, definition, both), and a source other than the catalog authority is refused.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeAppendError, type Fact } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { explainFigure } from "../audit/explain.js";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-catalog-changes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pop = (year: number) =>
  fact({
    id: `pop-${year}`,
    type: "PopulationEstimated",
    subject: "stat:pop-29926",
    occurredOn: `${year}-07-01`,
    source: "gso",
    data: { commune: "29926", year, total: 5, aged15plus: 4, adults: 3 },
  });
const account = (id: string, birthYear: number) =>
  fact({
    id,
    type: "PaymentAccountOpened",
    subject: `person:${id}`,
    occurredOn: "2024-03-01",
    source: "nhnn-kv15",
    data: { commune: "29926", birthYear, institution: "vcb" },
  });
const provenance = { effectiveOn: "2026-02-15", changedBy: "UBND tỉnh", plan: "KH-99-2026", section: "§III.1" };
const change = (id: string, type: string, data: Record<string, unknown>, source = "kpi-catalog") =>
  fact({ id, type, subject: "stat:catalog", occurredOn: "2026-02-15", source, data: { ...provenance, ...data } });

const open = async () => {
  const clock = { day: "2026-03-01" };
  const w = await Warehouse.open(join(dir, "wh.duckdb"), join(dir, "log.duckdb"), {
    catalog: testCatalog,
    reference: testReference,
    years: [2023, 2026],
    smallCellThreshold: 1,
    now: () => new Date(`${clock.day}T12:00:00Z`),
  });
  return { w, clock };
};

const append = async (w: Warehouse, facts: readonly Fact[]): Promise<number> => {
  const r = await w.log.append(facts);
  if (E.isLeft(r)) throw new Error(describeAppendError(r.left));
  await w.catchUp();
  return w.checkpoint();
};

interface Row {
  numerator: number | null;
  denominator: number | null;
  target_value: number | null;
  status: string;
  definition_hash: string;
}
const province2025 = async (w: Warehouse): Promise<Row> =>
  (
    await w.query<Row>(
      `SELECT CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator, target_value,
              status, definition_hash
       FROM indicator_values WHERE indicator = 'PAYMENT_ACCT_15' AND geo = 'province' AND year = 2025`,
    )
  )[0] as Row;

describe("catalog changes", () => {
  it("apply from their position on; as-of reproduces the catalog then; revisions say why figures moved", async () => {
    const { w, clock } = await open();
    try {
      // given: 2024 and 2025, three account holders (born 1990, 1990, 2009) over 4 residents aged 15+
      const p1 = await append(w, [pop(2024), pop(2025), account("a1", 1990), account("a2", 1990), account("a3", 2009)]);
      const shipped = await province2025(w);
      expect(shipped).toMatchObject({ numerator: 3, denominator: 4, target_value: 50, status: "met" });

      // when: the 2025 target is raised to 90 %
      clock.day = "2026-03-02";
      const p2 = await append(w, [
        change("t1", "TargetRevised", { indicator: "PAYMENT_ACCT_15", targetYear: 2025, op: ">=", value: 90 }),
      ]);
      // then: the figure is judged against it (75 % < the path from 2024's 75 % to 90 %)
      expect(await province2025(w)).toMatchObject({ numerator: 3, target_value: 90, status: "off_track" });
      const targets = await w.query<{ value: number; document: string; position: number; changed_by: string }>(
        `SELECT value, document, CAST(position AS DOUBLE) AS position, changed_by FROM indicator_targets
         WHERE indicator = 'PAYMENT_ACCT_15' AND year = 2025`,
      );
      expect(targets).toEqual([{ value: 90, document: "KH-99-2026", position: p2, changed_by: "UBND tỉnh" }]);
      // as of before the revision the target was 50; after, 90
      const target = async (p: number) =>
        (await w.catalogAt(p)).catalog.find((e) => e.code === "PAYMENT_ACCT_15")?.targets.find((t) => t.year === 2025);
      expect(await target(p1)).toMatchObject({ op: ">=", value: 50 });
      expect(await target(p2)).toMatchObject({ op: ">=", value: 90, source: { document: "KH-99-2026" } });

      // when: the definition is amended: adults (18+) over the adults estimate
      clock.day = "2026-03-03";
      const p3 = await append(w, [
        change("d1", "IndicatorDefinitionAmended", {
          indicator: "PAYMENT_ACCT_15",
          minAge: 18,
          denominatorField: "adults",
          reason: "aligned with the 2026 plan",
        }),
      ]);
      const amended = await province2025(w);
      expect(amended).toMatchObject({ numerator: 2, denominator: 3 });
      expect(amended.definition_hash).not.toBe(shipped.definition_hash);
      // as-of reproduces the numbers and the hash in force at each position
      const at = async (p: number) =>
        (await w.figuresAsOf({ position: p }, ["PAYMENT_ACCT_15"])).find(
          (f) => f.geo === "province" && f.year === 2025,
        );
      expect(await at(p2)).toMatchObject({ numerator: 3, denominator: 4, definitionHash: shipped.definition_hash });
      expect(await at(p3)).toMatchObject({ numerator: 2, denominator: 3, definitionHash: amended.definition_hash });
      // and so does the explanation of a figure: its subjects and hash are those of the definition then
      const explained = async (p: number) => {
        const r = await explainFigure(w, "PAYMENT_ACCT_15", "province", 2025, { asOf: { position: p } });
        if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
        return r.right;
      };
      expect(await explained(p2)).toMatchObject({ numeratorSubjects: 3, definitionHash: shipped.definition_hash });
      expect(await explained(p3)).toMatchObject({ numeratorSubjects: 2, definitionHash: amended.definition_hash });

      // when: on one day a new adult account holder and a target revision
      clock.day = "2026-03-04";
      await append(w, [
        account("a4", 1985),
        change("t2", "TargetRevised", { indicator: "PAYMENT_ACCT_15", targetYear: 2025, op: ">=", value: 95 }),
      ]);
      // then: the revision history says which vintage moved for which cause
      const causes = await w.query<{ vintage: string; cause: string; numerator: number; target_value: number }>(
        `SELECT strftime(vintage, '%Y-%m-%d') AS vintage, cause, CAST(numerator AS DOUBLE) AS numerator, target_value
         FROM indicator_revisions WHERE indicator = 'PAYMENT_ACCT_15' AND geo = 'province' AND year = 2025
         ORDER BY vintage`,
      );
      expect(causes).toEqual([
        { vintage: "2026-03-01", cause: "data", numerator: 3, target_value: 50 },
        { vintage: "2026-03-02", cause: "definition", numerator: 3, target_value: 90 },
        { vintage: "2026-03-03", cause: "definition", numerator: 2, target_value: 90 },
        { vintage: "2026-03-04", cause: "both", numerator: 3, target_value: 95 },
      ]);
      // a figure the target revision did not touch (DIGSIG_ADULT) has no definition revision
      const others = await w.query(
        "SELECT 1 FROM indicator_revisions WHERE indicator <> 'PAYMENT_ACCT_15' AND cause <> 'data'",
      );
      expect(others).toEqual([]);

      // when: the last revision is retracted, the target in force goes back to 90
      clock.day = "2026-03-05";
      await append(w, [
        fact({
          id: "t2-x",
          type: "FactRetracted",
          subject: "stat:catalog",
          occurredOn: "2026-03-05",
          source: "kpi-catalog",
          data: { eventId: "t2", reason: "entered in error" },
        }),
      ]);
      expect(await province2025(w)).toMatchObject({ numerator: 3, target_value: 90 });

      // and: a rebuild gives the same tables
      const incremental = await w.dump();
      await w.rebuild();
      expect(await w.dump()).toEqual(incremental);
    } finally {
      await w.close();
    }
  }, 120_000);

  it("as of a day applies a change only from its effectiveOn, though it was recorded before", async () => {
    const clock = { day: "2026-03-01" };
    const w = await Warehouse.open(join(dir, "wh-effective.duckdb"), join(dir, "log-effective.duckdb"), {
      catalog: testCatalog,
      reference: testReference,
      years: [2023, 2026],
      smallCellThreshold: 1,
      now: () => new Date(`${clock.day}T12:00:00Z`),
    });
    try {
      await append(w, [pop(2024), pop(2025), account("a1", 1990), account("a2", 1990), account("a3", 2009)]);
      const shipped = await province2025(w);
      // recorded on 2 March, decided to take effect on 10 March
      clock.day = "2026-03-02";
      const effective = { effectiveOn: "2026-03-10" };
      const p2 = await append(w, [
        change("e1", "TargetRevised", {
          indicator: "PAYMENT_ACCT_15",
          targetYear: 2025,
          op: ">=",
          value: 90,
          ...effective,
        }),
        change("e2", "IndicatorDefinitionAmended", {
          indicator: "PAYMENT_ACCT_15",
          minAge: 18,
          denominatorField: "adults",
          reason: "aligned with the 2026 plan",
          ...effective,
        }),
      ]);
      clock.day = "2026-03-12";
      await append(w, [account("a4", 1985)]);
      const target = async (day?: string) =>
        (await w.catalogAt(p2, day)).catalog
          .find((e) => e.code === "PAYMENT_ACCT_15")
          ?.targets.find((t) => t.year === 2025)?.value;
      expect(await target("2026-03-05")).toBe(50);
      expect(await target("2026-03-10")).toBe(90);
      expect(await target()).toBe(90); // by position, a change applies from where it was recorded
      const onDay = async (date: string) =>
        (await w.figuresAsOf({ date }, ["PAYMENT_ACCT_15"])).find((f) => f.geo === "province" && f.year === 2025);
      // as of 5 March (recorded, not yet in effect): the shipped definition
      expect(await onDay("2026-03-05")).toMatchObject({
        numerator: 3,
        denominator: 4,
        definitionHash: shipped.definition_hash,
      });
      // as of 10 March (in effect, nothing new recorded since the 2nd): adults over the adults estimate
      const amended = await onDay("2026-03-10");
      expect(amended).toMatchObject({ numerator: 2, denominator: 3 });
      expect(amended?.definitionHash).not.toBe(shipped.definition_hash);
      // the explanation of a figure as of a day follows the same rule
      const explained = async (date: string) => {
        const r = await explainFigure(w, "PAYMENT_ACCT_15", "province", 2025, { asOf: { date } });
        if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
        return r.right;
      };
      expect(await explained("2026-03-05")).toMatchObject({
        numeratorSubjects: 3,
        definitionHash: shipped.definition_hash,
      });
      expect(await explained("2026-03-10")).toMatchObject({ numeratorSubjects: 2 });
    } finally {
      await w.close();
    }
  }, 60_000);

  it("lists every change on the record, and says why one changed nothing", async () => {
    const { w } = await (async () => {
      const clock = { day: "2026-03-01" };
      const wh = await Warehouse.open(join(dir, "wh2.duckdb"), join(dir, "log2.duckdb"), {
        catalog: testCatalog,
        reference: testReference,
        years: [2023, 2026],
        now: () => new Date(`${clock.day}T12:00:00Z`),
      });
      return { w: wh };
    })();
    try {
      await append(w, [
        change("x1", "IndicatorDefinitionAmended", { indicator: "DE_GRDP", minAge: 18, reason: "test" }),
        change("x2", "TargetRevised", { indicator: "NO_SUCH_CODE", targetYear: 2025, op: ">=", value: 1 }),
      ]);
      const rows = await w.query<{ id: string; applied: boolean; problem: string | null; plan: string }>(
        "SELECT id, applied, problem, plan FROM catalog_changes ORDER BY position",
      );
      expect(rows).toEqual([
        {
          id: "x1",
          applied: false,
          problem: "minAge applies to a person indicator with an age condition; this one is reportedRatio",
          plan: "KH-99-2026",
        },
        { id: "x2", applied: false, problem: "no indicator NO_SUCH_CODE in the catalog", plan: "KH-99-2026" },
      ]);
    } finally {
      await w.close();
    }
  }, 60_000);

  it("refuses a catalog change from a source that is not the catalog authority", async () => {
    const w = await Warehouse.open(join(dir, "wh3.duckdb"), join(dir, "log3.duckdb"), {
      catalog: testCatalog,
      reference: testReference,
      years: [2023, 2026],
    });
    try {
      const r = await w.log.append([
        change("y1", "TargetRevised", { indicator: "PAYMENT_ACCT_15", targetYear: 2025, op: ">=", value: 1 }, "gso"),
      ]);
      expect(E.isLeft(r) && r.left).toMatchObject({
        _tag: "CatalogChangeRefused",
        source: "gso",
        authority: "kpi-catalog",
      });
      expect(E.isLeft(r) && describeAppendError(r.left)).toBe(
        "fact 1 (id y1): TargetRevised changes the indicator catalog, which only the catalog authority may do; source gso is not it (the operator appends catalog changes with source kpi-catalog)",
      );
      expect(await w.log.head()).toBe(0);
      // the operator may name another authority
      const granted = await w.log.append(
        [change("y1", "TargetRevised", { indicator: "PAYMENT_ACCT_15", targetYear: 2025, op: ">=", value: 1 }, "gso")],
        { catalogAuthority: "gso" },
      );
      expect(E.isRight(granted)).toBe(true);
    } finally {
      await w.close();
    }
  }, 60_000);
});
