/**
 * The warehouse's schema as a statistician meets it: every column of every table and view carries a comment
 * (`columnComments.ts`), in the warehouse and in the public snapshot; breakdown codes have their names; counts
 * are stored as integers and amounts as decimals, each in its own pair of columns.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { BREAKDOWN_LABELS, partsOf } from "@kpi/core";
import { afterAll, describe, expect, it } from "vitest";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { Warehouse } from "./projector.js";
import { PUBLISHED_RELATIONS } from "./schema.js";
import { seedCatalog } from "./seedTables.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-schema-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("warehouse schema", () => {
  it("comments every column of every table and view, and the public snapshot keeps them", async () => {
    const w = await Warehouse.open(join(dir, "wh.duckdb"), join(dir, "log.duckdb"), {
      catalog: testCatalog,
      reference: testReference,
      years: [2023, 2026],
    });
    try {
      const bare = await w.query<{ t: string; c: string }>(
        `SELECT table_name AS t, column_name AS c FROM duckdb_columns()
         WHERE database_name = current_database() AND NOT internal AND schema_name = 'main' AND comment IS NULL`,
      );
      expect(bare).toEqual([]);
      const all = await w.query<{ n: number }>(
        `SELECT CAST(count(*) AS DOUBLE) AS n FROM duckdb_columns()
         WHERE database_name = current_database() AND NOT internal AND schema_name = 'main'`,
      );
      expect(all[0]?.n).toBeGreaterThan(200);
      // breakdown codes are named in the warehouse as in the API (one list)
      const labels = await w.query<{ code: string; name_vi: string; name_en: string }>(
        "SELECT code, name_vi, name_en FROM breakdown_labels ORDER BY code",
      );
      expect(Object.fromEntries(labels.map((l) => [l.code, { vi: l.name_vi, en: l.name_en }]))).toEqual(
        BREAKDOWN_LABELS,
      );
      const view = await w.query<{ name: string }>(
        "SELECT column_name AS name FROM duckdb_columns() WHERE table_name = 'published_indicator_values'",
      );
      expect(view.map((r) => r.name)).toEqual(expect.arrayContaining(["breakdown_vi", "breakdown_en"]));
      await w.publicSnapshot(join(dir, "public.duckdb"));
    } finally {
      await w.close();
    }
    const i = await DuckDBInstance.create(join(dir, "public.duckdb"), { access_mode: "READ_ONLY" });
    const c = await i.connect();
    try {
      const r = (
        await c.runAndReadAll(
          "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal AND comment IS NULL",
        )
      ).getRowObjectsJson();
      expect(r).toEqual([]);
      const tables = (await c.runAndReadAll("SELECT DISTINCT table_name FROM duckdb_columns() WHERE NOT internal"))
        .getRowObjectsJson()
        .map((x) => String(x.table_name));
      expect(new Set(tables)).toEqual(new Set(PUBLISHED_RELATIONS));
    } finally {
      c.closeSync();
      i.closeSync();
    }
  });

  it("is set up again at open only when what it is set up with changed, and keeps its comments", async () => {
    const path = join(dir, "reopen.duckdb");
    const log = join(dir, "reopen-log.duckdb");
    const options = { catalog: testCatalog, reference: testReference, years: [2023, 2026] as const };
    const names = async (w: Warehouse) => ({
      note: (await w.query<{ v: string }>("SELECT value AS v FROM projection_meta WHERE key = 'set_up'"))[0]?.v,
      communes: (await w.query<{ name: string }>("SELECT name FROM communes ORDER BY code")).map((r) => r.name),
      bare: await w.query(
        `SELECT table_name FROM duckdb_columns() WHERE database_name = current_database() AND NOT internal
         AND schema_name = 'main' AND comment IS NULL`,
      ),
    });
    const open = async (o: Parameters<typeof Warehouse.open>[2]) => {
      const w = await Warehouse.open(path, log, o);
      try {
        return await names(w);
      } finally {
        await w.close();
      }
    };
    const first = await open(options);
    expect(first.note).toMatch(/^[0-9a-f]{64}$/);
    expect(await open(options)).toEqual(first); // nothing to do: the same note, tables and comments
    // another commune name in the reference data: set up again, with the new name
    const renamed = {
      ...testReference,
      communes: testReference.communes.map((c, i) => (i === 0 ? { ...c, name: "Xã Tân Hồng Mới" } : c)),
    };
    const again = await open({ ...options, reference: renamed });
    expect(again.note).not.toBe(first.note);
    expect(again.communes[0]).toBe("Xã Tân Hồng Mới");
    expect(again.bare).toEqual([]);
  });

  it("stores counts as BIGINT and amounts as DECIMAL(20,3), each indicator in the pair its parts say", async () => {
    const catalog = seedCatalog();
    const w = await Warehouse.open(join(dir, "parts.duckdb"), join(dir, "parts-log.duckdb"), {
      catalog,
      reference: testReference,
      years: [2023, 2026],
      smallCellThreshold: 1,
    });
    try {
      const types = await w.query<{ t: string; c: string; type: string }>(
        `SELECT table_name AS t, column_name AS c, data_type AS type FROM duckdb_columns()
         WHERE database_name = current_database() AND column_name IN
           ('numerator', 'denominator', 'numerator_amount', 'denominator_amount')
           AND table_name IN ('indicator_values', 'indicator_revisions', 'published_indicator_values',
                              'published_indicator_revisions')
         ORDER BY t, c`,
      );
      const tables = ["indicator_revisions", "indicator_values", "published_indicator_revisions"];
      expect(types).toEqual(
        [...tables, "published_indicator_values"].sort().flatMap((t) => [
          { t, c: "denominator", type: "BIGINT" },
          { t, c: "denominator_amount", type: "DECIMAL(20,3)" },
          { t, c: "numerator", type: "BIGINT" },
          { t, c: "numerator_amount", type: "DECIMAL(20,3)" },
        ]),
      );
      // the catalog says which pair each indicator uses, and the amount columns' comment names every amount
      const parts = await w.query<{ code: string; parts: string }>("SELECT code, parts FROM indicators ORDER BY code");
      expect(parts).toEqual(
        [...catalog]
          .sort((a, b) => (a.code < b.code ? -1 : 1))
          .map((e) => ({ code: e.code, parts: partsOf(e.definition) })),
      );
      const amounts = parts.filter((x) => x.parts === "amount").map((x) => x.code);
      expect(amounts).toEqual(["DE_GRDP", "DE_SECTOR", "ECOM_RETAIL", "LABOR_PRODUCTIVITY_GROWTH"]);
      const comment = await w.query<{ comment: string }>(
        `SELECT comment FROM duckdb_columns() WHERE table_name = 'indicator_values' AND column_name = 'numerator_amount'`,
      );
      for (const code of amounts) expect(comment[0]?.comment).toContain(code);

      // given a money report and a survey of counts, when folded, then each lands in its own pair, exactly
      const stat = (id: string, type: string, data: Record<string, unknown>) =>
        fact({ id, type, subject: `stat:${id}`, occurredOn: "2024-12-31", source: "gso", data });
      await w.log.append([
        stat("grdp-2024", "GrdpReported", { year: 2024, sector: "ALL", grdp: 152340.125, digitalEconomy: 98765.432 }),
        stat("shop-2024", "SurveyAggregateReported", {
          survey: "ONLINE_SHOPPING",
          commune: "29926",
          year: 2024,
          respondents: 4520,
          meeting: 1250,
        }),
      ]);
      await w.catchUp();
      const figures = await w.query<Record<string, string | null>>(
        `SELECT indicator, geo, CAST(numerator AS VARCHAR) AS n, CAST(denominator AS VARCHAR) AS d,
                CAST(numerator_amount AS VARCHAR) AS na, CAST(denominator_amount AS VARCHAR) AS da
         FROM published_indicator_values WHERE year = 2024 AND indicator IN ('DE_GRDP', 'POP_ONLINE_SHOPPING')
         ORDER BY indicator, geo`,
      );
      expect(figures).toEqual([
        { indicator: "DE_GRDP", geo: "province", n: null, d: null, na: "98765.432", da: "152340.125" },
        { indicator: "POP_ONLINE_SHOPPING", geo: "29926", n: "1250", d: "4520", na: null, da: null },
        { indicator: "POP_ONLINE_SHOPPING", geo: "province", n: "1250", d: "4520", na: null, da: null },
      ]);
      // kpi export (Parquet) keeps the types
      const [file] = (await w.export(join(dir, "parts-export"), "parquet")).filter((f) =>
        f.endsWith("published_indicator_values.parquet"),
      );
      const exported = await w.query<{ c: string; type: string }>(
        `SELECT column_name AS c, column_type AS type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))
         WHERE column_name IN ('numerator', 'numerator_amount') ORDER BY c`,
      );
      expect(exported).toEqual([
        { c: "numerator", type: "BIGINT" },
        { c: "numerator_amount", type: "DECIMAL(20,3)" },
      ]);
    } finally {
      await w.close();
    }
  });

  it("rebuilds a warehouse made when every part was DECIMAL(20,3) into the typed pairs", async () => {
    const paths = [join(dir, "upgrade.duckdb"), join(dir, "upgrade-log.duckdb")] as const;
    const options = { catalog: seedCatalog(), reference: testReference, years: [2023, 2026] as [number, number] };
    const w = await Warehouse.open(...paths, options);
    try {
      await w.log.append([
        fact({
          id: "shop-2024",
          type: "SurveyAggregateReported",
          subject: "stat:shop",
          occurredOn: "2024-12-31",
          source: "gso",
          data: { survey: "ONLINE_SHOPPING", commune: "29926", year: 2024, respondents: 4520, meeting: 1250 },
        }),
      ]);
      await w.catchUp();
    } finally {
      await w.close();
    }
    // the shape of the figure tables before counts were integers, and the catalog hash of that schema
    const i = await DuckDBInstance.create(paths[0]);
    const c = await i.connect();
    try {
      await c.run(`DROP VIEW published_indicator_forecasts; DROP VIEW published_indicator_values;
        DROP VIEW province_scorecard; DROP VIEW published_indicator_revisions;
        ALTER TABLE indicators DROP COLUMN parts;
        UPDATE projection_meta SET value = 'schema 3' WHERE key = 'catalog_hash';`);
      for (const t of ["indicator_values", "indicator_revisions"]) {
        await c.run(`ALTER TABLE ${t} DROP COLUMN numerator_amount; ALTER TABLE ${t} DROP COLUMN denominator_amount;
          ALTER TABLE ${t} ALTER numerator TYPE DECIMAL(20,3); ALTER TABLE ${t} ALTER denominator TYPE DECIMAL(20,3);`);
      }
    } finally {
      c.closeSync();
      i.closeSync();
    }
    const again = await Warehouse.open(...paths, options);
    try {
      await again.catchUp();
      const types = await again.query<{ c: string; type: string }>(
        `SELECT column_name AS c, data_type AS type FROM duckdb_columns()
         WHERE database_name = current_database() AND table_name = 'indicator_values'
           AND column_name IN ('numerator', 'numerator_amount') ORDER BY c`,
      );
      expect(types).toEqual([
        { c: "numerator", type: "BIGINT" },
        { c: "numerator_amount", type: "DECIMAL(20,3)" },
      ]);
      const figures = await again.query<{ n: string; d: string }>(
        `SELECT CAST(numerator AS VARCHAR) AS n, CAST(denominator AS VARCHAR) AS d FROM indicator_values
         WHERE indicator = 'POP_ONLINE_SHOPPING' AND geo = '29926' AND year = 2024`,
      );
      expect(figures).toEqual([{ n: "1250", d: "4520" }]);
      const revisions = await again.query<{ n: string }>(
        `SELECT CAST(numerator AS VARCHAR) AS n FROM indicator_revisions
         WHERE indicator = 'POP_ONLINE_SHOPPING' AND geo = '29926' AND year = 2024`,
      );
      expect(revisions).toEqual([{ n: "1250" }]);
    } finally {
      await again.close();
    }
  });
});
