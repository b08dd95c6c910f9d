/**
 * An io-ts object codec that refuses unknown fields (a misspelt field must not be silently dropped) and
 * supports optional fields without `undefined` values, matching `exactOptionalPropertyTypes`. An unknown field's
 * error lists the accepted ones and suggests the likely intended name. The codec carries `expected`, the words
 * an error uses when the whole object is missing or is not an object.
 */
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { didYouMean } from "./decodeError.js";

export type StrictOf<R extends t.Props, O extends t.Props> = { [K in keyof R]: t.TypeOf<R[K]> } & {
  [K in keyof O]?: t.TypeOf<O[K]>;
};

export type StrictObject<R extends t.Props, O extends t.Props> = t.Type<StrictOf<R, O>, StrictOf<R, O>, unknown> & {
  readonly expected: string;
};

const list = (names: readonly string[]): string =>
  names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;

export const strictObject = <R extends t.Props, O extends t.Props = Record<never, never>>(
  name: string,
  required: R,
  optional: O = {} as O,
): StrictObject<R, O> => {
  const names = [...Object.keys(required), ...Object.keys(optional)];
  const known = new Set(names);
  const expected =
    names.length === 0 ? "an empty object {} (this type has no fields)" : `an object with the fields ${list(names)}`;
  const accepted = names.length === 0 ? `${name} has no fields; send {}` : `the fields of ${name} are ${list(names)}`;
  // the fields as arrays once: `is` runs for every fact an import reads
  const requiredFields = Object.entries(required);
  const optionalFields = Object.entries(optional);
  const is = (u: unknown): u is StrictOf<R, O> => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return false;
    const o = u as Record<string, unknown>;
    for (const k in o) if (Object.hasOwn(o, k) && !known.has(k)) return false;
    for (let i = 0; i < requiredFields.length; i++) {
      const [k, c] = requiredFields[i] as [string, t.Mixed];
      if (!c.is(Object.hasOwn(o, k) ? o[k] : undefined)) return false; // as the decoder reads it
    }
    for (let i = 0; i < optionalFields.length; i++) {
      const [k, c] = optionalFields[i] as [string, t.Mixed];
      if (Object.hasOwn(o, k) && !c.is(o[k])) return false;
    }
    return true;
  };
  const codec = new t.Type<StrictOf<R, O>, StrictOf<R, O>, unknown>(
    name,
    is,
    (u, c) => {
      if (u === undefined) return t.failure(u, c); // reported as "is required"
      if (typeof u !== "object" || u === null || Array.isArray(u)) return t.failure(u, c);
      const o = u as Record<string, unknown>;
      const errors: t.ValidationError[] = [];
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        if (!known.has(k)) {
          errors.push({
            value: o[k],
            context: [...c, { key: k, type: t.never, actual: o[k] }],
            message: `unknown field${didYouMean(k, names)}; ${accepted}`,
          });
        }
      }
      for (const [k, field] of Object.entries(required)) {
        const v = Object.hasOwn(o, k) ? o[k] : undefined;
        const r = field.validate(v, [...c, { key: k, type: field, actual: v }]);
        if (E.isLeft(r)) errors.push(...r.left);
        else out[k] = r.right;
      }
      for (const [k, field] of Object.entries(optional)) {
        if (!Object.hasOwn(o, k)) continue;
        const r = field.validate(o[k], [...c, { key: k, type: field, actual: o[k] }]);
        if (E.isLeft(r)) errors.push(...r.left);
        else out[k] = r.right;
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out as StrictOf<R, O>);
    },
    t.identity,
  );
  return Object.assign(codec, { expected });
};
