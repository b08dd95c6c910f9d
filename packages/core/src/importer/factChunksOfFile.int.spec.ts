/**
 * The parallel front end reads a file exactly as the sequential reader does — the same facts, errors and line
 * numbers, whatever the chunks cut and however many workers read them — and a worker that fails rolls the
 * import back instead of hanging it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { DuckDbEventLog } from "../eventLog/index.js";
import { accountOpened } from "../eventLog/testFacts.js";
import { arbitraryFact } from "../facts/arbitraries.js";
import { canonicalFactParts, type Fact } from "../facts/index.js";
import { factAt, lineText } from "./factChunk.js";
import { factChunksOf, factChunksOfFile, type ImportPipelineOptions, ImportWorkerError } from "./factChunksOfFile.js";
import { importFile } from "./importFile.js";
import { type FileFormat, readFactLines } from "./readFactLines.js";
import type { LineChunk } from "./utf8Lines.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-chunks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fileOf = (bytes: Uint8Array, format: FileFormat) => {
  const p = join(dir, `f-${n++}.${format}`);
  writeFileSync(p, bytes);
  return p;
};

interface Read {
  readonly line: number;
  readonly text: string;
  readonly bytes?: string;
  readonly result: E.Either<readonly unknown[], Fact>;
  readonly fatal?: true;
}

const hex = (b: Uint8Array | undefined) => (b === undefined ? {} : { bytes: Buffer.from(b).toString("hex") });

const sequential = async (file: string, format: FileFormat): Promise<Read[]> => {
  const out: Read[] = [];
  for await (const l of readFactLines(file, format)) {
    out.push({
      line: l.line,
      text: l.text,
      ...hex(l.bytes),
      result: l.result,
      ...(l.fatal === true ? { fatal: true as const } : {}),
    });
  }
  return out;
};

const parallel = async (file: string, format: FileFormat, options: ImportPipelineOptions): Promise<Read[]> => {
  const out: Read[] = [];
  for await (const c of factChunksOfFile(file, format, options)) {
    if (c.kind === "fatal") {
      out.push({ line: c.line.line, text: c.line.text, ...hex(c.line.bytes), result: c.line.result, fatal: true });
      continue;
    }
    const { count, lines, starts, ends, canonicals, dataLengths, bad } = c.chunk;
    let b = 0;
    for (let i = 0; i <= count; i++) {
      for (let x = bad[b]; x !== undefined && x.before === i; x = bad[++b]) {
        out.push({ line: x.line, text: x.text, ...hex(x.bytes), result: E.left(x.errors) });
      }
      if (i === count) break;
      const f = factAt(c.chunk, i);
      const parts = canonicalFactParts(f);
      // the canonical parts computed in the worker are those of the fact it sends
      expect(canonicals[i]).toBe(parts.canonical);
      expect(canonicals[i]?.slice(8, 8 + (dataLengths[i] ?? 0))).toBe(parts.data);
      const text = lineText(c.bytes, starts[i] as number, ends[i] as number);
      out.push({ line: lines[i] as number, text, result: E.right(f) });
    }
  }
  return out;
};

const csvField = (v: string) => `"${v.replaceAll('"', '""')}"`;
const CSV_HEADER = "id,type,subject,occurredOn,source,data";
const lineOf = (f: Fact, format: FileFormat): string =>
  format === "ndjson"
    ? JSON.stringify(f)
    : [f.id, f.type, f.subject, f.occurredOn, f.source, JSON.stringify(f.data)].map(csvField).join(",");

/** One line of a file (without its end): good, bad in each way, blank, or not UTF-8. */
const arbitraryLine = (format: FileFormat): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 6, arbitrary: arbitraryFact().map((f) => Buffer.from(lineOf(f, format))) },
    {
      weight: 1,
      arbitrary: arbitraryFact().map((f) => Buffer.from(lineOf({ ...f, type: "NoSuchFact" } as Fact, format))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom("{not json", '{"id":', "a,b", '"open', 'x,"y"z').map((s) => Buffer.from(s)),
    },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "\t \t").map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.constantFrom([0x61, 0xff, 0x62], [0xc3, 0x20], [0xe1]).map((b) => Buffer.from(b)) },
    // a byte order mark inside the file, and a long line
    { weight: 1, arbitrary: arbitraryFact().map((f) => Buffer.from(`\ufeff${lineOf(f, format)}`)) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 3000 }).map((k) => Buffer.from(`{${" ".repeat(k)}"id":1}`)) },
  );

const arbitraryFile = (format: FileFormat): fc.Arbitrary<Uint8Array> =>
  fc
    .record({
      bom: fc.boolean(),
      // a CSV header: right, after a blank line, or wrong (then the file is refused as a whole)
      header: fc.constantFrom(`${CSV_HEADER}\n`, `\r\n${CSV_HEADER}\r\n`, `${CSV_HEADER.replace("source", "src")}\n`),
      lines: fc.array(fc.tuple(arbitraryLine(format), fc.constantFrom("\n", "\r\n")), { maxLength: 40 }),
      lastEnd: fc.boolean(),
    })
    .map(({ bom, header, lines, lastEnd }) => {
      const parts: Uint8Array[] = [];
      if (bom) parts.push(Buffer.from("\ufeff"));
      if (format === "csv") parts.push(Buffer.from(header));
      lines.forEach(([l, end], i) => {
        parts.push(l);
        if (i < lines.length - 1 || lastEnd) parts.push(Buffer.from(end));
      });
      return Buffer.concat(parts);
    });

describe("factChunksOfFile", () => {
  for (const format of ["ndjson", "csv"] as const) {
    it(`reads ${format} exactly as readFactLines, for chunks cut at any byte (on this thread)`, async () => {
      const seen = { facts: 0, errors: 0 };
      await fc.assert(
        fc.asyncProperty(arbitraryFile(format), fc.integer({ min: 1, max: 400 }), async (bytes, chunkBytes) => {
          const file = fileOf(bytes, format);
          const expected = await sequential(file, format);
          expect(await parallel(file, format, { workers: 0, chunkBytes })).toEqual(expected);
          for (const r of expected) seen[E.isRight(r.result) ? "facts" : "errors"]++;
        }),
        { numRuns: 150 },
      );
      // the files held both (the property is not met by empty or wholly refused files alone)
      expect(seen.facts).toBeGreaterThan(100);
      expect(seen.errors).toBeGreaterThan(100);
    });

    it(`reads ${format} exactly as readFactLines, in worker threads, with results in file order`, async () => {
      await fc.assert(
        fc.asyncProperty(
          arbitraryFile(format),
          fc.integer({ min: 1, max: 400 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 4 }),
          async (bytes, chunkBytes, workers, inFlight) => {
            const file = fileOf(bytes, format);
            expect(await parallel(file, format, { workers, chunkBytes, inFlight })).toEqual(
              await sequential(file, format),
            );
          },
        ),
        { numRuns: 12 },
      );
    });
  }
});

describe("factChunksOf", () => {
  it("takes a chunk from the file only while fewer than inFlight are being read, however slow the caller", async () => {
    const line = JSON.stringify(accountOpened("m1", "p1"));
    let taken = 0;
    async function* chunks(): AsyncGenerator<LineChunk> {
      for (let i = 0; i < 40; i++) {
        taken++;
        yield { bytes: Buffer.from(`${line}\n${line}\n`), atStart: i === 0, bytesRead: 0 };
      }
    }
    for (const workers of [0, 2]) {
      taken = 0;
      let held = 0;
      const inFlight = 3;
      for await (const c of factChunksOf(chunks(), "memory.ndjson", "ndjson", { workers, inFlight })) {
        held++;
        expect(c.kind === "facts" && c.chunk.count).toBe(2);
        // the chunk held here, and at most inFlight more read ahead of it
        expect(taken - held).toBeLessThanOrEqual(inFlight);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(held).toBe(40);
    }
  });
});

describe("importFile through worker threads", () => {
  const facts = Array.from({ length: 200 }, (_, i) => JSON.stringify(accountOpened(`w${i}`, `p${i}`)));

  it("rolls the import back when a worker fails, with an error naming the bytes it was reading", async () => {
    const log = await DuckDbEventLog.open(join(dir, "crash.duckdb"));
    try {
      const file = fileOf(Buffer.from(`${facts.join("\n")}\n`), "ndjson");
      // one chunk read at a time: the worker gets its fifth chunk (and fails) only after the importer took the
      // first ones, which hold more than a batch, so a batch is always appended before the failure
      const pipeline = {
        workers: 1,
        chunkBytes: 1_000,
        inFlight: 1,
        workerScript: new URL("./crashingImportWorker.fixture.ts", import.meta.url),
      };
      let appended = 0;
      const run = importFile(log, file, {
        batchSize: 5,
        pipeline,
        onProgress: (p) => {
          appended = p.accepted;
        },
      });
      await expect(run).rejects.toThrow(ImportWorkerError);
      await expect(run).rejects.toThrow(/reading bytes \d+–\d+ in a worker thread failed: .*a fault in the worker/);
      expect(appended).toBeGreaterThan(0); // batches were appended before the worker failed
      expect(await log.head()).toBe(0);
      // the session was released: the same file imports through sound workers
      const s = await importFile(log, file, { batchSize: 5, pipeline: { workers: 2, chunkBytes: 1_000 } });
      expect(s).toMatchObject({ committed: true, accepted: 200, finalPosition: 200 });
    } finally {
      await log.close();
    }
  });

  it("gives the summary and reject file of the sequential reading", async () => {
    // a line that is not JSON, a duplicate, a blank line, and an id reused for other content (refused by the log)
    const conflict = JSON.stringify(accountOpened("w3", "p3", { birthYear: 1999 }));
    const lines = [...facts.slice(0, 50), "{not json", facts[3] as string, "", conflict, ...facts.slice(50, 60)];
    const file = fileOf(Buffer.from(`${lines.join("\r\n")}\r\n`), "ndjson");
    const summaries = [];
    for (const pipeline of [{ workers: 0 }, { workers: 2, chunkBytes: 300 }]) {
      const log = await DuckDbEventLog.open(join(dir, `mixed-${n++}.duckdb`));
      try {
        const { seconds: _, ...s } = await importFile(log, file, { skipInvalid: true, batchSize: 7, pipeline });
        const rejected = readFileSync(file.replace(/\.ndjson$/, ".rejected.ndjson"), "utf8");
        summaries.push({ ...s, rejected: [s.rejected, rejected] });
      } finally {
        await log.close();
      }
    }
    expect(summaries[1]).toEqual(summaries[0]);
    expect(summaries[0]).toMatchObject({ committed: true, lines: 63, accepted: 60, duplicates: 1 });
    expect(summaries[0]?.rejected).toEqual([2, `{not json\n${conflict}\n`]);
  });
});
