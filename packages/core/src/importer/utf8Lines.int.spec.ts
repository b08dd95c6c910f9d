/**
 * `utf8LinesOfFile` on real files: lines come back whole and numbered however the 1 MiB chunks cut them (also
 * through a multi-byte character), "\r\n" ends a line, and only the lines with invalid UTF-8 are marked.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Utf8Line, utf8LinesOf, utf8LinesOfFile } from "./utf8Lines.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-utf8-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = async (bytes: Uint8Array): Promise<Utf8Line[]> => {
  const file = join(dir, `f-${Math.random()}.txt`);
  writeFileSync(file, bytes);
  const out: Utf8Line[] = [];
  for await (const l of utf8LinesOfFile(file).lines) out.push(l);
  return out;
};

describe("utf8LinesOfFile", () => {
  it("gives every line of a multi-chunk file whole, numbered, whatever the chunks cut", async () => {
    // 3-byte characters and odd line lengths, so chunk ends fall inside characters and lines
    const lines = Array.from({ length: 60_000 }, (_, i) => `${i} Ấp Mỹ Hòa ${"ữ".repeat(i % 7)}`);
    const got = await read(Buffer.from(`${lines.join("\r\n")}\r\n`));
    expect(got.map((l) => l.text)).toEqual(lines);
    expect(got.map((l) => l.line)).toEqual(lines.map((_, i) => i + 1));
  });

  it("marks only the lines that are not UTF-8, keeps their bytes, and drops a byte order mark at the start", async () => {
    const bad = Buffer.from([0x61, 0xff, 0x62]);
    const got = await read(Buffer.concat([Buffer.from("\ufeffone\n"), bad, Buffer.from("\n\nfour\n\ufefffive")]));
    expect(got).toEqual([
      { line: 1, text: "one" },
      { line: 2, text: undefined, bytes: expect.anything() },
      { line: 3, text: "" },
      { line: 4, text: "four" },
      { line: 5, text: "\ufefffive" },
    ]);
    expect(Buffer.from(got[1]?.bytes ?? [])).toEqual(bad);
    expect(utf8LinesOf(Buffer.from("\ufeffa\r\nb"))).toEqual([
      { line: 1, text: "a" },
      { line: 2, text: "b" },
    ]);
  });
});
