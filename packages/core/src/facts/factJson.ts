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

/** The key of the JSON string at `start`…`end` (quotes included at both ends), unescaped when it must be. */
const keyAt = (text: string, start: number, end: number): string | undefined => {
  const raw = text.slice(start + 1, end);
  if (!raw.includes("\\")) return raw;
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return undefined; // a bad escape: JSON.parse reports it
  }
};

interface Found {
  readonly _tag: JsonShapeProblem["_tag"];
  /** Where: the duplicate key's opening quote, or the bracket one level too deep. */
  readonly at: number;
  readonly key?: string;
}

/**
 * The fast pass: the position of the first problem, or `undefined`. Keys of all open objects sit in one flat
 * array, each object's from `starts[level]` on (-1 for an array); closing an object drops its keys. An object
 * with more than 32 keys moves its keys to a set, so a huge object costs no quadratic time.
 */
const scan = (text: string, limit: number): Found | undefined => {
  const starts: number[] = [];
  const keys: string[] = [];
  const sets: (Set<string> | undefined)[] = [];
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) return undefined; // unterminated: JSON.parse reports it
      if (expectKey) {
        const key = keyAt(text, i, end);
        if (key === undefined) return undefined;
        const level = starts.length - 1;
        const from = starts[level] ?? 0;
        const set = sets[level];
        if (set !== undefined) {
          if (set.has(key)) return { _tag: "DuplicateKey", at: i, key };
          set.add(key);
        } else {
          for (let k = from; k < keys.length; k++) if (keys[k] === key) return { _tag: "DuplicateKey", at: i, key };
          keys.push(key);
          if (keys.length - from > 32) sets[level] = new Set(keys.slice(from)); // a large object: no n² scan
        }
        expectKey = false;
      }
      i = end;
    } else if (c === 123) {
      if (starts.length >= limit) return { _tag: "TooDeep", at: i };
      starts.push(keys.length);
      expectKey = true;
    } else if (c === 91) {
      if (starts.length >= limit) return { _tag: "TooDeep", at: i };
      starts.push(-1);
      expectKey = false;
    } else if (c === 125 || c === 93) {
      const from = starts.pop() ?? -1;
      if (from >= 0) keys.length = from;
      sets.length = starts.length;
      expectKey = false;
    } else if (c === 44) {
      expectKey = (starts[starts.length - 1] ?? -1) >= 0;
    }
  }
  return undefined;
};

/** The path to position `at` of `text` (the slow pass, run only to report a problem). */
const pathTo = (text: string, at: number): (string | number)[] => {
  const path: (string | number)[] = [];
  const object: boolean[] = [];
  let expectKey = false;
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) break;
      if (expectKey) {
        path[path.length - 1] = keyAt(text, i, end) ?? "";
        expectKey = false;
      }
      i = end;
    } else if (c === 123 || c === 91) {
      object.push(c === 123);
      path.push(c === 123 ? "" : 0);
      expectKey = c === 123;
    } else if (c === 125 || c === 93) {
      object.pop();
      path.pop();
      expectKey = false;
    } else if (c === 44) {
      if (object[object.length - 1] === true) expectKey = true;
      else if (object.length > 0) path[path.length - 1] = (path[path.length - 1] as number) + 1;
    }
  }
  return path;
};

/**
 * The first key that appears twice in one object, or the first place nested deeper than `maxDepth` (objects and
 * arrays both count; the top-level value is depth 1), or `undefined`. One pass over the text; a second finds
 * the path only when there is a problem.
 */
export const jsonShapeProblem = (
  text: string,
  maxDepth = MAX_JSON_DEPTH,
  /** Levels around the values being limited, such as the array of a batch, which `maxDepth` does not count. */
  outer = 0,
): JsonShapeProblem | undefined => {
  const found = scan(text, maxDepth + outer);
  if (found === undefined) return undefined;
  if (found._tag === "TooDeep") {
    return {
      _tag: "TooDeep",
      path: pathTo(text, found.at).slice(0, 4 + outer),
      reason: `nested more than ${maxDepth} levels deep; a fact's JSON is an object of fields whose values are at most a few levels deep`,
    };
  }
  const key = found.key ?? "";
  return {
    _tag: "DuplicateKey",
    path: [...pathTo(text, found.at).slice(0, -1), key],
    reason: `the key ${JSON.stringify(key)} appears more than once in one object; each key may appear once (otherwise which value counts is unclear)`,
  };
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
