/** Content negotiation, CSV quoting, Arrow round trip and ETag matching, without a server. */
import { tableFromIPC } from "apache-arrow";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { type Column, FIGURE_FORMATS, matchesEtag, negotiate, toArrow, toCsv } from "./representation.js";

describe("negotiate", () => {
  it.each([
    [undefined, undefined, "json"],
    ["", undefined, "json"],
    ["*/*", undefined, "json"],
    ["text/csv", undefined, "csv"],
    ["text/*", undefined, "csv"],
    ["application/vnd.apache.arrow.stream", undefined, "arrow"],
    ["text/csv;q=0.2, application/vnd.apache.arrow.stream;q=0.8", undefined, "arrow"],
    ["application/xml, text/csv;q=0.1", undefined, "csv"],
    ["text/csv;q=0, */*;q=0.1", undefined, "json"],
    ["application/xml", "csv", "csv"],
  ])("Accept %s, format %s → %s", (accept, format, expected) => {
    expect(negotiate(accept, format)).toEqual(E.right(expected));
  });

  it("refuses what it cannot produce, naming what it can", () => {
    const r = negotiate("application/xml, image/png", undefined);
    expect(E.isLeft(r) && r.left._tag === "NotAcceptable" && r.left.offered).toEqual([
      "application/json",
      "text/csv",
      "application/vnd.apache.arrow.stream",
    ]);
  });
});

describe("negotiate SDMX", () => {
  it.each([
    ["application/vnd.sdmx.data+json;version=2.0.0", undefined, "sdmx-json"],
    ["application/vnd.sdmx.data+json", undefined, "sdmx-json"],
    ["application/vnd.sdmx.data+csv; version=2.0.0, text/csv;q=0.5", undefined, "sdmx-csv"],
    ["application/vnd.sdmx.data+json;version=1.0.0, text/csv;q=0.5", undefined, "csv"],
    [undefined, "sdmx-csv", "sdmx-csv"],
  ])("on a route of figures, Accept %s, format %s → %s", (accept, format, expected) => {
    expect(negotiate(accept, format, FIGURE_FORMATS)).toEqual(E.right(expected));
  });

  it("refuses SDMX where a route does not offer it, and an SDMX version it does not write", () => {
    expect(E.isLeft(negotiate("application/vnd.sdmx.data+csv;version=2.0.0", undefined))).toBe(true);
    expect(E.isLeft(negotiate(undefined, "sdmx-json"))).toBe(true);
    const old = negotiate("application/vnd.sdmx.data+json;version=1.0.0", undefined, FIGURE_FORMATS);
    expect(E.isLeft(old) && old.left._tag === "NotAcceptable" && old.left.offered).toContain(
      "application/vnd.sdmx.data+json;version=2.0.0",
    );
  });
});

type Row = { name: string; n: number | null; ok: boolean };
const columns: readonly Column<Row>[] = [
  { name: "name", type: "utf8", get: (r) => r.name },
  { name: "n", type: "int32", get: (r) => r.n },
  { name: "ok", type: "bool", get: (r) => r.ok },
];
const rows: Row[] = [
  { name: 'Xã "Tân, Hồng"', n: 1, ok: true },
  { name: "two\nlines", n: null, ok: false },
];

describe("tables", () => {
  it("writes RFC 4180 CSV: quotes fields with commas, quotes or line breaks; null is empty", () => {
    expect(toCsv(columns, rows)).toBe('name,n,ok\r\n"Xã ""Tân, Hồng""",1,true\r\n"two\nlines",,false\r\n');
  });

  it("writes an Arrow IPC stream that reads back with the same values and types", () => {
    const t = tableFromIPC(toArrow(columns, rows));
    expect(t.toArray().map((r) => r.toJSON())).toEqual(rows);
    expect(t.schema.fields.map((f) => String(f.type))).toEqual(["Utf8", "Int32", "Bool"]);
    expect(tableFromIPC(toArrow(columns, [])).numRows).toBe(0);
  });
});

describe("matchesEtag", () => {
  it("compares weakly, lists and *", () => {
    expect(matchesEtag('"5-a-b"', '"5-a-b"')).toBe(true);
    expect(matchesEtag('W/"5-a-b"', '"5-a-b"')).toBe(true);
    expect(matchesEtag('"4-a-b", "5-a-b"', '"5-a-b"')).toBe(true);
    expect(matchesEtag("*", '"5-a-b"')).toBe(true);
    expect(matchesEtag('"4-a-b"', '"5-a-b"')).toBe(false);
    expect(matchesEtag(undefined, '"5-a-b"')).toBe(false);
  });
});
