/**
 * Decode errors as data: each names the field (a dotted path such as `data.commune`) and the reason in words a
 * reporting agency can act on: what was expected, what was sent, and for a misspelt name the likely intended
 * one. io-ts errors are turned into these once, at the edge.
 */
import type * as t from "io-ts";
import { expectedOf, showValue } from "./fields.js";

export interface FieldError {
  readonly field: string;
  readonly reason: string;
}

export interface DecodeError {
  readonly _tag: "DecodeError";
  readonly errors: readonly FieldError[];
}

export const decodeError = (errors: readonly FieldError[]): DecodeError => ({ _tag: "DecodeError", errors });

const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
};

/**
 * The candidate `name` was most likely meant to be: equal ignoring case, or within a few edits (a third of its
 * length, at most 3). `undefined` when none is close.
 */
export const closestName = (name: string, candidates: Iterable<string>): string | undefined => {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = c.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
};

export const didYouMean = (name: string, candidates: Iterable<string>): string => {
  const c = closestName(name, candidates);
  return c === undefined ? "" : ` (did you mean "${c}"?)`;
};

export const fieldErrors = (errors: t.Errors, prefix = ""): FieldError[] => {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    // The first context entry is the decoded value itself; an empty field name is shown as "".
    const path = e.context
      .slice(1)
      .map((c) => (c.key === "" ? '""' : c.key))
      .join(".");
    const field = [prefix, path].filter((p) => p !== "").join(".") || "(fact)";
    const last = e.context[e.context.length - 1];
    const expected = last ? expectedOf(last.type) : "a value";
    let reason: string;
    if (e.message !== undefined) reason = e.message;
    else if (e.value === undefined) reason = `is required: ${expected}`;
    else reason = `expected ${expected}, got ${showValue(e.value)}`;
    const key = `${field}\u0000${reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ field, reason });
    }
  }
  return out;
};

export const formatFieldErrors = (errors: readonly FieldError[]): string =>
  errors.map((e) => `${e.field}: ${e.reason}`).join("; ");
