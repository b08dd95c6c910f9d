/**
 * The planning documents the targets come from (`packages/reference/catalog/documents.json`): a stable id such as
 * `KH-315-2025`, the file under the shared reference's `plans/`, number, Vietnamese and English titles, the date
 * (a day, or only a year where the text leaves it blank) and the horizon (the years it sets targets for).
 */
import * as t from "io-ts";

export interface DocumentIdBrand {
  readonly DocumentId: unique symbol;
}
/** `QD-913-2025`, `KH-315-2025`, `KH-NQ04-2022`: kind (QĐ decision, KH plan), number or subject, year. */
export const DocumentId = t.brand(
  t.string,
  (s: string): s is t.Branded<string, DocumentIdBrand> => /^(QD|KH)-[A-Z0-9]+-\d{4}$/.test(s),
  "DocumentId",
);
export type DocumentId = t.TypeOf<typeof DocumentId>;

const matching = (re: RegExp, name: string) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === "string" && re.test(u),
    (u, c) => (typeof u === "string" && re.test(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  );

/** `YYYY-MM-DD`, or `YYYY` when the document leaves the day and month blank. */
export const DocumentDate = matching(
  /^\d{4}(-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$/,
  "a date YYYY-MM-DD or a year YYYY",
);
const PlanFile = matching(/^[A-Za-z0-9_.-]+\.txt$/, "a .txt file name under plans/");
const NonEmpty = matching(/\S/, "a non-empty text");

export const PlanningDocument = t.intersection([
  t.strict({
    id: DocumentId,
    file: PlanFile,
    kind: t.keyof({ decision: null, plan: null }, "DocumentKind"),
    titleVi: NonEmpty,
    titleEn: NonEmpty,
    date: DocumentDate,
    horizon: t.array(t.Int),
  }),
  t.exact(t.partial({ number: NonEmpty, notes: NonEmpty })),
]);
export type PlanningDocument = t.TypeOf<typeof PlanningDocument>;

/** The year the document was issued. */
export const documentYear = (d: PlanningDocument): number => Number(d.date.slice(0, 4));

/** The last year the document sets a target for. */
export const horizonEnd = (d: PlanningDocument): number => Math.max(...d.horizon);
