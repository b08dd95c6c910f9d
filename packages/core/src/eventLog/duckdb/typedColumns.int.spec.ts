/**
 * The typed columns of format 2 hold what each fact's JSON `data` says, for arbitrary facts of every type (the
 * fact arbitraries), and the SQL derivation that `verifyChain` uses agrees with the values appended; subject keys
 * name one subject each and survive a reopen.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { arbitraryFact } from "../../facts/arbitraries.js";
import { CATALOG_AUTHORITY, FACT_TYPES, type Fact, type FactType, isCatalogChange } from "../../facts/index.js";
import { accountOpened, fact } from "../testFacts.js";
import { DuckDbEventLog } from "./duckdbEventLog.js";
import { dataOfTypedSql, TYPED_COLUMNS, typedSelectSql, typedValues } from "./typedColumns.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-typed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const types = FACT_TYPES.filter((t): t is Exclude<FactType, "FactRetracted"> => t !== "FactRetracted");

/** Facts of every type with ids made unique, some retracted by a retraction in the same batch. */
const batchArb = fc
  .array(fc.tuple(fc.oneof(...types.map((t) => arbitraryFact(t))), fc.boolean()), { minLength: 1, maxLength: 25 })
  .map((xs) =>
    xs.flatMap(([f, retracted], i): Fact[] => {
      // a catalog change is appended only by the catalog authority's source
      const own = fact({
        ...f,
        id: `f${i}-${f.id}`,
        ...(isCatalogChange(f.type) ? { source: CATALOG_AUTHORITY } : {}),
      });
      if (!retracted) return [own];
      const data = { eventId: own.id, reason: "entered in error" };
      return [own, fact({ ...own, id: `r${i}`, type: "FactRetracted", data })];
    }),
  );

/** The `data` field a column is named after (birth_year → birthYear): an independent reading of the mapping. */
const fieldOf = (column: string): string => column.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase());

describe("typed columns", () => {
  it("are the fields the warehouse stages", () => {
    expect(TYPED_COLUMNS.map((c) => c.column)).toEqual([
      "commune",
      "birth_year",
      "valid_until",
      "form",
      "size",
      "sector",
      "digital_tech",
      "stars",
      "kind",
      "year",
      "event_id",
      "institution",
      "solution",
      "platform",
      "provider",
      "capability",
      "technology",
    ]);
  });

  it("hold what each fact's data says, for arbitrary facts of every type", async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, async (facts) => {
        const path = join(dir, `log-${n++}.duckdb`);
        const log = await DuckDbEventLog.open(path);
        try {
          const r = await log.append(facts);
          if (r._tag !== "Right") throw new Error(JSON.stringify(r.left));
          expect(r.right.appended).toBe(facts.length);
          // the SQL derivation (parallel check) and typedValues (sequential check) agree with what was written
          expect(await log.verifyChain()).toEqual({ ok: true, head: facts.length, checked: facts.length });
          expect(await log.verifyChainSequentially()).toEqual({ ok: true, head: facts.length, checked: facts.length });
        } finally {
          await log.close();
        }
        const db = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
        const c = await db.connect();
        try {
          const names = TYPED_COLUMNS.map((x) => x.column);
          const got = await c.runAndReadAll(
            `SELECT e.id, coalesce(CAST(e.data AS VARCHAR) = ${dataOfTypedSql("e")}, false), s.subject AS keyed,
                    ${typedSelectSql("e")}
             FROM events e JOIN subjects s USING (subject_key) ORDER BY e.position`,
          );
          const rows = got.getRows();
          expect(rows.length).toBe(facts.length);
          for (const [i, f] of facts.entries()) {
            const [id, asTyped, keyed, ...typed] = rows[i] as unknown[];
            // data made only of typed fields, plain text, is recognised without a parse (the whole-chain check's
            // shortcut); where it is, the columns below must hold what data says like every other event's
            const fields = Object.entries(f.data as Record<string, unknown>);
            const values = typedValues(f.data as Record<string, unknown>);
            const plain = fields.every(([k, v]) => {
              const at = TYPED_COLUMNS.findIndex((c) => c.field === k);
              return at >= 0 && values[at] !== null && (typeof v !== "string" || /^[ !#-[\]-~]*$/.test(v));
            });
            if (plain) expect(asTyped).toBe(true);
            expect(id).toBe(f.id);
            expect(keyed).toBe(f.subject);
            const data = f.data as Record<string, unknown>;
            expect(Object.fromEntries(names.map((c, j) => [c, typed[j]]))).toEqual(
              Object.fromEntries(names.map((c) => [c, data[fieldOf(c)] ?? null])),
            );
          }
          const keys = await c.runAndReadAll(
            "SELECT count(*) = count(DISTINCT subject_key), count(*) = count(DISTINCT subject) FROM subjects",
          );
          expect(keys.getRows()[0]).toEqual([true, true]);
          const subjects = await c.runAndReadAll("SELECT CAST(count(*) AS INTEGER) FROM subjects");
          expect(subjects.getRows()[0]?.[0]).toBe(new Set(facts.map((f) => f.subject)).size);
        } finally {
          c.closeSync();
          db.closeSync();
          rmSync(path, { force: true });
        }
      }),
      { numRuns: 25 },
    );
  });

  it("give each subject one key, kept across a reopen; a rolled-back session's keys are not kept", async () => {
    const path = join(dir, "keys.duckdb");
    const first = await DuckDbEventLog.open(path);
    try {
      await first.append([accountOpened("a1", "p1"), accountOpened("a2", "p2"), accountOpened("a3", "p1")]);
      const bulk = await first.beginBulk();
      await bulk.append([accountOpened("x1", "gone")]);
      await bulk.rollback();
    } finally {
      await first.close();
    }
    const second = await DuckDbEventLog.open(path);
    try {
      await second.append([accountOpened("a4", "p2"), accountOpened("a5", "p3")]);
      expect(await second.verifyChain()).toMatchObject({ ok: true, head: 5 });
    } finally {
      await second.close();
    }
    const db = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
    const c = await db.connect();
    try {
      const r = await c.runAndReadAll("SELECT id, subject_key FROM events ORDER BY position");
      expect(r.getRows()).toEqual([
        ["a1", 1],
        ["a2", 2],
        ["a3", 1],
        ["a4", 2],
        ["a5", 3],
      ]);
      const s = await c.runAndReadAll("SELECT subject_key, subject FROM subjects ORDER BY 1");
      expect(s.getRows()).toEqual([
        [1, "person:p1"],
        [2, "person:p2"],
        [3, "person:p3"],
      ]);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });
});
