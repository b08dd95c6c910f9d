/**
 * Reading the JSON text of facts, the same way for import files and the API. `JSON.parse` alone accepts two
 * things a fact must not carry: a key given twice in one object (the last value silently wins, so the source
 * and the log would disagree on what was reported) and nesting deep enough to exhaust the stack of whatever
 * walks the value next. `jsonShapeProblem` finds both in one pass over the text, before `JSON.parse` runs;
 * `parseFactJson` puts the two together. A byte order mark is the business of whoever splits a file or body
 * into texts (it may only open the file, not a line in the middle).
 *
 * The scanner is not a validator: on text that is not JSON it may report nothing or something odd, and
 * `JSON.parse` then says what is wrong. Keys are compared as JSON defines them (after unescaping), so "a" and
 * "\u0061" are the same key.
 */
import * as E from "fp-ts/lib/Either.js";
import type { FieldError } from "./decodeError.js";

/** How deep a fact's JSON may nest. A fact is 3 levels deep (envelope, data, a value); 32 is generous. */
export const MAX_JSON_DEPTH = 32;

/** Where in a JSON text a problem is: object keys and array indexes from the top. */
export type JsonPath = readonly (string | number)[];

export interface JsonShapeProblem {
  readonly _tag: "DuplicateKey" | "TooDeep";
  /** The duplicate key's path, or the first levels of the path that goes too deep. */
  readonly path: JsonPath;
  readonly reason: string;
}

interface Frame {
  readonly object: boolean;
  /** Keys seen so far (objects): an array while small, a set once larger. */
  keys: string[] | Set<string>;
  /** The current key (objects) or index (arrays). */
  at: string | number;
  /** In an object, whether the next string is a key. */
  expectKey: boolean;
}

const QUOTE = 34;
const BACKSLASH = 92;

/** The end (index of the closing quote) of the JSON string opening at `start`, or -1. */
const stringEnd = (text: string, start: number): number => {
  let j = text.indexOf('"', start + 1);
  while (j !== -1) {
    let backslashes = 0;
    for (let k = j - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
  return -1;
};

/**
 * The first key that appears twice in one object, or the first place nested deeper than `maxDepth` (objects and
 * arrays both count; the top-level value is depth 1), or `undefined`. One pass, no allocation per value.
 */
export const jsonShapeProblem = (
  text: string,
  maxDepth = MAX_JSON_DEPTH,
  /** Levels around the values being limited, such as the array of a batch, which `maxDepth` does not count. */
  outer = 0,
): JsonShapeProblem | undefined => {
  const stack: Frame[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) return undefined; // unterminated: JSON.parse reports it
      const top = stack[stack.length - 1];
      if (top?.object === true && top.expectKey) {
        let key = text.slice(i + 1, end);
        if (key.includes("\\")) {
          try {
            key = JSON.parse(text.slice(i, end + 1)) as string;
          } catch {
            return undefined; // a bad escape: JSON.parse reports it
          }
        }
        const keys = top.keys;
        const seen = Array.isArray(keys) ? keys.includes(key) : keys.has(key);
        if (seen) {
          return {
            _tag: "DuplicateKey",
            path: [...stack.slice(0, -1).map((f) => f.at), key],
            reason: `the key ${JSON.stringify(key)} appears more than once in one object; each key may appear once (otherwise which value counts is unclear)`,
          };
        }
        if (Array.isArray(keys)) {
          keys.push(key);
          if (keys.length > 16) top.keys = new Set(keys);
        } else keys.add(key);
        top.at = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 123 || c === 91) {
      // { or [
      if (stack.length >= maxDepth + outer) {
        return {
          _tag: "TooDeep",
          path: stack.slice(0, 4 + outer).map((f) => f.at),
          reason: `nested more than ${maxDepth} levels deep; a fact's JSON is an object of fields whose values are at most a few levels deep`,
        };
      }
      stack.push({ object: c === 123, keys: [], at: c === 123 ? "" : 0, expectKey: c === 123 });
    } else if (c === 125 || c === 93) {
      stack.pop();
    } else if (c === 44) {
      // ,
      const top = stack[stack.length - 1];
      if (top?.object === true) top.expectKey = true;
      else if (top !== undefined) top.at = (top.at as number) + 1;
    }
  }
  return undefined;
};

/** `path` as a field name of the fact (`data.commune`); `(fact)` for the whole value. */
export const fieldOfPath = (path: JsonPath): string => (path.length === 0 ? "(fact)" : path.join("."));

/** Strips one UTF-8 byte order mark (U+FEFF) at the start of a text. */
export const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/**
 * One fact's JSON text as a value, or why it cannot be one: not JSON (field `(line)`), a key given twice or
 * nesting deeper than `MAX_JSON_DEPTH` (field: where). What the value means is `decodeFact`'s business.
 */
export const parseFactJson = (text: string, maxDepth = MAX_JSON_DEPTH): E.Either<readonly FieldError[], unknown> => {
  const shape = jsonShapeProblem(text, maxDepth);
  if (shape?._tag === "TooDeep") {
    return E.left([{ field: "(line)", reason: `${shape.reason} (at ${fieldOfPath(shape.path)}…)` }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return E.left([{ field: "(line)", reason: `not valid JSON: ${(e as Error).message}` }]);
  }
  if (shape !== undefined) return E.left([{ field: fieldOfPath(shape.path), reason: shape.reason }]);
  return E.right(value);
};
