/**
 * The flat table baseline (b) runs on: a DuckDB file of its own with every event of the log as one row of a
 * `facts` table (`flatSelectSql`), the commune resolution table, and nothing else. Loading it is timed and
 * reported apart, not in the baseline. `FlatTable` runs the hand SQL on it and reads the figures back.
 */
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { ReferenceTables } from "@kpi/projections";
import { flatSelectSql, handSqlStatements, type SubsetCode } from "./handSql.js";

export interface HandFigure {
  readonly indicator: string;
  readonly geo: string;
  readonly year: number;
  /** "" or absent unless the indicator has a breakdown. */
  readonly breakdown?: string;
  readonly numerator: number | null;
  readonly denominator: number | null;
}

const quote = (path: string): string => `'${path.replaceAll("'", "''")}'`;

export class FlatTable {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(path: string): Promise<FlatTable> {
    const instance = await DuckDBInstance.create(path);
    const conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return new FlatTable(instance, conn);
  }

  /** The log position the table was loaded up to, or 0 when it holds nothing yet. */
  async loadedHead(): Promise<number> {
    const r = await this.conn.runAndReadAll(
      "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'facts' AND schema_name = 'main'",
    );
    if (Number(r.getRows()[0]?.[0] ?? 0) === 0) return 0;
    const h = await this.conn.runAndReadAll("SELECT CAST(coalesce(max(position), 0) AS DOUBLE) FROM facts");
    return Number(h.getRows()[0]?.[0] ?? 0);
  }

  /** (Re)loads every event of the log file at `logPath` and the commune resolution. */
  async load(logPath: string, reference: ReferenceTables): Promise<void> {
    const c = this.conn;
    await c.run(`ATTACH ${quote(logPath)} AS src (READ_ONLY)`);
    try {
      await c.run(`CREATE OR REPLACE TABLE facts AS ${flatSelectSql("src.events")}`);
    } finally {
      await c.run("DETACH src");
    }
    await c.run("CREATE OR REPLACE TABLE commune_resolution (code VARCHAR, era VARCHAR, commune VARCHAR)");
    const a = await c.createAppender("commune_resolution");
    for (const r of reference.resolution) {
      a.appendVarchar(r.code);
      a.appendVarchar(r.era);
      a.appendVarchar(r.commune);
      a.endRow();
    }
    a.flushSync();
    a.closeSync();
    await c.run("CHECKPOINT");
  }

  /** Records how long the load took, so that a later run can report it beside (b). */
  async recordLoad(seconds: number, peakRssMiB: number): Promise<void> {
    await this.conn.run("CREATE OR REPLACE TABLE flat_load AS SELECT $seconds AS seconds, $peak AS peak_rss_mib", {
      seconds,
      peak: peakRssMiB,
    });
  }

  async recordedLoad(): Promise<{ seconds: number; peakRssMiB: number } | undefined> {
    const r = await this.conn.runAndReadAll(
      "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'flat_load' AND schema_name = 'main'",
    );
    if (Number(r.getRows()[0]?.[0] ?? 0) === 0) return undefined;
    const m = await this.conn.runAndReadAll(
      "SELECT CAST(seconds AS DOUBLE), CAST(peak_rss_mib AS DOUBLE) FROM flat_load",
    );
    const row = m.getRows()[0];
    return row === undefined ? undefined : { seconds: Number(row[0]), peakRssMiB: Number(row[1]) };
  }

  /** The years the hand SQL computes figures for: `first` to `last`. */
  async setYears(first: number, last: number): Promise<void> {
    await this.conn.run(
      "CREATE OR REPLACE TEMP TABLE h_years AS SELECT CAST(unnest(range($first, $last + 1)) AS INTEGER) AS year",
      { first, last },
    );
  }

  /** Computes `codes` for the years of `setYears` into `h_figures`. */
  async compute(codes: readonly SubsetCode[]): Promise<void> {
    for (const s of handSqlStatements(codes, "h_years")) await this.conn.run(s);
  }

  async figures(): Promise<HandFigure[]> {
    const r = await this.conn.runAndReadAll(
      "SELECT indicator, geo, year, numerator, denominator FROM h_figures ORDER BY ALL",
    );
    return r.getRowObjectsJS() as unknown as HandFigure[];
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
