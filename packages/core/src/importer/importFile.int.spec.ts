import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DuckDbEventLog } from "../eventLog/index.js";
import { accountOpened, retraction } from "../eventLog/testFacts.js";
import { position } from "../facts/index.js";
import { importFile } from "./importFile.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshLog = () => DuckDbEventLog.open(join(dir, `log-${n++}.duckdb`));
const write = (name: string, lines: readonly string[]) => {
  const p = join(dir, name);
  writeFileSync(p, `${lines.join("\n")}\n`);
  return p;
};
const json = (f: unknown) => JSON.stringify(f);
const ids = async (log: DuckDbEventLog) => {
  const out: string[] = [];
  for await (const e of log.readAll(position(0))) out.push(e.fact.id);
  return out;
};

describe("importFile", () => {
  it("appends a clean NDJSON file and reports what it did", async () => {
    const log = await freshLog();
    try {
      const file = write("clean.ndjson", [json(accountOpened("a1", "p1")), "", json(accountOpened("a2", "p2"))]);
      const s = await importFile(log, file, { batchSize: 1 });
      expect(s).toMatchObject({ committed: true, lines: 2, accepted: 2, duplicates: 0, rejected: 0, finalPosition: 2 });
      const again = await importFile(log, file);
      expect(again).toMatchObject({ committed: true, accepted: 0, duplicates: 2, finalPosition: 2 });
    } finally {
      await log.close();
    }
  });

  it("appends nothing from a file with bad lines, and names every bad line, field and reason", async () => {
    const log = await freshLog();
    try {
      const bad = { ...accountOpened("a3", "p3"), data: { commune: "123", birthYear: 1990, institution: "vcb" } };
      const file = write("bad.ndjson", [
        json(accountOpened("a1", "p1")),
        "{not json",
        json(bad),
        json(accountOpened("a2", "p2")),
        json({ ...accountOpened("a4", "p4"), type: "AccountOpened" }),
      ]);
      const s = await importFile(log, file, { batchSize: 2 });
      expect(s).toMatchObject({ committed: false, accepted: 0, rejected: 3, finalPosition: 0 });
      expect(s.errors.map((e) => [e.line, e.field])).toEqual([
        [2, "(line)"],
        [3, "data.commune"],
        [5, "type"],
      ]);
      expect(s.errors[1]?.reason).toContain("5-digit commune code");
      expect(s.errors.every((e) => e.file === file)).toBe(true);
      expect(await log.head()).toBe(0);
    } finally {
      await log.close();
    }
  });

  it("refuses a reportedOn that is no day or before occurredOn by file, line, field and reason", async () => {
    const log = await freshLog();
    try {
      const file = write("reported.ndjson", [
        json({ ...accountOpened("a1", "p1"), reportedOn: "2024-04-02" }),
        json({ ...accountOpened("a2", "p2"), reportedOn: "2024-02-30" }),
        json({ ...accountOpened("a3", "p3"), reportedOn: "2024-03-01" }),
      ]);
      const s = await importFile(log, file);
      expect(s).toMatchObject({ committed: false, accepted: 0, rejected: 2 });
      expect(s.errors.map((e) => [e.file, e.line, e.field])).toEqual([
        [file, 2, "reportedOn"],
        [file, 3, "reportedOn"],
      ]);
      expect(s.errors[0]?.reason).toContain("calendar");
      expect(s.errors[1]?.reason).toContain("is 2024-03-01, before occurredOn 2024-03-10");
      // with the bad lines skipped, the good one is appended with its reportedOn
      const kept = await importFile(log, file, { skipInvalid: true });
      expect(kept).toMatchObject({ committed: true, accepted: 1, rejected: 2 });
      for await (const e of log.readAll(position(0)))
        expect(e.fact).toMatchObject({ id: "a1", reportedOn: "2024-04-02" });
    } finally {
      await log.close();
    }
  });

  it("refuses a file whose fact reuses a stored id for other content, appending none of it", async () => {
    const log = await freshLog();
    try {
      await importFile(log, write("first.ndjson", [json(accountOpened("a1", "p1"))]));
      const file = write("conflict.ndjson", [
        json(accountOpened("a2", "p2")),
        json(accountOpened("a1", "p1", { birthYear: 1999 })),
      ]);
      const s = await importFile(log, file);
      expect(s).toMatchObject({ committed: false, rejected: 1, finalPosition: 1 });
      expect(s.errors[0]).toMatchObject({ line: 2, field: "id" });
      expect(s.errors[0]?.reason).toMatch(/^this id was already used for different content at log position 1;/);
      expect(await ids(log)).toEqual(["a1"]);
    } finally {
      await log.close();
    }
  });

  it("with skipInvalid appends the good lines and writes the bad ones, as they were, to a reject file", async () => {
    const log = await freshLog();
    try {
      await importFile(log, write("seed.ndjson", [json(accountOpened("a1", "p1"))]));
      const lines = [
        json(accountOpened("a2", "p2")),
        "{not json",
        json(accountOpened("a1", "p1", { birthYear: 1999 })),
        json(retraction("r1", "person:p7", "a2")),
        json(accountOpened("a3", "p3")),
      ];
      const file = write("mixed.ndjson", lines);
      const s = await importFile(log, file, { skipInvalid: true, batchSize: 10 });
      expect(s).toMatchObject({ committed: true, accepted: 2, rejected: 3, finalPosition: 3 });
      expect(await ids(log)).toEqual(["a1", "a2", "a3"]);
      expect(s.rejectFile).toBe(join(dir, "mixed.rejected.ndjson"));
      expect(readFileSync(join(dir, "mixed.rejected.ndjson"), "utf8")).toBe(
        `${[lines[1], lines[2], lines[3]].join("\n")}\n`,
      );
      const reasons = readFileSync(join(dir, "mixed.rejected.txt"), "utf8");
      expect(reasons).toContain("mixed.ndjson:3: id:");
      expect(reasons).toContain("mixed.ndjson:4: data.eventId:");
    } finally {
      await log.close();
    }
  });

  it("reads CSV with a JSON data column, and refuses a CSV with the wrong header", async () => {
    const log = await freshLog();
    try {
      const f = accountOpened("c1", "p1");
      const csv = join(dir, "facts.csv");
      writeFileSync(
        csv,
        `id,type,subject,occurredOn,source,data\n${f.id},${f.type},${f.subject},${f.occurredOn},${f.source},"${JSON.stringify(
          f.data,
        ).replaceAll(
          '"',
          '""',
        )}"\nc2,PaymentAccountOpened,person:p2,2024-13-01,nhnn-kv15,"{""commune"":""29926"",""birthYear"":1990,""institution"":""vcb""}"\n`,
      );
      const s = await importFile(log, csv);
      expect(s).toMatchObject({ committed: false, rejected: 1 });
      expect(s.errors[0]).toMatchObject({ line: 3, field: "occurredOn" });
      const header = join(dir, "header.csv");
      writeFileSync(header, "id,kind,subject\nx,y,z\n");
      const h = await importFile(log, header);
      expect(h.errors[0]).toMatchObject({ line: 1, field: "(header)" });
      expect(h.errors[0]?.reason).toContain("missing column(s) type, occurredOn, source, data");
    } finally {
      await log.close();
    }
  });

  it("reads an optional reportedOn column in CSV: a day is kept, an empty cell leaves it out, a bad one is a line error", async () => {
    const log = await freshLog();
    try {
      const data = (f: ReturnType<typeof accountOpened>) => `"${JSON.stringify(f.data).replaceAll('"', '""')}"`;
      const row = (id: string, person: string, reportedOn: string) => {
        const f = accountOpened(id, person);
        return `${reportedOn},${f.id},${f.type},${f.subject},${f.occurredOn},${f.source},${data(f)}`;
      };
      const csv = join(dir, "reported.csv");
      writeFileSync(
        csv,
        `reportedOn,id,type,subject,occurredOn,source,data\n${row("k1", "p1", "2024-04-02")}\n${row("k2", "p2", "")}\n${row("k3", "p3", "2024-02-30")}\n`,
      );
      const s = await importFile(log, csv, { skipInvalid: true });
      expect(s).toMatchObject({ committed: true, accepted: 2, rejected: 1 });
      expect(s.errors.map((e) => [e.file, e.line, e.field])).toEqual([[csv, 4, "reportedOn"]]);
      const read: unknown[] = [];
      for await (const e of log.readAll(position(0))) read.push(e.fact);
      expect(read).toEqual([{ ...accountOpened("k1", "p1"), reportedOn: "2024-04-02" }, accountOpened("k2", "p2")]);
    } finally {
      await log.close();
    }
  });

  describe("input edges", () => {
    const csvRow = (f: ReturnType<typeof accountOpened>) =>
      `${f.id},${f.type},${f.subject},${f.occurredOn},${f.source},"${JSON.stringify(f.data).replaceAll('"', '""')}"`;
    const CSV_HEADER = "id,type,subject,occurredOn,source,data";
    const balanced = (s: { lines: number; accepted: number; duplicates: number; rejected: number }) =>
      expect(s.accepted + s.duplicates + s.rejected).toBe(s.lines);

    it("refuses a line that is not valid UTF-8 by its number, never reading it as U+FFFD; the reject file keeps its bytes", async () => {
      const log = await freshLog();
      try {
        const good = json(accountOpened("u1", "p1"));
        // "Ấp" in Windows-1258 is not UTF-8: byte 0xc3 followed by a space
        const bad = Buffer.concat([
          Buffer.from(json(accountOpened("u2", "p2")).replace('"vcb"', '"v')),
          Buffer.from([0xc3, 0x20]),
          Buffer.from('"'),
          Buffer.from("}}"),
        ]);
        const file = join(dir, "latin.ndjson");
        writeFileSync(
          file,
          Buffer.concat([Buffer.from(`${good}\n`), bad, Buffer.from(`\n${json(accountOpened("u3", "p3"))}\n`)]),
        );
        const strict = await importFile(log, file);
        expect(strict).toMatchObject({ committed: false, lines: 3, rejected: 1 });
        expect(strict.errors).toHaveLength(1);
        expect(strict.errors[0]).toMatchObject({ line: 2, field: "(line)" });
        expect(strict.errors[0]?.reason).toMatch(/^not valid UTF-8: byte 0xc3 at byte \d+ of the line/);
        const skipped = await importFile(log, file, { skipInvalid: true });
        expect(skipped).toMatchObject({ committed: true, accepted: 2, rejected: 1 });
        balanced(skipped);
        expect(readFileSync(join(dir, "latin.rejected.ndjson"))).toEqual(Buffer.concat([bad, Buffer.from("\n")]));
      } finally {
        await log.close();
      }
    });

    it("accepts a UTF-8 byte order mark at the start of an NDJSON or CSV file, but not inside one", async () => {
      const log = await freshLog();
      try {
        const nd = write("bom.ndjson", [`\ufeff${json(accountOpened("b1", "p1"))}`, json(accountOpened("b2", "p2"))]);
        expect(await importFile(log, nd)).toMatchObject({ committed: true, accepted: 2, rejected: 0 });
        const csv = write("bom.csv", [`\ufeff${CSV_HEADER}`, csvRow(accountOpened("b3", "p3"))]);
        expect(await importFile(log, csv)).toMatchObject({ committed: true, accepted: 1, rejected: 0 });
        const inside = write("bom-inside.ndjson", [
          json(accountOpened("b4", "p4")),
          `\ufeff${json(accountOpened("b5", "p5"))}`,
        ]);
        const s = await importFile(log, inside);
        expect(s.errors.map((e) => [e.line, e.field])).toEqual([[2, "(line)"]]);
      } finally {
        await log.close();
      }
    });

    it("refuses a fact with a key given twice, naming the key, at any depth", async () => {
      const log = await freshLog();
      try {
        const a = json(accountOpened("k1", "p1"));
        const file = write("twice.ndjson", [
          a.replace('"id":"k1"', '"id":"k1","id":"k9"'),
          json(accountOpened("k2", "p2")).replace('"commune":"29926"', '"commune":"29926","commune":"30001"'),
          json(accountOpened("k3", "p3")).replace(
            '"institution":"vcb"',
            '"institution":"vcb","\\u0069nstitution":"momo"',
          ),
          json(accountOpened("k4", "p4")),
        ]);
        const s = await importFile(log, file, { skipInvalid: true });
        expect(s).toMatchObject({ committed: true, accepted: 1, rejected: 3 });
        expect(s.errors.map((e) => [e.line, e.field])).toEqual([
          [1, "id"],
          [2, "data.commune"],
          [3, "data.institution"],
        ]);
        expect(s.errors[1]?.reason).toMatch(/^the key "commune" appears more than once in one object/);
        expect(await ids(log)).toEqual(["k4"]);
      } finally {
        await log.close();
      }
    });

    it("gives a line error for JSON nested 10,000 deep, and goes on with skipInvalid", async () => {
      const log = await freshLog();
      try {
        const deep = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
        const file = write("deep.ndjson", [
          json(accountOpened("d1", "p1")),
          json(accountOpened("d2", "p2")).replace('"commune":"29926"', `"commune":${deep}`),
          json(accountOpened("d3", "p3")),
        ]);
        const strict = await importFile(log, file);
        expect(strict).toMatchObject({ committed: false, rejected: 1 });
        expect(strict.errors[0]).toMatchObject({ line: 2, field: "(line)" });
        expect(strict.errors[0]?.reason).toMatch(/^nested more than 32 levels deep/);
        const skipped = await importFile(log, file, { skipInvalid: true });
        expect(skipped).toMatchObject({ committed: true, lines: 3, accepted: 2, rejected: 1 });
      } finally {
        await log.close();
      }
    });

    it("refuses a CSV record that is not valid UTF-8 by its line, and reads on", async () => {
      const log = await freshLog();
      try {
        const file = join(dir, "latin.csv");
        const bad = Buffer.concat([
          Buffer.from(csvRow(accountOpened("l2", "p2")).replace("vcb", "v")),
          Buffer.from([0xe1]),
        ]);
        writeFileSync(
          file,
          Buffer.concat([
            Buffer.from(`${CSV_HEADER}\r\n${csvRow(accountOpened("l1", "p1"))}\r\n`),
            bad,
            Buffer.from(`\r\n${csvRow(accountOpened("l3", "p3"))}\r\n`),
          ]),
        );
        const s = await importFile(log, file, { skipInvalid: true });
        expect(s).toMatchObject({ committed: true, lines: 3, accepted: 2, rejected: 1 });
        expect(s.errors).toEqual([
          { file, line: 3, field: "(line)", reason: expect.stringMatching(/^not valid UTF-8: byte 0xe1/) },
        ]);
      } finally {
        await log.close();
      }
    });

    it("refuses a CSV with a wrong header as a whole, even with skipInvalid", async () => {
      const log = await freshLog();
      try {
        const rows = Array.from({ length: 20 }, (_, i) => csvRow(accountOpened(`h${i}`, `p${i}`)));
        const file = write("wrong-header.csv", [CSV_HEADER.replace("occurredOn", "occured_on"), ...rows]);
        const s = await importFile(log, file, { skipInvalid: true });
        expect(s).toMatchObject({ committed: false, accepted: 0, rejected: 0, finalPosition: 0 });
        expect(s.fileError).toMatchObject({ line: 1, field: "(header)" });
        expect(s.fileError?.reason).toMatch(/^missing column\(s\) occurredOn; unknown column\(s\) "occured_on"/);
        expect(await log.head()).toBe(0);
      } finally {
        await log.close();
      }
    });

    it("rejects a ragged CSV row or an open quote per line, and with skipInvalid appends the rest", async () => {
      const log = await freshLog();
      try {
        const rows = [
          csvRow(accountOpened("r1", "p1")),
          `${csvRow(accountOpened("r2", "p2"))},extra`,
          csvRow(accountOpened("r3", "p3")).replace(/"$/, ""),
          "r4,PaymentAccountOpened,person:p4,2024-03-10,nhnn-kv15",
          csvRow(accountOpened("r5", "p5")).replace('"{', 'x"{'),
          csvRow(accountOpened("r1", "p1")),
          csvRow(accountOpened("r6", "p6")),
        ];
        const file = write("ragged.csv", [CSV_HEADER, ...rows]);
        const strict = await importFile(log, file);
        expect(strict).toMatchObject({ committed: false, rejected: 4 });
        expect(strict.errors.map((e) => [e.line, e.field])).toEqual([
          [3, "(line)"],
          [4, "(line)"],
          [5, "(line)"],
          [6, "(line)"],
        ]);
        expect(strict.errors[0]?.reason).toMatch(/^7 field\(s\), but the header names 6/);
        expect(strict.errors[1]?.reason).toMatch(/^the quote that opens field 6 .* is not closed on this line/);
        expect(strict.errors[3]?.reason).toMatch(/holds a quote but does not start with one/);
        const s = await importFile(log, file, { skipInvalid: true });
        expect(s).toMatchObject({ committed: true, lines: 7, accepted: 2, duplicates: 1, rejected: 4 });
        balanced(s);
        expect(await ids(log)).toEqual(["r1", "r6"]);
      } finally {
        await log.close();
      }
    });
  });
});
