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
});
