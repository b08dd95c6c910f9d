/**
 * The append indexes saved beside the embedded log: a log reopened from its saved indexes decides every append
 * (new, duplicate, id conflict, retraction scope, stream revision) as a log that derived them from its events and
 * as one that never closed, and gives each new subject the key such a log gives it; a saved index that is not
 * this log's (its subject keys included), torn or stale is not trusted beyond what the log holds; a rolled-back
 * session leaves nothing in the one index, nor in the subject dictionary; damage found by the check after such an
 * open stops appends.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import type { Fact } from "../../facts/index.js";
import type { AppendOptions } from "../eventLog.js";
import { accountOpened, retraction } from "../testFacts.js";
import { DuckDbEventLog, LogStorageDamaged } from "./duckdbEventLog.js";
import { snapshotPath } from "./indexSnapshot.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-index-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `log-${++n}.duckdb`);

const save = { saveIndexFrom: 0 } as const;
const grants: AppendOptions = { retractionGrants: new Map([["cuc-thong-ke", "*"]]) };

/** One append: facts drawn from a small pool, so that duplicates, conflicts and retractions meet. */
const batchArb = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant("fact" as const),
      id: fc.integer({ min: 0, max: 12 }),
      person: fc.integer({ min: 0, max: 4 }),
      year: fc.integer({ min: 1950, max: 1952 }),
    }),
    fc.record({
      kind: fc.constant("retraction" as const),
      id: fc.integer({ min: 0, max: 6 }),
      person: fc.integer({ min: 0, max: 4 }),
      target: fc.integer({ min: 0, max: 12 }),
      source: fc.constantFrom("nhnn-kv15", "so-khdt", "cuc-thong-ke"),
    }),
  ),
  { minLength: 1, maxLength: 5 },
);

type Op = (typeof batchArb extends fc.Arbitrary<infer T> ? T : never)[number];

const toFact = (o: Op): Fact =>
  o.kind === "fact"
    ? accountOpened(`a${o.id}`, `p${o.person}`, { birthYear: o.year })
    : retraction(`r${o.id}`, `person:p${o.person}`, `a${o.target}`, o.source);

/** The subject dictionary as a closed log stores it: the `subjects` table and each event's `subject_key`. */
const dictionary = async (path: string) => {
  const db = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const c = await db.connect();
  try {
    const rows = async (sql: string) => (await c.runAndReadAll(sql)).getRows();
    return {
      subjects: await rows("SELECT subject_key, subject FROM subjects ORDER BY subject_key"),
      events: await rows("SELECT CAST(position AS DOUBLE), subject_key FROM events ORDER BY position"),
    };
  } finally {
    c.closeSync();
    db.closeSync();
  }
};

/** What an append decided, without the time it was recorded at. */
const outcome = async (log: DuckDbEventLog, facts: readonly Fact[]) => {
  const r = await log.append(facts, grants);
  return E.isLeft(r) ? { refused: r.left } : { outcomes: r.right.outcomes, head: r.right.head };
};

/** The events as stored, without the time they were recorded at and the hashes that cover it. */
const stored = async (log: DuckDbEventLog) => {
  const out: unknown[] = [];
  for await (const e of log.readAll(0 as never)) out.push([e.position, e.streamRevision, e.fact]);
  return out;
};

describe("a log reopened from its saved indexes", () => {
  it("decides every append, and gives every subject key, as a log that derived its indexes and as one that never closed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(batchArb, { minLength: 1, maxLength: 6 }),
        fc.array(batchArb, { maxLength: 6 }),
        async (before, after) => {
          const [a, b, c] = [fresh(), fresh(), fresh()];
          const open = [a, b, c].map((p) => DuckDbEventLog.open(p, save));
          const logs = await Promise.all(open);
          for (const batch of before) for (const log of logs) await outcome(log, batch.map(toFact));
          const [la, lb, lc] = logs as [DuckDbEventLog, DuckDbEventLog, DuckDbEventLog];
          await la.close();
          await lb.close();
          rmSync(snapshotPath(b), { force: true }); // b derives its indexes from its events
          const ra = await DuckDbEventLog.open(a, save);
          const rb = await DuckDbEventLog.open(b, save);
          expect(ra.indexLoad.snapshot).toBe(true);
          expect(rb.indexLoad).toMatchObject({ snapshot: false, why: "no saved index" });
          try {
            for (const batch of [...before, ...after]) {
              const facts = batch.map(toFact);
              const [x, y, z] = [await outcome(ra, facts), await outcome(rb, facts), await outcome(lc, facts)];
              expect(x).toEqual(z);
              expect(y).toEqual(z);
            }
            expect(await stored(ra)).toEqual(await stored(lc));
          } finally {
            await Promise.all([ra.close(), rb.close(), lc.close()]);
          }
          const keys = await dictionary(c);
          expect(await dictionary(a)).toEqual(keys);
          expect(await dictionary(b)).toEqual(keys);
        },
      ),
      { numRuns: 20 },
    );
  }, 180_000); // 60 logs written, closed and reopened: near a minute on two busy cores

  it("leaves the saved index as it is at a close after fewer new events than saveIndexFrom, and saves it after as many", async () => {
    const path = fresh();
    const log = await DuckDbEventLog.open(path, save);
    await log.append([accountOpened("a1", "p1"), accountOpened("a2", "p2")]);
    await log.close();
    const saved = statSync(snapshotPath(path));

    const small = await DuckDbEventLog.open(path, { saveIndexFrom: 2 });
    await small.append([accountOpened("a3", "p3")]);
    await small.close();
    const kept = statSync(snapshotPath(path));
    expect({ ino: kept.ino, mtimeMs: kept.mtimeMs, size: kept.size }).toEqual({
      ino: saved.ino,
      mtimeMs: saved.mtimeMs,
      size: saved.size,
    });

    const reopened = await DuckDbEventLog.open(path, { saveIndexFrom: 2 });
    expect(reopened.indexLoad).toEqual({ snapshot: true, tail: 1 });
    const dup = await reopened.append([accountOpened("a3", "p3"), accountOpened("a4", "p4")]);
    expect(E.isRight(dup) && dup.right.outcomes.map((o) => o.duplicate)).toEqual([true, false]);
    await reopened.close(); // two events past the saved index now: saved again

    const again = await DuckDbEventLog.open(path, { saveIndexFrom: 2 });
    try {
      expect(again.indexLoad).toEqual({ snapshot: true, tail: 0 });
      expect(statSync(snapshotPath(path)).ino).not.toBe(saved.ino);
    } finally {
      await again.close();
    }
  });

  it("reads only the events after a saved index that is older than the log", async () => {
    const path = fresh();
    const log = await DuckDbEventLog.open(path, save);
    await log.append([accountOpened("a1", "p1"), accountOpened("a2", "p2")]);
    await log.close();
    const unsaved = await DuckDbEventLog.open(path, { saveIndexFrom: Number.POSITIVE_INFINITY });
    expect(unsaved.indexLoad).toEqual({ snapshot: true, tail: 0 });
    await unsaved.append([accountOpened("a3", "p1"), retraction("r1", "person:p2", "a2"), accountOpened("a5", "p5")]);
    await unsaved.close();

    const again = await DuckDbEventLog.open(path, save);
    try {
      expect(again.indexLoad).toEqual({ snapshot: true, tail: 3 });
      const r = await again.append([accountOpened("a3", "p1"), retraction("r2", "person:p2", "a2")]);
      expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "RetractionRefused", reason: "already retracted" });
      const dup = await again.append([accountOpened("a3", "p1"), accountOpened("a4", "p1")]);
      expect(E.isRight(dup) && dup.right.outcomes.map((o) => o.duplicate)).toEqual([true, false]);
      const streams = [];
      for await (const e of again.readStream("person:p1" as never)) streams.push(e.streamRevision);
      expect(streams).toEqual([0, 1, 2]);
      await again.append([accountOpened("a6", "p6"), accountOpened("a7", "p5")]);
    } finally {
      await again.close();
    }
    // p5's key came from the dictionary's rows after the saved ones; p6 gets the next
    expect((await dictionary(path)).subjects).toEqual([
      [1, "person:p1"],
      [2, "person:p2"],
      [3, "person:p5"],
      [4, "person:p6"],
    ]);
  });

  it("does not trust a saved index whose subject keys are not the log's", async () => {
    const path = fresh();
    const log = await DuckDbEventLog.open(path, save);
    await log.append(Array.from({ length: 40 }, (_, i) => accountOpened(`a${i}`, `p${i}`)));
    await log.close();
    // the dictionary renumbered, consistently (the log still verifies), after its index was saved
    const db = await DuckDBInstance.create(path);
    const c = await db.connect();
    await c.run(`UPDATE events SET subject_key = 41 - subject_key; UPDATE subjects SET subject_key = 41 - subject_key`);
    c.closeSync();
    db.closeSync();

    const again = await DuckDbEventLog.open(path, save);
    try {
      expect(again.indexLoad).toMatchObject({ snapshot: false, why: expect.stringMatching(/subject key/) });
      await again.append([accountOpened("b1", "p0"), accountOpened("b2", "p40")]);
      expect((await again.verifyChain()).ok).toBe(true);
    } finally {
      await again.close();
    }
    const { subjects, events } = await dictionary(path);
    expect(subjects.slice(0, 1)).toEqual([[1, "person:p39"]]);
    expect(subjects.slice(-2)).toEqual([
      [40, "person:p0"],
      [41, "person:p40"],
    ]);
    expect(events.slice(-2)).toEqual([
      [41, 40],
      [42, 41],
    ]);
  });

  it("does not trust a saved index that is torn, another log's, or past the log's head", async () => {
    const [a, b] = [fresh(), fresh()];
    for (const [p, person] of [
      [a, "p"],
      [b, "q"],
    ] as const) {
      const log = await DuckDbEventLog.open(p, save);
      await log.append(Array.from({ length: 50 }, (_, i) => accountOpened(`a${i}`, `${person}${i}`)));
      await log.close();
    }
    // another log's index, of the same length
    copyFileSync(snapshotPath(b), snapshotPath(a));
    const foreign = await DuckDbEventLog.open(a, save);
    expect(foreign.indexLoad).toMatchObject({
      snapshot: false,
      why: expect.stringMatching(/head hash differs|disagrees/),
    });
    const dup = await foreign.append([accountOpened("a7", "p7")]);
    expect(E.isRight(dup) && dup.right.outcomes[0]?.duplicate).toBe(true);
    await foreign.append([accountOpened("a50", "p50")]);
    await foreign.close(); // saves a's own index again

    const size = statSync(snapshotPath(a)).size;
    truncateSync(snapshotPath(a), size - 100);
    const torn = await DuckDbEventLog.open(a, save);
    expect(torn.indexLoad).toMatchObject({
      snapshot: false,
      why: expect.stringMatching(/torn|bytes, its header says/),
    });
    await torn.close();

    // a header that is JSON but not a snapshot's (a section this version does not know)
    const json = Buffer.from(
      JSON.stringify({
        head: 1,
        headHash: "",
        count: 0,
        sources: [],
        streams: 0,
        sections: [{ name: "extra", bytes: 0 }],
      }),
    );
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length);
    /** Opens the log over a saved index of that magic line and this header: it is not trusted, for `why`. */
    const refused = async (magic: string, why: string) => {
      writeFileSync(snapshotPath(a), Buffer.concat([Buffer.from(magic, "latin1"), length, json]));
      const log = await DuckDbEventLog.open(a, save);
      expect(log.indexLoad).toMatchObject({ snapshot: false, why });
      await log.close();
    };
    await refused("KPI-LOG-INDEX 4\n", "the saved index's header is not a snapshot header");
    // a snapshot an earlier version wrote (version 3 kept subjects' fingerprints in the fact index): derived again
    await refused("KPI-LOG-INDEX 3\n", "the saved index is not a snapshot of this version");

    // a log restored from an older copy: the saved index is past its head
    const older = fresh();
    copyFileSync(b, older);
    const grown = await DuckDbEventLog.open(b, save);
    await grown.append([accountOpened("b1", "q100")]);
    await grown.close();
    copyFileSync(snapshotPath(b), snapshotPath(older));
    const restored = await DuckDbEventLog.open(older, save);
    try {
      expect(restored.indexLoad).toMatchObject({ snapshot: false, why: expect.stringMatching(/past the log's head/) });
      const fresh1 = await restored.append([accountOpened("b1", "q100")]);
      expect(E.isRight(fresh1) && fresh1.right.outcomes[0]?.duplicate).toBe(false);
    } finally {
      await restored.close();
    }
  });
});

describe("one index for the log and its open session", () => {
  it.each([
    ["a small session, taken out one by one", {}],
    ["a large session, the indexes read again", { undoLimit: 2 }],
    // rows staged as files set their streams' revisions as they are written: taken back the same ways
    ["a small staged session", { stageFromRows: 1 }],
    ["a large staged session", { undoLimit: 2, stageFromRows: 1 }],
  ])("forgets the facts, retraction marks, stream revisions and subject keys of %s", async (_, o) => {
    const log = await DuckDbEventLog.open(fresh(), { ...save, ...o });
    try {
      await log.append([accountOpened("a1", "p1"), accountOpened("a0", "p0")]);
      await log.close();
      const again = await DuckDbEventLog.open(log.path, { ...save, ...o });
      const s = await again.beginBulk();
      const batch = [
        accountOpened("a2", "p2"),
        accountOpened("a3", "p1", { birthYear: 1971 }),
        accountOpened("a4", "p4"),
        retraction("r1", "person:p1", "a1"),
      ];
      expect(E.isRight(await s.append(batch))).toBe(true);
      await s.rollback();
      const r = await again.append([
        accountOpened("a2", "p2", { birthYear: 1970 }),
        retraction("r1", "person:p1", "a1"),
        accountOpened("a5", "p1"),
      ]);
      expect(E.isRight(r) && r.right.outcomes.map((o) => [o.position, o.duplicate])).toEqual([
        [3, false],
        [4, false],
        [5, false],
      ]);
      const revisions: number[] = [];
      for await (const e of again.readStream("person:p1" as never)) revisions.push(e.streamRevision);
      expect(revisions).toEqual([0, 1, 2]);
      const dup = await again.append([accountOpened("a0", "p0"), accountOpened("a4", "p4")]);
      expect(E.isRight(dup) && dup.right.outcomes.map((x) => x.duplicate)).toEqual([true, false]);
      await again.close();
      // the rolled-back session's new subjects (p2, p4) gave their keys back: the next subjects take them in turn
      expect((await dictionary(log.path)).subjects).toEqual([
        [1, "person:p1"],
        [2, "person:p0"],
        [3, "person:p2"],
        [4, "person:p4"],
      ]);
    } finally {
      await log.close();
    }
  });
});

/** DuckDB's file layout: three 4 KiB headers, then 256 KiB blocks, each starting with its 8-byte checksum. */
const blockOf = async (path: string, column: string): Promise<number> => {
  const db = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const c = await db.connect();
  try {
    const rows = (
      await c.runAndReadAll(
        `SELECT column_name, CAST(block_id AS DOUBLE) AS block FROM pragma_storage_info('events') WHERE block_id >= 0`,
      )
    ).getRowObjectsJS() as { column_name: string; block: number }[];
    const cols = new Map<number, Set<string>>();
    for (const r of rows) cols.set(r.block, (cols.get(r.block) ?? new Set()).add(r.column_name));
    // the first such block: the one of the earliest events, which an open from saved indexes does not read
    const only = [...cols].sort(([x], [y]) => x - y).find(([, cs]) => cs.size === 1 && cs.has(column));
    if (only === undefined) throw new Error(`no block holds only ${column}`);
    return only[0];
  } finally {
    c.closeSync();
    db.closeSync();
  }
};

describe("a damaged log opened from its saved indexes", () => {
  it("refuses appends once the check of its stored blocks finds the damage", async () => {
    const path = fresh();
    const log = await DuckDbEventLog.open(path, save);
    await log.append(Array.from({ length: 20_000 }, (_, i) => accountOpened(`a${i}`, `p${i}`)));
    await log.close();
    expect(existsSync(snapshotPath(path))).toBe(true);
    const block = await blockOf(path, "hash");
    const fd = openSync(path, "r+");
    const at = 3 * 4096 + block * 262_144 + 1000;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = (b[0] ?? 0) ^ 0xff;
    writeSync(fd, b, 0, 1, at);
    closeSync(fd);

    // the open reads the saved indexes and the events' last blocks only; the check that follows reads them all
    // (a close before it starts does not wait for its start, and it does not start then)
    const early = await DuckDbEventLog.open(path, { ...save, storageCheckAfterMs: 3_600_000 });
    await early.close();
    await expect(early.storageChecked()).resolves.toBeUndefined();
    const opened = await DuckDbEventLog.open(path, { ...save, storageCheckAfterMs: 200 });
    try {
      expect(opened.indexLoad.snapshot).toBe(true);
      await expect(opened.storageChecked()).rejects.toBeInstanceOf(LogStorageDamaged);
      await expect(opened.append([accountOpened("x", "x")])).rejects.toBeInstanceOf(LogStorageDamaged);
    } finally {
      await opened.close();
    }
    // without saved indexes the open itself checks every block first
    rmSync(snapshotPath(path));
    await expect(DuckDbEventLog.open(path, save)).rejects.toBeInstanceOf(LogStorageDamaged);
  });
});

describe("saved indexes loaded in the background (a server's start)", () => {
  it("the open returns at once; appends wait for the indexes and are decided by them", async () => {
    const path = fresh();
    const log = await DuckDbEventLog.open(path, save);
    await log.append(Array.from({ length: 5_000 }, (_, i) => accountOpened(`b${i}`, `p${i}`)));
    await log.close();
    expect(existsSync(snapshotPath(path))).toBe(true);
    const opened = await DuckDbEventLog.open(path, { ...save, indexesInBackground: true });
    try {
      expect(await opened.head()).toBe(5_000); // known before the indexes are
      // a re-sent fact is a duplicate, the same id with other content a conflict: both need the indexes
      const again = await opened.append([accountOpened("b17", "p17")]);
      expect(E.isRight(again) && again.right.duplicates).toBe(1);
      const conflict = await opened.append([accountOpened("b18", "p18", { birthYear: 1991 })]);
      expect(E.isLeft(conflict) && conflict.left._tag).toBe("IdConflict");
      expect(opened.indexLoad.snapshot).toBe(true);
      const fresh1 = await opened.append([accountOpened("b-new", "p-new")]);
      expect(E.isRight(fresh1) && fresh1.right.appended).toBe(1);
    } finally {
      await opened.close();
    }
  });

  it("falls back to deriving the indexes when the saved ones are torn, and still decides every append", async () => {
    const path = fresh();
    const log = await DuckDbEventLog.open(path, save);
    await log.append(Array.from({ length: 3_000 }, (_, i) => accountOpened(`t${i}`, `p${i}`)));
    await log.close();
    truncateSync(snapshotPath(path), statSync(snapshotPath(path)).size - 100);
    const opened = await DuckDbEventLog.open(path, { ...save, indexesInBackground: true });
    try {
      const again = await opened.append([accountOpened("t5", "p5")]);
      expect(E.isRight(again) && again.right.duplicates).toBe(1);
      expect(opened.indexLoad).toMatchObject({ snapshot: false });
    } finally {
      await opened.close();
    }
  });
});
