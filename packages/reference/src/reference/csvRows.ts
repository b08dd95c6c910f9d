/**
 * Decoding a reference CSV into typed rows: every row is checked against an io-ts codec of its columns, and
 * every problem comes back as data (`ReferenceDataError`) naming the file, the line and the column. The header
 * must hold exactly the expected columns, so a renamed or added column is noticed instead of silently ignored.
 */
import { parse } from "csv-parse/sync";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";

export interface RowProblem {
  /** Line in the file (the header is line 1). */
  readonly line: number;
  readonly column: string;
  readonly reason: string;
}

export interface ReferenceDataError {
  readonly _tag: "ReferenceDataError";
  readonly file: string;
  readonly problems: readonly RowProblem[];
}

export const referenceDataError = (file: string, problems: readonly RowProblem[]): ReferenceDataError => ({
  _tag: "ReferenceDataError",
  file,
  problems,
});

export const formatReferenceDataError = (e: ReferenceDataError): string =>
  `${e.file}: ${e.problems
    .slice(0, 20)
    .map((p) => `line ${p.line} ${p.column}: ${p.reason}`)
    .join("; ")}${e.problems.length > 20 ? ` (and ${e.problems.length - 20} more)` : ""}`;

/** A string with at least one non-blank character. */
export const NonEmptyString = new t.Type<string, string, unknown>(
  "NonEmptyString",
  (u): u is string => typeof u === "string" && u.trim() !== "",
  (u, c) => (typeof u === "string" && u.trim() !== "" ? t.success(u) : t.failure(u, c, "must not be empty")),
  t.identity,
);

/** A non-negative integer written in decimal digits. */
export const IntFromString = new t.Type<number, string, unknown>(
  "IntFromString",
  (u): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0,
  (u, c) =>
    typeof u === "string" && /^\d{1,15}$/.test(u) ? t.success(Number(u)) : t.failure(u, c, "expected digits only"),
  String,
);

/** A non-negative decimal number such as `14.3`. */
export const DecimalFromString = new t.Type<number, string, unknown>(
  "DecimalFromString",
  (u): u is number => typeof u === "number" && Number.isFinite(u) && u >= 0,
  (u, c) =>
    typeof u === "string" && /^\d{1,12}(\.\d{1,6})?$/.test(u)
      ? t.success(Number(u))
      : t.failure(u, c, "expected a decimal number like 14.3"),
  String,
);

const describeValue = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v.slice(0, 60)) : String(v));

/**
 * Parse `text` as CSV with a header and decode each record with `row`; the columns of the header must be
 * exactly the keys of `row`'s props. `line` is where the record starts in the file (the header is line 1).
 */
export const decodeCsv = <P extends t.Props>(
  file: string,
  text: string,
  row: t.TypeC<P>,
): E.Either<ReferenceDataError, (t.TypeOf<t.TypeC<P>> & { readonly line: number })[]> => {
  let parsed: { record: Record<string, string>; info: { lines: number } }[];
  try {
    parsed = parse(text, { columns: true, skip_empty_lines: true, bom: true, info: true });
  } catch (e) {
    return E.left(
      referenceDataError(file, [{ line: 0, column: "(file)", reason: e instanceof Error ? e.message : String(e) }]),
    );
  }
  const records = parsed.map((p) => p.record);
  const expected = Object.keys(row.props);
  const header = records[0] === undefined ? [] : Object.keys(records[0]);
  const problems: RowProblem[] = [];
  for (const c of expected) {
    if (records.length > 0 && !header.includes(c)) problems.push({ line: 1, column: c, reason: "column is missing" });
  }
  for (const c of header) {
    if (!expected.includes(c)) problems.push({ line: 1, column: c, reason: "unexpected column" });
  }
  if (problems.length > 0) return E.left(referenceDataError(file, problems));
  const out: (t.TypeOf<t.TypeC<P>> & { readonly line: number })[] = [];
  parsed.forEach(({ record }, i) => {
    // the line where the record starts: one after the end of the record before it (the header ends on line 1)
    const line = i === 0 ? 2 : (parsed[i - 1]?.info.lines ?? 0) + 1;
    const r = row.decode(record);
    if (E.isRight(r)) {
      out.push({ ...r.right, line });
      return;
    }
    for (const err of r.left) {
      const column = err.context
        .map((c) => c.key)
        .filter((k) => k !== "")
        .join(".");
      problems.push({
        line,
        column: column || "(row)",
        reason:
          err.message ??
          `expected ${err.context[err.context.length - 1]?.type.name ?? "a value"}, got ${describeValue(err.value)}`,
      });
    }
  });
  return problems.length > 0 ? E.left(referenceDataError(file, problems)) : E.right(out);
};
