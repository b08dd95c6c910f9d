/**
 * `EventLog.subscribe` for every adapter: read the events after `after`, then wait for the log to move past the
 * last one read, and read again, until the signal aborts or the log closes. How to wait is the adapter's own.
 */
import { type Position, position } from "../facts/index.js";
import type { StoredEvent } from "./eventLog.js";

export async function* follow(
  after: Position,
  signal: AbortSignal,
  log: {
    readonly closed: () => boolean;
    readAll(after: Position): AsyncIterable<StoredEvent>;
    /** Resolves once the log holds an event after `pos`, or the signal aborts, or the log closes. */
    waitAfter(pos: number, signal: AbortSignal): Promise<void>;
  },
): AsyncIterable<StoredEvent> {
  let pos = after as number;
  while (!signal.aborted && !log.closed()) {
    for await (const e of log.readAll(position(pos))) {
      yield e;
      pos = e.position;
      if (signal.aborted) return;
    }
    await log.waitAfter(pos, signal);
  }
}
