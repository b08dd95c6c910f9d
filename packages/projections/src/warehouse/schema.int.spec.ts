/**
 * The warehouse's schema as a statistician meets it: every column of every table and view carries a comment
 * (`columnComments.ts`), in the warehouse and in the public snapshot; breakdown codes have their names.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { BREAKDOWN_LABELS } from "@kpi/core";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { Warehouse } from "./projector.js";
import { PUBLISHED_RELATIONS } from "./schema.js";

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
});
