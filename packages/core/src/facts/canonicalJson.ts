/**
 * RFC 8785 (JCS) canonical JSON for the values facts are made of: objects, arrays, strings, finite numbers,
 * booleans and null. Keys are sorted by UTF-16 code units; strings and numbers are written as
 * `JSON.stringify` writes them, which is what JCS prescribes. It gives the same bytes as the `canonicalize`
 * library (a property test checks this on arbitrary JSON) at several times its speed: the import hot path
 * canonicalises every fact, and that library's general machinery (toJSON, cycle detection, frames)
 * dominated the import profile.
 */
export const canonicalJson = (v: unknown): string => {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      if (!Number.isFinite(v)) throw new Error(`canonical JSON has no ${v}`);
      return JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    case "object": {
      if (Array.isArray(v)) {
        let s = "[";
        for (let i = 0; i < v.length; i++) s += (i === 0 ? "" : ",") + canonicalJson(v[i]);
        return `${s}]`;
      }
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      let s = "{";
      let first = true;
      for (const k of keys) {
        const x = o[k];
        if (x === undefined) continue;
        s += `${first ? "" : ","}${JSON.stringify(k)}:${canonicalJson(x)}`;
        first = false;
      }
      return `${s}}`;
    }
    default:
      throw new Error(`canonical JSON has no ${typeof v}`);
  }
};
