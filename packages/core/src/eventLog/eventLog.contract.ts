/**
 * The contract every event-log adapter passes, written once. An adapter's spec file calls
 * `eventLogContract(name, harness)`; the harness makes a fresh empty log and, where the store outlives the
 * process, reopens it.
 */
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { canonicalFact, type Fact, type Position, position, type SubjectId } from "../facts/index.js";
import type { AppendResult, EventLog, StoredEvent } from "./eventLog.js";
import { eventHash, GENESIS_HASH } from "./hashChain.js";
import { accountOpened, retraction } from "./testFacts.js";

export interface EventLogHarness {
  /** A new, empty log. */
  fresh(): Promise<EventLog>;
  /** Close `log` and open the same store again, when the store is persistent. */
  reopen?(log: EventLog): Promise<EventLog>;
}

const all = async (it: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> => {
  const out: StoredEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};

const ok = (r: E.Either<unknown, AppendResult>): AppendResult => {
  if (E.isLeft(r)) throw new Error(`append refused: ${JSON.stringify(r.left)}`);
  return r.right;
};

const subject = (s: string) => s as SubjectId;

export const eventLogContract = (name: string, harness: EventLogHarness): void => {
  const withLog = async (f: (log: EventLog) => Promise<void>) => {
    const log = await harness.fresh();
    try {
      await f(log);
    } finally {
      await log.close();
    }
  };

  describe(`event log contract: ${name}`, () => {
    it("starts empty with a verifying chain", () =>
      withLog(async (log) => {
        expect(await log.head()).toBe(0);
        expect(await all(log.readAll(position(0)))).toEqual([]);
        expect(await log.verifyChain()).toMatchObject({ ok: true, checked: 0 });
      }));

    it("appends a batch at gap-free positions and reads it back as it was given", () =>
      withLog(async (log) => {
        const batch = [accountOpened("a1", "p1"), accountOpened("a2", "p2"), accountOpened("a3", "p1")];
        const r = ok(await log.append(batch));
        expect(r.outcomes.map((o) => [o.position, o.duplicate])).toEqual([
          [1, false],
          [2, false],
          [3, false],
        ]);
        expect(r).toMatchObject({ appended: 3, duplicates: 0, head: 3 });
        const events = await all(log.readAll(position(0)));
        expect(events.map((e) => e.fact)).toEqual(batch);
        expect(events.map((e) => e.streamRevision)).toEqual([0, 0, 1]);
        expect(events.every((e) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(e.recordedAt))).toBe(true);
        const r2 = ok(await log.append([accountOpened("a4", "p2")]));
        expect(r2.outcomes[0]?.position).toBe(4);
        expect(await log.head()).toBe(4);
      }));

    it("chains every event to the one before it", () =>
      withLog(async (log) => {
        ok(await log.append([accountOpened("a1", "p1"), accountOpened("a2", "p2")]));
        ok(await log.append([accountOpened("a3", "p3")]));
        const events = await all(log.readAll(position(0)));
        let prev: Uint8Array = GENESIS_HASH;
        for (const e of events) {
          const h = eventHash(prev, e);
          expect(e.hash).toBe(h.toString("hex"));
          prev = h;
        }
        expect(await log.verifyChain()).toMatchObject({ ok: true, checked: 3, head: 3 });
        // from a checkpoint, only the events after it
        expect(await log.verifyChain({ after: position(1) })).toMatchObject({ ok: true, checked: 2, head: 3 });
        expect(await log.verifyChain({ after: position(3) })).toMatchObject({ ok: true, checked: 0, head: 3 });
      }));

    it("treats the same id with the same content as a no-op, reporting the stored position", () =>
      withLog(async (log) => {
        const batch = [accountOpened("a1", "p1"), accountOpened("a2", "p2")];
        ok(await log.append(batch));
        const again = ok(await log.append([accountOpened("a3", "p3"), ...batch]));
        expect(again.outcomes.map((o) => [o.id, o.position, o.duplicate])).toEqual([
          ["a3", 3, false],
          ["a1", 1, true],
          ["a2", 2, true],
        ]);
        expect(again).toMatchObject({ appended: 1, duplicates: 2, head: 3 });
        expect(await log.head()).toBe(3);
      }));

    it("refuses the whole batch when an id comes back with other content, and keeps the log as it was", () =>
      withLog(async (log) => {
        ok(await log.append([accountOpened("a1", "p1")]));
        const before = await all(log.readAll(position(0)));
        const r = await log.append([accountOpened("a2", "p2"), accountOpened("a1", "p1", { birthYear: 1991 })]);
        expect(E.isLeft(r) && r.left).toEqual({
          _tag: "IdConflict",
          id: "a1",
          index: 1,
          existing: { position: 1 },
          existingSource: "nhnn-kv15",
        });
        expect(await log.head()).toBe(1);
        expect(await all(log.readAll(position(0)))).toEqual(before);
        // a2 was not written: appending it now gives it position 2
        expect(ok(await log.append([accountOpened("a2", "p2")])).outcomes[0]?.position).toBe(2);
      }));

    it("handles repeated ids inside one batch", () =>
      withLog(async (log) => {
        const same = ok(await log.append([accountOpened("a1", "p1"), accountOpened("a1", "p1")]));
        expect(same.outcomes.map((o) => [o.position, o.duplicate])).toEqual([
          [1, false],
          [1, true],
        ]);
        const r = await log.append([accountOpened("b1", "p1"), accountOpened("b1", "p1", { commune: "29927" })]);
        expect(E.isLeft(r) && r.left).toEqual({ _tag: "IdConflict", id: "b1", index: 1, existing: { index: 0 } });
        expect(await log.head()).toBe(1);
      }));

    it("checks expected stream revisions before writing anything", () =>
      withLog(async (log) => {
        const p1 = subject("person:p1");
        ok(await log.append([accountOpened("a1", "p1")], { expectedRevisions: new Map([[p1, "no_stream"]]) }));
        const again = await log.append([accountOpened("a2", "p1")], {
          expectedRevisions: new Map([[p1, "no_stream"]]),
        });
        expect(E.isLeft(again) && again.left).toEqual({
          _tag: "WrongExpectedRevision",
          subject: p1,
          expected: "no_stream",
          actual: 0,
        });
        ok(await log.append([accountOpened("a2", "p1")], { expectedRevisions: new Map([[p1, 0]]) }));
        const stale = await log.append([accountOpened("a3", "p1")], { expectedRevisions: new Map([[p1, 0]]) });
        expect(E.isLeft(stale) && stale.left).toMatchObject({ _tag: "WrongExpectedRevision", actual: 1 });
        const missing = await log.append([accountOpened("a4", "p9")], {
          expectedRevisions: new Map([[subject("person:p9"), "stream_exists"]]),
        });
        expect(E.isLeft(missing) && missing.left).toMatchObject({ _tag: "WrongExpectedRevision", actual: -1 });
        expect(await log.head()).toBe(2);
      }));

    it("accepts a retraction of a known fact on the same subject and refuses the others", () =>
      withLog(async (log) => {
        ok(await log.append([accountOpened("a1", "p1")]));
        const unknown = await log.append([retraction("r0", "person:p1", "nope")]);
        expect(E.isLeft(unknown) && unknown.left).toMatchObject({ _tag: "RetractionRefused", reason: "unknown event" });
        const other = await log.append([retraction("r1", "person:p2", "a1")]);
        expect(E.isLeft(other) && other.left).toMatchObject({ _tag: "RetractionRefused", reason: "subject differs" });
        // and from a subject the log already holds (another stream, another subject key)
        ok(await log.append([accountOpened("a6", "p6")]));
        const known = await log.append([retraction("r6", "person:p6", "a1")]);
        expect(E.isLeft(known) && known.left).toMatchObject({ _tag: "RetractionRefused", reason: "subject differs" });
        ok(await log.append([retraction("r2", "person:p1", "a1")]));
        const ofRetraction = await log.append([retraction("r3", "person:p1", "r2")]);
        expect(E.isLeft(ofRetraction) && ofRetraction.left).toMatchObject({ reason: "is a retraction" });
        // a retraction of a fact earlier in the same batch
        ok(await log.append([accountOpened("a5", "p5"), retraction("r5", "person:p5", "a5")]));
        expect(await log.head()).toBe(5);
      }));

    it("lets a source retract only its own facts, unless granted, and a fact only once", () =>
      withLog(async (log) => {
        ok(await log.append([accountOpened("a1", "p1"), accountOpened("a2", "p2")]));
        const foreign = await log.append([retraction("r1", "person:p1", "a1", "so-khdt")]);
        expect(E.isLeft(foreign) && foreign.left).toMatchObject({
          _tag: "RetractionRefused",
          reason: "source differs",
          targetSource: "nhnn-kv15",
        });
        const notGranted = await log.append([retraction("r1", "person:p1", "a1", "so-khdt")], {
          retractionGrants: new Map([["so-khdt", ["so-tttt"]]]),
        });
        expect(E.isLeft(notGranted) && notGranted.left).toMatchObject({ reason: "source differs" });
        ok(
          await log.append([retraction("r1", "person:p1", "a1", "cuc-thong-ke")], {
            retractionGrants: new Map([["cuc-thong-ke", "*"]]),
          }),
        );
        const twice = await log.append([retraction("r2", "person:p1", "a1")]);
        expect(E.isLeft(twice) && twice.left).toMatchObject({ reason: "already retracted", targetSource: "nhnn-kv15" });
        const twiceInBatch = await log.append([
          retraction("r3", "person:p2", "a2"),
          retraction("r4", "person:p2", "a2"),
        ]);
        expect(E.isLeft(twiceInBatch) && twiceInBatch.left).toMatchObject({ index: 1, reason: "already retracted" });
        // a fact and its retraction in one batch: the source rule holds there too
        const sameBatch = await log.append([accountOpened("a5", "p5"), retraction("r5", "person:p5", "a5", "so-khdt")]);
        expect(E.isLeft(sameBatch) && sameBatch.left).toMatchObject({ reason: "source differs" });
        // and within one bulk session across its batches
        const session = await log.beginBulk();
        ok(await session.append([retraction("r6", "person:p2", "a2")]));
        const again = await session.append([retraction("r7", "person:p2", "a2")]);
        expect(E.isLeft(again) && again.left).toMatchObject({ reason: "already retracted" });
        await session.commit();
        expect(await log.head()).toBe(4);
      }));

    it("reads from a position, up to a position, in pages", () =>
      withLog(async (log) => {
        const batch = Array.from({ length: 25 }, (_, i) => accountOpened(`a${i}`, `p${i % 4}`));
        ok(await log.append(batch));
        const page = await all(log.readAll(position(7), { to: position(19), pageSize: 4 }));
        expect(page.map((e) => e.position)).toEqual(Array.from({ length: 12 }, (_, i) => i + 8));
        expect(page.map((e) => e.fact)).toEqual(batch.slice(7, 19));
        const stream = await all(log.readStream(subject("person:p1")));
        expect(stream.map((e) => e.fact.id)).toEqual(["a1", "a5", "a9", "a13", "a17", "a21"]);
        expect(stream.map((e) => e.streamRevision)).toEqual([0, 1, 2, 3, 4, 5]);
      }));

    it("catches a subscriber up, then follows new appends until aborted", () =>
      withLog(async (log) => {
        ok(await log.append([accountOpened("a1", "p1"), accountOpened("a2", "p2")]));
        const ac = new AbortController();
        const seen: Position[] = [];
        const done = (async () => {
          for await (const e of log.subscribe(position(1), ac.signal)) {
            seen.push(e.position);
            if (e.position === 4) ac.abort();
          }
        })();
        await new Promise((r) => setTimeout(r, 20));
        ok(await log.append([accountOpened("a3", "p3")]));
        ok(await log.append([accountOpened("a4", "p4")]));
        await done;
        expect(seen).toEqual([2, 3, 4]);
      }));

    it("writes a bulk session as one unit: nothing visible before commit, everything after", () =>
      withLog(async (log) => {
        ok(await log.append([accountOpened("a0", "p0")]));
        const bulk = await log.beginBulk();
        ok(await bulk.append([accountOpened("a1", "p1"), accountOpened("a2", "p2")]));
        // a later batch of the same session sees the earlier ones: a re-sent fact is a duplicate,
        const second = ok(await bulk.append([accountOpened("a2", "p2"), accountOpened("a3", "p1")]));
        expect(second.outcomes.map((o) => [o.position, o.duplicate])).toEqual([
          [3, true],
          [4, false],
        ]);
        // other content under a known id is refused and writes nothing, and the session goes on
        const refused = await bulk.append([accountOpened("a4", "p4"), accountOpened("a1", "p1", { birthYear: 1970 })]);
        expect(E.isLeft(refused) && refused.left).toMatchObject({ _tag: "IdConflict", existing: { position: 2 } });
        expect(await log.head()).toBe(1);
        expect((await all(log.readAll(position(0)))).map((e) => e.fact.id)).toEqual(["a0"]);
        expect(await bulk.commit()).toBe(4);
        expect(await log.head()).toBe(4);
        const events = await all(log.readAll(position(0)));
        expect(events.map((e) => [e.fact.id, e.streamRevision])).toEqual([
          ["a0", 0],
          ["a1", 0],
          ["a2", 0],
          ["a3", 1],
        ]);
        expect((await log.verifyChain()).ok).toBe(true);
      }));

    it("leaves the log as it was when a bulk session rolls back, and holds other writers until it ends", () =>
      withLog(async (log) => {
        ok(await log.append([accountOpened("a0", "p0")]));
        const bulk = await log.beginBulk();
        ok(await bulk.append([accountOpened("a1", "p1")]));
        let otherDone = false;
        const other = log.append([accountOpened("b1", "p9")]).then((r) => {
          otherDone = true;
          return r;
        });
        await new Promise((r) => setTimeout(r, 30));
        expect(otherDone).toBe(false);
        await bulk.rollback();
        expect(ok(await other).outcomes[0]?.position).toBe(2);
        // the rolled-back id is free again, with any content
        ok(await log.append([accountOpened("a1", "p1", { birthYear: 2002 })]));
        const events = await all(log.readAll(position(0)));
        expect(events.map((e) => e.fact.id)).toEqual(["a0", "b1", "a1"]);
        expect(events[2]?.streamRevision).toBe(0);
        expect((await log.verifyChain()).ok).toBe(true);
      }));

    if (harness.reopen !== undefined) {
      const reopen = harness.reopen;
      it("keeps everything, and its indexes, across a reopen", async () => {
        let log = await harness.fresh();
        try {
          ok(await log.append([accountOpened("a1", "p1"), accountOpened("a2", "p1")]));
          log = await reopen(log);
          expect(await log.head()).toBe(2);
          const dup = ok(await log.append([accountOpened("a1", "p1")]));
          expect(dup.outcomes[0]).toMatchObject({ position: 1, duplicate: true });
          const conflict = await log.append([accountOpened("a2", "p1", { birthYear: 2001 })]);
          expect(E.isLeft(conflict) && conflict.left._tag).toBe("IdConflict");
          const rev = await log.append([accountOpened("a3", "p1")], {
            expectedRevisions: new Map([[subject("person:p1"), 1]]),
          });
          expect(E.isRight(rev)).toBe(true);
          expect(await log.verifyChain()).toMatchObject({ ok: true, checked: 3 });
          // the retraction rules read what the reopened log remembers: whose a fact is, whether it is retracted
          ok(await log.append([retraction("r1", "person:p1", "a1")]));
          log = await reopen(log);
          const twice = await log.append([retraction("r2", "person:p1", "a1")]);
          expect(E.isLeft(twice) && twice.left).toMatchObject({
            reason: "already retracted",
            targetSource: "nhnn-kv15",
          });
          const foreign = await log.append([retraction("r3", "person:p1", "a2", "so-khdt")]);
          expect(E.isLeft(foreign) && foreign.left).toMatchObject({ reason: "source differs" });
        } finally {
          await log.close();
        }
      });
    }

    it("matches a model log for any sequence of batches with re-sent and conflicting facts", async () => {
      const factArb = fc
        .record({
          n: fc.integer({ min: 0, max: 12 }),
          person: fc.integer({ min: 0, max: 3 }),
          year: fc.constantFrom(1990, 2001),
        })
        .map(({ n, person, year }) => accountOpened(`f${n}`, `p${person}`, { birthYear: year }));
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(factArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
          async (batches) => {
            const log = await harness.fresh();
            try {
              const model: Fact[] = [];
              for (const batch of batches) {
                const byId = new Map(model.map((f) => [f.id as string, canonicalFact(f)]));
                let conflict = false;
                const fresh: Fact[] = [];
                for (const f of batch) {
                  const c = byId.get(f.id);
                  if (c === undefined) {
                    byId.set(f.id, canonicalFact(f));
                    fresh.push(f);
                  } else if (c !== canonicalFact(f)) conflict = true;
                }
                const r = await log.append(batch);
                expect(E.isLeft(r)).toBe(conflict);
                if (!conflict) model.push(...fresh);
              }
              const events = await all(log.readAll(position(0)));
              expect(events.map((e) => e.fact)).toEqual(model);
              expect(events.map((e) => e.position)).toEqual(model.map((_, i) => i + 1));
              expect((await log.verifyChain()).ok).toBe(true);
            } finally {
              await log.close();
            }
          },
        ),
        { numRuns: 25 },
      );
    });
  });
};
