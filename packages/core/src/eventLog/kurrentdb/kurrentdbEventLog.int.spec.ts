/**
 * The KurrentDB adapter against a real server. The contract suite and the multi-writer tests run only when
 * `KURRENTDB_URL` names a server (e.g. `kurrentdb://localhost:2113?tls=false`); each log gets a fresh namespace,
 * so they can run against a shared server. Without it, one line says they were not run, and only the test that
 * needs no server runs (the real client against a closed port).
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { position, type SubjectId } from "../../facts/index.js";
import { eventLogContract } from "../eventLog.contract.js";
import type { AppendResult, EventLog, StoredEvent } from "../eventLog.js";
import { accountOpened } from "../testFacts.js";
import { KurrentDbEventLog, type KurrentDbEventLogOptions, KurrentDbWriteConflict } from "./kurrentdbEventLog.js";

const url = process.env.KURRENTDB_URL ?? "";
const run = randomUUID().slice(0, 8);
let n = 0;

const all = async (it: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> => {
  const out: StoredEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};

const ok = (r: E.Either<unknown, AppendResult>): AppendResult => {
  if (E.isLeft(r)) throw new Error(`append refused: ${JSON.stringify(r.left)}`);
  return r.right;
};

if (url === "") {
  console.log("KurrentDB contract suite not run: KURRENTDB_URL is not set (no KurrentDB server on this machine)");
} else {
  const harness = (options: KurrentDbEventLogOptions) => ({
    fresh: () => KurrentDbEventLog.open(url, { ...options, namespace: `kpitest-${run}-${n++}` }),
    reopen: async (log: EventLog) => {
      const namespace = (log as KurrentDbEventLog).namespace;
      await log.close();
      return KurrentDbEventLog.open(url, { ...options, namespace });
    },
  });
  eventLogContract("KurrentDB", harness({ appendMode: "auto", chunkSize: 4 }));
  eventLogContract("KurrentDB, one append per stream", harness({ appendMode: "per-stream", chunkSize: 4 }));

  describe("KurrentDB: orphans and concurrent writers", () => {
    const namespace = () => `kpitest-${run}-${n++}`;

    it("never shows the events of a rolled-back bulk session, to readers or to a writer that reopens", async () => {
      const ns = namespace();
      let log = await KurrentDbEventLog.open(url, { namespace: ns });
      try {
        const bulk = await log.beginBulk();
        ok(await bulk.append([accountOpened("a1", "p1"), accountOpened("a2", "p2")]));
        await bulk.rollback();
        ok(await log.append([accountOpened("b1", "p1")]));
        log = await (async () => {
          await log.close();
          return KurrentDbEventLog.open(url, { namespace: ns });
        })();
        // the orphaned a1 does not exist: the id is free, with other content
        expect(ok(await log.append([accountOpened("a1", "p1", { birthYear: 1955 })])).outcomes[0]).toMatchObject({
          position: 2,
          duplicate: false,
        });
        const events = await all(log.readAll(position(0)));
        expect(events.map((e) => [e.fact.id, e.streamRevision])).toEqual([
          ["b1", 0],
          ["a1", 1],
        ]);
        expect((await all(log.readStream("person:p1" as SubjectId))).map((e) => e.fact.id)).toEqual(["b1", "a1"]);
        expect(await log.verifyChain()).toMatchObject({ ok: true, checked: 2 });
      } finally {
        await log.close();
      }
    });

    it("refuses the commit of a writer whose plan went stale, and its retry lands after the other's batch", async () => {
      const ns = namespace();
      const a = await KurrentDbEventLog.open(url, { namespace: ns });
      const b = await KurrentDbEventLog.open(url, { namespace: ns });
      try {
        const slow = await a.beginBulk();
        ok(await slow.append([accountOpened("a1", "p1")]));
        ok(await b.append([accountOpened("b1", "p1")]));
        await expect(slow.commit()).rejects.toBeInstanceOf(KurrentDbWriteConflict);
        // a single append re-reads the log and re-plans by itself
        const again = ok(await a.append([accountOpened("a1", "p1"), accountOpened("b1", "p1")]));
        expect(again.outcomes.map((o) => [o.position, o.duplicate])).toEqual([
          [2, false],
          [1, true],
        ]);
        const events = await all(b.readAll(position(0)));
        expect(events.map((e) => [e.position, e.fact.id, e.streamRevision])).toEqual([
          [1, "b1", 0],
          [2, "a1", 1],
        ]);
        expect(await b.verifyChain()).toMatchObject({ ok: true, checked: 2 });
      } finally {
        await a.close();
        await b.close();
      }
    });

    it("wakes a subscriber of one client when another client commits", async () => {
      const ns = namespace();
      const reader = await KurrentDbEventLog.open(url, { namespace: ns });
      const writer = await KurrentDbEventLog.open(url, { namespace: ns });
      try {
        const ac = new AbortController();
        const seen: number[] = [];
        const done = (async () => {
          for await (const e of reader.subscribe(position(0), ac.signal)) {
            seen.push(e.position);
            if (e.position === 3) ac.abort();
          }
        })();
        await new Promise((r) => setTimeout(r, 200));
        ok(await writer.append([accountOpened("w1", "p1"), accountOpened("w2", "p2")]));
        ok(await writer.append([accountOpened("w3", "p3")]));
        await done;
        expect(seen).toEqual([1, 2, 3]);
      } finally {
        await reader.close();
        await writer.close();
      }
    });
  });
}

describe("KurrentDB adapter, no server needed", () => {
  it("fails at once, naming the server without its password, when nothing listens there", async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => {
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
    });
    await new Promise((r) => server.close(r));
    const t0 = Date.now();
    const opening = KurrentDbEventLog.open(`kurrentdb://admin:s3cret@127.0.0.1:${port}?tls=false`);
    await expect(opening).rejects.toThrow(
      new RegExp(`^KurrentDB at kurrentdb://\\*\\*\\*@127\\.0\\.0\\.1:${port}\\?tls=false cannot be read: `),
    );
    await expect(opening).rejects.not.toThrow(/s3cret/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
