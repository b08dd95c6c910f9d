/**
 * Branded identifiers shared by every package. A raw string never crosses a package boundary: it is decoded
 * into one of these first, so a commune code cannot be passed where a fact id is expected. Each codec carries
 * `expected` (the words a decode error uses) and a `domain` (from which `arbitraries.ts` derives a generator);
 * dates and subjects explain precisely what is wrong with a refused value.
 */
import * as t from "io-ts";
import { field, showValue } from "./fields.js";

export interface CommuneCodeBrand {
  readonly CommuneCode: unique symbol;
}
const COMMUNE_CODE = /^\d{5}$/;
/** Official 5-digit administrative unit code (old or current, see the crosswalk). */
export const CommuneCode = field(
  t.brand(t.string, (s: string): s is t.Branded<string, CommuneCodeBrand> => COMMUNE_CODE.test(s), "CommuneCode"),
  "a 5-digit commune code",
  { kind: "pattern", pattern: COMMUNE_CODE },
  ["29926", "30001", "29869", "28261", "28439", "30208"],
);
export type CommuneCode = t.TypeOf<typeof CommuneCode>;

export interface SourceIdBrand {
  readonly SourceId: unique symbol;
}
const SOURCE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** The reporting agency or system, e.g. `nhnn-kv15`. */
export const SourceId = field(
  t.brand(t.string, (s: string): s is t.Branded<string, SourceIdBrand> => SOURCE_ID.test(s), "SourceId"),
  "a source id of lower-case letters, digits, '.', '_' or '-' (at most 64)",
  { kind: "pattern", pattern: SOURCE_ID },
  ["nhnn-kv15", "so-khdt", "cuc-thong-ke", "so-khcn", "bca-vneid"],
);
export type SourceId = t.TypeOf<typeof SourceId>;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const daysIn = (year: number, month: number): number =>
  month === 2
    ? (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;
/** The days a fact's date may fall on: wider than any statistical year, narrow enough that a typo shows. */
export const FIRST_DAY = "1900-01-01";
export const LAST_DAY = "2100-12-31";
const DATE_EXPECTED = `a calendar date YYYY-MM-DD from ${FIRST_DAY} to ${LAST_DAY}`;

/**
 * Days found good so far (every day from FIRST_DAY to LAST_DAY is about 73,000 of them): a file of millions of
 * facts names the same few thousand days over and over, and a look-up costs less than the pattern and the
 * calendar.
 */
const goodDays = new Set<string>();

/** Why `u` is not a calendar day `YYYY-MM-DD` from `FIRST_DAY` to `LAST_DAY`, or `undefined` when it is one. */
export const isoDateProblem = (u: unknown): string | undefined => {
  if (typeof u === "string" && goodDays.has(u)) return undefined;
  const problem = dayProblem(u);
  if (problem === undefined) goodDays.add(u as string);
  return problem;
};

const dayProblem = (u: unknown): string | undefined => {
  const m = typeof u === "string" ? ISO_DATE.exec(u) : null;
  if (m === null) return `expected ${DATE_EXPECTED}, got ${showValue(u)}`;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return `${showValue(u)} has no month ${m[2]}; expected ${DATE_EXPECTED}`;
  const last = daysIn(year, month);
  if (day < 1 || day > last) {
    return `${showValue(u)} is not a calendar day: ${m[1]}-${m[2]} has ${last} days; expected ${DATE_EXPECTED}`;
  }
  if (year < 1900 || year > 2100) {
    return `${showValue(u)} is outside the days a fact can be about; expected ${DATE_EXPECTED} (is the year mistyped?)`;
  }
  return undefined;
};

/** An io-ts codec of brand `B` whose failures carry `problem`'s words. */
const explained = <B>(name: string, problem: (u: unknown) => string | undefined) =>
  new t.Type<B, string, unknown>(
    name,
    (u): u is B => problem(u) === undefined,
    (u, c) => {
      if (u === undefined) return t.failure(u, c); // reported as "is required"
      const p = problem(u);
      return p === undefined ? t.success(u as B) : t.failure(u, c, p);
    },
    (a) => a as unknown as string,
  );

export interface FactIdBrand {
  readonly FactId: unique symbol;
}
export type FactId = t.Branded<string, FactIdBrand>;
const FACT_ID = /^[\x21-\x7e]{1,200}$/;
const FACT_ID_EXPECTED = "a fact id of 1–200 printable ASCII characters without spaces, not an identity number";
/** The source's own unique id for one report. */
export const FactId = field(
  explained<FactId>("FactId", (u) => {
    if (typeof u !== "string" || !FACT_ID.test(u)) return `expected ${FACT_ID_EXPECTED}, got ${showValue(u)}`;
    const identity = factIdIdentityProblem(u);
    return identity === undefined
      ? undefined
      : `the id ${identity}, which looks like a raw identity number (a CMND has 9 digits, a CCCD 12); a report id must never be one`;
  }),
  FACT_ID_EXPECTED,
  { kind: "reportId", pattern: FACT_ID },
  ["bank-vcb-2024-000123", "dkkd-2025-0417", "cts-2025-118", "vneid-2025-09-4411"],
);

export interface IsoDateBrand {
  readonly IsoDate: unique symbol;
}
export type IsoDate = t.Branded<string, IsoDateBrand>;
/** A calendar day `YYYY-MM-DD` that exists, from `FIRST_DAY` to `LAST_DAY`. */
export const IsoDate = field(
  explained<IsoDate>("IsoDate", isoDateProblem),
  DATE_EXPECTED,
  { kind: "date", min: FIRST_DAY, max: LAST_DAY },
  ["2023-06-30", "2024-03-10", "2025-01-15", "2025-07-01", "2025-12-31", "2026-02-14"],
);

export interface YearBrand {
  readonly Year: unique symbol;
}
/** A statistical year the engine reports on. */
export const Year = field(
  t.brand(
    t.number,
    (n: number): n is t.Branded<number, YearBrand> => Number.isInteger(n) && n >= 1990 && n <= 2100,
    "Year",
  ),
  "a year from 1990 to 2100",
  { kind: "integer", min: 1990, max: 2100 },
  [2023, 2024, 2025],
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

const HASH = /^[0-9A-Fa-f]{16,}$/;
const TAX_CODE = /^\d{10}(?:-\d{3})?$/;
const DIGIT_RUN = /\d{9,}/;
/** Digit groups joined by single separators, as numbers are written: "0792-0100-1234", "079 201 001 234". */
const DIGIT_GROUPS = /\d+(?:[ ./-]\d+)+/g;
const SEPARATORS = /[ ./-]/g;

/**
 * Why the id part of a subject of `kind` looks like a raw identity number — a 9-digit identity card number
 * (CMND) or a 12-digit citizen identity number (CCCD), bare, with a prefix ("ID079201001234"), longer
 * ("0792010012345") or in groups ("0792-0100-1234") — or `undefined`. Refused whatever the kind: person ids must
 * be pseudonyms made by the source. The rule:
 *
 * - a run of 9 or more digits anywhere is refused, and so are digit groups joined by single separators
 *   (space, '-', '.', '/') that hold 12 or more digits together;
 * - except an id of 16 or more hexadecimal characters (a keyed hash; its digits are chance), and an enterprise
 *   id that is a tax code: 10 digits, optionally '-' and a 3-digit branch number.
 *
 * Composite ids of short numbers stay legal: "29926-1234" (a commune code and a number), "dong-thap-2025".
 */
export const identityNumberProblem = (id: string, kind: SubjectKind): string | undefined => {
  if (HASH.test(id) || (kind === "enterprise" && TAX_CODE.test(id))) return undefined;
  const run = DIGIT_RUN.exec(id)?.[0];
  if (run !== undefined) return `holds a run of ${run.length} digits (${showValue(run)})`;
  for (const [groups] of id.matchAll(DIGIT_GROUPS)) {
    const digits = groups.replace(SEPARATORS, "").length;
    if (digits >= 12) return `holds ${digits} digits in groups (${showValue(groups)})`;
  }
  return undefined;
};

export const looksLikeIdentityNumber = (id: string, kind: SubjectKind): boolean =>
  identityNumberProblem(id, kind) !== undefined;

/**
 * Why a fact id (the source's own report id) looks like a raw identity number: apart from separators it is
 * only digits, 9 or 12 of them. Narrower than the subject rule: report ids are often a year and a long
 * sequence number ("bank-vcb-2024-000123"), or a plain database key.
 */
export const factIdIdentityProblem = (id: string): string | undefined => {
  let digits = 0;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c !== 32 && c !== 45 && c !== 46 && c !== 47) return undefined; // a loop: most ids end here at once
  }
  return digits === 9 || digits === 12 ? `is ${digits} digits (${showValue(id)})` : undefined;
};

const SUBJECT_ID_PART = /^[\x21-\x7e]{1,160}$/;
const isSubjectKind = (s: string): s is SubjectKind => (SUBJECT_KINDS as readonly string[]).includes(s);

/** Why `u` is not a subject of one of `kinds`, or `undefined` when it is one. */
export const subjectProblem = (u: unknown, kinds: readonly SubjectKind[] = SUBJECT_KINDS): string | undefined => {
  const wanted =
    kinds.length === 1 ? `a subject "${kinds[0]}:<id>"` : `a subject KIND:ID with KIND one of ${kinds.join(", ")}`;
  if (typeof u !== "string") return `expected ${wanted}, got ${showValue(u)}`;
  const i = u.indexOf(":");
  if (i <= 0) return `expected ${wanted}, got ${showValue(u)}: a subject is a kind, a colon and an id`;
  const kind = u.slice(0, i);
  const id = u.slice(i + 1);
  if (!isSubjectKind(kind)) {
    return `unknown subject kind "${kind}"; expected ${wanted} (the kinds are ${SUBJECT_KINDS.join(", ")})`;
  }
  if (!kinds.includes(kind)) return `expected ${wanted}, got a ${kind} subject (${showValue(u)})`;
  const identity = id.length > 160 ? undefined : identityNumberProblem(id, kind);
  if (identity !== undefined) {
    return kind === "person"
      ? `the person id ${showValue(id)} ${identity}, which looks like a raw identity number (a CMND has 9 digits, a CCCD 12); person ids must be pseudonyms (a keyed hash made by the source), never the number itself, nor written with separators or a prefix`
      : `the id ${showValue(id)} ${identity}, which looks like a raw identity number (a CMND has 9 digits, a CCCD 12); subject ids must never hold identity numbers (docs/facts.md, Subjects, says which ids are allowed)`;
  }
  if (id.length === 0) return `the id after "${kind}:" is empty; expected ${wanted}`;
  if (id.length > 160) return `the id after "${kind}:" has ${id.length} characters; at most 160 are allowed`;
  if (!SUBJECT_ID_PART.test(id)) {
    return `the id after "${kind}:" contains a space, control or non-ASCII character; use printable ASCII only`;
  }
  return undefined;
};

export interface SubjectIdBrand {
  readonly SubjectId: unique symbol;
}
export type SubjectId = t.Branded<string, SubjectIdBrand>;

/** A subject codec accepting only the given kinds. */
export const subjectIdOf = (kinds: readonly SubjectKind[], expected: string) =>
  field(
    explained<SubjectId>(kinds.length === SUBJECT_KINDS.length ? "SubjectId" : `SubjectId<${kinds.join("|")}>`, (u) =>
      subjectProblem(u, kinds),
    ),
    expected,
    { kind: "subject", kinds, id: SUBJECT_ID_PART },
  );

/** `KIND:ID`, the thing a fact is about. */
export const SubjectId = subjectIdOf(
  SUBJECT_KINDS,
  `KIND:ID with KIND one of ${SUBJECT_KINDS.join(", ")}, and an ID of 1–160 printable ASCII characters that does not hold an identity number (see Subjects)`,
);

export const subjectKind = (s: SubjectId): SubjectKind => s.slice(0, s.indexOf(":")) as SubjectKind;

export interface PositionBrand {
  readonly Position: unique symbol;
}
/** Global, gap-free position of an event in the log (the first event is 1; 0 means "before any event"). */
export const Position = field(
  t.brand(
    t.number,
    (n: number): n is t.Branded<number, PositionBrand> => Number.isSafeInteger(n) && n >= 0,
    "Position",
  ),
  "a log position (a non-negative integer)",
  { kind: "integer", min: 0, max: Number.MAX_SAFE_INTEGER },
);
export type Position = t.TypeOf<typeof Position>;
export const position = (n: number): Position => {
  if (!Position.is(n)) throw new RangeError(`not a log position: ${n}`);
  return n;
};
