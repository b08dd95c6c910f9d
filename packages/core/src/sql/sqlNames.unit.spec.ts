import { describe, expect, it } from "vitest";
import { ident, prefixOf, qualified } from "./sqlNames.js";

describe("names pasted into SQL", () => {
  it("passes plain lower-case names", () => {
    expect(ident("indicator_values")).toBe("indicator_values");
    expect(ident("_t2")).toBe("_t2");
    expect(qualified("src.events")).toBe("src.events");
    expect(prefixOf("log")).toBe("log.");
    expect(prefixOf(undefined)).toBe("");
  });

  it.each(["events; DROP TABLE events", 'a"b', "a'b", "Events", "2cells", "", "a b", "a.b"])(
    "refuses %j and names it",
    (bad) => {
      expect(() => ident(bad)).toThrow(`not a safe SQL identifier: ${JSON.stringify(bad)}`);
    },
  );

  it("refuses a name with more than two parts or a bad part", () => {
    expect(() => qualified("a.b.c")).toThrow('not a safe SQL name: "a.b.c"');
    expect(() => qualified("src.ev-ents")).toThrow('not a safe SQL identifier: "ev-ents"');
    expect(() => prefixOf("x;")).toThrow('not a safe SQL identifier: "x;"');
  });
});
