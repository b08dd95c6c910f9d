/**
 * SQL as data: a statement's text and its bound parameters, built purely and executed by one small runner.
 * Values never enter SQL text; they are named parameters (`$p0`, `$p1`, …) allocated by a `Params` bag.
 */
import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { storageAdvice } from "@kpi/core";

export interface Sql {
  readonly text: string;
  readonly params: Readonly<Record<string, DuckDBValue>>;
}

export class Params {
  private n = 0;
  readonly values: Record<string, DuckDBValue> = {};
  constructor(private readonly prefix = "p") {}
  /** Binds a value and returns its placeholder. */
  bind(v: DuckDBValue): string {
    const name = `${this.prefix}${this.n++}`;
    this.values[name] = v;
    return `$${name}`;
  }
}

export const sqlOf = (text: string, params: Params | Readonly<Record<string, DuckDBValue>> = {}): Sql => {
  const all = params instanceof Params ? params.values : params;
  // DuckDB refuses named parameters that the statement does not use; keep only those that appear.
  const used = Object.fromEntries(Object.entries(all).filter(([k]) => new RegExp(`\\$${k}\\b`).test(text)));
  return { text, params: used };
};

export const run = async (conn: DuckDBConnection, s: Sql): Promise<void> => {
  await conn.run(s.text, s.params as Record<string, DuckDBValue>);
};

export const rows = async <T = Record<string, unknown>>(conn: DuckDBConnection, s: Sql): Promise<T[]> => {
  const r = await conn.runAndReadAll(s.text, s.params as Record<string, DuckDBValue>);
  return r.getRowObjectsJS() as T[];
};

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Runs `body` in one transaction on `conn` and commits. When the body or the COMMIT fails, it rolls back and
 * throws an error that names `what` failed and the body's own cause (with what to do when it is a full disk).
 * A failed ROLLBACK is only appended to that message: DuckDB ends a transaction it could not write, so the
 * ROLLBACK then fails with "no transaction is active", which says nothing of the cause.
 */
export const inTransaction = async <T>(
  conn: Pick<DuckDBConnection, "run">,
  what: string,
  body: () => Promise<T>,
): Promise<T> => {
  await conn.run("BEGIN TRANSACTION");
  try {
    const result = await body();
    await conn.run("COMMIT");
    return result;
  } catch (e) {
    let rollback = "";
    try {
      await conn.run("ROLLBACK");
    } catch (r) {
      rollback = ` (the rollback that followed failed too: ${messageOf(r)})`;
    }
    const advice = storageAdvice(messageOf(e));
    throw new Error(`${what} failed: ${messageOf(e)}${advice === undefined ? "" : `; ${advice}`}${rollback}`, {
      cause: e,
    });
  }
};
