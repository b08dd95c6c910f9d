/**
 * The embedded log's rows as tab-separated text, for a large bulk session: DuckDB reads a file of them with
 * `read_csv` and inserts them in one statement, on its own threads, instead of this thread appending value by
 * value (`csvStager.ts`).
 *
 * No field needs quoting: the canonical JSON of `data` escapes every control character (so it holds no tab or
 * line break), the envelope's id, type, subject and source are printable ASCII without spaces (the codecs refuse
 * anything else), and dates and numbers are plain. The typed columns are derived from `data` in SQL as the rows go
 * in (`typedFromDataSql`, the rule `verifyChain` checks them by).
 */
import type { Fact } from "../../facts/index.js";
import { TYPED_COLUMNS, typedFieldPathsSql, typedFromDataSql } from "./typedColumns.js";

/**
 * One event's row: position, stream revision, recordedAt, hash (hex), subject key, the content fingerprint's two
 * halves (`c2` written unsigned), id, type, subject, occurredOn, source, reportedOn (empty: none), and the canonical
 * JSON of `data` last. Ends with a line break. The stager writes the first four as bytes (`CsvStager.addEvent`);
 * the rest, from the tab before the subject key to the line break, is `eventTsvTail`.
 */
export const eventTsvTail = (subjectKey: number, content: readonly [number, number], f: Fact, data: string): string =>
  `\t${subjectKey}\t${content[0]}\t${content[1] >>> 0}\t${f.id}\t${f.type}\t${f.subject}\t${f.occurredOn}\t${f.source}\t${
    f.reportedOn ?? ""
  }\t${data}\n`;

/** A subject dictionary row: key, subject. Ends with a line break. */
export const subjectTsvRow = (key: number, subject: string): string => `${key}\t${subject}\n`;

const TSV_OPTIONS = "header = false, auto_detect = false, delim = '\\t', quote = '', escape = ''";

const fileSql = (file: string): string => `'${file.replaceAll("'", "''")}'`;

const columnsSql = (columns: readonly (readonly [string, string])[]): string =>
  `columns = {${columns.map(([n, t]) => `'${n}': '${t}'`).join(", ")}}`;

/** Inserts a file of events' rows (above) into `${db}events`, in file order, deriving the typed columns from `data`. */
export const insertEventsTsvSql = (db: string, file: string): string => {
  const columns = [
    ["position", "BIGINT"],
    ["stream_revision", "BIGINT"],
    ["recorded_at", "TIMESTAMPTZ"],
    ["hash", "VARCHAR"],
    ["subject_key", "INTEGER"],
    ["c1", "BIGINT"],
    ["c2", "BIGINT"],
    ["id", "VARCHAR"],
    ["type", "VARCHAR"],
    ["subject", "VARCHAR"],
    ["occurred_on", "DATE"],
    ["source", "VARCHAR"],
    ["reported_on", "DATE"],
    ["data", "VARCHAR"],
  ] as const;
  const typed = TYPED_COLUMNS.map((c) => c.column).join(", ");
  const derived = TYPED_COLUMNS.map((c, i) => typedFromDataSql(c, `v[${i + 1}]`)).join(",\n         ");
  return `INSERT INTO ${db}events (position, id, type, subject, stream_revision, occurred_on, source, data, recorded_at,
                                   hash, content_fp, subject_key, ${typed}, reported_on)
  SELECT position, id, type, subject, stream_revision, occurred_on, source, data, recorded_at,
         unhex(hash), c1 * 4294967296 + c2, subject_key,
         ${derived},
         reported_on
  FROM (SELECT *, json_extract(data, ${typedFieldPathsSql}) AS v
        FROM read_csv(${fileSql(file)}, ${TSV_OPTIONS}, ${columnsSql(columns)}))`;
};

/** Inserts a file of `subjectTsvRow`s into `${db}subjects`. */
export const insertSubjectsTsvSql = (db: string, file: string): string =>
  `INSERT INTO ${db}subjects (subject_key, subject)
  SELECT subject_key, subject
  FROM read_csv(${fileSql(file)}, ${TSV_OPTIONS}, ${columnsSql([
    ["subject_key", "INTEGER"],
    ["subject", "VARCHAR"],
  ])})`;
