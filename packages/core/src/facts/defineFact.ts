/**
 * `defineFact` declares one fact type: its subject kind, its `data` fields (required and optional) with a
 * sentence each, optional cross-field checks with the rules they enforce in words, and the meaning the
 * indicators give it. From that one declaration come the decoder, the TypeScript type, the fast-check arbitrary
 * (`arbitraries.ts`) and the facts page (`factsPage.ts`), so none can drift.
 */
import type * as t from "io-ts";
import type { FieldError } from "./decodeError.js";
import { type Described, literal } from "./fields.js";
import { FactId, IsoDate, SourceId, SubjectId, type SubjectKind, subjectIdOf } from "./ids.js";
import { type StrictObject, type StrictOf, strictObject } from "./strictObject.js";

export type FieldCodec = t.Mixed & Described;
export type FieldSet = Record<string, FieldCodec>;

export interface FactSpec<T extends string, R extends FieldSet, O extends FieldSet> {
  readonly type: T;
  /** The subject kind, or "any" for facts about any subject (retractions). */
  readonly subject: SubjectKind | "any";
  readonly family: string;
  /** What the fact says happened, one sentence. */
  readonly summary: string;
  /** What the indicators make of it. */
  readonly meaning: string;
  readonly required: R;
  readonly optional?: O;
  readonly docs: { readonly [K in keyof R | keyof O]: string };
  /** Rules across fields of `data`, returning errors with paths relative to `data`. */
  readonly check?: (data: StrictOf<R, O>, occurredOn: IsoDate) => readonly FieldError[];
  /** What `check` enforces, one sentence per rule, for the facts page. Given exactly when `check` is. */
  readonly rules?: readonly string[];
  /** The key of a statistics report: a later report with the same key replaces an earlier one. */
  readonly key?: readonly (keyof R | keyof O)[];
}

export interface FactEnvelope<T extends string, D> {
  readonly id: FactId;
  readonly type: T;
  readonly subject: SubjectId;
  readonly occurredOn: IsoDate;
  /** The day the source reported the fact, when it says (optional; covered by the hash like every field). */
  readonly reportedOn?: IsoDate;
  readonly source: SourceId;
  readonly data: D;
}

/** The envelope fields of a fact of type `T`, `data` aside. */
export interface EnvelopeFields<T extends string> {
  readonly id: typeof FactId;
  readonly type: t.Type<T, T, unknown> & Described;
  readonly subject: typeof SubjectId;
  readonly occurredOn: typeof IsoDate;
  readonly source: typeof SourceId;
}

/** The optional envelope fields: a source may leave them out. */
export const OPTIONAL_ENVELOPE = { reportedOn: IsoDate } as const;

/** What each envelope field means, in the words of the public contract (docs/facts.md). */
export const ENVELOPE_DOCS = {
  id: "the source's own unique id for this report; re-sending the same id with the same content is a no-op, with different content it is refused",
  type: "the fact type (below)",
  subject: "the thing the fact is about; one subject is one stream",
  occurredOn: "the day the fact became true in the world; it decides which year a fact counts in",
  reportedOn:
    "optional: the day the source reported the fact (its own clock, not the log's recordedAt); not before occurredOn. Timeliness (source_completeness) measures the lag to it; without it, to the day the log recorded the fact",
  source: "the reporting agency or system",
  data: "the type's own fields",
} as const;

export interface FactDefinition<T extends string, R extends FieldSet, O extends FieldSet> extends FactSpec<T, R, O> {
  readonly envelope: EnvelopeFields<T>;
  readonly dataCodec: StrictObject<R, O>;
  readonly codec: t.Type<FactEnvelope<T, StrictOf<R, O>>, FactEnvelope<T, StrictOf<R, O>>, unknown>;
}

/** The subject codec of a fact about `kind`. */
export const subjectOf = (kind: SubjectKind) =>
  subjectIdOf([kind], `a subject "${kind}:<id>" with an id of 1–160 printable ASCII characters`);

export const defineFact = <const T extends string, R extends FieldSet, O extends FieldSet = Record<never, never>>(
  spec: FactSpec<T, R, O>,
): FactDefinition<T, R, O> => {
  const dataCodec = strictObject(`${spec.type}.data`, spec.required, spec.optional ?? ({} as O));
  const envelope: EnvelopeFields<T> = {
    id: FactId,
    type: literal(spec.type),
    subject: spec.subject === "any" ? SubjectId : subjectOf(spec.subject),
    occurredOn: IsoDate,
    source: SourceId,
  };
  const codec = strictObject(spec.type, { ...envelope, data: dataCodec }, OPTIONAL_ENVELOPE) as unknown as t.Type<
    FactEnvelope<T, StrictOf<R, O>>,
    FactEnvelope<T, StrictOf<R, O>>,
    unknown
  >;
  return { ...spec, envelope, dataCodec, codec };
};
