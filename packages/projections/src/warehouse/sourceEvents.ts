/**
 * The warehouse's copy of the log, for an event source without an SQL path (KurrentDB, or the embedded log read
 * through the port): `source_events` has the columns of the embedded log's `events` that the fold and the audit
 * read (the envelope, `data`, the chain hash, the typed columns), and `mirrorEvents` appends the events after its
 * last position, read from the source in batches, with the DuckDB appender. The fold then reads `source_events`
 * with the same SQL it runs on the embedded log's own table (`stagingSql.ts`), so both paths give the same tables.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { DuckDBDateValue, DuckDBTimestampTZValue } from "@duckdb/node-api";
import { type EventSource, type Position, position, TYPED_COLUMNS, typedColumnsDdl } from "@kpi/core";
import { rows, sqlOf } from "./sql.js";

export const SOURCE_EVENTS = "source_events";

export const SOURCE_EVENTS_DDL = `
CREATE TABLE IF NOT EXISTS ${SOURCE_EVENTS} (
  position    BIGINT      NOT NULL,
  id          VARCHAR     NOT NULL,
  type        VARCHAR     NOT NULL,
  subject     VARCHAR     NOT NULL,
  occurred_on DATE        NOT NULL,
  source      VARCHAR     NOT NULL,
  data        JSON        NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL,
  hash        BLOB        NOT NULL,
${typedColumnsDdl},
  reported_on DATE
);
COMMENT ON TABLE ${SOURCE_EVENTS} IS 'RESTRICTED. The events of the log as read through the event-log port (a store without an SQL path), in position order: what the fold stages from.';
`;

const DAY_MS = 86_400_000;
const date = (iso: string) => new DuckDBDateValue(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

/** The last position copied into `source_events` (0 when empty). */
export const mirroredHead = async (c: DuckDBConnection): Promise<Position> =>
  position(
    (
      await rows<{ n: number }>(
        c,
        sqlOf(`SELECT CAST(coalesce(max(position), 0) AS DOUBLE) AS n FROM ${SOURCE_EVENTS}`),
      )
    )[0]?.n ?? 0,
  );

/** Appends the source's events in (last copied, `to`] to `source_events`; returns how many. */
export const mirrorEvents = async (c: DuckDBConnection, source: EventSource, to: Position): Promise<number> => {
  const after = await mirroredHead(c);
  if (to <= after) return 0;
  let n = 0;
  for await (const batch of source.readRows(after, to)) {
    const ap = await c.createAppender(SOURCE_EVENTS);
    try {
      for (const r of batch) {
        ap.appendBigInt(BigInt(r.position));
        ap.appendVarchar(r.id);
        ap.appendVarchar(r.type);
        ap.appendVarchar(r.subject);
        ap.appendDate(date(r.occurredOn));
        ap.appendVarchar(r.source);
        ap.appendVarchar(r.data);
        ap.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(Date.parse(r.recordedAt)) * 1000n));
        ap.appendBlob(Buffer.from(r.hash, "hex"));
        for (const [i, col] of TYPED_COLUMNS.entries()) {
          const v = r.typed[i] ?? null;
          if (v === null) ap.appendNull();
          else if (col.sql === "VARCHAR" && typeof v === "string") ap.appendVarchar(v);
          else if (col.sql === "DATE" && typeof v === "string") ap.appendDate(date(v));
          else if (col.sql === "INTEGER" && typeof v === "number") ap.appendInteger(v);
          else if (col.sql === "BOOLEAN" && typeof v === "boolean") ap.appendBoolean(v);
          else throw new Error(`event ${r.position}: typed column ${col.column} holds ${JSON.stringify(v)}`);
        }
        if (r.reportedOn === null) ap.appendNull();
        else ap.appendDate(date(r.reportedOn));
        ap.endRow();
      }
      ap.flushSync();
    } finally {
      ap.closeSync();
    }
    n += batch.length;
  }
  return n;
};
