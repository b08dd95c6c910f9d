/**
 * The command line as a user runs it: the built `kpi` (run `tsc -b` first; the test command does) on the tiny
 * sample province in a temporary data folder, then the README's SQL examples on the statisticians' snapshot.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { PUBLISHED_RELATIONS } from "@kpi/projections";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CATALOG_CHANGE } from "./commands/demoCommand.js";
import { assertBuilt, kpiIn, REPO_ROOT } from "./testing/runKpi.fixture.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kpi = kpiIn(dir);

const readmeSql = (): string[] =>
  [...readFileSync(join(REPO_ROOT, "README.md"), "utf8").matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe("kpi", () => {
  let demo: ReturnType<typeof kpi>;
  beforeAll(() => {
    assertBuilt();
    demo = kpi("demo", "--scale", "tiny", "--no-serve");
  }, 300_000);

  it("demo makes, imports and projects the sample province and shows the 2025 scorecard", () => {
    expect(demo.err).toBe("");
    expect(demo.code).toBe(0);
    expect(demo.out).toMatch(/Imported .*sample-tiny\.ndjson/);
    expect(demo.out).toMatch(/accepted\s+[\d,]+/);
    expect(demo.out).toMatch(/Projected positions 0 → [\d,]+/);
    expect(demo.out).toMatch(/PAYMENT_ACCT_15\s+\d+\.\d\s+>= 80(\.0)? \(2025\)\s+(met|on_track|off_track)/);
  });

  it("demo replays the sample's reporting history: vintages in which figures were really revised", async () => {
    expect(demo.out).toMatch(/Imported .* in \d+ reporting batches/);
    const instance = await DuckDBInstance.create(join(dir, "warehouse-restricted.duckdb"), {
      access_mode: "READ_ONLY",
    });
    const c = await instance.connect();
    try {
      const q = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson();
      const vintages = await q("SELECT count(DISTINCT vintage) AS n FROM indicator_revisions");
      expect(Number(vintages[0]?.n)).toBeGreaterThanOrEqual(3);
      // a province figure whose value, once known, was later changed (a late report, a revised statistic)
      const revised = await q(
        `SELECT count(*) AS n FROM (SELECT indicator, year FROM indicator_revisions
           WHERE geo = 'province' AND value IS NOT NULL GROUP BY ALL HAVING count(DISTINCT value) > 1)`,
      );
      expect(Number(revised[0]?.n)).toBeGreaterThan(0);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it("demo records a target revision from the catalog authority: the figures are re-judged from its day on", async () => {
    const d = DEMO_CATALOG_CHANGE.data;
    expect(demo.out).toContain(`with a catalog change: ${d.indicator} target for ${d.targetYear} revised to`);
    const instance = await DuckDBInstance.create(join(dir, "warehouse-restricted.duckdb"), {
      access_mode: "READ_ONLY",
    });
    const c = await instance.connect();
    try {
      const q = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson();
      const changes = await q(
        "SELECT id, CAST(CAST(recorded_at AS DATE) AS VARCHAR) AS day, applied, plan, section, changed_by FROM catalog_changes",
      );
      expect(changes).toEqual([
        {
          id: DEMO_CATALOG_CHANGE.id,
          day: expect.stringMatching(/^\d{4}-(06-30|12-31)$/),
          applied: true,
          plan: d.plan,
          section: d.section,
          changed_by: d.changedBy,
        },
      ]);
      const day = String(changes[0]?.day);
      // the province figure for the target's year, vintage by vintage: the target before the change's day is the
      // shipped one, from that day on the revised one, and that day's revision names the catalog change as cause
      const rows = await q(
        `SELECT CAST(vintage AS VARCHAR) AS vintage, target_value, cause FROM indicator_revisions
         WHERE indicator = '${d.indicator}' AND geo = 'province' AND year = ${d.targetYear} AND breakdown = ''
         ORDER BY vintage`,
      );
      const before = rows.filter((r) => String(r.vintage) < day);
      const on = rows.find((r) => r.vintage === day);
      expect(before.length).toBeGreaterThan(0);
      expect(before.every((r) => r.target_value !== d.value)).toBe(true);
      expect(on).toMatchObject({ target_value: d.value });
      expect(["definition", "both"]).toContain(on?.cause);
      expect(rows.filter((r) => String(r.vintage) >= day).every((r) => r.target_value === d.value)).toBe(true);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it("runs the README's as-of examples: each answers figures, and not those of today", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const lines = [...readme.matchAll(/^kpi (figure|explain) (.*--as-of \S+)/gm)].map((m) => [
      m[1] as string,
      ...(m[2] as string).split(/\s+/),
    ]);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const answers = new Set<string>();
    for (const args of lines) {
      const then = kpi(...args);
      expect(then.err, args.join(" ")).toBe("");
      expect(then.code, args.join(" ")).toBe(0);
      expect(then.out.trim().split("\n").length, args.join(" ")).toBeGreaterThan(1);
      const at = args.indexOf("--as-of");
      const now = kpi(...args.slice(0, at), ...args.slice(at + 2));
      // the figures themselves differ, not only the position they are stamped with
      const figures = (out: string) => out.replaceAll(/log position [\d,]+|\t\d+\t[^\t\n]*$/gm, "");
      expect(figures(then.out), args.join(" ")).not.toBe(figures(now.out));
      answers.add(figures(then.out));
    }
    expect(answers.size).toBe(lines.length);
    // before the first recording day, a clear answer rather than empty figures
    const before = kpi("figure", "PAYMENT_ACCT_15", "--as-of", "2019-01-01");
    expect(before.code).toBe(1);
    expect(before.err).toContain("nothing was known then");
  }, 240_000);

  it("runs the README's SQL examples on the snapshot, each returning rows", async () => {
    const queries = readmeSql();
    expect(queries.length).toBe(5);
    const instance = await DuckDBInstance.create(join(dir, "warehouse-snapshot.duckdb"), { access_mode: "READ_ONLY" });
    const c = await instance.connect();
    try {
      for (const q of queries) {
        const rows = (await c.runAndReadAll(q)).getRowObjectsJson();
        expect(rows.length, q).toBeGreaterThan(0);
      }
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it("puts only published tables in the public snapshot, and everything, owner-only, in the restricted one", async () => {
    expect(statSync(join(dir, "warehouse-restricted.duckdb")).mode & 0o777).toBe(0o600);
    const instance = await DuckDBInstance.create(join(dir, "warehouse-snapshot.duckdb"), { access_mode: "READ_ONLY" });
    const c = await instance.connect();
    try {
      const q = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson();
      const tables = (
        await q(
          "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal",
        )
      ).map((r) => String(r.table_name));
      expect(new Set(tables)).toEqual(new Set(PUBLISHED_RELATIONS));
      const columns = (await q("SELECT DISTINCT column_name FROM duckdb_columns()")).map((r) => String(r.column_name));
      expect(columns).not.toContain("subject");
      expect(columns).not.toContain("withheld"); // whether a cell is withheld, never which one is the small one
      // every withheld cell is withheld: no number of one survives into the public file
      const leaked = await q(
        "SELECT count(*) AS n FROM published_indicator_values WHERE suppressed AND (value IS NOT NULL OR numerator IS NOT NULL OR denominator IS NOT NULL)",
      );
      expect(Number(leaked[0]?.n)).toBe(0);
      const withheld = await q("SELECT count(*) AS n FROM published_indicator_values WHERE suppressed");
      expect(Number(withheld[0]?.n)).toBeGreaterThan(0);
      expect((await q("SELECT DISTINCT geo FROM published_indicator_revisions")).map((r) => r.geo)).toEqual([
        "province",
      ]);
      const comments = await q("SELECT comment FROM duckdb_tables() WHERE table_name = 'published_indicator_values'");
      expect(String(comments[0]?.comment)).toContain("withheld");
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    // and no subject of the log appears anywhere in the file's bytes
    const bytes = readFileSync(join(dir, "warehouse-snapshot.duckdb"));
    expect(bytes.includes(Buffer.from("person:"))).toBe(false);
    expect(bytes.includes(Buffer.from("household:"))).toBe(false);
  });

  it("computes every indicator of the catalog for the province, and commune figures where facts allow", async () => {
    const instance = await DuckDBInstance.create(join(dir, "warehouse-restricted.duckdb"), {
      access_mode: "READ_ONLY",
    });
    const c = await instance.connect();
    try {
      const rows = (
        await c.runAndReadAll(
          `SELECT i.code, i.definition->>'kind' AS kind,
                  count(v.value) FILTER (WHERE v.level = 'province') AS province_values,
                  count(DISTINCT v.geo) FILTER (WHERE v.level = 'commune' AND v.value IS NOT NULL) AS communes
           FROM indicators i LEFT JOIN indicator_values v ON v.indicator = i.code GROUP BY ALL ORDER BY 1`,
        )
      ).getRowObjectsJson();
      expect(rows.length).toBe(39);
      for (const r of rows) expect(Number(r.province_values), String(r.code)).toBeGreaterThan(0);
      // indicators over entities or commune reports have commune figures wherever the sample has such facts
      const perCommune = rows.filter((r) => ["share", "shareOfReported", "ratePer1000"].includes(String(r.kind)));
      for (const r of perCommune) expect(Number(r.communes), String(r.code)).toBeGreaterThanOrEqual(1);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });

  it("prints a figure that matches the warehouse, now and as known earlier", async () => {
    const now = kpi("figure", "PAYMENT_ACCT_15", "--geo", "province", "--year", "2025");
    expect(now.code).toBe(0);
    const [, line] = now.out.trim().split("\n");
    const cols = (line ?? "").split("\t");
    const instance = await DuckDBInstance.create(join(dir, "warehouse-restricted.duckdb"), {
      access_mode: "READ_ONLY",
    });
    const c = await instance.connect();
    try {
      const v = (
        await c.runAndReadAll(
          "SELECT value, CAST(numerator AS DOUBLE) n FROM indicator_values WHERE indicator = 'PAYMENT_ACCT_15' AND geo = 'province' AND year = 2025",
        )
      ).getRowObjectsJson()[0];
      expect(Number(cols[6])).toBeCloseTo(Number(v?.value), 4);
      expect(Number(cols[4])).toBe(Number(v?.n));
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    // as known at position 1, at most one person can have counted
    const before = kpi("figure", "PAYMENT_ACCT_15", "--year", "2025", "--as-of", "1");
    expect(before.code).toBe(0);
    const early = (before.out.trim().split("\n")[1] ?? "").split("\t");
    expect(early[7]).toBe("1");
    expect(Number(early[4] ?? 0)).toBeLessThanOrEqual(1);
    expect(Number(cols[4])).toBeGreaterThan(1);
    expect(kpi("figure", "NOT_AN_INDICATOR").err).toContain("unknown indicator NOT_AN_INDICATOR");
  });

  it("refuses a file with a bad line, naming file, line and field, and appends nothing", () => {
    const head = kpi("head").out.trim();
    const bad = join(dir, "bad.ndjson");
    writeFileSync(
      bad,
      `${JSON.stringify({ id: "x1", type: "VneidActivated", subject: "person:abc", occurredOn: "2025-08-01", source: "bca", data: { commune: "2992", birthYear: 1990, level: 2 } })}\n`,
    );
    const r = kpi("import", bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:1: data.commune:`);
    expect(r.out).toMatch(/Refused .*bad\.ndjson/);
    expect(kpi("head").out.trim()).toBe(head);
    expect(kpi("verify-log").out).toMatch(/^chain verifies: [\d]+ events/);
  });

  it("exports the published tables as CSV", () => {
    const out = join(dir, "export");
    const r = kpi("export", "--out", out, "--format", "csv");
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toContain("published_indicator_values.csv");
    const csv = readFileSync(join(out, "province_scorecard.csv"), "utf8");
    expect(csv.split("\n")[0]).toContain("indicator");
    expect(csv).toContain("PAYMENT_ACCT_15");
  });

  it("answers a wrong command with usage and exit code 2", () => {
    const r = kpi("frobnicate");
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command");
  });
});
