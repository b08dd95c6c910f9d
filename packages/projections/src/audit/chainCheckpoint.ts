/**
 * An auditor's chain checkpoint: the log position and chain hash of the head they last verified, kept in a small
 * JSON file of their own (`kpi verify --checkpoint FILE`, docs/audit.md), so that the next check of the same log
 * checks only the links after it.
 *
 * `checkChainFrom` reads the checkpoint, if any. When the log's stored hash at the checkpoint's position is the
 * recorded one, only the events after it are checked (`EventLog.verifyChain({after})`): the chain hash at a
 * position commits to every event before it, so a log rewritten and re-chained up to there cannot keep it.
 * Otherwise (the hash differs, the log ends before that position, or the file cannot be read) the report says
 * so, the whole chain is checked, and the check does not pass: the history verified before is not this log's,
 * or no longer is. The checkpoint file is then left as it is for the auditor to look at. When the chain verifies,
 * the file is replaced (atomically) by the new head. An event edited at or before the checkpoint without
 * changing stored hashes is not re-checked; a figure that depends on it no longer matches its publication.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type ChainReport, type EventLog, fieldErrors, Position, position, Sha256Hex } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { IsoInstant } from "./publication.js";

export const CHECKPOINT_FORMAT = "kpi-chain-checkpoint/1";

export const ChainCheckpoint = t.intersection([
  t.strict({
    format: t.literal(CHECKPOINT_FORMAT),
    /** The log it was taken of (its path, or the store's name), as the auditor named it. */
    log: t.string,
    /** The head verified: its position and its stored chain hash. */
    position: Position,
    hash: Sha256Hex,
    verifiedAt: IsoInstant,
  }),
  t.partial({
    /**
     * Every event up to `position` was checked to use the one key the log's dictionary gives its subject (no
     * second key, which an earlier version could give): the whole chain was, or each check since one that was.
     * Absent in a checkpoint an earlier version wrote: its checks did not look.
     */
    keysChecked: t.literal(true),
  }),
]);
export type ChainCheckpoint = t.TypeOf<typeof ChainCheckpoint>;

/** Reads a checkpoint file: undefined when there is none yet; a reason when it cannot be used. */
export const readCheckpoint = (file: string): E.Either<string, ChainCheckpoint | undefined> => {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return E.right(undefined);
    return E.left(e instanceof Error ? e.message : String(e));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left(`it is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const r = ChainCheckpoint.decode(json);
  if (E.isLeft(r)) {
    return E.left(
      `it is not a ${CHECKPOINT_FORMAT} document: ${fieldErrors(r.left)
        .slice(0, 3)
        .map((x) => `${x.field}: ${x.reason}`)
        .join("; ")}`,
    );
  }
  return E.right(r.right);
};

/** Writes a checkpoint file through a temporary file renamed into place (never half written). */
export const writeCheckpoint = (file: string, c: ChainCheckpoint): void => {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.partial-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`);
  renameSync(tmp, file);
};

/** The chain hash the log stores at `p` (lower-case hex), or undefined when it holds no such event. */
export const storedHashAt = async (log: EventLog, p: number): Promise<string | undefined> => {
  if (p < 1) return undefined;
  for await (const e of log.readAll(position(p - 1), { to: position(p) })) if (e.position === p) return e.hash;
  return undefined;
};

/** How the checkpoint was used. */
export type CheckpointUse =
  /** No checkpoint file (yet), or none asked for: the whole chain was checked. */
  | { readonly _tag: "None"; readonly file?: string }
  /** The log agrees with the checkpoint: only the events after `position` were checked. */
  | { readonly _tag: "Used"; readonly file: string; readonly position: number }
  /** The checkpoint does not fit this log: the whole chain was checked, and the check fails. */
  | { readonly _tag: "Mismatch"; readonly file: string; readonly position: number; readonly reason: string }
  | { readonly _tag: "Unreadable"; readonly file: string; readonly reason: string };

export interface CheckedChain {
  readonly chain: ChainReport;
  readonly checkpoint: CheckpointUse;
  /** Where the checkpoint now stands (written when the chain verified and the checkpoint was usable). */
  readonly saved?: { readonly position: number; readonly hash: string };
  /** The chain verified and the checkpoint, if any, fits the log. */
  readonly ok: boolean;
  /**
   * The chain verified, and every event of it was checked to use its subject's one key (`keysChecked`): this
   * check was of the whole chain, or of the events after a checkpoint that says the ones before were.
   */
  readonly keysChecked: boolean;
}

export const describeCheckpointUse = (u: CheckpointUse): string => {
  switch (u._tag) {
    case "None":
      return u.file === undefined
        ? "none: the whole chain was checked"
        : `none yet in ${u.file}: the whole chain was checked`;
    case "Used":
      return `from position ${u.position.toLocaleString("en-US")} (${u.file}): only the events after it were checked`;
    case "Mismatch":
      return `FAILED: ${u.reason}; the whole chain was checked. If this is another log, use another --checkpoint file; the file ${u.file} is left as it was`;
    case "Unreadable":
      return `FAILED: the checkpoint ${u.file} cannot be used: ${u.reason}; the whole chain was checked. Remove or repair the file, or name another with --checkpoint`;
  }
};

/**
 * Checks the log's chain from the checkpoint in `file` (the whole chain without one), then records the verified
 * head there. `logName` says which log the checkpoint is of; `file` undefined: no checkpoint is read or written.
 */
export const checkChainFrom = async (
  log: EventLog,
  logName: string,
  file: string | undefined,
  now: () => Date = () => new Date(),
): Promise<CheckedChain> => {
  if (file === undefined) {
    const chain = await log.verifyChain();
    return { chain, checkpoint: { _tag: "None" }, ok: chain.ok, keysChecked: chain.ok };
  }
  const read = readCheckpoint(file);
  let use: CheckpointUse;
  let chain: ChainReport;
  /** Whether the events before the check's start were checked for second keys (all of them: none before it). */
  let keysBefore = true;
  if (E.isLeft(read)) {
    use = { _tag: "Unreadable", file, reason: read.left };
    chain = await log.verifyChain();
  } else if (read.right === undefined) {
    use = { _tag: "None", file };
    chain = await log.verifyChain();
  } else {
    const c = read.right;
    const stored = await storedHashAt(log, c.position);
    if (stored === c.hash) {
      use = { _tag: "Used", file, position: c.position };
      chain = await log.verifyChain({ after: c.position });
      keysBefore = c.keysChecked === true;
    } else {
      const reason =
        stored === undefined
          ? `the log holds no event at the checkpoint's position ${c.position} (it ends at ${await log.head()}): events verified before are gone`
          : `the log's chain hash at the checkpoint's position ${c.position} is ${stored}, not ${c.hash} as verified on ${c.verifiedAt} (of ${c.log}): the log up to there was rewritten since, or it is another log`;
      use = { _tag: "Mismatch", file, position: c.position, reason };
      chain = await log.verifyChain();
    }
  }
  const usable = use._tag === "None" || use._tag === "Used";
  const keysChecked = chain.ok && keysBefore;
  if (!chain.ok || !usable || chain.head === 0) {
    return { chain, checkpoint: use, ok: chain.ok && usable, keysChecked };
  }
  const hash = await storedHashAt(log, chain.head);
  if (hash === undefined) return { chain, checkpoint: use, ok: chain.ok, keysChecked };
  writeCheckpoint(file, {
    format: CHECKPOINT_FORMAT,
    log: logName,
    position: chain.head,
    hash,
    verifiedAt: now().toISOString(),
    ...(keysChecked ? { keysChecked: true as const } : {}),
  });
  return { chain, checkpoint: use, saved: { position: chain.head, hash }, ok: true, keysChecked };
};
