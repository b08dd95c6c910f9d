/**
 * Small, readable fact builders for event-log tests (the contract suite, the crash test, benchmarks). They
 * build facts through `decodeFact`, so a builder can never produce a fact the log would not accept.
 */
import * as E from "fp-ts/lib/Either.js";
import { decodeFact, type Fact, formatFieldErrors } from "../facts/index.js";

export const fact = (raw: unknown): Fact => {
  const r = decodeFact(raw);
  if (E.isLeft(r)) throw new Error(`test fact does not decode: ${formatFieldErrors(r.left.errors)}`);
  return r.right;
};

export const accountOpened = (
  id: string,
  person: string,
  opts: { commune?: string; birthYear?: number; on?: string } = {},
): Fact =>
  fact({
    id,
    type: "PaymentAccountOpened",
    subject: `person:${person}`,
    occurredOn: opts.on ?? "2024-03-10",
    source: "nhnn-kv15",
    data: { commune: opts.commune ?? "29926", birthYear: opts.birthYear ?? 1990, institution: "vcb" },
  });

export const retraction = (id: string, subject: string, eventId: string, source = "nhnn-kv15"): Fact =>
  fact({
    id,
    type: "FactRetracted",
    subject,
    occurredOn: "2024-06-01",
    source,
    data: { eventId, reason: "reported in error" },
  });
