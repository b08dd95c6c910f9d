/**
 * The bookkeeping every event-log adapter's bulk session shares: sessions one at a time (`SessionQueue`), and
 * the session object itself (`bulkSession`), which plans each batch against the log plus the session's earlier
 * batches, keeps the session's head and last hash, refuses use after the session ended, and ends it (letting the
 * next one begin) whatever its commit or rollback does. What is the adapter's own — how rows are written, what
 * the session notes in the log's indexes, how a commit becomes visible and what a rollback undoes — comes in as
 * `SessionSteps`.
 */
import * as E from "fp-ts/lib/Either.js";
import { type Fact, position } from "../facts/index.js";
import { type Plan, type PlanContext, planAppend } from "./appendPlan.js";
import type { AppendError, AppendOptions, AppendResult, BulkSession } from "./eventLog.js";

/** Bulk sessions one at a time: each waits until the one begun before it has ended. */
export class SessionQueue {
  private last: Promise<void> = Promise.resolve();

  /**
   * Waits for the session before to end, then returns the function that ends this one. Throws (ending it at
   * once) when `closed()` says the log was closed while it waited.
   */
  async enter(closed: () => boolean): Promise<() => void> {
    let release: () => void = () => undefined;
    const previous = this.last;
    this.last = new Promise<void>((r) => {
      release = r;
    });
    await previous;
    if (closed()) {
      release();
      throw new Error("event log is closed");
    }
    return release;
  }

  /** Resolves when every session begun so far has ended. */
  idle(): Promise<void> {
    return this.last;
  }
}

/** What an adapter does at each step of a bulk session. */
export interface SessionSteps {
  /** What planning asks of the log (and of the session's earlier batches). */
  readonly known: Pick<PlanContext, "maybeStored" | "lookup" | "revision">;
  /** The clock that stamps `recordedAt`. */
  now(): Date;
  /** Writes a batch's planned rows (not yet visible to readers) and notes them in the session's bookkeeping. */
  write(plan: Plan, recordedAt: string): Promise<void>;
  /** Makes every batch of the session visible; `head` and `lastHash` are the session's last. On failure, undoes
   * what it must and throws: the session ends either way. */
  commit(head: number, lastHash: Uint8Array): Promise<void>;
  /** Takes back what the session wrote and noted. The session ends either way. */
  rollback(): Promise<void>;
  /** After a commit, once the session has ended (for example to wake readers waiting for new events). */
  committed?(): void;
}

/** A bulk session starting at `head` (its hash `lastHash`), holding the queue until `end` is called. */
export const bulkSession = (
  start: { readonly head: number; readonly lastHash: Uint8Array },
  end: () => void,
  steps: SessionSteps,
): BulkSession => {
  let head = start.head;
  let lastHash = start.lastHash;
  let open = true;
  const finish = () => {
    open = false;
    end();
  };
  const ensureOpen = () => {
    if (!open) throw new Error("bulk session already ended");
  };
  return {
    append: async (facts, options = {}) => {
      ensureOpen();
      const recordedAt = steps.now().toISOString();
      const planned = await planAppend(facts, options, {
        maybeStored: (id) => steps.known.maybeStored(id),
        lookup: (wanted) => steps.known.lookup(wanted),
        revision: (s) => steps.known.revision(s),
        head: position(head),
        lastHash,
        recordedAt,
      });
      if (E.isLeft(planned)) return planned;
      const plan = planned.right;
      if (plan.rows.length > 0) {
        await steps.write(plan, recordedAt);
        head = plan.head;
        lastHash = plan.lastHash;
      }
      const appended = plan.rows.length;
      return E.right({ outcomes: plan.outcomes, appended, duplicates: facts.length - appended, head: plan.head });
    },
    commit: async () => {
      ensureOpen();
      try {
        await steps.commit(head, lastHash);
      } finally {
        finish();
      }
      steps.committed?.();
      return position(head);
    },
    rollback: async () => {
      if (!open) return;
      try {
        await steps.rollback();
      } finally {
        finish();
      }
    },
  };
};

/**
 * One batch in a session of its own (`EventLog.append`): committed when it appends anything, else rolled back,
 * and rolled back when anything throws. `retry(error, attempt)` says whether a failed attempt is tried again.
 */
export const appendInSession = async (
  begin: () => Promise<BulkSession>,
  facts: readonly Fact[],
  options: AppendOptions,
  retry: (e: unknown, attempt: number) => boolean = () => false,
): Promise<E.Either<AppendError, AppendResult>> => {
  for (let attempt = 1; ; attempt++) {
    const session = await begin();
    try {
      const r = await session.append(facts, options);
      if (E.isLeft(r) || r.right.appended === 0) await session.rollback();
      else await session.commit();
      return r;
    } catch (e) {
      await session.rollback().catch(() => undefined);
      if (!retry(e, attempt)) throw e;
    }
  }
};
