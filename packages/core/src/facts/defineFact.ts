/**
 * `defineFact` declares one fact type: its subject kind, its `data` fields (required and optional) with a
 * sentence each, optional cross-field checks, and the meaning the indicators give it. From that one declaration
 * come the decoder, the TypeScript type, the fast-check arbitrary and the reference page, so none can drift.
 */
import * as t from "io-ts";
import type { FieldError } from "./decodeError.js";
import { type Described, describe } from "./fields.js";
import { FactId, IsoDate, SourceId, SubjectId, type SubjectKind } from "./ids.js";
import { type StrictOf, strictObject } from "./strictObject.js";

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
  /** The key of a statistics report: a later report with the same key replaces an earlier one. */
  readonly key?: readonly (keyof R | keyof O)[];
}

export interface FactEnvelope<T extends string, D> {
  readonly id: FactId;
  readonly type: T;
  readonly subject: SubjectId;
  readonly occurredOn: IsoDate;
  readonly source: SourceId;
  readonly data: D;
}

export interface FactDefinition<T extends string, R extends FieldSet, O extends FieldSet> extends FactSpec<T, R, O> {
  readonly dataCodec: t.Type<StrictOf<R, O>, StrictOf<R, O>, unknown>;
  readonly codec: t.Type<FactEnvelope<T, StrictOf<R, O>>, FactEnvelope<T, StrictOf<R, O>>, unknown>;
}

export const subjectOf = (kind: SubjectKind) =>
  describe(
    t.refinement(SubjectId, (s) => s.startsWith(`${kind}:`), `SubjectId<${kind}>`),
    `a subject "${kind}:<id>" (${SubjectId.expected})`,
  );

export const defineFact = <const T extends string, R extends FieldSet, O extends FieldSet = Record<never, never>>(
  spec: FactSpec<T, R, O>,
): FactDefinition<T, R, O> => {
  const dataCodec = strictObject(`${spec.type}.data`, spec.required, spec.optional ?? ({} as O));
  const codec = strictObject(spec.type, {
    id: FactId,
    type: describe(t.literal(spec.type), `"${spec.type}"`),
    subject: spec.subject === "any" ? describe(SubjectId, SubjectId.expected) : subjectOf(spec.subject),
    occurredOn: IsoDate,
    source: SourceId,
    data: dataCodec,
  }) as unknown as t.Type<FactEnvelope<T, StrictOf<R, O>>, FactEnvelope<T, StrictOf<R, O>>, unknown>;
  return { ...spec, dataCodec, codec };
};
