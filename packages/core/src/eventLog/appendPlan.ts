/**
 * Plans an append: decides, for a batch of facts against the current log, which facts are new, which are
 * duplicates of stored ones, and whether the batch must be refused. Pure apart from the `lookup` callback
 * that fetches stored facts by id; the adapter writes the planned rows in one transaction.
 */
import * as E from "fp-ts/lib/Either.js";
import {
  CATALOG_AUTHORITY,
  canonicalFactParts,
  type Fact,
  type FactId,
  isCatalogChange,
  type Position,
  position,
} from "../facts/index.js";
import {
  type AppendError,
  type AppendOptions,
  type AppendOutcome,
  type CanonicalPartsGiven,
  type ExpectedRevision,
  mayRetract,
  type RetractionRefusal,
} from "./eventLog.js";
import { chainHash } from "./hashChain.js";

/** What the planner needs to know of a stored fact with a given id. */
export interface StoredRef {
  readonly position: Position;
  readonly isRetraction: boolean;
  /** Whether the stored fact has exactly these canonical bytes. */
  sameContent(canonical: string): boolean;
  sameSubject(subject: string): boolean;
  /**
   * The stored fact's source, and whether a retraction of it is stored (this session's included): asked only
   * of retraction targets and conflicting ids, so an adapter may read the store for it.
   */
  details(): Promise<{ readonly source: string; readonly retracted: boolean }>;
}

/** A StoredRef from the stored fact itself. */
export const storedRefOf = (s: {
  readonly position: Position;
  readonly canonical: string;
  readonly subject: string;
  readonly type: string;
  readonly source: string;
  /** Whether a retraction of it is stored. */
  readonly retracted: boolean;
}): StoredRef => ({
  position: s.position,
  isRetraction: s.type === "FactRetracted",
  sameContent: (c) => c === s.canonical,
  sameSubject: (x) => x === s.subject,
  details: () => Promise.resolve({ source: s.source, retracted: s.retracted }),
});

export interface PlanContext {
  readonly head: Position;
  readonly lastHash: Uint8Array;
  readonly recordedAt: string;
  /** May return true for ids never stored (then `lookup` says so); must not return false for a stored id. */
  maybeStored(id: string): boolean;
  lookup(ids: readonly string[]): Promise<ReadonlyMap<string, StoredRef>>;
  revision(subject: string): number;
}

export interface PlannedRow {
  readonly position: Position;
  readonly streamRevision: number;
  readonly recordedAt: string;
  readonly hash: Buffer;
  readonly canonical: string;
  /** The canonical JSON of the fact's `data` alone. */
  readonly data: string;
  readonly fact: Fact;
  /** The content fingerprint of `canonical`, when the caller gave it (`CanonicalPartsGiven`). */
  readonly content: readonly [number, number] | undefined;
}

export interface Plan {
  readonly rows: readonly PlannedRow[];
  readonly outcomes: readonly AppendOutcome[];
  readonly head: Position;
  readonly lastHash: Uint8Array;
  /** New revision of every stream the batch touched. */
  readonly revisions: ReadonlyMap<string, number>;
}

const revisionMatches = (expected: ExpectedRevision, actual: number): boolean => {
  if (expected === "any") return true;
  if (expected === "no_stream") return actual < 0;
  if (expected === "stream_exists") return actual >= 0;
  return expected === actual;
};

export const planAppend = async (
  facts: readonly Fact[],
  options: AppendOptions,
  ctx: PlanContext,
): Promise<E.Either<AppendError, Plan>> => {
  for (const [subject, expected] of options.expectedRevisions ?? []) {
    const actual = ctx.revision(subject);
    if (!revisionMatches(expected, actual)) return E.left({ _tag: "WrongExpectedRevision", subject, expected, actual });
  }

  const parts = options.canonicalParts ?? facts.map(canonicalFactParts);
  if (parts.length !== facts.length) {
    throw new Error(`planAppend: ${parts.length} canonical parts given for ${facts.length} facts`);
  }
  const canonicals = parts.map((p) => p.canonical);
  const toLookUp = new Set<string>();
  for (const f of facts) {
    if (ctx.maybeStored(f.id)) toLookUp.add(f.id);
    if (f.type === "FactRetracted") toLookUp.add(f.data.eventId);
  }
  const stored = toLookUp.size > 0 ? await ctx.lookup([...toLookUp]) : new Map<string, StoredRef>();

  const firstInBatch = new Map<string, number>();
  /** Fact ids retracted earlier in this batch. */
  const retractedInBatch = new Set<string>();
  const outcomes: AppendOutcome[] = [];
  const rows: PlannedRow[] = [];
  const revisions = new Map<string, number>();
  let head = ctx.head as number;
  let lastHash = ctx.lastHash;

  for (let i = 0; i < facts.length; i++) {
    const f = facts[i] as Fact;
    const canonical = canonicals[i] as string;
    const old = stored.get(f.id);
    if (old !== undefined) {
      if (!old.sameContent(canonical)) {
        const { source } = await old.details();
        return E.left({
          _tag: "IdConflict",
          id: f.id,
          index: i,
          existing: { position: old.position },
          existingSource: source,
        });
      }
      outcomes.push({ id: f.id, position: old.position, duplicate: true });
      continue;
    }
    const earlier = firstInBatch.get(f.id);
    if (earlier !== undefined) {
      if (canonicals[earlier] !== canonical)
        return E.left({ _tag: "IdConflict", id: f.id, index: i, existing: { index: earlier } });
      outcomes.push({ id: f.id, position: (outcomes[earlier] as AppendOutcome).position, duplicate: true });
      continue;
    }
    if (isCatalogChange(f.type) && f.source !== (options.catalogAuthority ?? CATALOG_AUTHORITY)) {
      return E.left({
        _tag: "CatalogChangeRefused",
        id: f.id,
        index: i,
        type: f.type,
        source: f.source,
        authority: options.catalogAuthority ?? CATALOG_AUTHORITY,
      });
    }
    if (f.type === "FactRetracted") {
      const eventId = f.data.eventId as FactId;
      const target = stored.get(eventId);
      const inBatch = firstInBatch.get(eventId);
      const targetFact = inBatch !== undefined ? facts[inBatch] : undefined;
      const refuse = (reason: RetractionRefusal, targetSource?: string) =>
        E.left<AppendError>({
          _tag: "RetractionRefused",
          id: f.id,
          index: i,
          eventId,
          reason,
          ...(targetSource === undefined ? {} : { targetSource }),
        });
      if (targetFact !== undefined) {
        const src = targetFact.source;
        if (!mayRetract(options.retractionGrants, f.source, src)) return refuse("source differs", src);
        if (targetFact.type === "FactRetracted") return refuse("is a retraction", src);
        if (targetFact.subject !== f.subject) return refuse("subject differs", src);
        if (retractedInBatch.has(eventId)) return refuse("already retracted", src);
      } else if (target !== undefined) {
        const { source: src, retracted } = await target.details();
        if (!mayRetract(options.retractionGrants, f.source, src)) return refuse("source differs", src);
        if (target.isRetraction) return refuse("is a retraction", src);
        if (!target.sameSubject(f.subject)) return refuse("subject differs", src);
        if (retracted || retractedInBatch.has(eventId)) return refuse("already retracted", src);
      } else return refuse("unknown event");
      retractedInBatch.add(eventId);
    }
    firstInBatch.set(f.id, i);
    head += 1;
    const streamRevision = (revisions.get(f.subject) ?? ctx.revision(f.subject)) + 1;
    revisions.set(f.subject, streamRevision);
    const hash = chainHash(lastHash, head, ctx.recordedAt, streamRevision, canonical);
    lastHash = hash;
    const pos = position(head);
    const given = parts[i] as CanonicalPartsGiven;
    rows.push({
      position: pos,
      streamRevision,
      recordedAt: ctx.recordedAt,
      hash,
      canonical,
      data: given.data,
      fact: f,
      content: given.content,
    });
    outcomes.push({ id: f.id, position: pos, duplicate: false });
  }
  return E.right({ rows, outcomes, head: position(head), lastHash, revisions });
};
