/**
 * A fact the fold cannot take never stops the warehouse: facts dated before 1970 fold (the staging order key
 * is a product, not a shift); an event the fold still fails on (here a lone surrogate in a text field, as a
 * log written before the decoder refused them holds) is found by halving the step, put in quarantine with its
 * reason, and left out, while every other event folds; an operator clears it once its source retracted it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Fact } from "@kpi/core";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { isDataError, StepNotAtomicError, Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-quarantine-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = () => {
  const k = n++;
  return Warehouse.open(join(dir, `wh-${k}.duckdb`), join(dir, `log-${k}.duckdb`), {
    catalog: testCatalog,
    reference: testReference,
    years: [2023, 2026],
  });
};

/** A fact as the log stores it, built by hand: the decoder of today refuses the poisoned ones. */
const village = (i: number, name: string): Fact =>
  ({
    id: `v${i}`,
    type: "SmartVillageRecognised",
    subject: `village:v${i}`,
    occurredOn: "2024-05-01",
    source: "so-nnmt",
    data: { commune: "29926", name },
  }) as unknown as Fact;
/**
 * A population report whose JSON the fold's reader refuses (a lone surrogate in a field no decoder of today
 * accepts): the fold reads a report's `data` (its key and figures), so it fails on this one.
 */
const poisonedReport = (i: number, note: string): Fact =>
  ({
    id: `v${i}`,
    type: "PopulationEstimated",
    subject: `stat:v${i}`,
    occurredOn: "2024-05-01",
    source: "so-nnmt",
    data: { commune: "29926", year: 2024, total: 100, aged15plus: 80, adults: 70, note },
  }) as unknown as Fact;
const retraction = (id: string, target: string, kind = "village"): Fact =>
  ({
    id,
    type: "FactRetracted",
    subject: `${kind}:${target}`,
    occurredOn: "2024-05-02",
    source: "so-nnmt",
    data: { eventId: target, reason: "name sent broken" },
  }) as unknown as Fact;

const count = async (w: Warehouse, sql: string) => Number((await w.query<{ n: bigint }>(sql))[0]?.n);

describe("facts the fold cannot take", () => {
  it("folds a fact whose JSON it cannot parse when it reads no field of it (the log's typed columns)", async () => {
    const w = await open();
    try {
      await w.log.append([village(1, "Ấp \ud800"), village(2, "Ấp 2")]);
      const r = await w.catchUp();
      expect(r.quarantined).toEqual([]);
      const staged = await w.query<{ id: string; commune: string }>("SELECT id, commune FROM facts ORDER BY position");
      expect(staged.map((x) => [x.id, x.commune])).toEqual([
        ["v1", "29926"],
        ["v2", "29926"],
      ]);
    } finally {
      await w.close();
    }
  });

  it("folds a fact dated before 1970 and orders it before later ones", async () => {
    const w = await open();
    try {
      await w.log.append([
        {
          id: "e2",
          type: "EnterpriseDissolved",
          subject: "enterprise:coop1",
          occurredOn: "2024-01-10",
          source: "so-khdt",
          data: {},
        } as unknown as Fact,
        {
          id: "e1",
          type: "EnterpriseRegistered",
          subject: "enterprise:coop1",
          occurredOn: "1965-05-01",
          source: "so-khdt",
          data: { commune: "29926", form: "cooperative", size: "small", sector: "A", digitalTech: false },
        } as unknown as Fact,
      ]);
      const r = await w.catchUp();
      expect(r.quarantined).toEqual([]);
      const staged = await w.query<{ id: string }>("SELECT id FROM facts ORDER BY ord");
      expect(staged.map((x) => x.id)).toEqual(["e1", "e2"]);
    } finally {
      await w.close();
    }
  });

  it("quarantines the one event that fails, folds the rest, and gives the same tables as a rebuild", async () => {
    const w = await open();
    try {
      await w.log.append(
        Array.from({ length: 20 }, (_, i) => (i === 13 ? poisonedReport(i, "\ud800") : village(i, `Ấp ${i}`))),
      );
      const r = await w.catchUp();
      expect(r.to).toBe(20);
      expect(r.quarantined.map((q) => [q.position, q.id, q.source])).toEqual([[14, "v13", "so-nnmt"]]);
      expect(r.quarantined[0]?.reason).toMatch(/surrogate/);
      expect(await count(w, "SELECT count(*) AS n FROM facts")).toBe(19);
      expect(await w.checkpoint()).toBe(20);
      // later events fold in one step again: the event stays out
      await w.log.append([village(20, "Ấp 20")]);
      const next = await w.catchUp();
      expect(next.quarantined).toEqual([]);
      expect(next.steps).toHaveLength(1);
      const incremental = await w.dump();
      const rebuilt = await w.rebuild();
      expect(rebuilt.quarantined).toEqual([]);
      expect(await w.dump()).toEqual(incremental);
    } finally {
      await w.close();
    }
  });

  it("says so, instead of quarantining, when it folds without transactions (a throwaway replay)", async () => {
    const w = await open();
    try {
      await w.log.append([village(1, "Ấp 1"), poisonedReport(2, "\ud800"), village(3, "Ấp 3")]);
    } finally {
      await w.close();
    }
    const replay = await Warehouse.open(":memory:", join(dir, `log-${n - 1}.duckdb`), {
      catalog: testCatalog,
      reference: testReference,
      years: [2023, 2026],
      logReadOnly: true,
      atomicSteps: false,
    });
    try {
      const e = await replay.catchUp().then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(StepNotAtomicError);
      expect((e as StepNotAtomicError).to).toBe(3);
      expect(isDataError((e as StepNotAtomicError).cause)).toBe(true);
    } finally {
      await replay.close();
    }
  });

  it("clears an event only once its source retracted it, or on the operator's word", async () => {
    const w = await open();
    try {
      await w.log.append([village(1, "Ấp 1"), poisonedReport(2, "\udc00"), poisonedReport(3, "\ud800x")]);
      expect((await w.catchUp()).quarantined.map((q) => q.position)).toEqual([2, 3]);
      const early = await w.clearQuarantine(2, "");
      expect(early).toMatchObject({ ok: false });
      expect(early.ok ? "" : early.reason).toContain("has not been retracted");
      expect(await w.log.append([retraction("r1", "v2", "stat")])).toMatchObject({ right: { appended: 1 } });
      await w.catchUp();
      const done = await w.clearQuarantine(2, "source resent");
      expect(done).toMatchObject({
        ok: true,
        event: { position: 2, clearedNote: "source resent; retracted at position 4" },
      });
      expect(await w.clearQuarantine(2, "")).toMatchObject({ ok: false });
      expect(await w.clearQuarantine(1, "")).toMatchObject({ ok: false });
      expect(await w.clearQuarantine(3, "accepted as sent", true)).toMatchObject({ ok: true });
      const all = await w.quarantined();
      expect(all.map((q) => [q.position, q.clearedAt !== null])).toEqual([
        [2, true],
        [3, true],
      ]);
      // kept across a rebuild: the events stay out and need no new search
      const r = await w.rebuild();
      expect(r.quarantined).toEqual([]);
      expect(await w.quarantined()).toEqual(all);
      expect(await count(w, "SELECT count(*) AS n FROM facts WHERE type <> 'FactRetracted'")).toBe(1);
    } finally {
      await w.close();
    }
  });

  it("tells data errors from the machine's", () => {
    expect(isDataError(new Error("Invalid Input Error: Malformed JSON"))).toBe(true);
    expect(isDataError(new Error("Out of Range Error: Cannot left-shift negative number"))).toBe(true);
    expect(isDataError(new Error("IO Error: No space left on device"))).toBe(false);
    expect(isDataError(new Error("Out of Memory Error: failed to allocate"))).toBe(false);
    expect(isDataError("Invalid Input Error")).toBe(false);
    const wrapped = new Error("folding log positions 3 → 4 into the warehouse failed: …", {
      cause: new Error("Conversion Error: could not convert"),
    });
    expect(isDataError(wrapped)).toBe(true);
  });
});
