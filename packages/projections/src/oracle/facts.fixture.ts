/**
 * Fact and event builders for the reference-fold specs. Every fact goes through `decodeFact`, so a spec can only
 * build facts the log would accept; `storedEvents` gives them consecutive positions (from 1 unless told) and
 * per-subject stream revisions, as the log would.
 */
import { decodeFact, type Fact, formatFieldErrors, position, type StoredEvent } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";

let generated = 0;

/** Decodes a raw fact, throwing with the decoder's words when it is not one. */
export const decoded = (raw: unknown): Fact => {
  const r = decodeFact(raw);
  if (E.isLeft(r)) throw new Error(`test fact does not decode: ${formatFieldErrors(r.left.errors)}`);
  return r.right;
};

/** A fact of `type` about `subject` on `occurredOn`; the id is generated unless given. */
export const fact = (
  type: string,
  subject: string,
  occurredOn: string,
  data: Readonly<Record<string, unknown>> = {},
  id = `t-${++generated}`,
): Fact => decoded({ id, type, subject, occurredOn, source: "test", data });

/** A retraction of the fact `retracted` (same subject), with an id of its own. */
export const retraction = (retracted: Fact, occurredOn = "2026-01-15"): Fact =>
  fact("FactRetracted", retracted.subject, occurredOn, { eventId: retracted.id, reason: "entered in error" });

/** The facts as stored events at consecutive positions starting at `first`. */
export const storedEvents = (facts: readonly Fact[], first = 1): StoredEvent[] => {
  const revisions = new Map<string, number>();
  return facts.map((f, i) => {
    const revision = revisions.get(f.subject) ?? 0;
    revisions.set(f.subject, revision + 1);
    return {
      position: position(first + i),
      streamRevision: revision,
      recordedAt: "2026-01-01T00:00:00.000Z",
      hash: "0".repeat(64),
      fact: f,
    };
  });
};
