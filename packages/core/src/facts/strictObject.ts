/**
 * An io-ts object codec that refuses unknown fields (a misspelt field must not be silently dropped) and
 * supports optional fields without `undefined` values, matching `exactOptionalPropertyTypes`.
 */
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";

export type StrictOf<R extends t.Props, O extends t.Props> = { [K in keyof R]: t.TypeOf<R[K]> } & {
  [K in keyof O]?: t.TypeOf<O[K]>;
};

export const strictObject = <R extends t.Props, O extends t.Props = Record<never, never>>(
  name: string,
  required: R,
  optional: O = {} as O,
): t.Type<StrictOf<R, O>, StrictOf<R, O>, unknown> => {
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  const is = (u: unknown): u is StrictOf<R, O> => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return false;
    const o = u as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!known.has(k)) return false;
    for (const [k, c] of Object.entries(required)) if (!c.is(o[k])) return false;
    for (const [k, c] of Object.entries(optional)) if (k in o && !c.is(o[k])) return false;
    return true;
  };
  return new t.Type<StrictOf<R, O>, StrictOf<R, O>, unknown>(
    name,
    is,
    (u, c) => {
      if (typeof u !== "object" || u === null || Array.isArray(u)) return t.failure(u, c, "expected an object");
      const o = u as Record<string, unknown>;
      const errors: t.ValidationError[] = [];
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        if (!known.has(k)) {
          errors.push({
            value: o[k],
            context: [...c, { key: k, type: t.never, actual: o[k] }],
            message: "unknown field",
          });
        }
      }
      for (const [k, codec] of Object.entries(required)) {
        const r = codec.validate(o[k], [...c, { key: k, type: codec, actual: o[k] }]);
        if (E.isLeft(r)) errors.push(...r.left);
        else out[k] = r.right;
      }
      for (const [k, codec] of Object.entries(optional)) {
        if (!(k in o)) continue;
        const r = codec.validate(o[k], [...c, { key: k, type: codec, actual: o[k] }]);
        if (E.isLeft(r)) errors.push(...r.left);
        else out[k] = r.right;
      }
      return errors.length > 0 ? t.failures(errors) : t.success(out as StrictOf<R, O>);
    },
    t.identity,
  );
};
