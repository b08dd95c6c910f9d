/**
 * Decode errors as data: each names the field (a dotted path such as `data.commune`) and the reason in words a
 * reporting agency can act on. io-ts errors are turned into these once, at the edge.
 */
import type * as t from "io-ts";
import { expectedOf } from "./fields.js";

export interface FieldError {
  readonly field: string;
  readonly reason: string;
}

export interface DecodeError {
  readonly _tag: "DecodeError";
  readonly errors: readonly FieldError[];
}

export const decodeError = (errors: readonly FieldError[]): DecodeError => ({ _tag: "DecodeError", errors });

const show = (v: unknown): string => {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

export const fieldErrors = (errors: t.Errors, prefix = ""): FieldError[] => {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    const path = e.context
      .map((c) => c.key)
      .filter((k) => k !== "")
      .join(".");
    const field = [prefix, path].filter((p) => p !== "").join(".") || "(fact)";
    const last = e.context[e.context.length - 1];
    let reason: string;
    if (e.message !== undefined) reason = e.message;
    else if (e.value === undefined) reason = "is required";
    else reason = `expected ${last ? expectedOf(last.type) : "a value"}, got ${show(e.value)}`;
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
