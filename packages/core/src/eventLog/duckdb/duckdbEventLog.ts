/**
 * The embedded event log: an append-only `events` table in its own DuckDB file, separate from the warehouse.
 * One process opens it for writing. Appends are serialised, planned against in-memory indexes
 * (`logIndex.ts`), written with the appender inside one transaction and acknowledged only after COMMIT,
 * which DuckDB makes durable through its write-ahead log.
 *
 * Format `kpi-event-log/2` (docs/log-format.md) stores beside each event's canonical bytes (`data`, which the
 * chain hash covers) the fields the warehouse reads in typed columns (`typedColumns.ts`) and an integer
 * `subject_key` from the `subjects` dictionary, written in the same transaction; both are derived data that
 * `verifyChain` checks. The dictionary lives in memory in the stream revisions (saved with them beside the log).
 * A format-1 log (no typed columns) opens read-only and verifies; opened for writing it is refused with the
 * advice to run `kpi migrate`.
 */

import { existsSync } from "node:fs";
import {
  type DuckDBAppender,
  type DuckDBBlobValue,
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBInstance,
  type DuckDBListValue,
  DuckDBTimestampTZValue,
} from "@duckdb/node-api";
import type * as E from "fp-ts/lib/Either.js";
import type { Fact, Position, SubjectId } from "../../facts/index.js";
import { position } from "../../facts/index.js";
import { ident, prefixOf } from "../../sql/sqlNames.js";
import type { PlannedRow, StoredRef } from "../appendPlan.js";
import { appendInSession, bulkSession, SessionQueue } from "../bulkSession.js";
import { joinCanonical } from "../canonicalParts.js";
import type * as Port from "../eventLog.js";
import type { SqlFastPath } from "../eventSource.js";
import { FP1, FP2, fingerprint, fingerprintUtf8Into } from "../fingerprintTable.js";
import { follow } from "../follow.js";
import { chainHash, GENESIS_HASH } from "../hashChain.js";
import { storageAdvice } from "../storageAdvice.js";
import { eventTsvTail, subjectTsvRow } from "./csvRows.js";
import { CsvStager, removeLeftoverFolders } from "./csvStager.js";
import { type IndexSnapshot, readIndexSnapshot, snapshotPath, writeIndexSnapshot } from "./indexSnapshot.js";
import { FactIndex, fingerprintToBigInt, type IndexedFact, SourceCodes, StreamRevisions } from "./logIndex.js";
import {
  dataOfTypedSql,
  firstWrongTypedSql,
  TYPED_COLUMNS,
  type TypedValue,
  typedColumnsDdl,
  typedFieldPathsSql,
  typedReason,
  typedSelectSql,
  typedValues,
} from "./typedColumns.js";

/** A commit that brings the log this many events past its saved indexes saves them again (a large import). */
const SNAPSHOT_EVERY = 1_000_000;
/** Up to this many facts, a session that rolls back takes its facts out of the index one by one. */
const MAX_UNDO_IDS = 100_000;
/** How many stored events, spread over the log, a saved index is checked against before it is trusted. */
const SPOT_CHECKS = 16;

/** The format the embedded log's `log_meta` names: the one this version writes. */
export const LOG_FORMAT = "kpi-event-log/2";
/** The format before typed columns: read and verified, never written (`kpi migrate` upgrades it). */
export const LOG_FORMAT_1 = "kpi-event-log/1";

/**
 * From how many rows a batch goes in as a file DuckDB reads (`CsvStager`) rather than with the appender: a file
 * costs a write and a statement, worth it only for an import's batches.
 */
const STAGE_FROM_ROWS = 1_000;

/** Why a stored event fails a check besides its chain hash (in the order the checks apply). */
const SUB_MS_REASON =
  "recorded_at holds sub-millisecond digits, which the hash does not cover (the log stores whole milliseconds)";
const CONTENT_FP_REASON = "content_fp is not the fingerprint of the event's stored content";
/** What the typed-column search marks an event whose `data` DuckDB's JSON reader refuses: TypeScript checks it. */
const UNREAD_DATA = "-";
const HASH_REASON = "stored hash does not match the event's content and the chain";
const SUBJECT_KEY_REASON = "subject_key does not name the event's subject in the subjects table";
/** An event whose subject had another, earlier key: what a version whose index lost keys as it grew wrote. */
const SECOND_KEY_REASON =
  "subject_key is a second key of the event's subject in the subjects table (an earlier version could give a subject a new key when its index grew; the facts and the chain are intact): kpi migrate re-keys the log in a proven copy";

export const eventsDdl = (db: string) => `
CREATE TABLE IF NOT EXISTS ${db}events (
  position        BIGINT      NOT NULL,
  id              VARCHAR     NOT NULL,
  type            VARCHAR     NOT NULL,
  subject         VARCHAR     NOT NULL,
  stream_revision BIGINT      NOT NULL,
  occurred_on     DATE        NOT NULL,
  source          VARCHAR     NOT NULL,
  data            JSON        NOT NULL,
  recorded_at     TIMESTAMPTZ NOT NULL,
  hash            BLOB        NOT NULL,
  content_fp      BIGINT      NOT NULL,
  subject_key     INTEGER     NOT NULL,
${typedColumnsDdl},
  reported_on     DATE
);
CREATE TABLE IF NOT EXISTS ${db}subjects (subject_key INTEGER NOT NULL, subject VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ${db}log_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
INSERT INTO ${db}log_meta VALUES ('format', '${LOG_FORMAT}') ON CONFLICT DO NOTHING;
COMMENT ON TABLE ${db}events IS 'Append-only log of reported facts. Never updated; hash chains each event to the one before it. subject_key and the typed columns after it are derived from subject and data; reported_on is the envelope''s optional reportedOn (NULL: the fact has none), covered by the hash.';
COMMENT ON TABLE ${db}subjects IS 'The subject dictionary: one integer key per subject, written with the first event of the subject.';
`;

/** What a log file holds before it is opened: its `log_meta` format and whether `events` has typed columns. */
interface StoredFormat {
  readonly exists: boolean;
  readonly format: string | undefined;
  readonly typed: boolean;
  /** Whether `events` has the `reported_on` column (added to format 2 after its first release). */
  readonly reportedOn: boolean;
}

const storedFormat = async (conn: DuckDBConnection, alias: string | undefined): Promise<StoredFormat> => {
  const dbName = alias === undefined ? "current_database()" : `'${ident(alias)}'`;
  const r = await conn.runAndReadAll(
    `SELECT count(*) FILTER (WHERE table_name = 'events') > 0,
            count(*) FILTER (WHERE table_name = 'log_meta') > 0,
            (SELECT count(*) > 0 FROM duckdb_columns()
             WHERE database_name = ${dbName} AND schema_name = 'main' AND table_name = 'events' AND column_name = 'subject_key'),
            (SELECT count(*) > 0 FROM duckdb_columns()
             WHERE database_name = ${dbName} AND schema_name = 'main' AND table_name = 'events' AND column_name = 'reported_on')
     FROM duckdb_tables() WHERE database_name = ${dbName} AND schema_name = 'main'`,
  );
  const [exists, hasMeta, typed, reportedOn] = r.getRows()[0] as [boolean, boolean, boolean, boolean];
  if (!hasMeta) return { exists, format: undefined, typed, reportedOn };
  const f = await conn.runAndReadAll(`SELECT value FROM ${prefixOf(alias)}log_meta WHERE key = 'format'`);
  return { exists, format: f.getRows()[0]?.[0] as string | undefined, typed, reportedOn };
};

/** The error of a log in an older format opened for writing: what it is, and how to upgrade it. */
export class LogFormatOutdated extends Error {
  constructor(
    readonly path: string,
    readonly format: string,
  ) {
    super(
      `the event log ${path} is in format ${format}, which this version reads and verifies but does not write (${LOG_FORMAT} stores typed columns beside each event); upgrade it with kpi migrate (it keeps the original as a backup), then try again`,
    );
  }
}

const DAY_MS = 86_400_000;
const dateValue = (iso: string): DuckDBDateValue => new DuckDBDateValue(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

/** The stored `reported_on` as `YYYY-MM-DD`, or NULL where the log has no such column (format 1, or before it). */
const reportedOnSql = (t: string, stored: boolean) =>
  stored ? `strftime(${t}.reported_on, '%Y-%m-%d')` : "CAST(NULL AS VARCHAR)";

/** The columns of a `Row`; `reported`: whether the table has `reported_on`. */
const selectColumns = (
  t: string,
  reported: boolean,
) => `CAST(${t}.position AS DOUBLE) AS position, ${t}.id, ${t}.type, ${t}.subject,
  CAST(${t}.stream_revision AS DOUBLE) AS stream_revision, strftime(${t}.occurred_on, '%Y-%m-%d') AS occurred_on,
  ${t}.source, CAST(${t}.data AS VARCHAR) AS data, strftime(${t}.recorded_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS recorded_at,
  lower(hex(${t}.hash)) AS hash, ${reportedOnSql(t, reported)} AS reported_on`;

/**
 * Whether an event's envelope strings are printable ASCII without `"` or `\`, where JSON.stringify adds nothing but
 * the quotes: there `canonicalSql` is the canonical form `joinCanonical` builds.
 */
const plainEnvelopeSql = (t: string) =>
  `regexp_full_match(${t}.id || ${t}.type || ${t}.subject || ${t}.source, '[ !#-\\[\\]-~]*')`;

/**
 * The canonical JSON of an event joined in SQL (as `joinCanonical` does), right where `plainEnvelopeSql` holds.
 * One `concat` of all the parts (each column is NOT NULL), not a chain of `||` making a string per step: half
 * the time on 10 M events.
 */
const canonicalSql = (t: string, reported: boolean) => {
  const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
  return `concat(${q('{"data":')}, CAST(${t}.data AS VARCHAR), ${q(',"id":"')}, ${t}.id, ${q('","occurredOn":"')},
    strftime(${t}.occurred_on, '%Y-%m-%d'),${
      reported ? ` coalesce(${q('","reportedOn":"')} || strftime(${t}.reported_on, '%Y-%m-%d'), ''),` : ""
    } ${q('","source":"')}, ${t}.source, ${q('","subject":"')}, ${t}.subject, ${q('","type":"')}, ${t}.type,
    ${q('"}')})`;
};

const selectEvent = (db: string, reported: boolean) => `SELECT ${selectColumns("e", reported)} FROM ${db}events e`;

type Row = [number, string, string, string, number, string, string, string, string, string, string | null];

const toStored = (r: Row): Port.StoredEvent => {
  const [pos, id, type, subject, rev, occurredOn, source, data, recordedAt, hash, reportedOn] = r;
  return {
    position: position(pos),
    streamRevision: rev,
    recordedAt,
    hash,
    fact: {
      id,
      type,
      subject,
      occurredOn,
      ...(reportedOn === null ? {} : { reportedOn }),
      source,
      data: JSON.parse(data),
    } as unknown as Fact,
  };
};

const isoToMicros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;

const indexedFact = (
  r: PlannedRow,
  content: readonly [number, number],
  source: number,
  subjectKey: number,
): IndexedFact => ({
  position: r.position,
  content,
  subjectKey,
  isRetraction: r.fact.type === "FactRetracted",
  source,
  retracted: false,
});

/** DuckDB's words for a block whose checksum fails, or storage it cannot make sense of. */
const DAMAGED = /Corrupt database file|checksum|corrupt/i;

/** The error of a damaged log file: what was found, and what to do. */
export class LogStorageDamaged extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(
      `the event log ${path} is damaged (${detail}); nothing was written to it. Restore it from a backup or an exported copy (kpi export-log), then check the restored log with kpi verify-log --log FILE`,
    );
  }
}

const damagedAsLogStorageError = async <T>(path: string, f: () => Promise<T>): Promise<T> => {
  try {
    return await f();
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    if (DAMAGED.test(m)) throw new LogStorageDamaged(path, m);
    throw e;
  }
};

/**
 * Reads every stored block of the log's tables once, so that DuckDB verifies each block's checksum, before the
 * log is written to: a full scan that hashes every column (DuckDB checks a block's checksum whenever it reads
 * the block from the file). Appending to a damaged file would bury the damage under new events.
 */
const checkStorage = (conn: DuckDBConnection, db: string, path: string, reported: boolean): Promise<void> =>
  damagedAsLogStorageError(path, async () => {
    await conn.run(checkEventsSql(db, "", reported));
    await conn.run(checkRestSql(db));
  });

const checkEventsSql = (db: string, where: string, reported: boolean) =>
  `SELECT count(*), bit_xor(hash(position, id, type, subject, stream_revision, occurred_on, source, data, recorded_at,
                                 hash, content_fp, subject_key, ${TYPED_COLUMNS.map((c) => c.column).join(", ")}${reported ? ", reported_on" : ""}))
   FROM ${db}events ${where}`;

/** The check of the other tables' blocks: the subject dictionary and `log_meta`. */
const checkRestSql = (db: string) =>
  `SELECT count(*), bit_xor(hash(subject_key, subject)) FROM ${db}subjects;
   SELECT count(*), bit_xor(hash(key, value)) FROM ${db}log_meta`;

/** The background check reads this many events at a time, pausing between (so that other queries run first). */
const CHECK_CHUNK = 250_000;
const CHECK_PAUSE_MS = 20;
/** How long after an open from saved indexes the background check starts (`storageCheckAfterMs`). */
const STORAGE_CHECK_AFTER_MS = 10_000;

/** DuckDB's memory limit for a log opened for writing in its own instance: KPI_DUCKDB_MEMORY, or 1 GB. */
const logMemoryLimit = (): string => {
  const limit = process.env.KPI_DUCKDB_MEMORY ?? "1GB";
  if (!/^\d+(\.\d+)?\s*(MB|GB|TB)$/i.test(limit)) throw new Error(`KPI_DUCKDB_MEMORY must look like 8GB, got ${limit}`);
  return limit;
};

/**
 * DuckDB's memory limit while a large session's rows go in as files (`CsvStager`), in a log of its own instance
 * when KPI_DUCKDB_MEMORY does not set one: the 17 M-fact province file peaked at 2,705 MiB with 1 GB, 2,097 MiB
 * with 400 MB (the append indexes hold about 1.3 GB of it).
 */
const STAGING_MEMORY = "384MB";

export interface DuckDbEventLogOptions {
  readonly readOnly?: boolean;
  /**
   * Open the log inside a DuckDB instance the caller owns (the warehouse's), attached under `alias`, so that
   * projections can read the events table in SQL. The caller closes the instance.
   */
  readonly attach?: { readonly instance: DuckDBInstance; readonly alias: string };
  /** The clock that stamps `recordedAt` (tests pin it). */
  readonly now?: () => Date;
  /**
   * The fewest events missing from the saved append indexes (all of them, when none are saved) for which the
   * indexes are saved again beside the log (default 100,000: reading that many events at open takes well under a
   * second, while saving a large log's indexes writes about 70 bytes per fact — 1.2 GB at 17 M facts — so a
   * close after a small append leaves the saved ones as they are and the next open reads the few after them).
   */
  readonly saveIndexFrom?: number;
  /**
   * Load the saved append indexes in the background when there are some (a server's start): the open returns
   * once the head is read, reads are served at once, and the first append waits for the indexes (and is refused
   * with the reason if they cannot be loaded). Without saved indexes the open derives them before it returns.
   */
  readonly indexesInBackground?: boolean;
  /**
   * How long after an open from saved indexes the check of every stored block starts (default 10 s): the first
   * seconds after an open are a server's start, which the check would slow down. Appends are accepted meanwhile,
   * as while the check runs; damage found refuses them from then on.
   */
  readonly storageCheckAfterMs?: number;
  /**
   * The most facts (and streams) a session that rolls back takes out of the indexes one by one (default
   * 100,000); beyond that the indexes are read again, as at open.
   */
  readonly undoLimit?: number;
  /**
   * From how many rows a batch of a bulk session, and every batch after it in the session, goes in as a file
   * DuckDB reads (`CsvStager`) instead of with the appender (default 1,000; tests set it to compare the two).
   */
  readonly stageFromRows?: number;
  /** How many bytes of staged rows gather in memory before they go to a file (default 8 MiB; tests set less). */
  readonly stageBytes?: number;
  /** DuckDB's memory limit while a session's rows go in as files (default 384MB; KPI_DUCKDB_MEMORY keeps its own). */
  readonly stagingMemory?: string;
  /**
   * The most events whose canonical forms the whole-chain check reads at once (default 500,000; a range also
   * stops at about `FP_RANGE_BYTES` of them); tests set a few to cross ranges and blocks.
   */
  readonly chainCheckRange?: number;
}

/** The most events whose canonical forms the whole-chain check reads at once, unless the log's options say. */
const FP_RANGE_EVENTS = 500_000;
/** The events of its first range, before it knows how many bytes an event takes. */
const FP_FIRST_RANGE_EVENTS = 50_000;
/** About how many bytes of canonical forms it reads at once (two ranges are in memory, each held twice). */
const FP_RANGE_BYTES = 128 * 1024 * 1024;
/** How many events SQL did not find linked a block lists by position (more: the range is searched again). */
const FP_SUSPECTS_LISTED = 1_000;
/** How many events' canonical forms go in one block of bytes (at most 16,384: about 4 MB). */
const fpBlockEvents = (range: number) => Math.max(2, Math.min(16_384, Math.floor(range / 30)));
/**
 * The hex digits of the header before an event's bytes in a block: its position, the stored fingerprint's two
 * halves, its byte length. The SQL writes them (`firstBrokenLinkOrFingerprint`), `firstWrongInBlock` reads them.
 */
const FP_POSITION_DIGITS = 14; // every position up to 2^53
const FP_WORD_DIGITS = 8;
const FP_HEADER = FP_POSITION_DIGITS + 3 * FP_WORD_DIGITS;

/** The number written in hex (either case) at `b[at..at+digits)`. */
const hexAt = (b: Uint8Array, at: number, digits: number): number => {
  let v = 0;
  for (let i = at; i < at + digits; i++) {
    const c = b[i] as number;
    v = v * 16 + (c <= 57 ? c - 48 : (c | 0x20) - 87);
  }
  return v;
};

/**
 * The lowest position in a block of `firstBrokenLinkOrFingerprint` (events in any order) whose stored fingerprint is not
 * the fingerprint of its canonical bytes, or `first` if that is lower.
 */
export const firstWrongInBlock = (b: Uint8Array, first: number | undefined): number | undefined => {
  let lowest = first;
  for (let i = 0; i < b.length; ) {
    const pos = hexAt(b, i, FP_POSITION_DIGITS);
    const high = hexAt(b, i + FP_POSITION_DIGITS, FP_WORD_DIGITS);
    const low = hexAt(b, i + FP_POSITION_DIGITS + FP_WORD_DIGITS, FP_WORD_DIGITS);
    const length = hexAt(b, i + FP_POSITION_DIGITS + 2 * FP_WORD_DIGITS, FP_WORD_DIGITS);
    i += FP_HEADER;
    if (lowest === undefined || pos < lowest) {
      fingerprintUtf8Into(b, i, i + length);
      if (FP1 >>> 0 !== high || FP2 >>> 0 !== low) lowest = pos;
    }
    i += length;
  }
  return lowest;
};

export class DuckDbEventLog implements Port.EventLog {
  readonly name = "embedded (DuckDB)";
  private ids = new FactIndex(1 << 16);
  private sources = new SourceCodes();
  private revisions = new StreamRevisions();
  /** How many subject keys were given: the next subject first appended gets this plus one. */
  private subjectCount = 0;
  /** The head the saved index snapshot (`indexSnapshot.ts`) holds, or -1 when none was saved or read. */
  private savedHead = -1;
  /** How the indexes were loaded at open: from a saved snapshot (and how many events after it), or derived. */
  private loadedFrom: { readonly snapshot: boolean; readonly tail: number; readonly why?: string } = {
    snapshot: false,
    tail: 0,
  };
  /** The connection the indexes are read on: one of their own while they load in the background. */
  private loadConn: DuckDBConnection | undefined;
  private get indexConn(): DuckDBConnection {
    return this.loadConn ?? this.conn;
  }
  /** Resolves when the append indexes are loaded: at once, unless they load in the background (`indexesInBackground`). */
  private indexesReady: Promise<void> = Promise.resolve();
  private indexesLoaded = false;
  /** Why the append indexes could not be loaded in the background: every append is refused with it. */
  private indexesFailed: unknown;
  /** Starts the background check at once while it waits for its start (see `storageCheckAfterMs`). */
  private wakeCheck: (() => void) | undefined;
  /** The background check's connection while it runs. */
  private checkConn: DuckDBConnection | undefined;
  /** The check of every stored block, when it runs after open (see `open`). */
  private storageCheck: Promise<void> = Promise.resolve();
  /** Damage the check after open found: the log refuses appends from then on. */
  private damage: LogStorageDamaged | undefined;
  private headPos = 0;
  private lastHash: Uint8Array = GENESIS_HASH;
  private readonly sessions = new SessionQueue();
  private readonly waiters = new Set<() => void>();
  private closed = false;
  /** `alias.` when attached to a caller's instance, else "". */
  private readonly db: string;
  private readonly selectEvent: string;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    /** Readers' connection: sees committed events only. */
    private readonly conn: DuckDBConnection,
    /** The writer's connection: bulk sessions run their transaction here. */
    private readonly writeConn: DuckDBConnection,
    private readonly options: DuckDbEventLogOptions,
    /** Whether `events` has the typed columns of format 2 (a format-1 log opens read-only only). */
    readonly typed: boolean,
    /** Whether `events` has `reported_on` (every log opened for writing has it; see `open`). */
    readonly reportedOnColumn: boolean,
  ) {
    this.db = prefixOf(options.attach?.alias);
    this.selectEvent = selectEvent(this.db, reportedOnColumn);
  }

  /** The qualified name of the events table, for SQL run on the same instance. */
  get eventsTable(): string {
    return `${this.db}events`;
  }

  /** The events table as an event source's SQL fast path (`eventSource.ts`): readable on `instance`. */
  get sqlFastPath(): SqlFastPath {
    return { instance: this.instance, table: this.eventsTable, typed: this.typed, reportedOn: this.reportedOnColumn };
  }

  static async open(path: string, options: DuckDbEventLogOptions = {}): Promise<DuckDbEventLog> {
    const instance =
      options.attach?.instance ??
      (await DuckDBInstance.create(path, options.readOnly ? { access_mode: "READ_ONLY" } : {}));
    const conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    if (options.attach !== undefined) {
      await conn.run(
        `ATTACH '${path.replaceAll("'", "''")}' AS ${ident(options.attach.alias)}${options.readOnly ? " (READ_ONLY)" : ""}`,
      );
    }
    const db = prefixOf(options.attach?.alias);
    if (!options.readOnly && options.attach === undefined) {
      // An append needs little of DuckDB's memory: its row groups go to the file as they fill (and the commit
      // makes them visible). Without a bound DuckDB keeps up to 80 % of the machine's memory as cache.
      await conn.run(`SET memory_limit = '${logMemoryLimit()}'`);
    }
    const stored = await storedFormat(conn, options.attach?.alias);
    if (!options.readOnly) {
      if (stored.exists && !(stored.typed && stored.format === LOG_FORMAT)) {
        conn.closeSync();
        if (options.attach === undefined) instance.closeSync();
        throw new LogFormatOutdated(path, stored.format ?? (stored.typed ? "(unnamed)" : LOG_FORMAT_1));
      }
      await conn.run(eventsDdl(db));
      // a format-2 log written before facts could say when they were reported: its events have none (NULL)
      if (stored.exists && !stored.reportedOn) await conn.run(`ALTER TABLE ${db}events ADD COLUMN reported_on DATE`);
    }
    const writeConn = await instance.connect();
    await writeConn.run("SET TimeZone = 'UTC'");
    if (!options.readOnly) removeLeftoverFolders(path); // the log is ours alone now: a stopped import's files go
    const log = new DuckDbEventLog(
      path,
      instance,
      conn,
      writeConn,
      options,
      options.readOnly ? stored.typed : true,
      options.readOnly ? stored.reportedOn : true,
    );
    await damagedAsLogStorageError(path, () => log.loadIndexes());
    return log;
  }

  /**
   * Reads the head, and for a writer the append indexes: from the snapshot saved beside the log when it is this
   * log's (then only the events after it are read, and every stored block is checked in the background: appends
   * are refused from the moment damage is found), else derived from every stored event after a check of every
   * block (appending to a damaged file would bury the damage under new events).
   */
  private async loadIndexes(): Promise<void> {
    const last = await this.conn.runAndReadAll(
      `SELECT CAST(position AS DOUBLE), hash FROM ${this.db}events ORDER BY position DESC LIMIT 1`,
    );
    const row = last.getRows()[0];
    if (row !== undefined) {
      this.headPos = row[0] as number;
      this.lastHash = (row[1] as { bytes: Uint8Array }).bytes;
    }
    if (this.options.readOnly) return; // nothing is appended: the indexes only serve appends
    const load = async () => {
      const fromSaved = await this.readIndexes(() =>
        checkStorage(this.indexConn, this.db, this.path, this.reportedOnColumn),
      );
      if (fromSaved) {
        this.storageCheck = this.checkStorageInBackground(this.headPos).catch((e: unknown) => {
          if (e instanceof LogStorageDamaged) this.damage = e;
        });
      }
    };
    if (this.options.indexesInBackground && existsSync(snapshotPath(this.path))) {
      // on a connection of their own: a stream shares its connection with no other query
      const c = await this.instance.connect();
      this.loadConn = c;
      this.indexesReady = damagedAsLogStorageError(this.path, load)
        .finally(() => {
          this.loadConn = undefined;
          c.closeSync();
        })
        .then(
          () => {
            this.indexesLoaded = true;
          },
          (e: unknown) => {
            this.indexesFailed = e;
          },
        );
      return;
    }
    await load();
    this.indexesLoaded = true;
  }

  /**
   * Reads the append indexes as of the committed head: from the saved snapshot when it is this log's (then true),
   * else derived from every stored event, after `beforeDeriving` (at open: the check of every block). Also how a
   * large session that rolled back is taken out of them.
   */
  private async readIndexes(beforeDeriving: () => Promise<void>): Promise<boolean> {
    const saved = await readIndexSnapshot(this.path);
    const why = "snapshot" in saved ? await this.disagreement(saved.snapshot) : saved.unusable;
    if ("snapshot" in saved && why === undefined) {
      this.ids = saved.snapshot.ids;
      this.sources = saved.snapshot.sources;
      this.revisions = saved.snapshot.revisions;
      this.subjectCount = saved.snapshot.subjects;
      this.savedHead = saved.snapshot.head;
      this.loadedFrom = { snapshot: true, tail: this.headPos - saved.snapshot.head };
      await this.indexEventsAfter(saved.snapshot.head);
      return true;
    }
    await beforeDeriving();
    this.loadedFrom = { snapshot: false, tail: this.headPos, ...(why === undefined ? {} : { why }) };
    // sized for what the log holds, so that the saved index has no more empty slots than it needs
    const subjects = (
      await this.indexConn.runAndReadAll(`SELECT CAST(approx_count_distinct(subject) AS DOUBLE) FROM ${this.db}events`)
    ).getRows()[0]?.[0] as number;
    this.ids = new FactIndex(Math.max(1 << 16, Math.ceil(this.headPos * 1.15))); // room to grow a while
    this.revisions = new StreamRevisions(Math.max(1 << 10, Math.ceil(subjects * 1.05)));
    this.subjectCount = 0;
    await this.indexEventsAfter(0);
    return false;
  }

  /**
   * The check of every stored block (`checkStorage`) after an open from saved indexes: on a connection of its
   * own, a range of positions at a time with a pause between, so that it takes the time the open and the first
   * reads do not use, and from `storageCheckAfterMs` after the open on, so that it does not slow a server's start.
   * Stops when the log closes.
   */
  private async checkStorageInBackground(head: number): Promise<void> {
    const delay = this.options.storageCheckAfterMs ?? STORAGE_CHECK_AFTER_MS;
    if (delay > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        timer.unref();
        this.wakeCheck = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeCheck = undefined;
    }
    if (this.closed) return;
    const c = await this.instance.connect();
    this.checkConn = c;
    try {
      await damagedAsLogStorageError(this.path, async () => {
        for (let from = 0; from < head && !this.closed; from += CHECK_CHUNK) {
          await c.run(
            checkEventsSql(
              this.db,
              `WHERE position > ${from} AND position <= ${from + CHECK_CHUNK}`,
              this.reportedOnColumn,
            ),
          );
          await new Promise((r) => setTimeout(r, CHECK_PAUSE_MS));
        }
        if (!this.closed) await c.run(checkRestSql(this.db));
      });
    } finally {
      this.checkConn = undefined;
      c.closeSync();
    }
  }

  /**
   * Why a saved snapshot is not this log's indexes (undefined when it is), checked against stored events: the
   * event at its head has its hash, and 16 stored events spread over the log (their fact, source, stream and
   * subject key) and the dictionary's row of its last key agree with it.
   */
  private async disagreement(s: IndexSnapshot): Promise<string | undefined> {
    if (s.head > this.headPos) return `the saved index is of position ${s.head}, past the log's head ${this.headPos}`;
    if (s.head === 0) {
      return s.ids.size === 0 && s.subjects === 0 ? undefined : "the saved index of an empty log holds facts";
    }
    const head = (
      await this.indexConn.runAndReadAll(`SELECT lower(hex(hash)) FROM ${this.db}events WHERE position = ${s.head}`)
    ).getRows()[0]?.[0];
    if (head !== s.headHash) return `the saved index's head hash differs at position ${s.head}`;
    const last = (
      await this.indexConn.runAndReadAll(`SELECT subject FROM ${this.db}subjects WHERE subject_key = ${s.subjects}`)
    ).getRows() as [string][];
    if (last.length !== 1 || s.revisions.subjectKey(last[0]?.[0] ?? "") !== s.subjects) {
      return `the saved index's subject key ${s.subjects} is not the subject dictionary's last one as of its head`;
    }
    const wanted = new Set<number>([s.head, 1]);
    for (let i = 1; i < SPOT_CHECKS; i++) wanted.add(1 + Math.floor((i * (s.head - 1)) / SPOT_CHECKS));
    // one point look per event (each reads the row group its position's zone map names; an IN list scans more)
    const rows = (
      await this.indexConn.runAndReadAll(
        [...wanted]
          .map(
            (at) => `SELECT CAST(position AS DOUBLE), id, subject, type = 'FactRetracted',
                            CAST(content_fp >> 32 AS INTEGER), CAST(content_fp & 4294967295 AS DOUBLE), source, subject_key
                     FROM ${this.db}events WHERE position = ${at}`,
          )
          .join("\nUNION ALL\n"),
      )
    ).getRows() as [number, string, string, boolean, number, number, string, number][];
    if (rows.length !== wanted.size) return "the log does not hold the events the saved index names";
    for (const [pos, id, subject, isRetraction, c1, c2, source, subjectKey] of rows) {
      const f = s.ids.get(id);
      if (
        f === undefined ||
        f.position !== pos ||
        f.content[0] !== c1 ||
        f.content[1] !== (c2 | 0) ||
        f.subjectKey !== subjectKey ||
        f.isRetraction !== isRetraction ||
        s.sources.all()[f.source] !== source ||
        s.revisions.subjectKey(subject) !== subjectKey
      ) {
        return `the saved index disagrees with the stored event at position ${pos}`;
      }
    }
    return undefined;
  }

  /** Adds the events after position `after` to the append indexes. */
  private async indexEventsAfter(after: number): Promise<void> {
    const ids = await this.indexConn.stream(
      `SELECT id, CAST(position AS DOUBLE), subject_key, type = 'FactRetracted', CAST(content_fp >> 32 AS INTEGER),
              CAST(content_fp & 4294967295 AS DOUBLE), source FROM ${this.db}events WHERE position > ${after}`,
    );
    for await (const rows of ids.yieldRows()) {
      for (const r of rows) {
        this.ids.add(r[0] as string, {
          position: r[1] as number,
          subjectKey: r[2] as number,
          isRetraction: r[3] as boolean,
          content: [r[4] as number, (r[5] as number) | 0],
          source: this.sources.code(r[6] as string),
          retracted: false,
        });
      }
    }
    // retractions are few: which facts they name, so that a second one is refused without reading the table
    const retracted = await this.indexConn.stream(
      `SELECT json_extract_string(data, '$.eventId') FROM ${this.db}events
       WHERE type = 'FactRetracted' AND position > ${after}`,
    );
    for await (const rows of retracted.yieldRows()) for (const r of rows) this.ids.markRetracted(r[0] as string);
    const revs = await this.indexConn.stream(
      `SELECT subject, CAST(max(stream_revision) AS DOUBLE) FROM ${this.db}events WHERE position > ${after}
       GROUP BY subject`,
    );
    for await (const rows of revs.yieldRows()) for (const r of rows) this.revisions.set(r[0] as string, r[1] as number);
    // the dictionary's rows after the keys known (keys are given in order, so a zone map finds them)
    const subjects = await this.indexConn.stream(
      `SELECT subject, subject_key FROM ${this.db}subjects WHERE subject_key > ${this.subjectCount}`,
    );
    for await (const rows of subjects.yieldRows()) {
      for (const [subject, key] of rows as unknown as [string, number][]) {
        this.revisions.setSubjectKey(subject, key);
        if (key > this.subjectCount) this.subjectCount = key;
      }
    }
  }

  /** How the append indexes were loaded when the log opened (for the operator: a snapshot, or derived, and why). */
  get indexLoad(): { readonly snapshot: boolean; readonly tail: number; readonly why?: string } {
    return this.loadedFrom;
  }

  /**
   * Resolves when the check of every stored block that runs after an open from a saved index has ended; rejects
   * with `LogStorageDamaged` if it found damage (appends are refused from then on).
   */
  async storageChecked(): Promise<void> {
    await this.storageCheck;
    if (this.damage !== undefined) throw this.damage;
  }

  /**
   * Saves the append indexes beside the log (`indexSnapshot.ts`), so that the next open reads them instead of
   * deriving them. Called with the write lock held (or at close). A failure to save costs only the next open's
   * time, so it is not an error of the append that triggered it.
   */
  private async saveIndexes(): Promise<void> {
    if (this.options.readOnly || this.damage !== undefined || !this.indexesLoaded || this.headPos === this.savedHead)
      return;
    if (this.headPos - Math.max(0, this.savedHead) < (this.options.saveIndexFrom ?? 100_000)) return;
    try {
      await writeIndexSnapshot(this.path, {
        head: this.headPos,
        headHash: this.headPos === 0 ? "" : Buffer.from(this.lastHash).toString("hex"),
        ids: this.ids,
        sources: this.sources,
        revisions: this.revisions,
        subjects: this.subjectCount,
      });
      this.savedHead = this.headPos;
    } catch {
      // the next open derives the indexes from the events
    }
  }

  /**
   * Makes room in the append indexes for about `facts` more facts (an importer's estimate from the file's size),
   * so that a large import grows them once, before it starts, instead of holding the old and the new table at
   * each step of the way.
   */
  reserve(facts: number): void {
    if (this.options.readOnly || facts <= 0) return;
    if (this.indexesLoaded) this.ids.reserve(Math.ceil(facts));
    else
      void this.indexesReady.then(() => {
        if (this.indexesLoaded) this.ids.reserve(Math.ceil(facts));
      });
  }

  async head(): Promise<Position> {
    return position(this.headPos);
  }

  append(
    facts: readonly Fact[],
    options: Port.AppendOptions = {},
  ): Promise<E.Either<Port.AppendError, Port.AppendResult>> {
    return appendInSession(() => this.beginBulk(), facts, options);
  }

  /** Waits for any other session to end, then opens a transaction that this session alone writes to. */
  async beginBulk(): Promise<Port.BulkSession> {
    if (this.closed) throw new Error("event log is closed");
    if (this.options.readOnly) throw new Error(`event log ${this.path} is open read-only`);
    if (this.damage !== undefined) throw this.damage;
    await this.indexesReady;
    if (this.indexesFailed !== undefined) throw this.indexesFailed;
    const release = await this.sessions.enter(() => this.closed);
    if (this.damage !== undefined) {
      release();
      throw this.damage;
    }
    await this.writeConn.run("BEGIN TRANSACTION");
    /** A large batch's rows go in as files DuckDB reads (and every batch after it), a small one's with the appender. */
    const stager = new CsvStager(
      this.writeConn,
      this.db,
      this.path,
      this.options.stageBytes,
      this.options.attach === undefined && process.env.KPI_DUCKDB_MEMORY === undefined
        ? { staging: this.options.stagingMemory ?? STAGING_MEMORY, standing: logMemoryLimit() }
        : undefined,
    );
    // The session adds its facts and stream revisions to the log's own indexes (one copy however large the
    // import: a second would double the memory), and takes them out again if it rolls back: one by one while
    // the session is small, else by reading the indexes again as the log opens (from the saved ones).
    const first = this.headPos + 1;
    /** Facts stored before this session that it marked retracted. */
    const retracted = new Set<string>();
    /** The ids this session added, and each stream's revision before it: kept while the session is small. */
    let added: string[] | undefined = [];
    let revisionsBefore: Map<string, number> | undefined = new Map();
    /** How many subject keys were given before this session: its new subjects' keys come after. */
    const subjectsBefore = this.subjectCount;
    const undo = async () => {
      if (added === undefined || revisionsBefore === undefined) {
        // the stored blocks were checked (or are being checked) since the open
        await this.readIndexes(async () => undefined);
        return;
      }
      for (const id of added) this.ids.delete(id);
      for (const id of retracted) this.ids.unmarkRetracted(id);
      for (const [s, rev] of revisionsBefore) {
        this.revisions.set(s, rev);
        if (rev === -1) this.revisions.setSubjectKey(s, 0); // a subject this session brought: its key is free again
      }
      this.subjectCount = subjectsBefore;
    };
    return bulkSession({ head: this.headPos, lastHash: this.lastHash }, release, {
      known: {
        maybeStored: (id) => this.ids.has(id),
        lookup: (wanted) => this.lookup(wanted),
        revision: (s) => this.revisions.get(s),
      },
      now: () => this.options.now?.() ?? new Date(),
      write: async (plan, recordedAt) => {
        // each fact's content fingerprint, once: the index keeps it, the events table stores it
        const contents = plan.rows.map((r) => r.content ?? fingerprint(r.canonical));
        // each touched stream's revision before this batch, while the session is small enough to undo one by one
        if (
          revisionsBefore !== undefined &&
          revisionsBefore.size + plan.revisions.size > (this.options.undoLimit ?? MAX_UNDO_IDS)
        ) {
          revisionsBefore = undefined;
        }
        if (revisionsBefore !== undefined) {
          for (const s of plan.revisions.keys()) {
            if (!revisionsBefore.has(s)) revisionsBefore.set(s, this.revisions.get(s));
          }
        }
        // each row's subject key, given (or found) once as the row is written (the index keeps it too), and its
        // stream's revision set in the same look-up of the subject (`rowSubjectKey`)
        const keys =
          stager.used || plan.rows.length >= (this.options.stageFromRows ?? STAGE_FROM_ROWS)
            ? await this.stageRows(stager, plan.rows, contents, recordedAt)
            : await this.writeRows(plan.rows, contents, recordedAt);
        if (added !== undefined && added.length + plan.rows.length > (this.options.undoLimit ?? MAX_UNDO_IDS))
          added = undefined;
        for (const [i, r] of plan.rows.entries()) {
          this.ids.add(
            r.fact.id,
            indexedFact(r, contents[i] as [number, number], this.sources.code(r.fact.source), keys[i] as number),
          );
          added?.push(r.fact.id);
          if (r.fact.type === "FactRetracted") {
            const target = String(r.fact.data.eventId);
            const t = this.ids.get(target);
            if (t !== undefined && t.position < first && !t.retracted) retracted.add(target);
            this.ids.markRetracted(target);
          }
        }
      },
      commit: async (head, lastHash) => {
        try {
          await stager.finish();
        } catch (e) {
          await this.writeConn.run("ROLLBACK").catch(() => undefined);
          await undo();
          throw e; // it says what failed and that nothing was appended
        }
        try {
          await this.writeConn.run("COMMIT");
        } catch (e) {
          // DuckDB ends a transaction it could not commit: a failed ROLLBACK here says nothing of the cause.
          await this.writeConn.run("ROLLBACK").catch(() => undefined);
          await undo();
          const m = e instanceof Error ? e.message : String(e);
          const advice = storageAdvice(m);
          throw new Error(
            `committing ${head - this.headPos} events to the event log ${this.path} failed: ${m}; nothing was appended${
              advice === undefined ? "" : `; ${advice}`
            }`,
            { cause: e },
          );
        }
        this.headPos = head;
        this.lastHash = lastHash;
        if (this.headPos - Math.max(0, this.savedHead) >= SNAPSHOT_EVERY) await this.saveIndexes();
      },
      committed: () => {
        for (const w of this.waiters) w();
      },
      rollback: async () => {
        try {
          await stager.discard();
          await this.writeConn.run("ROLLBACK");
        } finally {
          await undo();
        }
      },
    });
  }

  /**
   * Appends the planned rows with the appender, value by value, with each row's subject key and typed columns;
   * subjects first seen here get the next keys (in the stream revisions, which the session takes back if it rolls
   * back) and a row in `subjects`, in the same transaction; returns each row's key. (Data chunks, `appendDataChunk`, were measured slower
   * on the small sample: 19,300 against 21,200 facts/s, medians of 3.)
   */
  private async writeRows(
    rows: readonly PlannedRow[],
    contents: readonly (readonly [number, number])[],
    recordedAt: string,
  ): Promise<number[]> {
    const alias = this.options.attach?.alias ?? null;
    const fresh: [string, number][] = [];
    try {
      const keys = await this.appendEvents(rows, contents, recordedAt, alias, fresh);
      if (fresh.length > 0) await this.appendSubjects(fresh, alias);
      return keys;
    } catch (e) {
      this.revokeKeys(fresh);
      throw e;
    }
  }

  /**
   * Stages planned rows as text (`csvRows.ts`) with their subject keys: subjects first seen here get the next keys
   * and a dictionary row, as with `writeRows`; sets each stream's revision (`rowSubjectKey`). Returns each row's key.
   */
  private async stageRows(
    stager: CsvStager,
    rows: readonly PlannedRow[],
    contents: readonly (readonly [number, number])[],
    recordedAt: string,
  ): Promise<number[]> {
    const fresh: [string, number][] = [];
    const keys: number[] = [];
    try {
      for (const [i, r] of rows.entries()) {
        const known = fresh.length;
        const key = this.rowSubjectKey(r, fresh);
        if (fresh.length > known) stager.addSubject(subjectTsvRow(key, r.fact.subject));
        keys.push(key);
        const content = contents[i] as readonly [number, number];
        stager.addEvent(r.position, r.streamRevision, recordedAt, r.hash, eventTsvTail(key, content, r.fact, r.data));
      }
      await stager.maybeFlush();
      return keys;
    } catch (e) {
      this.revokeKeys(fresh); // the caller rolls the transaction back: the keys given here are not stored
      throw e;
    }
  }

  private async appendEvents(
    rows: readonly PlannedRow[],
    contents: readonly (readonly [number, number])[],
    recordedAt: string,
    alias: string | null,
    fresh: [string, number][],
  ): Promise<number[]> {
    const ap = await this.writeConn.createAppender("events", null, alias);
    const keys: number[] = [];
    try {
      const micros = new DuckDBTimestampTZValue(isoToMicros(recordedAt));
      for (const [i, r] of rows.entries()) {
        const f = r.fact;
        ap.appendBigInt(BigInt(r.position));
        ap.appendVarchar(f.id);
        ap.appendVarchar(f.type);
        ap.appendVarchar(f.subject);
        ap.appendBigInt(BigInt(r.streamRevision));
        ap.appendVarchar(f.occurredOn);
        ap.appendVarchar(f.source);
        ap.appendVarchar(r.data);
        ap.appendTimestampTZ(micros);
        ap.appendBlob(r.hash);
        ap.appendBigInt(fingerprintToBigInt(contents[i] as [number, number]));
        const key = this.rowSubjectKey(r, fresh);
        keys.push(key);
        ap.appendInteger(key);
        // typedValues, without an array per row: this loop runs for every column of every fact appended
        const data = f.data as Readonly<Record<string, unknown>>;
        for (const c of TYPED_COLUMNS) {
          const v = data[c.field];
          if (c.sql === "VARCHAR" && typeof v === "string") ap.appendVarchar(v);
          else if (c.sql === "INTEGER" && typeof v === "number" && Number.isInteger(v)) ap.appendInteger(v);
          else if (c.sql === "BOOLEAN" && typeof v === "boolean") ap.appendBoolean(v);
          else if (c.sql === "DATE" && typeof v === "string") ap.appendDate(dateValue(v));
          else ap.appendNull();
        }
        if (f.reportedOn === undefined) ap.appendNull();
        else ap.appendDate(dateValue(f.reportedOn));
        ap.endRow();
      }
      ap.flushSync();
      return keys;
    } finally {
      ap.closeSync();
    }
  }

  /**
   * A row's subject key, in one look-up of its subject that also sets its stream's revision (the last row of a
   * stream sets the revision the plan gives it): a subject first seen gets the next key, noted in `fresh` (its
   * dictionary row is to write). A session that fails after this rolls back, which puts the revisions back.
   */
  private rowSubjectKey(r: PlannedRow, fresh: [string, number][]): number {
    const subject = r.fact.subject;
    const slot = this.revisions.enter(subject);
    let key = this.revisions.keyAt(slot);
    if (key === 0) {
      key = ++this.subjectCount;
      this.revisions.setKeyAt(slot, key);
      fresh.push([subject, key]);
    }
    this.revisions.setRevisionAt(slot, r.streamRevision);
    return key;
  }

  /** Takes back keys given to subjects whose rows the caller will roll back: they are not stored. */
  private revokeKeys(fresh: readonly (readonly [string, number])[]): void {
    for (const [subject] of fresh) this.revisions.setSubjectKey(subject, 0);
    this.subjectCount -= fresh.length;
  }

  private async appendSubjects(fresh: readonly [string, number][], alias: string | null): Promise<void> {
    const ap: DuckDBAppender = await this.writeConn.createAppender("subjects", null, alias);
    try {
      for (const [subject, key] of fresh) {
        ap.appendInteger(key);
        ap.appendVarchar(subject);
        ap.endRow();
      }
      ap.flushSync();
    } finally {
      ap.closeSync();
    }
  }

  /**
   * Stored facts by id, from the in-memory index (which holds the open session's facts and retraction marks
   * too), without reading the events table — also their source and whether they are retracted. The content fingerprint covers the id, so a fact is a duplicate only if its
   * id and canonical bytes both match; a new id whose 64-bit fingerprint collides with a stored one (odds
   * about n / 2^64 per fact) would be refused as an IdConflict, loudly, never dropped.
   */
  private lookup(wanted: readonly string[]): Promise<ReadonlyMap<string, StoredRef>> {
    const out = new Map<string, StoredRef>();
    for (const id of wanted) {
      const f = this.ids.get(id);
      if (f === undefined) continue;
      const [c1, c2] = f.content;
      const key = f.subjectKey;
      const ref: StoredRef = {
        position: position(f.position),
        isRetraction: f.isRetraction,
        sameContent: (c) => {
          const [a, b] = fingerprint(c);
          return a === c1 && b === c2;
        },
        // every stored subject has its one key (a log whose dictionary gave a subject two is re-keyed by kpi
        // migrate; until then a retraction naming a fact under its second key is refused, never wrongly let in)
        sameSubject: (x) => key !== 0 && this.revisions.subjectKey(x) === key,
        details: () => Promise.resolve({ source: this.sources.name(f.source), retracted: f.retracted }),
      };
      out.set(id, ref);
    }
    return Promise.resolve(out);
  }

  async *readAll(after: Position, options: Port.ReadOptions = {}): AsyncIterable<Port.StoredEvent> {
    const page = options.pageSize ?? 10_000;
    const to = options.to ?? Number.MAX_SAFE_INTEGER;
    let from = after as number;
    for (;;) {
      const upTo = Math.min(to, from + page);
      if (upTo <= from) return;
      const reader = await this.conn.runAndReadAll(
        `${this.selectEvent} WHERE position > $from AND position <= $upTo ORDER BY position`,
        { from, upTo },
      );
      const rows = reader.getRows() as unknown as Row[];
      for (const r of rows) yield toStored(r);
      if (rows.length < upTo - from) return;
      from = upTo;
    }
  }

  async *readStream(subject: SubjectId): AsyncIterable<Port.StoredEvent> {
    const reader = await this.conn.runAndReadAll(
      `${this.selectEvent} WHERE subject = $subject ORDER BY stream_revision`,
      {
        subject,
      },
    );
    for (const r of reader.getRows() as unknown as Row[]) yield toStored(r);
  }

  subscribe(after: Position, signal: AbortSignal): AsyncIterable<Port.StoredEvent> {
    return follow(after, signal, {
      closed: () => this.closed,
      readAll: (from) => this.readAll(from),
      waitAfter: (pos) =>
        this.headPos > pos
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const wake = () => {
                this.waiters.delete(wake);
                signal.removeEventListener("abort", wake);
                resolve();
              };
              this.waiters.add(wake);
              signal.addEventListener("abort", wake, { once: true });
            }),
    });
  }

  /**
   * Checks the hash chain in DuckDB, in parallel: each link is local (the stored hash of p must be the SHA-256 of
   * the stored hash of p−1 and p's bytes), so every event is checked at once instead of one after the other, and
   * by induction all links holding is the whole chain holding; the first link that fails is the first position a
   * sequential check would name. The bytes are built in SQL only for events whose envelope strings are printable
   * ASCII without `"` or `\` (where JSON.stringify adds nothing but the quotes); any other event, and any link SQL
   * finds broken, is checked again in TypeScript with `chainHash`, which alone decides. Gaps and repeated positions
   * are found first, with the same report as `verifyChainSequentially`. With `after`, only the events after that
   * position are checked, the stored hash at `after` taken as given (the caller has checked it).
   */
  verifyChain(options: Port.VerifyChainOptions & { readonly secondKeys?: boolean } = {}): Promise<Port.ChainReport> {
    const after = options.after ?? 0;
    if (!Number.isSafeInteger(after) || after < 0)
      throw new RangeError(`verifyChain: after must be a position, got ${after}`);
    return damagedAsLogStorageError(this.path, () => this.checkChain(after, options.secondKeys ?? true));
  }

  /**
   * How many subjects the dictionary gives more than one key (a version whose index lost keys as it grew wrote
   * them; `kpi migrate` re-keys such a log). `verifyChain` names the first event using a second key; `kpi migrate`
   * checks the rest of the chain without that check (`secondKeys: false`) before it re-keys.
   */
  async subjectsWithSecondKeys(): Promise<number> {
    if (!this.typed) return 0;
    const r = await this.conn.runAndReadAll(
      `SELECT CAST(count(*) AS DOUBLE) FROM (SELECT subject FROM ${this.db}subjects GROUP BY subject HAVING count(*) > 1)`,
    );
    return r.getRows()[0]?.[0] as number;
  }

  private async checkChain(after: number, secondKeys: boolean): Promise<Port.ChainReport> {
    const ev = `${this.db}events`;
    const shape = await this.conn.runAndReadAll(
      `SELECT CAST(count(*) AS DOUBLE), CAST(count(DISTINCT position) AS DOUBLE), CAST(coalesce(min(position), ${after + 1}) AS DOUBLE),
              CAST(coalesce(max(position), ${after}) AS DOUBLE) FROM ${ev} WHERE position > ${after}`,
    );
    const [n, distinct, min, max] = shape.getRows()[0] as [number, number, number, number];
    let gap: { position: number; reason: string } | undefined;
    if (!(n === distinct && n === max - after && min === after + 1)) {
      const g = await this.conn.runAndReadAll(
        `SELECT CAST(rn AS DOUBLE), CAST(position AS DOUBLE) FROM (
           SELECT position, ${after} + row_number() OVER (ORDER BY position, recorded_at) AS rn FROM ${ev}
           WHERE position > ${after}
         ) WHERE position <> rn ORDER BY rn LIMIT 1`,
      );
      const [rn, pos] = g.getRows()[0] as [number, number];
      gap = {
        position: rn,
        reason: pos > rn ? `event ${rn} is missing (next is ${pos})` : `position ${pos} appears twice`,
      };
    }
    const below = gap?.position ?? max + 1;
    // The links and fingerprints (one pass: SQL on DuckDB's threads, the fingerprints' hashing in TypeScript on
    // this thread) and the typed columns (SQL) are searched at once, on connections of their own. The first bad
    // event is the lowest any search found; at one position the check listed first names it (the hash first).
    const fpConn = await this.instance.connect();
    let typedConn: DuckDBConnection | undefined;
    let settled: PromiseSettledResult<unknown>[];
    try {
      typedConn = this.typed ? await this.instance.connect() : undefined;
      const typedOn = typedConn;
      settled = await Promise.allSettled([
        this.firstBrokenLinkOrFingerprint(below, after, fpConn).then(async ({ hash, fp }) => ({
          hash,
          fp,
          // only below what the pass found: the check names the lowest
          subMs: await this.firstSubMillisecond(Math.min(hash ?? below, fp ?? below), after),
        })),
        typedOn === undefined ? Promise.resolve(undefined) : this.firstWrongTyped(below, after, typedOn),
      ]);
    } finally {
      fpConn.closeSync();
      typedConn?.closeSync();
    }
    for (const r of settled) if (r.status === "rejected") throw r.reason;
    const [links, typed] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      { hash: number | undefined; fp: number | undefined; subMs: number | undefined },
      { position: number; reason: string } | undefined,
    ];
    const found = [
      links.hash === undefined ? undefined : { position: links.hash, reason: HASH_REASON },
      links.subMs === undefined ? undefined : { position: links.subMs, reason: SUB_MS_REASON },
      links.fp === undefined ? undefined : { position: links.fp, reason: CONTENT_FP_REASON },
      typed,
    ].filter((x) => x !== undefined);
    const first = found.reduce<{ position: number; reason: string } | undefined>(
      (a, b) => (a === undefined || b.position < a.position ? b : a),
      undefined,
    );
    const second = this.typed && secondKeys ? await this.firstSecondKey(first?.position ?? below, after) : undefined;
    const firstBad = second !== undefined ? { position: second, reason: SECOND_KEY_REASON } : (first ?? gap);
    return this.report(max, firstBad, after);
  }

  /**
   * The report of a check that found `firstBad` (if any) among events after+1..max, with the metadata checked;
   * `checked` counts the events after `after` that verify.
   */
  private async report(
    max: number,
    firstBad: { position: number; reason: string } | undefined,
    after = 0,
  ): Promise<Port.ChainReport> {
    const logMeta = await this.checkLogMeta();
    if (firstBad === undefined && logMeta === undefined) return { ok: true, head: position(max), checked: max - after };
    return {
      ok: false,
      head: position(this.headPos),
      checked: (firstBad === undefined ? max : firstBad.position - 1) - after,
      ...(firstBad === undefined
        ? {}
        : { firstBad: { position: position(firstBad.position), reason: firstBad.reason } }),
      ...(logMeta === undefined ? {} : { logMeta }),
    };
  }

  /**
   * The first key of `log_meta` that does not agree with the log: `format` must name this format; an exported
   * copy's `exported_head` must be a position the log holds, `exported_head_hash` its chain hash and
   * `exported_at` no earlier than its recording; no other key is written, so any other is reported.
   */
  private async checkLogMeta(): Promise<{ key: string; reason: string } | undefined> {
    const r = await this.conn.runAndReadAll(`SELECT key, value FROM ${this.db}log_meta ORDER BY key`);
    const meta = new Map(r.getRows() as [string, string][]);
    const format = meta.get("format");
    // the format the table's shape is: typed columns are format 2's, their absence format 1's
    const expected = this.typed ? LOG_FORMAT : LOG_FORMAT_1;
    if (format !== expected) {
      return {
        key: "format",
        reason: format === undefined ? `is missing (it must be ${expected})` : `is ${format}, not ${expected}`,
      };
    }
    const exportKeys = ["exported_at", "exported_head", "exported_head_hash"];
    if (exportKeys.some((k) => meta.has(k))) {
      const missing = exportKeys.find((k) => !meta.has(k));
      if (missing !== undefined) {
        return {
          key: missing,
          reason: "is missing: an exported copy records exported_at, exported_head and exported_head_hash together",
        };
      }
      const head = meta.get("exported_head") ?? "";
      if (!/^\d{1,15}$/.test(head)) return { key: "exported_head", reason: `is ${head}, not a log position` };
      const e = (
        await this.conn.runAndReadAll(
          `SELECT lower(hex(hash)), strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%gZ') FROM ${this.db}events WHERE position = $p`,
          { p: Number(head) },
        )
      ).getRows()[0] as [string, string] | undefined;
      const stated = meta.get("exported_head_hash") ?? "";
      if (head !== "0" && e === undefined) {
        return { key: "exported_head", reason: `names position ${head}, which the log does not hold` };
      }
      const actual = e?.[0] ?? "";
      if (stated !== actual) {
        return {
          key: "exported_head_hash",
          reason: `is ${stated || "empty"}, but the chain hash at position ${head} is ${actual || "empty (no event)"}`,
        };
      }
      const at = meta.get("exported_at") ?? "";
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(at) || Number.isNaN(Date.parse(at))) {
        return { key: "exported_at", reason: `is ${at}, not an ISO-8601 UTC time` };
      }
      if (e !== undefined && Date.parse(at) < Date.parse(e[1])) {
        return { key: "exported_at", reason: `is ${at}, before event ${head} was recorded (${e[1]})` };
      }
    }
    const known = new Set(["format", ...exportKeys]);
    const unknown = [...meta.keys()].find((k) => !known.has(k));
    return unknown === undefined ? undefined : { key: unknown, reason: "is not a key the event log writes" };
  }

  /** The first position below `below` whose recorded_at is not a whole millisecond. */
  private async firstSubMillisecond(below: number, after: number): Promise<number | undefined> {
    const r = await this.conn.runAndReadAll(
      `SELECT CAST(min(position) AS DOUBLE) FROM ${this.db}events
       WHERE position > ${after} AND position < ${below} AND epoch_us(recorded_at) % 1000 <> 0`,
    );
    return (r.getRows()[0]?.[0] as number | null) ?? undefined;
  }

  /**
   * The first position in (after, below) whose `subject_key` does not name its subject in `subjects`, or one of
   * whose typed columns does not hold what its `data` says (derived in SQL as `typedFromDataSql`, which a
   * property holds equal to `typedValues`; `data` parsed once per event), with the column named. An event whose
   * `data` is byte for byte the JSON of its typed columns (`dataOfTypedSql`: most events, whose fields are all
   * typed) holds what its data says without a parse; only the others are parsed. An event whose
   * `data` DuckDB's JSON reader refuses (a lone surrogate, which logs written before the decoder refused them may
   * hold; JavaScript reads it) is checked in TypeScript (`wrongTyped`), as the sequential check does.
   */
  private async firstWrongTyped(
    below: number,
    after: number,
    conn: DuckDBConnection = this.conn,
  ): Promise<{ position: number; reason: string } | undefined> {
    // after a checkpoint, only the dictionary rows of the keys the events checked use (a whole check reads all)
    const keysInRange =
      after === 0
        ? ""
        : `WHERE subject_key IN (SELECT subject_key FROM ${this.db}events WHERE position > ${after} AND position < ${below})`;
    const keys = `LEFT JOIN (SELECT subject_key, min(subject) AS subject, count(*) AS n FROM ${this.db}subjects ${keysInRange}
                    GROUP BY ALL) s
           ON s.subject_key = e.subject_key`;
    // the first event SQL finds wrong (and why), and the first whose data it could not read
    const r = await conn.runAndReadAll(
      `SELECT CAST(min(position) FILTER (WHERE wrong <> '${UNREAD_DATA}') AS DOUBLE),
              arg_min(wrong, position) FILTER (WHERE wrong <> '${UNREAD_DATA}'),
              CAST(min(position) FILTER (WHERE wrong = '${UNREAD_DATA}') AS DOUBLE)
       FROM (
         SELECT e.position,
                CASE WHEN s.n IS DISTINCT FROM 1 OR s.subject IS DISTINCT FROM e.subject THEN 'subject_key'
                     WHEN e.as_typed THEN NULL
                     WHEN e.typed_values IS NULL THEN '${UNREAD_DATA}'
                     ELSE ${firstWrongTypedSql("e", "e.typed_values")} END AS wrong
         FROM (SELECT *, CASE WHEN NOT as_typed AND json_valid(data) THEN json_extract(data, ${typedFieldPathsSql}) END AS typed_values
               FROM (SELECT *, coalesce(CAST(d.data AS VARCHAR) = ${dataOfTypedSql("d")}, false) AS as_typed
                     FROM ${this.db}events d WHERE position > ${after} AND position < ${below})) e
         ${keys})
       WHERE wrong IS NOT NULL`,
    );
    const [inSql, why, unreadFrom] = r.getRows()[0] as [number | null, string | null, number | null];
    let first =
      inSql === null
        ? undefined
        : { position: inSql, reason: why === "subject_key" ? SUBJECT_KEY_REASON : typedReason(why ?? "") };
    if (unreadFrom !== null && unreadFrom < (first?.position ?? below)) {
      // events before it whose data SQL could not read: read again, with their columns, and checked here
      const unread = await conn.stream(
        `SELECT CAST(e.position AS DOUBLE), e.subject, CAST(e.data AS VARCHAR), s.subject, s.n, ${typedSelectSql("e")}
         FROM ${this.db}events e ${keys}
         WHERE e.position >= ${unreadFrom} AND e.position < ${first?.position ?? below} AND NOT json_valid(e.data)
         ORDER BY e.position`,
      );
      search: for await (const rows of unread.yieldRows()) {
        for (const [pos, subject, data, ...stored] of rows as [number, string, string, ...unknown[]][]) {
          const wrong = this.wrongTyped(subject, data, stored);
          if (wrong !== undefined) {
            first = { position: pos, reason: wrong };
            break search;
          }
        }
      }
    }
    return first;
  }

  /**
   * The first position in (after, below) whose subject_key is not the first key the dictionary gives its subject
   * (keys are given in order, so the smallest). Only the subjects of those events are looked up: all of them on a
   * whole check, the few of a check after a checkpoint.
   */
  private async firstSecondKey(below: number, after: number): Promise<number | undefined> {
    const ev = `${this.db}events`;
    const named =
      after === 0
        ? ""
        : `WHERE subject IN (SELECT subject FROM ${ev} WHERE position > ${after} AND position < ${below})`;
    const r = await this.conn.runAndReadAll(
      `WITH d AS (SELECT subject, min(subject_key) AS first_key FROM ${this.db}subjects ${named}
                  GROUP BY subject HAVING count(*) > 1)
       SELECT CAST(min(e.position) AS DOUBLE) FROM ${ev} e JOIN d ON d.subject = e.subject
       WHERE e.position > ${after} AND e.position < ${below} AND e.subject_key <> d.first_key`,
    );
    return (r.getRows()[0]?.[0] as number | null) ?? undefined;
  }

  /** Why an event's subject key or typed columns (`stored`: key_subject, key_rows, then the typed columns) are wrong. */
  private wrongTyped(subject: string, data: string, stored: readonly unknown[]): string | undefined {
    const [keySubject, keyRows, ...columns] = stored;
    if (keySubject !== subject || Number(keyRows) !== 1) return SUBJECT_KEY_REASON;
    const want = typedValues(JSON.parse(data) as Record<string, unknown>);
    const at = want.findIndex((v, i) => v !== columns[i]);
    return at < 0 ? undefined : typedReason(TYPED_COLUMNS[at]?.column ?? "");
  }

  /**
   * The first position in (after, below) whose link does not verify, and the first whose `content_fp` is not the
   * fingerprint of its stored content (the fingerprint decides which re-sent facts are duplicates), found in one
   * pass: each event's canonical form is joined once, in SQL, for both. Positions below `below` are 1, 2, …
   * exactly once after `after`; the link of after+1 starts from the stored hash at `after`.
   *
   * The events are read a range at a time (`chainCheckRange`; the next is read while one is checked). Where the
   * envelope is plain (`plainEnvelopeSql`), SQL checks the link (SHA-256 of the previous stored hash and the
   * event's bytes) and hands the canonical form over in blocks of bytes, each event's after a fixed header of its
   * position, stored fingerprint and length: one read per block instead of one per event, fingerprinted as UTF-8
   * without being decoded (`fingerprintUtf8Into`; TypeScript's `fingerprint` is the only definition). Any other
   * event, and any link SQL finds broken, is read column by column and checked in TypeScript (`joinCanonical`,
   * `chainHash`), which alone decides.
   */
  private async firstBrokenLinkOrFingerprint(
    below: number,
    after: number,
    rangeConn: DuckDBConnection,
  ): Promise<{ hash: number | undefined; fp: number | undefined }> {
    const ev = `${this.db}events`;
    const most = this.options.chainCheckRange ?? FP_RANGE_EVENTS;
    if (!Number.isSafeInteger(most) || most < 1) {
      throw new RangeError(`chainCheckRange must be a whole number of events, at least 1; got ${most}`);
    }
    const block = fpBlockEvents(most);
    const hex = (v: string, digits = FP_WORD_DIGITS) => `lpad(to_hex(${v}), ${digits}, '0')`;
    const events = (lo: number, hi: number, only = "") =>
      `(SELECT *, coalesce(${plainEnvelopeSql("e")} AND e.content_fp IS NOT NULL, false) AS fast,
               ${canonicalSql("e", this.reportedOnColumn)} AS canonical
        FROM ${ev} e WHERE e.position > ${lo} AND e.position < ${hi}${only}) e
       LEFT JOIN (SELECT position + 1 AS next, hash FROM ${ev} WHERE position >= ${lo} AND position < ${hi} - 1) p
         ON p.next = e.position`;
    const linkOk = `coalesce(e.fast AND sha256(coalesce(p.hash, unhex('${"00".repeat(32)}')) || encode(concat(
      CAST(e.position AS VARCHAR), chr(10), strftime(e.recorded_at, '%Y-%m-%dT%H:%M:%S.%gZ'), chr(10),
      CAST(e.stream_revision AS VARCHAR), chr(10), e.canonical))) = lower(hex(e.hash)), false)`;
    // per block: the fast events' canonical bytes behind their headers, and the events SQL did not find linked
    // (at most FP_SUSPECTS_LISTED of them listed per block; past that a range's are searched for again)
    const blocks = (lo: number, hi: number) =>
      rangeConn.runAndReadAll(
        `SELECT encode(string_agg(CASE WHEN fast THEN concat(${hex("position", FP_POSITION_DIGITS)},
                  ${hex("(content_fp >> 32) & 4294967295")}, ${hex("content_fp & 4294967295")},
                  ${hex("strlen(canonical)")}, canonical) END, '')),
                CAST(count(*) FILTER (WHERE NOT link_ok) AS DOUBLE),
                (list(CAST(position AS DOUBLE)) FILTER (WHERE NOT link_ok))[1:${FP_SUSPECTS_LISTED}]
         FROM (SELECT e.position, e.content_fp, e.fast, e.canonical, ${linkOk} AS link_ok FROM ${events(lo, hi)})
         GROUP BY position // ${block}`,
      );
    // those events of a range, in order, read column by column and checked in TypeScript
    const rest = async (lo: number, hi: number, listed: readonly number[] | undefined) => {
      const only = listed === undefined ? "" : ` AND e.position IN (${listed.join(", ")})`;
      const rows = await this.conn.stream(
        `SELECT ${selectColumns("e", this.reportedOnColumn)}, lower(hex(p.hash)) AS prev, e.fast,
                CAST(e.content_fp >> 32 AS INTEGER), CAST(e.content_fp & 4294967295 AS DOUBLE)
         FROM ${events(lo, hi, only)} WHERE NOT ${linkOk} ORDER BY e.position`,
      );
      for await (const chunk of rows.yieldRows()) {
        for (const r of chunk as unknown as [...Row, string | null, boolean, number | null, number | null][]) {
          const [pos, id, type, subject, rev, occurredOn, source, data, recordedAt, stored, reportedOn, prev] = r;
          const [fast, high, low] = [r[12], r[13], r[14]];
          const canonical = joinCanonical(data, { id, type, subject, occurredOn, reportedOn, source });
          if (hash === undefined) {
            const prevHash = prev === null ? GENESIS_HASH : Buffer.from(prev, "hex");
            if (chainHash(prevHash, pos, recordedAt, rev, canonical).toString("hex") !== stored) hash = pos;
          }
          if (!fast && (fp === undefined || pos < fp)) {
            const [h1, h2] = fingerprint(canonical);
            if (h1 !== high || h2 >>> 0 !== low) fp = pos;
          }
        }
      }
    };
    let hash: number | undefined;
    let fp: number | undefined;
    // A range holds at most `most` events and about FP_RANGE_BYTES of canonical bytes: the first is small, the
    // next sized by the bytes an event took so far. It is read while the one before it is checked.
    let size = Math.min(most, FP_FIRST_RANGE_EVENTS);
    let [read, bytes] = [0, 0];
    const upTo = (lo: number) => Math.min(below, lo + size + 1);
    const ahead = (lo: number) => {
      const pending = blocks(lo, upTo(lo));
      pending.catch(() => undefined); // awaited below; a failure while another range is checked is not unhandled
      return pending;
    };
    let lo = after;
    let hi = upTo(lo);
    let next = lo + 1 < below ? ahead(lo) : undefined;
    try {
      while (next !== undefined) {
        const result = await next;
        next = hi < below ? ahead(hi - 1) : undefined;
        const nextHi = upTo(hi - 1);
        let suspects = 0;
        const listed: number[] = [];
        for (const [b, count, positions] of result.getRows() as [
          DuckDBBlobValue | null,
          number,
          DuckDBListValue | null,
        ][]) {
          if (b !== null) {
            fp = firstWrongInBlock(b.bytes, fp);
            bytes += b.bytes.length;
          }
          suspects += count;
          for (const x of positions?.items ?? []) listed.push(x as number);
        }
        read += hi - 1 - lo;
        if (suspects > 0) await rest(lo, hi, suspects === listed.length ? listed : undefined);
        // the check names the lowest event any search found: no later range can hold a lower one
        if (hash !== undefined || fp !== undefined) break;
        size = Math.max(1, Math.min(most, Math.floor(FP_RANGE_BYTES / Math.max(1, bytes / read))));
        lo = hi - 1;
        hi = nextHi;
      }
    } finally {
      await next?.catch(() => undefined); // a read ahead not needed, or left by a failure, ends before its connection
    }
    return { hash, fp };
  }

  /** The chain checked one event after the other in TypeScript: the definition `verifyChain` must agree with. */
  verifyChainSequentially(): Promise<Port.ChainReport> {
    return damagedAsLogStorageError(this.path, () => this.checkChainSequentially());
  }

  private async checkChainSequentially(): Promise<Port.ChainReport> {
    let prev: Uint8Array = GENESIS_HASH;
    let expected = 1;
    const typed = this.typed
      ? `, s.subject AS key_subject, s.n AS key_rows, ${typedSelectSql("e")}, e.subject_key IS DISTINCT FROM k.first_key AS second_key
         FROM ${this.db}events e
         LEFT JOIN (SELECT subject_key, min(subject) AS subject, count(*) AS n FROM ${this.db}subjects GROUP BY ALL) s
           ON s.subject_key = e.subject_key
         LEFT JOIN (SELECT subject, min(subject_key) AS first_key FROM ${this.db}subjects GROUP BY ALL) k
           ON k.subject = e.subject`
      : ` FROM ${this.db}events e`;
    const result = await this.conn.stream(
      `SELECT ${selectColumns("e", this.reportedOnColumn)}, e.content_fp, CAST(epoch_us(e.recorded_at) % 1000 AS INTEGER)${typed}
       ORDER BY e.position, e.recorded_at`,
    );
    for await (const rows of result.yieldRows()) {
      for (const r of rows as unknown as [...Row, bigint, number, ...TypedValue[]][]) {
        const [pos, id, type, subject, rev, occurredOn, source, data, recordedAt, hash, reportedOn, fp, subMs] = r;
        if (pos !== expected) {
          return this.report(expected - 1, {
            position: expected,
            reason: pos > expected ? `event ${expected} is missing (next is ${pos})` : `position ${pos} appears twice`,
          });
        }
        const canonical = joinCanonical(data, { id, type, subject, occurredOn, reportedOn, source });
        const h = chainHash(prev, pos, recordedAt, rev, canonical);
        const reason =
          h.toString("hex") !== hash
            ? HASH_REASON
            : subMs !== 0
              ? SUB_MS_REASON
              : fingerprintToBigInt(fingerprint(canonical)) !== fp
                ? CONTENT_FP_REASON
                : this.typed
                  ? (this.wrongTyped(subject, data, r.slice(13)) ??
                    (r[r.length - 1] === true ? SECOND_KEY_REASON : undefined))
                  : undefined;
        if (reason !== undefined) return this.report(pos - 1, { position: pos, reason });
        prev = h;
        expected++;
      }
    }
    return this.report(expected - 1, undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sessions.idle();
    // a check of the stored blocks still running is stopped: it starts again at the next open
    await this.indexesReady;
    this.wakeCheck?.();
    this.checkConn?.interrupt();
    await this.storageCheck;
    await this.saveIndexes();
    for (const w of this.waiters) w();
    this.conn.closeSync();
    this.writeConn.closeSync();
    if (this.options.attach === undefined) this.instance.closeSync();
  }
}
