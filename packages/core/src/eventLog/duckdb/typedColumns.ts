/**
 * The typed columns of the embedded log (format `kpi-event-log/2`): the `data` fields the warehouse reads,
 * stored beside the canonical bytes as they are appended, so that a projection reads them as they are instead
 * of extracting JSON paths. They are derived data: the chain hash covers `data` (the canonical bytes), never
 * these columns, and `verifyChain` checks that each one holds what `data` says.
 *
 * One definition, two forms that must agree: `typedValues` (TypeScript, what `writeRows` appends and what the
 * sequential check compares) and `typedFromDataSql` (SQL over the stored JSON, what the parallel check and the
 * format-1 staging use). A property checks they agree for arbitrary facts of every type.
 */
import { ident } from "../../sql/sqlNames.js";

export type TypedSqlType = "VARCHAR" | "INTEGER" | "DATE" | "BOOLEAN";

export interface TypedColumn {
  /** The column in `events`. */
  readonly column: string;
  /** The `data` field it holds (absent → NULL). */
  readonly field: string;
  readonly sql: TypedSqlType;
}

/** A typed column; its name is checked once here, since every statement below writes it into SQL text. */
const col = (column: string, field: string, sql: TypedSqlType): TypedColumn => ({ column: ident(column), field, sql });

export const TYPED_COLUMNS: readonly TypedColumn[] = [
  col("commune", "commune", "VARCHAR"),
  col("birth_year", "birthYear", "INTEGER"),
  col("valid_until", "validUntil", "DATE"),
  col("form", "form", "VARCHAR"),
  col("size", "size", "VARCHAR"),
  col("sector", "sector", "VARCHAR"),
  col("digital_tech", "digitalTech", "BOOLEAN"),
  col("stars", "stars", "INTEGER"),
  col("kind", "kind", "VARCHAR"),
  col("year", "year", "INTEGER"),
  col("event_id", "eventId", "VARCHAR"),
  col("institution", "institution", "VARCHAR"),
  col("solution", "solution", "VARCHAR"),
  col("platform", "platform", "VARCHAR"),
  col("provider", "provider", "VARCHAR"),
  col("capability", "capability", "VARCHAR"),
  col("technology", "technology", "VARCHAR"),
];

/** A typed column's value as TypeScript sees it: dates as `YYYY-MM-DD`. */
export type TypedValue = string | number | boolean | null;

const typedValue = (sql: TypedSqlType, v: unknown): TypedValue => {
  switch (sql) {
    case "VARCHAR":
    case "DATE":
      return typeof v === "string" ? v : null;
    case "INTEGER":
      return typeof v === "number" && Number.isInteger(v) ? v : null;
    case "BOOLEAN":
      return typeof v === "boolean" ? v : null;
  }
};

/** The typed columns' values of one fact's `data`, in `TYPED_COLUMNS` order. */
export const typedValues = (data: Readonly<Record<string, unknown>>): TypedValue[] =>
  TYPED_COLUMNS.map((c) => typedValue(c.sql, data[c.field]));

/**
 * The `data` fields of the typed columns as one list of JSON paths, in `TYPED_COLUMNS` order: `json_extract` with
 * it parses an event's `data` once for all of them (their JSON values, NULL where absent).
 */
export const typedFieldPathsSql = `[${TYPED_COLUMNS.map((c) => `'$.${c.field}'`).join(", ")}]`;

/**
 * The SQL that derives a typed column from `value`, the JSON value of its field in the stored `data` (an element
 * of `json_extract(data, typedFieldPathsSql)`, NULL when absent): the value when the JSON holds one of the
 * column's type there, else NULL (as `typedValues` does).
 */
export const typedFromDataSql = (c: TypedColumn, value: string): string => {
  const json = `json_type(${value})`;
  const text = `json_extract_string(${value}, '$')`;
  switch (c.sql) {
    case "VARCHAR":
      return `CASE WHEN ${json} = 'VARCHAR' THEN ${text} END`;
    case "DATE":
      return `CASE WHEN ${json} = 'VARCHAR' THEN TRY_CAST(${text} AS DATE) END`;
    case "INTEGER":
      return `CASE WHEN ${json} IN ('UBIGINT', 'BIGINT') THEN TRY_CAST(${text} AS INTEGER) END`;
    case "BOOLEAN":
      return `CASE WHEN ${json} = 'BOOLEAN' THEN CAST(${text} AS BOOLEAN) END`;
  }
};

/** The typed columns' DDL lines (after `data` in `events`). */
export const typedColumnsDdl = TYPED_COLUMNS.map((c) => `  ${c.column} ${c.sql}`).join(",\n");

/** The typed columns as TypeScript compares them (`strftime` for dates), for a SELECT list over `e`. */
export const typedSelectSql = (e = "e"): string =>
  TYPED_COLUMNS.map((c) => (c.sql === "DATE" ? `strftime(${e}.${c.column}, '%Y-%m-%d')` : `${e}.${c.column}`)).join(
    ", ",
  );

/**
 * The name of the first typed column of `e` that does not hold what its `data` says, or NULL: the condition and
 * the name the parallel check reports. `values` is `json_extract(e.data, typedFieldPathsSql)`, computed once.
 */
export const firstWrongTypedSql = (e: string, values: string): string =>
  `CASE ${TYPED_COLUMNS.map(
    (c, i) => `WHEN ${e}.${c.column} IS DISTINCT FROM ${typedFromDataSql(c, `${values}[${i + 1}]`)} THEN '${c.column}'`,
  ).join(" ")} END`;

/**
 * The canonical `data` of an event whose fields are exactly its non-NULL typed columns (keys sorted, as RFC 8785
 * orders them), built in SQL from the columns of `e`. Where the stored `data` equals it byte for byte, `data`
 * holds exactly those fields with those values, so every typed column holds what `data` says without the JSON
 * being parsed: the whole-chain check compares this first and parses only the other events (those with a field
 * no column holds, or a value written otherwise), where `firstWrongTypedSql` decides. Equal here implies right
 * there; unequal implies nothing.
 */
export const dataOfTypedSql = (e: string): string => {
  const value = (c: TypedColumn) => {
    switch (c.sql) {
      case "VARCHAR":
        return `CAST(to_json(${e}.${c.column}) AS VARCHAR)`;
      case "DATE":
        return `'"' || strftime(${e}.${c.column}, '%Y-%m-%d') || '"'`;
      case "INTEGER":
      case "BOOLEAN":
        return `CAST(${e}.${c.column} AS VARCHAR)`;
    }
  };
  const sorted = [...TYPED_COLUMNS].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  const members = sorted.map((c) => `CASE WHEN ${e}.${c.column} IS NOT NULL THEN '"${c.field}":' || ${value(c)} END`);
  return `concat('{', concat_ws(',', ${members.join(", ")}), '}')`;
};

/** The reason `verifyChain` gives for an event whose typed column disagrees with its data. */
export const typedReason = (column: string): string =>
  `typed column ${column} does not hold what the event's data says (it is derived from data, which the hash covers)`;
