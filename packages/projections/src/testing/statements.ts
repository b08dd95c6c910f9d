/**
 * Tests that watch or fail the statements a warehouse runs: `conn.run` of its own connection is replaced by
 * `hook`, which gets each statement and the real `run` to call (or not).
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Warehouse } from "../warehouse/projector.js";

export type RealRun = (sql: string, ...rest: unknown[]) => ReturnType<DuckDBConnection["run"]>;

export const hookStatements = (
  w: Warehouse,
  hook: (sql: string, real: RealRun, rest: unknown[]) => ReturnType<DuckDBConnection["run"]>,
): void => {
  const conn = (w as unknown as { conn: DuckDBConnection }).conn;
  const real = conn.run.bind(conn) as RealRun;
  conn.run = ((sql: string, ...rest: unknown[]) => hook(sql, real, rest)) as DuckDBConnection["run"];
};
