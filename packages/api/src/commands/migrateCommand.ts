/**
 * `kpi migrate --from embedded|kurrentdb --to embedded|kurrentdb [--from-log PATH] [--to-log PATH]`: copies
 * every event of one log into an empty log in the other (or the same kind of) store, then proves the copy.
 *
 * The copy keeps positions and the chain hash for hash: the target plans each fact with the same rules as the
 * source did (`planAppend`), and its clock is pinned to each source event's `recordedAt`, so every input of the
 * hash is the same. The whole copy is one bulk session (nothing is visible in the target until it is complete),
 * each planned position is checked against the source's as it is written, and afterwards the target's chain is
 * verified, both heads and last hashes are compared and every event is compared field by field.
 * Exit code 0 when the copy is proven, 1 when it was refused or does not match, 2 on a configuration error.
 *
 * `kpi migrate` (no `--from`/`--to`) upgrades the configured embedded log from format `kpi-event-log/1` to
 * `kpi-event-log/2` (typed columns, docs/log-format.md) the same way: the source must verify, the copy is made
 * into a new file beside it with `migrateLog` and proven event for event (same positions, ids, canonical bytes,
 * recordedAt and hashes; the copy's chain check also proves its typed columns agree with its data), and only
 * then is it swapped in, the original kept beside it as a backup. Until the swap nothing changes the log.
 *
 * A format-2 log whose subject dictionary gives a subject a second key (an earlier version's index lost keys
 * as it grew; `verifyChain` names the first event using one) is copied the same way: the copy plans every fact
 * afresh, so each subject gets one key, and it is proven and swapped in as above.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  type AppendError,
  canonicalFact,
  DuckDbEventLog,
  describeAppendError,
  describeConfigError,
  describeStore,
  type EventLog,
  type EventLogConfig,
  LOG_FORMAT,
  LOG_FORMAT_1,
  type LogStore,
  loadEventLogConfig,
  openEventLog,
  type Position,
  position,
  type StoredEvent,
  snapshotPath,
} from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import type { Config } from "../config.js";

export type MigrateError =
  | { readonly _tag: "TargetNotEmpty"; readonly head: Position }
  | { readonly _tag: "SameLog"; readonly store: string }
  | { readonly _tag: "Refused"; readonly error: AppendError }
  | {
      readonly _tag: "Diverged";
      readonly position: Position;
      /** What differs between the source's event and the target's. */
      readonly field: string;
    }
  | { readonly _tag: "ChainBroken"; readonly position: Position; readonly reason: string };

export const describeMigrateError = (e: MigrateError): string => {
  switch (e._tag) {
    case "TargetNotEmpty":
      return `the target log is not empty (head ${e.head}); migrate only into a new, empty log`;
    case "SameLog":
      return `source and target are the same log (${e.store})`;
    case "Refused":
      return `the target refused a batch: ${describeAppendError(e.error)}`;
    case "Diverged":
      return `the copy differs from the source at position ${e.position} (${e.field})`;
    case "ChainBroken":
      return `the target's chain does not verify at position ${e.position}: ${e.reason}`;
  }
};

export interface MigrateSummary {
  readonly events: number;
  readonly appends: number;
  readonly head: Position;
  readonly lastHash: string;
  readonly seconds: number;
}

/** A clock the target log is opened with; `migrateLog` sets it to each source batch's `recordedAt`. */
export interface PinnedClock {
  readonly now: () => Date;
  set(iso: string): void;
}

export const pinnedClock = (): PinnedClock => {
  let at = new Date(0);
  return {
    now: () => at,
    set: (iso) => {
      at = new Date(iso);
    },
  };
};

const differs = (a: StoredEvent, b: StoredEvent): string | undefined => {
  if (a.position !== b.position) return "position";
  if (a.recordedAt !== b.recordedAt) return "recordedAt";
  if (a.streamRevision !== b.streamRevision) return "streamRevision";
  if (a.hash !== b.hash) return "hash";
  if (canonicalFact(a.fact) !== canonicalFact(b.fact)) return "fact";
  return undefined;
};

/** Compares two logs' events one by one, up to `head`. */
const compareLogs = async (a: EventLog, b: EventLog, head: Position): Promise<MigrateError | undefined> => {
  const ia = a.readAll(position(0), { to: head })[Symbol.asyncIterator]();
  const ib = b.readAll(position(0), { to: head })[Symbol.asyncIterator]();
  try {
    for (let n = 1; ; n++) {
      const [x, y] = await Promise.all([ia.next(), ib.next()]);
      if (x.done === true || y.done === true) {
        if (x.done === true && y.done === true && n === head + 1) return undefined;
        return {
          _tag: "Diverged",
          position: position(n),
          field: x.done === true ? "missing in source" : "missing in target",
        };
      }
      const d = differs(x.value, y.value);
      if (d !== undefined) return { _tag: "Diverged", position: x.value.position, field: d };
    }
  } finally {
    await ia.return?.();
    await ib.return?.();
  }
};

/**
 * Copies `source` into the empty `target`, which must have been opened with `clock.now` as its clock.
 * `chunk` bounds the facts per append (a run of events with one `recordedAt` may be split).
 */
export const migrateLog = async (
  source: EventLog,
  target: EventLog,
  clock: PinnedClock,
  options: { readonly chunk?: number } = {},
): Promise<E.Either<MigrateError, MigrateSummary>> => {
  const t0 = performance.now();
  const targetHead = await target.head();
  if (targetHead > 0) return E.left({ _tag: "TargetNotEmpty", head: targetHead });
  const head = await source.head();
  const chunk = options.chunk ?? 5_000;
  const session = await target.beginBulk();
  let appends = 0;
  let lastHash = "";
  let run: StoredEvent[] = [];
  const flush = async (): Promise<MigrateError | undefined> => {
    const first = run[0];
    if (first === undefined) return undefined;
    clock.set(first.recordedAt);
    const r = await session.append(run.map((e) => e.fact));
    appends++;
    if (E.isLeft(r)) return { _tag: "Refused", error: r.left };
    for (const [i, o] of r.right.outcomes.entries()) {
      const want = run[i] as StoredEvent;
      if (o.duplicate || o.position !== want.position) {
        return {
          _tag: "Diverged",
          position: want.position,
          field: o.duplicate ? "a duplicate in the target" : "position",
        };
      }
    }
    run = [];
    return undefined;
  };
  try {
    for await (const e of source.readAll(position(0), { to: head })) {
      const last = run[run.length - 1];
      if (last !== undefined && (last.recordedAt !== e.recordedAt || run.length >= chunk)) {
        const failed = await flush();
        if (failed !== undefined) {
          await session.rollback();
          return E.left(failed);
        }
      }
      run.push(e);
      lastHash = e.hash;
    }
    const failed = await flush();
    if (failed !== undefined) {
      await session.rollback();
      return E.left(failed);
    }
    await session.commit();
  } catch (e) {
    await session.rollback().catch(() => undefined);
    throw e;
  }

  const chain = await target.verifyChain();
  if (!chain.ok) {
    return E.left({
      _tag: "ChainBroken",
      position: chain.firstBad?.position ?? chain.head,
      reason:
        chain.firstBad?.reason ??
        (chain.logMeta === undefined ? "" : `log_meta ${chain.logMeta.key} ${chain.logMeta.reason}`),
    });
  }
  if ((await target.head()) !== head) {
    return E.left({ _tag: "Diverged", position: position(Math.min(head, chain.head) + 1), field: "head" });
  }
  const mismatch = await compareLogs(source, target, head);
  if (mismatch !== undefined) return E.left(mismatch);
  return E.right({
    events: head,
    appends,
    head,
    lastHash: head === 0 ? "" : lastHash,
    seconds: (performance.now() - t0) / 1000,
  });
};

export interface MigrateCommandOptions {
  readonly from: LogStore;
  readonly to: LogStore;
  /** The embedded source file (default: the configured log). */
  readonly fromLog?: string;
  /** The embedded target file (default: the configured log). */
  readonly toLog?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

const n = (x: number) => x.toLocaleString("en-US");

export const migrateCommand = async (config: Config, o: MigrateCommandOptions): Promise<number> => {
  const loaded = loadEventLogConfig(o.env ?? process.env, { logPath: config.logPath });
  if (E.isLeft(loaded)) {
    o.err.write(`kpi migrate: ${describeConfigError(loaded.left)}\n`);
    return 2;
  }
  const side = (path: string | undefined): EventLogConfig => ({
    ...loaded.right,
    logPath: resolve(path ?? loaded.right.logPath),
  });
  const from = side(o.fromLog);
  const to = side(o.toLog);
  for (const [c, store] of [
    [from, o.from],
    [to, o.to],
  ] as const) {
    if (store === "kurrentdb" && c.kurrentdb === undefined) {
      o.err.write("kpi migrate: the kurrentdb side needs KURRENTDB_URL (or kurrentdbUrl in kpi.config.json)\n");
      return 2;
    }
  }
  const fromName = describeStore(from, o.from);
  const toName = describeStore(to, o.to);
  if (fromName === toName) {
    o.err.write(`kpi migrate: ${describeMigrateError({ _tag: "SameLog", store: fromName })}\n`);
    return 1;
  }
  if (o.to === "embedded") mkdirSync(dirname(to.logPath), { recursive: true });
  const clock = pinnedClock();
  const source = await openEventLog(from, { store: o.from, readOnly: true });
  try {
    const target = await openEventLog(to, { store: o.to, now: clock.now });
    try {
      o.err.write(`copying ${fromName} → ${toName}\n`);
      const r = await migrateLog(source, target, clock);
      if (E.isLeft(r)) {
        o.err.write(`kpi migrate: ${describeMigrateError(r.left)}\n`);
        return 1;
      }
      const s = r.right;
      const rate = s.seconds > 0 ? Math.round(s.events / s.seconds) : 0;
      o.out.write(
        [
          `Migrated ${fromName} → ${toName}`,
          `  events          ${n(s.events)}`,
          `  appends         ${n(s.appends)}`,
          `  head            ${n(s.head)}`,
          `  last hash       ${s.lastHash === "" ? "(empty log)" : s.lastHash}`,
          "  verified        target chain verifies; heads, last hashes and every event match the source",
          `  time            ${s.seconds.toFixed(2)} s (${n(rate)} events/s)`,
          "",
        ].join("\n"),
      );
      return 0;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
};

export interface UpgradeCommandOptions {
  /** The embedded log to upgrade (default: the configured log). */
  readonly log?: string;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  /** Names the backup (tests pin it); default: the current time. */
  readonly now?: () => Date;
}

/** The first of `path`, `path.1`, `path.2`, … that does not exist (with its write-ahead log). */
const freeName = (path: string): string => {
  for (let i = 0; ; i++) {
    const p = i === 0 ? path : `${path}.${i}`;
    if (!existsSync(p) && !existsSync(`${p}.wal`)) return p;
  }
};

/** Moves a DuckDB file and its write-ahead log, if it has one. */
const moveDb = (from: string, to: string): void => {
  if (existsSync(`${from}.wal`)) renameSync(`${from}.wal`, `${to}.wal`);
  renameSync(from, to);
};

const removeDb = (path: string): void => {
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  rmSync(snapshotPath(path), { force: true });
};

/**
 * `kpi migrate` with no stores named: upgrades the embedded log at `o.log` (default the configured one) to
 * format 2 in a copy, proves the copy, then swaps it in and keeps the original as `LOG.kpi-event-log-1-TIME.bak`
 * (`…-2-TIME.bak` for a format-2 log re-keyed because its dictionary gave a subject a second key).
 * Exit code 0 when upgraded (or already in format 2), 1 when the log does not verify or the copy is not proven
 * (the log is then left as it was), 2 when there is no log.
 */
export const upgradeLogCommand = async (config: Config, o: UpgradeCommandOptions): Promise<number> => {
  const path = resolve(o.log ?? config.logPath);
  if (!existsSync(path)) {
    o.err.write(`kpi migrate: there is no event log at ${path}; give the log with --log FILE or --data-dir DIR\n`);
    return 2;
  }
  const copy = `${path}.upgrade-${process.pid}`;
  removeDb(copy);
  const clock = pinnedClock();
  const source = await DuckDbEventLog.open(path, { readOnly: true });
  let summary: MigrateSummary;
  const format = source.typed ? LOG_FORMAT : LOG_FORMAT_1;
  let rekeyed = 0;
  try {
    if (source.typed) {
      rekeyed = await source.subjectsWithSecondKeys();
      if (rekeyed === 0) {
        o.out.write(`${path} is in format ${LOG_FORMAT} already; nothing to do\n`);
        return 0;
      }
      o.err.write(
        `${path} is in format ${LOG_FORMAT}, but its subject dictionary gives ${n(rekeyed)} subject(s) a second key (an earlier version wrote them as its index grew): re-keying it in a proven copy\n`,
      );
    }
    o.err.write(`checking ${path} (format ${format})\n`);
    // the second keys are what the copy mends: every other check must pass
    const chain = await source.verifyChain({ secondKeys: false });
    if (!chain.ok) {
      const where =
        chain.firstBad === undefined
          ? `log_meta ${chain.logMeta?.key ?? ""} ${chain.logMeta?.reason ?? ""}`
          : `position ${chain.firstBad.position}: ${chain.firstBad.reason}`;
      o.err.write(
        `kpi migrate: ${path} does not verify (${where}); it was not upgraded and is left as it was. Restore it from a backup or an exported copy first\n`,
      );
      return 1;
    }
    o.err.write(`copying ${path} into format ${LOG_FORMAT} (${copy})\n`);
    // the copy's append indexes are saved at its close, whatever its size: they go into place with it, so that
    // the first open of the upgraded log reads them instead of deriving them from every event
    const target = await DuckDbEventLog.open(copy, { now: clock.now, saveIndexFrom: 0 });
    let r: E.Either<MigrateError, MigrateSummary>;
    try {
      r = await migrateLog(source, target, clock);
    } catch (e) {
      await target.close();
      removeDb(copy);
      throw e;
    }
    await target.close();
    if (E.isLeft(r)) {
      removeDb(copy);
      o.err.write(`kpi migrate: ${describeMigrateError(r.left)}; ${path} was not upgraded and is left as it was\n`);
      return 1;
    }
    summary = r.right;
  } finally {
    await source.close();
  }
  const stamp = (o.now?.() ?? new Date()).toISOString().replace(/[:.]/g, "-");
  const backup = freeName(`${path}.${format.replace("/", "-")}-${stamp}.bak`);
  moveDb(path, backup);
  try {
    moveDb(copy, path);
  } catch (e) {
    moveDb(backup, path);
    throw e;
  }
  // the original's saved indexes are of the file kept as a backup, never written again: the copy's replace them
  rmSync(snapshotPath(path), { force: true });
  if (existsSync(snapshotPath(copy))) renameSync(snapshotPath(copy), snapshotPath(path));
  const s = summary;
  o.out.write(
    [
      rekeyed > 0
        ? `Re-keyed ${path} (${LOG_FORMAT}): ${n(rekeyed)} subject(s) had a second key; each now has one. A warehouse folded from it before holds the old keys: run kpi rebuild`
        : `Upgraded ${path} to ${LOG_FORMAT}`,
      `  events          ${n(s.events)}`,
      `  head            ${n(s.head)}`,
      `  last hash       ${s.lastHash === "" ? "(empty log)" : s.lastHash}`,
      "  verified        the copy's chain and typed columns verify; every event's position, id, recordedAt, canonical bytes and hash match the original",
      `  original        kept as ${backup}`,
      `  time            ${s.seconds.toFixed(2)} s`,
      "",
    ].join("\n"),
  );
  return 0;
};
