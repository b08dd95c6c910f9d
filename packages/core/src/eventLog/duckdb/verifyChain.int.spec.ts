/**
 * `verifyChain` checks every link at once in SQL; `verifyChainSequentially` walks the chain in TypeScript. On
 * random logs, tampered in random ways, both must give the same report, and a tampered log never verifies.
 * Every stored column is covered: the chain hash, `recorded_at` to the microsecond (the hash covers whole
 * milliseconds), the derived `content_fp`, the typed columns and `subject_key` (derived from `data` and
 * `subject`), the envelope's optional `reported_on` (in the hash), and `log_meta`. A format-1 log (no typed
 * columns) still verifies.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type Fact, type Position, position } from "../../facts/index.js";
import type { ChainReport } from "../eventLog.js";
import { accountOpened, fact } from "../testFacts.js";
import { DuckDbEventLog, type DuckDbEventLogOptions, LOG_FORMAT, LogFormatOutdated } from "./duckdbEventLog.js";
import { toFormat1 } from "./logFormat1.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-chain-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Fact ids may hold `"` and `\`, which JSON escapes: those events take the TypeScript path. */
const idArb = fc.stringMatching(/^[a-z"\\]{1,6}$/);

type Tamper = (count: number, k: number) => string | undefined;

const tampers: Record<string, Tamper> = {
  none: () => undefined,
  data: (_, k) => `UPDATE events SET data = json_merge_patch(data, '{"institution":"forged"}') WHERE position = ${k}`,
  idNonAscii: (_, k) => `UPDATE events SET id = id || 'é' WHERE position = ${k}`,
  idQuote: (_, k) => `UPDATE events SET id = id || '"' WHERE position = ${k}`,
  recordedAt: (_, k) => `UPDATE events SET recorded_at = recorded_at + INTERVAL 1 MILLISECOND WHERE position = ${k}`,
  // the hash covers whole milliseconds: digits below them are what the stored value must not have
  recordedAtSubMs: (_, k) =>
    `UPDATE events SET recorded_at = recorded_at + INTERVAL 1 MICROSECOND WHERE position = ${k}`,
  contentFp: (_, k) => `UPDATE events SET content_fp = xor(content_fp, 1) WHERE position = ${k}`,
  typedColumn: (_, k) => `UPDATE events SET birth_year = birth_year + 1 WHERE position = ${k}`,
  typedNulled: (_, k) => `UPDATE events SET institution = NULL WHERE position = ${k}`,
  // a column set that data does not have: data is then not the JSON of the typed columns, and is parsed
  typedAdded: (_, k) => `UPDATE events SET stars = 4 WHERE position = ${k}`,
  subjectKey: (_, k) => `UPDATE events SET subject_key = subject_key + 100 WHERE position = ${k}`,
  // a day moved, or given to a fact that had none: the hash covers reportedOn
  reportedOn: (_, k) =>
    `UPDATE events SET reported_on = coalesce(reported_on + 1, DATE '2024-05-01') WHERE position = ${k}`,
  reportedOnCleared: (_, k) =>
    `UPDATE events SET reported_on = CASE WHEN reported_on IS NULL THEN DATE '2024-05-01' END WHERE position = ${k}`,
  // a second key for event k's subject, as a version whose index lost keys as it grew wrote
  secondKey: (_, k) =>
    `INSERT INTO subjects SELECT (SELECT max(subject_key) + 1 FROM subjects), subject FROM events WHERE position = ${k};
     UPDATE events SET subject_key = (SELECT max(subject_key) FROM subjects) WHERE position = ${k}`,
  // names the first event of that subject, which may come before k
  subjectRenamed: (_, k) =>
    `UPDATE subjects SET subject = subject || 'x' WHERE subject_key = (SELECT subject_key FROM events WHERE position = ${k})`,
  hash: (_, k) => `UPDATE events SET hash = sha256('x')::BLOB WHERE position = ${k}`,
  // Cutting the last events off is not a broken chain (a publication's position and head catch it).
  deleted: (count, k) => (k < count ? `DELETE FROM events WHERE position = ${k}` : undefined),
  swapped: (count, k) =>
    k < count
      ? `UPDATE events SET position = CASE position WHEN ${k} THEN ${k + 1} ELSE ${k} END WHERE position IN (${k}, ${k + 1})`
      : undefined,
  repeated: (_, k) => `INSERT INTO events SELECT * FROM events WHERE position = ${k}`,
  truncatedHead: (count) => (count > 1 ? `DELETE FROM events WHERE position = 1` : undefined),
};

/** A new log of `facts`, appended one at a time. */
const logOf = async (facts: readonly Fact[]): Promise<string> => {
  const path = join(dir, `log-${n++}.duckdb`);
  const log = await DuckDbEventLog.open(path);
  try {
    for (const f of facts) {
      const r = await log.append([f]);
      if (r._tag !== "Right") throw new Error(JSON.stringify(r));
    }
  } finally {
    await log.close();
  }
  return path;
};

/** A log of `ids`; with `reported`, every other fact says when it was reported (`reportedOn`). */
const build = (ids: readonly string[], reported = false): Promise<string> =>
  logOf(
    ids.map((id, i) => {
      const f = accountOpened(`${id}-${i}`, `p${i % 3}`);
      return reported && i % 2 === 0
        ? { ...f, reportedOn: `2024-04-${String(1 + (i % 28)).padStart(2, "0")}` as Fact["occurredOn"] }
        : f;
    }),
  );

const runSql = async (path: string, sql: string) => {
  const db = await DuckDBInstance.create(path);
  const c = await db.connect();
  await c.run(sql);
  c.closeSync();
  db.closeSync();
};

/**
 * `check` of a copy of the log at `path` with `sql` run on it (none: as it is), opened read-only with `options`;
 * the copy is closed after.
 */
const onCopy = async <T>(
  path: string,
  sql: string | undefined,
  options: DuckDbEventLogOptions,
  check: (log: DuckDbEventLog) => Promise<T>,
): Promise<T> => {
  const copy = join(dir, `log-${n++}.duckdb`);
  copyFileSync(path, copy);
  if (sql !== undefined) await runSql(copy, sql);
  const log = await DuckDbEventLog.open(copy, { ...options, readOnly: true });
  try {
    return await check(log);
  } finally {
    await log.close();
  }
};

/** verifyChain's report, checked against the sequential walk. */
const bothChecks = async (log: DuckDbEventLog): Promise<ChainReport> => {
  const fast = await log.verifyChain();
  expect(fast).toEqual(await log.verifyChainSequentially());
  return fast;
};

describe("verifyChain in SQL", () => {
  it("gives the sequential check's report on random logs, tampered or not", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(idArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(...Object.keys(tampers)),
        fc.nat(),
        fc.boolean(),
        fc.integer({ min: 1, max: 6 }),
        async (ids, kind, at, reported, range) => {
          const path = await build(ids, reported);
          const k = 1 + (at % ids.length);
          const sql = (tampers[kind] as Tamper)(ids.length, k);
          if (sql !== undefined) await runSql(path, sql);
          // the fingerprints are read a few events at a time, in blocks of two: ranges and blocks are crossed
          const log = await DuckDbEventLog.open(path, { readOnly: true, chainCheckRange: range });
          try {
            const fast = await log.verifyChain();
            expect(fast).toEqual(await log.verifyChainSequentially());
            expect(fast.ok).toBe(sql === undefined);
            if (sql === undefined) expect(fast).toEqual({ ok: true, head: ids.length, checked: ids.length });
          } finally {
            await log.close();
            rmSync(path, { force: true });
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 240_000); // 60 logs built, tampered and checked twice: about a minute on a machine shared with other jobs
});

describe("verifyChain after a position (an auditor's checkpoint)", () => {
  /** Tampers that change an event's content but leave its stored hash, and so the links after it, intact. */
  const contentOnly = ["data", "idNonAscii", "idQuote", "recordedAt", "recordedAtSubMs", "contentFp"];

  it("checks only the events after it: a tamper after it is found as the full check finds it, one at or before it is not re-checked", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(idArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(...Object.keys(tampers)),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 6 }),
        async (ids, kind, at, from, range) => {
          const path = await build(ids);
          const k = 1 + (at % ids.length);
          const after = from % (ids.length + 1);
          const sql = (tampers[kind] as Tamper)(ids.length, k);
          if (sql !== undefined) await runSql(path, sql);
          const log = await DuckDbEventLog.open(path, { readOnly: true, chainCheckRange: range });
          try {
            const full = await log.verifyChain();
            const part = await log.verifyChain({ after: position(after) });
            if (sql === undefined) {
              expect(part).toEqual({ ok: true, head: ids.length, checked: ids.length - after });
            } else if (kind === "subjectRenamed" && k > after) {
              // a renamed dictionary row is named at the first event of its subject that is checked: the first
              // after the checkpoint (the subjects are p0, p1, p2 in turn)
              let first = k;
              while (first - 3 > after) first -= 3;
              expect(part).toEqual({
                ...full,
                checked: first - 1 - after,
                firstBad: { position: first, reason: full.firstBad?.reason },
              });
            } else if (k > after && (kind !== "truncatedHead" || after === 0)) {
              expect(part).toEqual({ ...full, checked: full.checked - after });
            } else if (contentOnly.includes(kind)) {
              expect(part).toEqual({ ok: true, head: ids.length, checked: ids.length - after });
            } else if (kind === "hash" && k === after && after < ids.length) {
              expect(part).toMatchObject({ ok: false, firstBad: { position: after + 1 } });
            }
          } finally {
            await log.close();
            rmSync(path, { force: true });
          }
        },
      ),
      { numRuns: 80 },
    );
  }, 240_000); // 80 logs built and checked: about 15 s alone, past a minute on a machine shared with other jobs

  it("refuses an after that is not a position", async () => {
    const path = await build(["a"]);
    const log = await DuckDbEventLog.open(path, { readOnly: true });
    try {
      expect(() => log.verifyChain({ after: -1 as Position })).toThrow(/after must be a position/);
    } finally {
      await log.close();
    }
  });
});

describe("verifyChain on columns outside the hash", () => {
  /** verifyChain's report on a log of `ids` after `sql` (none: untouched), checked against the sequential walk. */
  const tampered = async (sql: string | undefined, ids = ["a", "b", "c"]) =>
    onCopy(await build(ids), sql, {}, bothChecks);

  it("names an event whose recorded_at was moved by less than a millisecond", async () => {
    const r = await tampered(
      "UPDATE events SET recorded_at = recorded_at + INTERVAL 999 MICROSECOND WHERE position = 2",
    );
    expect(r).toMatchObject({
      ok: false,
      checked: 1,
      firstBad: { position: 2, reason: expect.stringMatching(/^recorded_at holds sub-millisecond digits/) },
    });
  });

  it("names an event whose content_fp is not its content's fingerprint", async () => {
    const r = await tampered("UPDATE events SET content_fp = 42 WHERE position = 3");
    expect(r).toMatchObject({
      ok: false,
      checked: 2,
      firstBad: { position: 3, reason: expect.stringMatching(/^content_fp is not the fingerprint/) },
    });
  });

  it("re-derives content_fp where SQL joins the canonical form (a plain envelope) and where TypeScript does (an id JSON escapes)", async () => {
    const ids = ["a", 'q"\\', "c"];
    expect(await tampered(undefined, ids)).toEqual({ ok: true, head: 3, checked: 3 });
    for (const k of [2, 3]) {
      expect(
        await tampered(`UPDATE events SET content_fp = xor(content_fp, 1) WHERE position = ${k}`, ids),
      ).toMatchObject({
        ok: false,
        checked: k - 1,
        firstBad: { position: k, reason: expect.stringMatching(/^content_fp is not the fingerprint/) },
      });
    }
  });

  it("names the lowest of several wrong fingerprints, however the events fall in the ranges and blocks it reads", async () => {
    // accounts, then retractions whose reason has characters of two, three and four bytes in UTF-8 (the last two
    // UTF-16 units); one id JSON escapes, so that event's fingerprint is derived in TypeScript
    const id = (i: number) => (i === 7 ? 'a"7' : `a${i}`);
    const path = await logOf([
      ...Array.from({ length: 12 }, (_, i) => accountOpened(id(i), `p${i}`)),
      ...Array.from({ length: 8 }, (_, i) =>
        fact({
          id: `r${i}`,
          type: "FactRetracted",
          subject: `person:p${i}`,
          occurredOn: "2024-06-01",
          source: "nhnn-kv15",
          data: { eventId: id(i), reason: `báo cáo nhầm, Đồng Tháp ${"😀".repeat(i)}` },
        }),
      ),
    ]);
    for (const range of [1, 3, 4, 7, 100]) {
      expect(await onCopy(path, undefined, { chainCheckRange: range }, (l) => l.verifyChain())).toEqual({
        ok: true,
        head: 20,
        checked: 20,
      });
    }
    // 8 is the event TypeScript joins: below, and above, one SQL hands over
    for (const wrong of [[17, 5, 11], [19, 13, 12], [8], [20, 3], [16, 15], [8, 5], [9, 8]]) {
      const sql = `UPDATE events SET content_fp = xor(content_fp, 1) WHERE position IN (${wrong.join(", ")})`;
      for (const range of [1, 3, 4, 100]) {
        await onCopy(path, sql, { chainCheckRange: range }, async (tamperedLog) => {
          const lowest = Math.min(...wrong);
          expect(await tamperedLog.verifyChain()).toMatchObject({
            ok: false,
            checked: lowest - 1,
            firstBad: { position: lowest, reason: expect.stringMatching(/^content_fp is not the fingerprint/) },
          });
          // from a checkpoint past the lowest, the next one is named
          const next = Math.min(...wrong.filter((p) => p > lowest), Number.POSITIVE_INFINITY);
          const part = await tamperedLog.verifyChain({ after: position(lowest) });
          expect(part).toMatchObject(
            next === Number.POSITIVE_INFINITY
              ? { ok: true, checked: 20 - lowest }
              : { ok: false, firstBad: { position: next } },
          );
        });
      }
    }
  }, 60_000);

  it("checks in TypeScript the typed columns of an event whose data DuckDB's JSON reader refuses, and verifies the log", async () => {
    // a lone surrogate (in a field no typed column holds), which logs written before the decoder refused them may
    // hold: JavaScript reads that data, DuckDB's JSON reader does not
    const path = await logOf(
      Array.from({ length: 6 }, (_, i) => {
        const f = accountOpened(`u${i}`, `p${i % 2}`);
        return (i === 2 || i === 4 ? { ...f, data: { ...f.data, note: "Ấp \ud800" } } : f) as Fact;
      }),
    );
    const check = (sql: string | undefined) => onCopy(path, sql, {}, bothChecks);
    expect(await check(undefined)).toEqual({ ok: true, head: 6, checked: 6 });
    const typed = expect.stringMatching(/^typed column institution does not hold/);
    // on the unreadable event itself, before and after another found in SQL
    expect(await check("UPDATE events SET institution = 'x' WHERE position = 3")).toMatchObject({
      firstBad: { position: 3, reason: typed },
    });
    expect(
      await check(
        "UPDATE events SET institution = 'x' WHERE position IN (2, 5); UPDATE events SET institution = NULL WHERE position = 5",
      ),
    ).toMatchObject({ firstBad: { position: 2, reason: typed } });
    expect(await check("UPDATE events SET birth_year = 1 WHERE position IN (4, 5)")).toMatchObject({
      firstBad: { position: 4, reason: expect.stringMatching(/^typed column birth_year/) },
    });
    expect(await check("UPDATE events SET birth_year = 1 WHERE position = 6")).toMatchObject({
      firstBad: { position: 6 },
    });
  });

  it("names the lowest of a wrong fingerprint and a broken link, in whichever ranges they fall", async () => {
    const path = await build(Array.from({ length: 16 }, (_, i) => `e${i}`));
    const cases: [string, number, RegExp][] = [
      [
        "UPDATE events SET hash = sha256('x')::BLOB WHERE position = 13; UPDATE events SET content_fp = 7 WHERE position = 6",
        6,
        /^content_fp/,
      ],
      [
        "UPDATE events SET hash = sha256('x')::BLOB WHERE position = 6; UPDATE events SET content_fp = 7 WHERE position = 13",
        6,
        /^stored hash/,
      ],
      [
        'UPDATE events SET data = json_merge_patch(data, \'{"institution":"forged"}\') WHERE position = 11; UPDATE events SET content_fp = 7 WHERE position = 2',
        2,
        /^content_fp/,
      ],
    ];
    for (const [sql, position, reason] of cases) {
      for (const range of [1, 4, 5, 100]) {
        expect(await onCopy(path, sql, { chainCheckRange: range }, bothChecks)).toMatchObject({
          ok: false,
          checked: position - 1,
          firstBad: { position, reason: expect.stringMatching(reason) },
        });
      }
    }
    const odd = await DuckDbEventLog.open(path, { readOnly: true, chainCheckRange: Number.NaN });
    try {
      await expect(odd.verifyChain()).rejects.toThrow(/chainCheckRange must be a whole number/);
    } finally {
      await odd.close();
    }
  }, 60_000);

  it("names an event whose typed column does not hold what its data says, and the column", async () => {
    const r = await tampered("UPDATE events SET birth_year = 1991 WHERE position = 2");
    expect(r).toMatchObject({
      ok: false,
      checked: 1,
      firstBad: { position: 2, reason: expect.stringMatching(/^typed column birth_year does not hold what/) },
    });
    expect(await tampered("UPDATE events SET commune = NULL WHERE position = 3")).toMatchObject({
      firstBad: { position: 3, reason: expect.stringMatching(/^typed column commune /) },
    });
  });

  it("names an event whose subject_key does not name its subject", async () => {
    expect(await tampered("UPDATE events SET subject_key = 99 WHERE position = 2")).toMatchObject({
      ok: false,
      checked: 1,
      firstBad: { position: 2, reason: expect.stringMatching(/^subject_key does not name the event's subject/) },
    });
    // a key listed twice names two subjects: the first event using it is named
    const twice = "INSERT INTO subjects SELECT subject_key, subject || '2' FROM subjects WHERE subject = 'person:p1'";
    expect(await tampered(twice)).toMatchObject({ firstBad: { position: 2 } });
  });

  it("names an event whose subject_key is a second key of its subject", async () => {
    // p1's facts are at 2 and 5: the later one given a second key, as the index that lost keys wrote it
    const second = `INSERT INTO subjects SELECT max(subject_key) + 1, 'person:p1' FROM subjects;
      UPDATE events SET subject_key = (SELECT max(subject_key) FROM subjects) WHERE position = 5`;
    const r = await tampered(second, ["a", "b", "c", "d", "e"]);
    expect(r).toMatchObject({
      ok: false,
      checked: 4,
      firstBad: { position: 5, reason: expect.stringMatching(/^subject_key is a second key .* kpi migrate re-keys/) },
    });
  });

  it("names the key when log_meta does not agree with the log", async () => {
    expect(await tampered("UPDATE log_meta SET value = 'kpi-event-log/0' WHERE key = 'format'")).toEqual({
      ok: false,
      head: 3,
      checked: 3,
      logMeta: { key: "format", reason: `is kpi-event-log/0, not ${LOG_FORMAT}` },
    });
    expect((await tampered("INSERT INTO log_meta VALUES ('note', 'x')")).logMeta).toEqual({
      key: "note",
      reason: "is not a key the event log writes",
    });
    const exported = (head: number, hash: string, at: string) =>
      `INSERT INTO log_meta VALUES ('exported_head', '${head}'), ('exported_head_hash', ${hash}), ('exported_at', '${at}')`;
    const hashOf = (p: number) => `(SELECT lower(hex(hash)) FROM events WHERE position = ${p})`;
    expect(await tampered(exported(3, hashOf(3), "2099-01-01T00:00:00.000Z"))).toEqual({
      ok: true,
      head: 3,
      checked: 3,
    });
    expect((await tampered(exported(3, hashOf(2), "2099-01-01T00:00:00.000Z"))).logMeta).toMatchObject({
      key: "exported_head_hash",
    });
    expect((await tampered(exported(7, "''", "2099-01-01T00:00:00.000Z"))).logMeta).toEqual({
      key: "exported_head",
      reason: "names position 7, which the log does not hold",
    });
    expect((await tampered(exported(3, hashOf(3), "2000-01-01T00:00:00.000Z"))).logMeta).toMatchObject({
      key: "exported_at",
      reason: expect.stringMatching(/before event 3 was recorded/),
    });
  });
});

describe("a format-1 log (before typed columns)", () => {
  it("opens read-only and verifies, both ways; its format is checked against its shape", async () => {
    const path = await build(["a", "b", "c"]);
    await toFormat1(path);
    const log = await DuckDbEventLog.open(path, { readOnly: true });
    try {
      expect(log.typed).toBe(false);
      expect(await log.verifyChain()).toEqual({ ok: true, head: 3, checked: 3 });
      expect(await log.verifyChainSequentially()).toEqual({ ok: true, head: 3, checked: 3 });
    } finally {
      await log.close();
    }
    await runSql(path, "UPDATE events SET data = json_merge_patch(data, '{\"birthYear\":1991}') WHERE position = 2");
    const tamperedLog = await DuckDbEventLog.open(path, { readOnly: true });
    try {
      expect(await tamperedLog.verifyChain()).toMatchObject({ ok: false, firstBad: { position: 2 } });
    } finally {
      await tamperedLog.close();
    }
    // a format-2 log relabelled as format 1 (or the reverse) does not pass
    const relabelled = await build(["a"]);
    await runSql(relabelled, "UPDATE log_meta SET value = 'kpi-event-log/1' WHERE key = 'format'");
    const r = await DuckDbEventLog.open(relabelled, { readOnly: true });
    try {
      expect((await r.verifyChain()).logMeta).toEqual({
        key: "format",
        reason: `is kpi-event-log/1, not ${LOG_FORMAT}`,
      });
    } finally {
      await r.close();
    }
  });

  it("is refused for writing, with the advice to run kpi migrate, and left as it was", async () => {
    const path = await build(["a", "b"]);
    await toFormat1(path);
    const opened = DuckDbEventLog.open(path);
    await expect(opened).rejects.toBeInstanceOf(LogFormatOutdated);
    await expect(opened).rejects.toThrow(/is in format kpi-event-log\/1, .*upgrade it with kpi migrate/);
    const db = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
    const c = await db.connect();
    try {
      const tables = await c.runAndReadAll("SELECT table_name FROM duckdb_tables() ORDER BY 1");
      expect(tables.getRows().flat()).toEqual(["events", "log_meta"]);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });
});

describe("reportedOn in the log (column reported_on)", () => {
  const reported = (id: string, person: string, day: string): Fact => ({
    ...accountOpened(id, person),
    reportedOn: day as Fact["occurredOn"],
  });
  const read = async (log: DuckDbEventLog) => {
    const out: Fact[] = [];
    for await (const e of log.readAll(position(0))) out.push(e.fact);
    return out;
  };

  it("round-trips through the log: read back as appended, by position and by stream, after a reopen, and verifies", async () => {
    const path = join(dir, `log-${n++}.duckdb`);
    const facts = [reported("r1", "p1", "2024-04-02"), accountOpened("r2", "p1"), reported("r3", "p2", "2024-03-10")];
    const log = await DuckDbEventLog.open(path);
    try {
      const r = await log.append(facts);
      expect(r._tag).toBe("Right");
      // the same fact re-sent is a duplicate; with another reportedOn it is other content
      const again = await log.append([facts[0] as Fact]);
      expect(again).toMatchObject({ _tag: "Right", right: { outcomes: [{ duplicate: true }] } });
      const other = await log.append([reported("r1", "p1", "2024-04-03")]);
      expect(other).toMatchObject({ _tag: "Left", left: { _tag: "IdConflict" } });
    } finally {
      await log.close();
    }
    const reopened = await DuckDbEventLog.open(path, { readOnly: true });
    try {
      expect(await read(reopened)).toEqual(facts);
      const stream: Fact[] = [];
      for await (const e of reopened.readStream("person:p1" as Fact["subject"])) stream.push(e.fact);
      expect(stream).toEqual(facts.slice(0, 2));
      expect(await reopened.verifyChain()).toEqual({ ok: true, head: 3, checked: 3 });
      expect(await reopened.verifyChainSequentially()).toEqual({ ok: true, head: 3, checked: 3 });
    } finally {
      await reopened.close();
    }
  });

  it("a format-2 log written before the column: reads and verifies as it is; opened for writing it gains the column and takes reportedOn", async () => {
    const path = await build(["a", "b"]);
    await runSql(path, "ALTER TABLE events DROP COLUMN reported_on; CHECKPOINT;");
    const old = await DuckDbEventLog.open(path, { readOnly: true });
    try {
      expect(old.reportedOnColumn).toBe(false);
      expect((await read(old)).every((f) => !("reportedOn" in f))).toBe(true);
      expect(await old.verifyChain()).toEqual({ ok: true, head: 2, checked: 2 });
      expect(await old.verifyChainSequentially()).toEqual({ ok: true, head: 2, checked: 2 });
    } finally {
      await old.close();
    }
    const writer = await DuckDbEventLog.open(path);
    try {
      expect(writer.reportedOnColumn).toBe(true);
      expect((await writer.append([reported("c", "p9", "2024-04-02")]))._tag).toBe("Right");
      expect(await writer.verifyChain()).toEqual({ ok: true, head: 3, checked: 3 });
      expect(await writer.verifyChainSequentially()).toEqual({ ok: true, head: 3, checked: 3 });
      expect((await read(writer)).map((f) => f.reportedOn ?? null)).toEqual([null, null, "2024-04-02"]);
    } finally {
      await writer.close();
    }
  });
});
