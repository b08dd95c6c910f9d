/**
 * A format-1 log (`kpi-event-log/1`, before typed columns) for tests: a log written by this version, turned
 * into exactly what the previous version wrote. Format 2 only added columns after `content_fp` (the last,
 * `reported_on`, is NULL for every fact without `reportedOn`, which a format-1 log never held) and the
 * `subjects` table, so dropping them and naming format 1 in `log_meta` leaves the old table, byte for byte the
 * same events (the chain covers nothing that is dropped).
 *
 * Like `facts/arbitraries.ts`, it is not re-exported from the package index: tests of other packages import it
 * from the subpath `@kpi/core/logFormat1`.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { LOG_FORMAT_1 } from "./duckdbEventLog.js";
import { TYPED_COLUMNS } from "./typedColumns.js";

export const FORMAT_1_SQL = `
ALTER TABLE events DROP COLUMN subject_key;
${TYPED_COLUMNS.map((c) => `ALTER TABLE events DROP COLUMN ${c.column};`).join("\n")}
ALTER TABLE events DROP COLUMN reported_on;
DROP TABLE subjects;
UPDATE log_meta SET value = '${LOG_FORMAT_1}' WHERE key = 'format';
CHECKPOINT;`;

/** Rewrites the (closed) log at `path` into format 1 in place. */
export const toFormat1 = async (path: string): Promise<void> => {
  const db = await DuckDBInstance.create(path);
  const c = await db.connect();
  try {
    await c.run(FORMAT_1_SQL);
  } finally {
    c.closeSync();
    db.closeSync();
  }
};
