/**
 * Branded identifiers shared by every package. A raw string never crosses a package boundary: it is decoded
 * into one of these first, so a commune code cannot be passed where a fact id is expected. Each codec carries
 * `expected`, the words a decode error uses.
 */
import * as t from "io-ts";

const withExpected = <C extends t.Mixed>(codec: C, expected: string): C & { readonly expected: string } =>
  Object.assign(codec, { expected });

export interface CommuneCodeBrand {
  readonly CommuneCode: unique symbol;
}
/** Official 5-digit administrative unit code (old or current, see the crosswalk). */
export const CommuneCode = withExpected(
  t.brand(t.string, (s: string): s is t.Branded<string, CommuneCodeBrand> => /^\d{5}$/.test(s), "CommuneCode"),
  "a 5-digit commune code",
);
export type CommuneCode = t.TypeOf<typeof CommuneCode>;

export interface FactIdBrand {
  readonly FactId: unique symbol;
}
/** The source's own unique id for one report. */
export const FactId = withExpected(
  t.brand(
    t.string,
    (s: string): s is t.Branded<string, FactIdBrand> => s.length <= 200 && /^[\x21-\x7e]+$/.test(s),
    "FactId",
  ),
  "a fact id of 1–200 printable ASCII characters without spaces",
);
export type FactId = t.TypeOf<typeof FactId>;

export interface SourceIdBrand {
  readonly SourceId: unique symbol;
}
/** The reporting agency or system, e.g. `nhnn-kv15`. */
export const SourceId = withExpected(
  t.brand(
    t.string,
    (s: string): s is t.Branded<string, SourceIdBrand> => /^[a-z0-9][a-z0-9._-]{0,63}$/.test(s),
    "SourceId",
  ),
  "a source id of lower-case letters, digits, '.', '_' or '-' (at most 64)",
);
export type SourceId = t.TypeOf<typeof SourceId>;

const isIsoDate = (s: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};
export interface IsoDateBrand {
  readonly IsoDate: unique symbol;
}
/** A calendar day `YYYY-MM-DD` that exists. */
export const IsoDate = withExpected(
  t.brand(t.string, (s: string): s is t.Branded<string, IsoDateBrand> => isIsoDate(s), "IsoDate"),
  "a calendar date YYYY-MM-DD",
);
export type IsoDate = t.TypeOf<typeof IsoDate>;

export interface YearBrand {
  readonly Year: unique symbol;
}
/** A statistical year the engine reports on. */
export const Year = withExpected(
  t.brand(
    t.number,
    (n: number): n is t.Branded<number, YearBrand> => Number.isInteger(n) && n >= 1990 && n <= 2100,
    "Year",
  ),
  "a year from 1990 to 2100",
);
export type Year = t.TypeOf<typeof Year>;

/** The kinds of subject a fact can be about; one subject is one stream. */
export const SUBJECT_KINDS = [
  "enterprise",
  "person",
  "ocop",
  "facility",
  "household",
  "club",
  "village",
  "project",
  "stat",
] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/**
 * Ids that look like raw citizen identity numbers (12 digits) or old identity card numbers (9 or 12 digits)
 * are refused whatever the subject kind: person ids must be pseudonyms made by the source.
 */
export const looksLikeIdentityNumber = (id: string): boolean => /^\d{9}$|^\d{12}$/.test(id);

const isSubjectId = (s: string): boolean => {
  const i = s.indexOf(":");
  if (i <= 0) return false;
  const id = s.slice(i + 1);
  return (
    (SUBJECT_KINDS as readonly string[]).includes(s.slice(0, i)) &&
    /^[\x21-\x7e]{1,160}$/.test(id) &&
    !looksLikeIdentityNumber(id)
  );
};
export interface SubjectIdBrand {
  readonly SubjectId: unique symbol;
}
/** `KIND:ID`, the thing a fact is about. */
export const SubjectId = withExpected(
  t.brand(t.string, (s: string): s is t.Branded<string, SubjectIdBrand> => isSubjectId(s), "SubjectId"),
  `KIND:ID with KIND one of ${SUBJECT_KINDS.join(", ")}, and an ID that is not a raw 9- or 12-digit identity number`,
);
export type SubjectId = t.TypeOf<typeof SubjectId>;

export const subjectKind = (s: SubjectId): SubjectKind => s.slice(0, s.indexOf(":")) as SubjectKind;

export interface PositionBrand {
  readonly Position: unique symbol;
}
/** Global, gap-free position of an event in the log (the first event is 1; 0 means "before any event"). */
export const Position = withExpected(
  t.brand(
    t.number,
    (n: number): n is t.Branded<number, PositionBrand> => Number.isSafeInteger(n) && n >= 0,
    "Position",
  ),
  "a log position (a non-negative integer)",
);
export type Position = t.TypeOf<typeof Position>;
export const position = (n: number): Position => {
  if (!Position.is(n)) throw new RangeError(`not a log position: ${n}`);
  return n;
};
