/**
 * A bulk session's rows on their way into the embedded log as text (`csvRows.ts`): rows gather in memory until
 * `limit` bytes (8 MiB), then go to a file in a folder of the session's own beside the log and DuckDB inserts the
 * file (`read_csv`) inside the session's transaction, while this thread plans the next rows. One insert at a time
 * (the connection runs one statement at a time); two files take turns, so the next is written while the last is
 * read. What an insert failed with is thrown by the next `flush` or `finish`: the session then rolls back, and
 * nothing of it was appended.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { LastTextBytes, writeDecimal, writeUtf8 } from "../bufferText.js";
import { storageAdvice } from "../storageAdvice.js";
import { insertEventsTsvSql, insertSubjectsTsvSql } from "./csvRows.js";

const onDisk = (path: string): boolean => !path.startsWith(":memory:");

/** The prefix of a session's folder beside the log `path` (in the system's temporary folder for a log in memory). */
const folderPrefix = (path: string): string => `${onDisk(path) ? basename(path) : "kpi-memory-log"}.append-`;

/**
 * Removes what sessions of an earlier process left beside the log `path` (a process stopped mid-import). Called
 * by the writer as it opens: it holds the log's lock, so no other process is writing there.
 */
export const removeLeftoverFolders = (path: string): void => {
  if (!onDisk(path)) return;
  const dir = dirname(path);
  const prefix = folderPrefix(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(prefix)) rmSync(join(dir, n), { recursive: true, force: true });
};

const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");

/** Text written into a buffer as it comes (so each row's string dies young), the buffer grown as needed. */
class TextBuffer {
  private buf = Buffer.allocUnsafe(1 << 20);
  length = 0;
  rows = 0;

  private room(bytes: number): void {
    if (this.buf.length - this.length >= bytes) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.length + bytes));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  /** Text, part of a row (`endRow` counts it). */
  write(text: string): void {
    this.room(3 * text.length);
    this.length += writeUtf8(this.buf, text, this.length);
  }

  /** Bytes as lower-case hex digits, part of a row: no string made for them. */
  writeHex(bytes: Uint8Array): void {
    this.room(2 * bytes.length);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      buf[at++] = HEX_DIGITS[b >>> 4] as number;
      buf[at++] = HEX_DIGITS[b & 15] as number;
    }
    this.length = at;
  }

  /** A non-negative integer in decimal, part of a row. */
  writeDecimal(n: number): void {
    this.room(24);
    this.length = writeDecimal(this.buf, n, this.length);
  }

  /** Bytes as they are, part of a row. */
  writeBytes(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  writeTab(): void {
    this.room(1);
    this.buf[this.length++] = 9;
  }

  endRow(): void {
    this.rows++;
  }

  add(text: string): void {
    this.write(text);
    this.endRow();
  }

  /** The text so far, in a buffer of its own; this one starts again empty. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.length));
    this.length = 0;
    this.rows = 0;
    return out;
  }
}

/**
 * DuckDB's memory limit while a session's rows go in as files, and the one to put back when it ends. The inserts
 * need little: their row groups go to the log's file as they fill, and what DuckDB keeps of them after is cache.
 * With the log's standing 1 GB that cache is most of a large import's memory beside the append indexes.
 */
export interface StagingMemory {
  readonly staging: string;
  readonly standing: string;
}

export class CsvStager {
  private readonly events = new TextBuffer();
  private readonly subjects = new TextBuffer();
  private inFlight: Promise<void> | undefined;
  private turn = 0;
  private folder: string | undefined;
  /** Rows handed to DuckDB (their insert may still run). */
  private sent = 0;

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly db: string,
    private readonly path: string,
    private readonly limit = 8 << 20,
    private readonly memory?: StagingMemory,
  ) {}

  /** Whether DuckDB's memory limit was lowered for this session (and must be put back when it ends). */
  private lowered = false;

  /** Puts DuckDB's memory limit back, once; a failure to do so leaves the lower one, which only slows reads. */
  private async restoreMemory(): Promise<void> {
    if (!this.lowered || this.memory === undefined) return;
    this.lowered = false;
    await this.conn.run(`SET memory_limit = '${this.memory.standing}'`).catch(() => undefined);
  }

  /** Whether any row was staged (sent or pending) since the session began. */
  get used(): boolean {
    return this.sent > 0 || this.events.rows > 0;
  }

  private readonly recordedAt = new LastTextBytes();

  /**
   * An event's row (`csvRows.ts`): position, stream revision and recordedAt written as bytes, the hash as hex,
   * then `tail` (`eventTsvTail`).
   */
  addEvent(position: number, streamRevision: number, recordedAt: string, hash: Uint8Array, tail: string): void {
    const e = this.events;
    e.writeDecimal(position);
    e.writeTab();
    e.writeDecimal(streamRevision);
    e.writeTab();
    e.writeBytes(this.recordedAt.of(recordedAt));
    e.writeTab();
    e.writeHex(hash);
    e.write(tail);
    e.endRow();
  }

  addSubject(row: string): void {
    this.subjects.add(row);
  }

  /** Sends the pending rows when they are `limit` bytes or more. */
  async maybeFlush(): Promise<void> {
    if (this.events.length + this.subjects.length >= this.limit) await this.flush();
  }

  /** Writes the pending rows to a file and starts their insert, after the one before has ended. */
  async flush(): Promise<void> {
    try {
      await this.send();
    } catch (e) {
      await this.settle().catch(() => undefined); // one statement at a time: the caller rolls back next
      throw this.failure(e);
    }
  }

  /** What went wrong, said as the log's failure: what was being done, that nothing was appended, what to do. */
  private failure(e: unknown): Error {
    const m = e instanceof Error ? e.message : String(e);
    if (m.startsWith("writing rows into the event log")) return e as Error;
    const advice = storageAdvice(m);
    return new Error(
      `writing rows into the event log ${this.path} failed: ${m}; nothing of this session's facts was appended; ${
        advice ?? "the log is as it was: try again, and if it fails the same way, check the log (kpi verify-log)"
      }`,
      { cause: e },
    );
  }

  private async send(): Promise<void> {
    if (this.events.rows === 0 && this.subjects.rows === 0) return;
    if (this.memory !== undefined && this.sent === 0 && !this.lowered) {
      await this.conn.run(`SET memory_limit = '${this.memory.staging}'`);
      this.lowered = true;
    }
    this.folder ??= mkdtempSync(join(onDisk(this.path) ? dirname(this.path) : tmpdir(), folderPrefix(this.path)));
    const t = this.turn++ % 2;
    const eventsFile = join(this.folder, `events-${t}.tsv`);
    const subjectsFile = join(this.folder, `subjects-${t}.tsv`);
    this.sent += this.events.rows;
    const events = this.events.take();
    const subjects = this.subjects.take();
    await Promise.all([
      events.length > 0 ? writeFile(eventsFile, events) : undefined,
      subjects.length > 0 ? writeFile(subjectsFile, subjects) : undefined,
    ]);
    await this.settle();
    const insert = (async () => {
      if (events.length > 0) await this.conn.run(insertEventsTsvSql(this.db, eventsFile));
      if (subjects.length > 0) await this.conn.run(insertSubjectsTsvSql(this.db, subjectsFile));
    })();
    insert.catch(() => undefined); // awaited (and thrown) by the next settle
    this.inFlight = insert;
  }

  /** Waits for the insert under way; throws what it failed with. */
  private async settle(): Promise<void> {
    const p = this.inFlight;
    this.inFlight = undefined;
    if (p !== undefined) await p;
  }

  /** Inserts every row staged, before the session commits (or reads what it wrote). */
  async finish(): Promise<void> {
    try {
      await this.flush();
      await this.settle();
    } catch (e) {
      await this.settle().catch(() => undefined);
      throw this.failure(e);
    } finally {
      this.removeFolder();
      await this.restoreMemory();
    }
  }

  /** Drops what is pending and waits for the insert under way (its error is the rollback's concern, not ours). */
  async discard(): Promise<void> {
    this.events.take();
    this.subjects.take();
    await this.settle().catch(() => undefined);
    this.removeFolder();
    await this.restoreMemory();
  }

  private removeFolder(): void {
    if (this.folder !== undefined) rmSync(this.folder, { recursive: true, force: true });
    this.folder = undefined;
  }
}
