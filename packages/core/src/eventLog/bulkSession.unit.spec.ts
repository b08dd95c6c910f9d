import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { bulkSession, SessionQueue, type SessionSteps } from "./bulkSession.js";
import { GENESIS_HASH } from "./hashChain.js";
import { accountOpened } from "./testFacts.js";

const steps = (over: Partial<SessionSteps> = {}): SessionSteps & { written: number[] } => {
  const written: number[] = [];
  return {
    written,
    known: { maybeStored: () => false, lookup: async () => new Map(), revision: () => -1 },
    now: () => new Date("2026-01-02T03:04:05Z"),
    write: async (plan) => {
      written.push(plan.rows.length);
    },
    commit: async () => undefined,
    rollback: async () => undefined,
    ...over,
  };
};

describe("a bulk session", () => {
  it("plans each batch after the session's earlier ones and commits at the last head", async () => {
    let ended = 0;
    const s = steps();
    let committedAt = -1;
    const session = bulkSession({ head: 7, lastHash: GENESIS_HASH }, () => ended++, {
      ...s,
      commit: async (head) => {
        committedAt = head;
      },
    });
    const a = await session.append([accountOpened("a1", "person:p1")]);
    const b = await session.append([accountOpened("a2", "person:p2"), accountOpened("a3", "person:p3")]);
    expect(E.isRight(a) && a.right.head).toBe(8);
    expect(E.isRight(b) && b.right.head).toBe(10);
    expect(s.written).toEqual([1, 2]);
    expect(await session.commit()).toBe(10);
    expect(committedAt).toBe(10);
    expect(ended).toBe(1);
  });

  it("ends when its commit fails, and refuses any use after", async () => {
    let ended = 0;
    const session = bulkSession({ head: 0, lastHash: GENESIS_HASH }, () => ended++, {
      ...steps(),
      commit: async () => {
        throw new Error("disk full");
      },
    });
    await session.append([accountOpened("a1", "person:p1")]);
    await expect(session.commit()).rejects.toThrow("disk full");
    expect(ended).toBe(1);
    await expect(session.append([accountOpened("a2", "person:p1")])).rejects.toThrow("bulk session already ended");
    await session.rollback(); // a no-op once ended
    expect(ended).toBe(1);
  });

  it("ends once on rollback, even when the adapter's rollback fails", async () => {
    let ended = 0;
    const session = bulkSession({ head: 0, lastHash: GENESIS_HASH }, () => ended++, {
      ...steps(),
      rollback: async () => {
        throw new Error("gone");
      },
    });
    await expect(session.rollback()).rejects.toThrow("gone");
    await session.rollback();
    expect(ended).toBe(1);
  });
});

describe("the session queue", () => {
  it("lets one session in at a time, in order, and refuses one that waited for a closed log", async () => {
    const q = new SessionQueue();
    let closed = false;
    const order: string[] = [];
    const first = await q.enter(() => closed);
    const second = q
      .enter(() => closed)
      .then((end) => {
        order.push("second");
        closed = true;
        end();
      });
    const third = q.enter(() => closed);
    order.push("first");
    first();
    await second;
    await expect(third).rejects.toThrow("event log is closed");
    await q.idle();
    expect(order).toEqual(["first", "second"]);
  });
});
