/**
 * The event log on a KurrentDB cluster (EventStoreDB 20+ speaks the same protocol), through
 * `@kurrent/kurrentdb-client`. It implements the same port as the embedded log and passes the same contract
 * suite when a server is available (`KURRENTDB_URL`).
 *
 * Positions and the hash chain mean exactly what they mean in the embedded log. KurrentDB's own `$all`
 * positions are byte offsets with gaps, so the writer assigns the gap-free position, stream revision, recordedAt
 * and chain hash itself (with the same `planAppend`) and stores them in each event's metadata; the chain is
 * checked from those values alone, never from the server's offsets. To assign the next position safely the
 * writer must know the last one, so every batch ends with a commit marker appended to `ns/head` with the
 * expected revision of that stream: of two writers that planned against the same head, one marker is refused,
 * and that writer's events stay orphans that readers skip (`kurrentdbRecords.ts` states the rule and why it is
 * sound). The refused writer re-reads the log and re-plans its batch (a single `append` does this itself, up
 * to three times; a bulk session is refused as a whole with `KurrentDbWriteConflict`).
 *
 * Writes: the events of a batch go first, in requests of at most `chunkSize` events — one multi-stream append
 * per request on KurrentDB 25.1+, else one append per subject stream — then the marker. A batch is therefore
 * all-or-nothing for readers on every server version, however many streams it touches; only the marker needs
 * to be atomic. A bulk session writes its batches as they come and commits them all with one marker.
 *
 * Reads: `readAll` reads `$all` filtered to this log's streams, starting just after the marker of the batch
 * before the one it needs (found in an in-memory table of markers), and re-orders each write request's events
 * by position. `subscribe` follows `ns/head` with a catch-up subscription and reads each newly committed range.
 * Idempotency by fact id needs the writer's indexes (`kurrentdbIndex.ts`), built by reading the whole log
 * before the first write, as the embedded log does when it opens.
 */
import { randomUUID } from "node:crypto";
import type {
  AppendStreamRequest,
  EventData,
  KurrentDBClient,
  RecordedEvent,
  ResolvedEvent,
} from "@kurrent/kurrentdb-client";
import * as E from "fp-ts/lib/Either.js";
import { canonicalFact, type Fact, type Position, position, type SubjectId } from "../../facts/index.js";
import { type PlannedRow, type StoredRef, storedRefOf } from "../appendPlan.js";
import { appendInSession, bulkSession, SessionQueue } from "../bulkSession.js";
import type * as Port from "../eventLog.js";
import { follow } from "../follow.js";
import { eventHash, GENESIS_HASH } from "../hashChain.js";
import { type AllPosition, IdSubjects, MarkerTable, SubjectTable } from "./kurrentdbIndex.js";
import {
  type AssemblyError,
  BatchAssembler,
  type BatchMarker,
  chunksOf,
  decodeFactMeta,
  decodeMarker,
  describeAssemblyError,
  encodeFactMeta,
  encodeMarker,
  type FactRecord,
  factEventId,
  groupByStream,
  type KurrentRecordError,
  type KurrentStreams,
  kurrentStreams,
  MARKER_FORMAT,
  MARKER_TYPE,
  markerEventId,
  storedEventOf,
  storedFact,
} from "./kurrentdbRecords.js";

export type AppendMode = "auto" | "multi-stream" | "per-stream";

export interface KurrentDbEventLogOptions {
  /** Several logs can share a cluster; each lives under its own stream prefix. Default `kpi`. */
  readonly namespace?: string;
  /**
   * How a batch's events are sent: `multi-stream` (KurrentDB 25.1+, one request per chunk), `per-stream` (one
   * append per subject stream, any server), or `auto` (try multi-stream, fall back when the server lacks it).
   */
  readonly appendMode?: AppendMode;
  /** Events per write request. Default 500. */
  readonly chunkSize?: number;
  /** Parallel stream appends in `per-stream` mode. Default 16. */
  readonly concurrency?: number;
  readonly readOnly?: boolean;
  /** The clock that stamps `recordedAt` (tests and `kpi migrate` pin it). */
  readonly now?: () => Date;
}

/** The store holds something this adapter cannot read as a log: a malformed record or a broken batch. */
export class KurrentDbLogCorrupt extends Error {
  constructor(readonly detail: AssemblyError | KurrentRecordError) {
    super(
      `KurrentDB log is not readable: ${"reason" in detail ? `${detail.stream}: ${detail.reason}` : describeAssemblyError(detail)}`,
    );
    this.name = "KurrentDbLogCorrupt";
  }
}

/** Another writer committed a batch after this one was planned; nothing of this batch was committed. */
export class KurrentDbWriteConflict extends Error {
  constructor(readonly expectedRevision: number) {
    super(
      "another writer appended to this KurrentDB log while this batch was being written; nothing of the batch was " +
        "committed (its events are orphans that readers skip); append it again",
    );
    this.name = "KurrentDbWriteConflict";
  }
}

/** The connection string without its user and password, for messages and names. */
export const redactUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, "//***@");

type Client = typeof import("@kurrent/kurrentdb-client");
let loaded: Client | undefined;
/**
 * The KurrentDB client library, loaded by the first `open` (with its gRPC stack it takes a good part of a second
 * to load, which every `kpi` command on the embedded log would otherwise pay at start).
 */
const kdb = (): Client => {
  if (loaded === undefined) throw new Error("the KurrentDB client is used before KurrentDbEventLog.open loaded it");
  return loaded;
};

const errorType = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "type" in e ? String((e as { type: unknown }).type) : undefined;
const isStreamNotFound = (e: unknown) => errorType(e) === kdb().ErrorType.STREAM_NOT_FOUND;
const isWrongExpectedVersion = (e: unknown) => errorType(e) === kdb().ErrorType.WRONG_EXPECTED_VERSION;
const isUnsupported = (e: unknown) => errorType(e) === kdb().ErrorType.UNSUPPORTED;
const isTransient = (e: unknown) => {
  const t = kdb().ErrorType;
  return ([t.UNAVAILABLE, t.DEADLINE_EXCEEDED, t.TIMEOUT, t.NOT_LEADER] as string[]).includes(errorType(e) ?? "");
};

const PAGE = 1000;

const forEachLimit = async <T>(items: readonly T[], limit: number, f: (x: T) => Promise<unknown>): Promise<void> => {
  let i = 0;
  const worker = async () => {
    while (i < items.length) await f(items[i++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

interface HeadMarker {
  readonly revision: number;
  readonly marker: BatchMarker;
  readonly at: AllPosition | undefined;
}

type ScanItem =
  | { readonly kind: "event"; readonly event: Port.StoredEvent }
  | { readonly kind: "batch"; readonly revision: number; readonly marker: BatchMarker };

const orThrow = <A>(r: E.Either<AssemblyError | KurrentRecordError, A>): A => {
  if (E.isLeft(r)) throw new KurrentDbLogCorrupt(r.left);
  return r.right;
};

const isAfter = (a: AllPosition, b: AllPosition) =>
  a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);

/**
 * Reads one page to the end before anything is done with it, so that no read stays open on the server while
 * the caller works (a slow consumer would otherwise hold streams open past their deadline).
 */
const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

export class KurrentDbEventLog implements Port.EventLog {
  readonly name: string;
  private readonly streams: KurrentStreams;
  private readonly markers = new MarkerTable();
  /** The writer's view: batches folded into the indexes below, the head and hash they end at. */
  private folded = 0;
  private headPos = 0;
  private lastHash: string = GENESIS_HASH.toString("hex");
  private readonly ids = new IdSubjects(1 << 16);
  private readonly subjects = new SubjectTable();
  private mode: AppendMode;
  private readonly sessions = new SessionQueue();
  private closed = false;
  private readonly subscriptions = new Set<{ unsubscribe(): Promise<void> }>();

  private constructor(
    private readonly client: KurrentDBClient,
    private readonly ownsClient: boolean,
    label: string,
    private readonly options: KurrentDbEventLogOptions,
  ) {
    this.streams = kurrentStreams(options.namespace ?? "kpi");
    this.mode = options.appendMode ?? "auto";
    this.name = `KurrentDB (${label}, namespace ${this.streams.namespace})`;
  }

  /**
   * Connects (a connection string such as `kurrentdb://host:2113?tls=false`, or a client the caller owns and
   * disposes) and checks that the server answers. Reading the whole log for the writer's indexes waits for the
   * first write.
   */
  static async open(
    connection: string | KurrentDBClient,
    options: KurrentDbEventLogOptions = {},
  ): Promise<KurrentDbEventLog> {
    const owns = typeof connection === "string";
    const label = owns ? redactUrl(connection) : "client";
    loaded ??= await import("@kurrent/kurrentdb-client");
    const client = owns ? loaded.KurrentDBClient.connectionString(connection) : connection;
    const log = new KurrentDbEventLog(client, owns, label, options);
    try {
      await log.lastMarker();
    } catch (e) {
      if (owns) await client.dispose().catch(() => undefined);
      throw new Error(`KurrentDB at ${label} cannot be read: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    return log;
  }

  get namespace(): string {
    return this.streams.namespace;
  }

  // ---- records ----

  /** An event's data as JSON, whether the server hands it back parsed (JSON events) or as bytes. */
  private json(ev: RecordedEvent): unknown {
    if (!(ev.data instanceof Uint8Array)) return ev.data;
    try {
      return JSON.parse(Buffer.from(ev.data).toString("utf8"));
    } catch {
      throw new KurrentDbLogCorrupt({ _tag: "BadRecord", stream: ev.streamId, reason: "event data is not JSON" });
    }
  }

  private marker(ev: RecordedEvent): BatchMarker {
    return orThrow(decodeMarker(ev.streamId, this.json(ev)));
  }

  private factRecord(ev: RecordedEvent): FactRecord {
    const meta = orThrow(decodeFactMeta(ev.streamId, ev.metadata));
    const fact = storedFact(this.json(ev));
    if (fact === undefined) {
      throw new KurrentDbLogCorrupt({ _tag: "BadRecord", stream: ev.streamId, reason: "event data is not a fact" });
    }
    return { meta, fact };
  }

  /** Remembers a marker read from `ns/head`; markers arrive in revision order, so the table grows in order. */
  private learn(h: HeadMarker): void {
    if (h.revision === this.markers.length) {
      if (h.marker.first !== this.markers.head + 1) {
        throw new KurrentDbLogCorrupt({
          _tag: "MarkerOutOfSequence",
          batch: h.marker.batch,
          expectedFirst: this.markers.head + 1,
          first: h.marker.first,
        });
      }
      this.markers.push(h.marker);
    }
    if (h.at !== undefined && h.revision < this.markers.length) this.markers.setAt(h.revision, h.at);
  }

  private headMarker(ev: RecordedEvent): HeadMarker {
    return { revision: Number(ev.revision), marker: this.marker(ev), at: ev.position };
  }

  private async lastMarker(): Promise<HeadMarker | undefined> {
    try {
      for await (const r of this.client.readStream(this.streams.head, {
        direction: kdb().BACKWARDS,
        fromRevision: kdb().END,
        maxCount: 1,
      })) {
        if (r.event !== undefined) return this.headMarker(r.event);
      }
    } catch (e) {
      if (!isStreamNotFound(e)) throw e;
    }
    return undefined;
  }

  /** The markers of `ns/head` from `revision` on, read in pages; each is also remembered. */
  private async *markersFrom(revision: number, pageSize = PAGE): AsyncGenerator<HeadMarker> {
    let next = revision;
    for (;;) {
      let page: ResolvedEvent[];
      try {
        page = await collect(
          this.client.readStream(this.streams.head, {
            direction: kdb().FORWARDS,
            fromRevision: BigInt(next),
            maxCount: pageSize,
          }),
        );
      } catch (e) {
        if (isStreamNotFound(e)) return;
        throw e;
      }
      for (const r of page) {
        if (r.event === undefined) continue;
        const h = this.headMarker(r.event);
        this.learn(h);
        next = h.revision + 1;
        yield h;
      }
      if (page.length < pageSize) return;
    }
  }

  private async markerAt(revision: number): Promise<HeadMarker | undefined> {
    for await (const h of this.markersFrom(revision, 1)) return h;
    return undefined;
  }

  private async refreshMarkers(): Promise<void> {
    for await (const _ of this.markersFrom(this.markers.length)) {
      // learnt as read
    }
  }

  /** Is the event at position `p` of `batch` committed (is `batch` the known batch holding `p`)? */
  private committed(p: number, batch: string): boolean {
    const b = this.markers.find(p);
    return b >= 0 && this.markers.isBatch(b, batch);
  }

  // ---- the scan: committed events in order ----

  /**
   * Committed events with `after < position ≤ limit`, in order, and each batch as it completes. Starts `$all`
   * at the nearest known marker before the first batch needed.
   */
  private async *scan(after: number, limit: number): AsyncGenerator<ScanItem> {
    if (limit <= after) return;
    let startRev = this.markers.find(after + 1);
    if (startRev < 0) startRev = this.markers.length;
    let from: AllPosition | undefined;
    while (startRev > 0) {
      from = this.markers.at(startRev - 1);
      if (from !== undefined) break;
      startRev--;
    }
    const asm = new BatchAssembler(after);
    const cursor = this.markersFrom(startRev);
    let current: HeadMarker | undefined;
    const supply = async (): Promise<void> => {
      while (asm.awaiting && asm.next <= limit) {
        const r = await cursor.next();
        if (r.done === true) return;
        orThrow(asm.expect(r.value.marker));
        if (!asm.awaiting) current = r.value;
      }
    };
    const noMarker = () =>
      new KurrentDbLogCorrupt({
        _tag: "BadRecord",
        stream: this.streams.head,
        reason: `no batch marker covers position ${asm.next}`,
      });
    try {
      await supply();
      if (asm.awaiting) {
        if (asm.next <= limit) throw noMarker();
        return;
      }
      let at: AllPosition | undefined = from;
      for (;;) {
        const page = await collect(
          this.client.readAll({
            fromPosition: at ?? kdb().START,
            filter: kdb().streamNameFilter({ prefixes: [this.streams.prefix] }),
            maxCount: PAGE,
          }),
        );
        let fresh = 0;
        for (const r of page) {
          const ev = r.event;
          // the read may start at the record it was asked for (the marker before, or the last one seen)
          if (ev === undefined || (at !== undefined && !isAfter(ev.position, at))) continue;
          fresh++;
          at = ev.position;
          if (ev.streamId === this.streams.head) {
            const h = this.headMarker(ev);
            this.learn(h);
            orThrow(asm.markerRecord(h.marker.batch));
            continue;
          }
          if (!ev.streamId.startsWith(`${this.streams.prefix}subject/`)) continue;
          const events = orThrow(asm.fact(this.factRecord(ev)));
          for (const e of events) {
            if (e.position > limit) return;
            yield { kind: "event", event: e };
          }
          if (asm.awaiting && current !== undefined) {
            yield { kind: "batch", revision: current.revision, marker: current.marker };
            current = undefined;
          }
          if (asm.next > limit) return;
          await supply();
          if (asm.awaiting) throw noMarker();
        }
        if (fresh === 0) break;
      }
      if (asm.next <= limit) {
        throw new KurrentDbLogCorrupt({
          _tag: "IncompleteBatch",
          batch: asm.batch?.batch ?? "(none)",
          missing: position(asm.next),
        });
      }
    } finally {
      await cursor.return(undefined);
    }
  }

  // ---- the port ----

  async head(): Promise<Position> {
    return position((await this.lastMarker())?.marker.last ?? 0);
  }

  async *readAll(after: Position, options: Port.ReadOptions = {}): AsyncIterable<Port.StoredEvent> {
    const last = await this.lastMarker();
    const limit = Math.min(options.to ?? Number.MAX_SAFE_INTEGER, last?.marker.last ?? 0);
    for await (const item of this.scan(after, limit)) if (item.kind === "event") yield item.event;
  }

  /** The subject's events, committed ones only (and those of `ownBatch`, a bulk session's own). */
  private async readSubject(subject: string, ownBatch?: string): Promise<Port.StoredEvent[]> {
    let records: FactRecord[];
    try {
      const page = await collect(this.client.readStream(this.streams.subject(subject), { direction: kdb().FORWARDS }));
      records = page.flatMap((r) => (r.event === undefined ? [] : [this.factRecord(r.event)]));
    } catch (e) {
      if (!isStreamNotFound(e)) throw e;
      return [];
    }
    if (records.some((r) => r.meta.position > this.markers.head)) await this.refreshMarkers();
    return records
      .filter((r) => this.committed(r.meta.position, r.meta.batch) || r.meta.batch === ownBatch)
      .map(storedEventOf)
      .sort((a, b) => a.position - b.position);
  }

  async *readStream(subject: SubjectId): AsyncIterable<Port.StoredEvent> {
    yield* await this.readSubject(subject);
  }

  subscribe(after: Position, signal: AbortSignal): AsyncIterable<Port.StoredEvent> {
    return follow(after, signal, {
      closed: () => this.closed,
      readAll: (from) => this.readAll(from),
      waitAfter: (pos, sig) => this.waitForCommitAfter(pos, sig),
    });
  }

  /** Resolves once a batch ending after `pos` is committed, or the signal aborts, or the log closes. */
  private async waitForCommitAfter(pos: number, signal: AbortSignal): Promise<void> {
    const last = await this.lastMarker();
    if ((last?.marker.last ?? 0) > pos || signal.aborted) return;
    const sub = this.client.subscribeToStream(this.streams.head, {
      fromRevision: last === undefined ? kdb().START : BigInt(last.revision),
    });
    this.subscriptions.add(sub);
    const stop = () => void sub.unsubscribe().catch(() => undefined);
    signal.addEventListener("abort", stop, { once: true });
    try {
      for await (const r of sub) {
        if (r.event !== undefined && this.marker(r.event).last > pos) return;
      }
    } catch (e) {
      if (!signal.aborted && !this.closed) throw e;
    } finally {
      signal.removeEventListener("abort", stop);
      this.subscriptions.delete(sub);
      await sub.unsubscribe().catch(() => undefined);
    }
  }

  /** With `after`, the scan starts at the event at `after`, whose stored hash starts the chain checked. */
  async verifyChain(options: Port.VerifyChainOptions = {}): Promise<Port.ChainReport> {
    const after = options.after ?? 0;
    if (!Number.isSafeInteger(after) || after < 0)
      throw new RangeError(`verifyChain: after must be a position, got ${after}`);
    const last = await this.lastMarker();
    const head = last?.marker.last ?? 0;
    let prev: Uint8Array = GENESIS_HASH;
    let checked = 0;
    const broken = (p: number, reason: string): Port.ChainReport => ({
      ok: false,
      head: position(head),
      checked,
      firstBad: { position: position(p), reason },
    });
    try {
      for await (const item of this.scan(Math.max(0, after - 1), head)) {
        if (item.kind === "event" && item.event.position <= after) {
          prev = Buffer.from(item.event.hash, "hex");
        } else if (item.kind === "event") {
          const h = eventHash(prev, item.event);
          if (h.toString("hex") !== item.event.hash) {
            return broken(item.event.position, "stored hash does not match the event's content and the chain");
          }
          prev = h;
          checked++;
        } else if (Buffer.from(prev).toString("hex") !== item.marker.lastHash) {
          return broken(item.marker.last, "the batch marker's last hash does not match the chain");
        }
      }
    } catch (e) {
      if (e instanceof KurrentDbLogCorrupt) return broken(after + checked + 1, e.message);
      throw e;
    }
    if (after + checked < head) return broken(after + checked + 1, `event ${after + checked + 1} is missing`);
    return { ok: true, head: position(head), checked };
  }

  // ---- writing ----

  /** Folds every batch committed since the last fold into the writer's indexes. */
  private async sync(): Promise<void> {
    const last = await this.lastMarker();
    if (last === undefined || last.revision < this.folded) return;
    for await (const item of this.scan(this.headPos, last.marker.last)) {
      if (item.kind === "event") {
        const e = item.event;
        this.ids.add(e.fact.id, this.subjects.intern(e.fact.subject));
        this.subjects.setRevision(e.fact.subject, e.streamRevision);
        this.headPos = e.position;
        this.lastHash = e.hash;
      } else {
        if (item.marker.lastHash !== this.lastHash) {
          throw new KurrentDbLogCorrupt({
            _tag: "BadRecord",
            stream: this.streams.head,
            reason: `marker of batch ${item.marker.batch} names a last hash its events do not end with`,
          });
        }
        this.folded = item.revision + 1;
      }
    }
  }

  private async lookup(
    wanted: readonly string[],
    own: { readonly ids: IdSubjects; readonly batch: string },
  ): Promise<ReadonlyMap<string, StoredRef>> {
    const bySubject = new Map<number, Set<string>>();
    for (const id of wanted) {
      for (const s of [...this.ids.get(id), ...own.ids.get(id)]) {
        const set = bySubject.get(s) ?? new Set<string>();
        set.add(id);
        bySubject.set(s, set);
      }
    }
    const out = new Map<string, StoredRef>();
    await forEachLimit([...bySubject], this.options.concurrency ?? 16, async ([s, ids]) => {
      const events = await this.readSubject(this.subjects.name(s), own.batch);
      // a retraction has the subject of the fact it retracts: its stream says whether one is stored
      const retracted = new Set(
        events.flatMap((e) => (e.fact.type === "FactRetracted" ? [String(e.fact.data.eventId)] : [])),
      );
      for (const e of events) {
        if (!ids.has(e.fact.id)) continue;
        out.set(
          e.fact.id,
          storedRefOf({
            position: e.position,
            canonical: canonicalFact(e.fact),
            subject: e.fact.subject,
            type: e.fact.type,
            source: e.fact.source,
            retracted: retracted.has(e.fact.id),
          }),
        );
      }
    });
    return out;
  }

  private toEvent(r: PlannedRow, batch: string): EventData {
    return kdb().jsonEvent({
      id: factEventId(batch, r.fact.id),
      type: r.fact.type,
      data: r.fact as unknown as Record<string, unknown>,
      metadata: encodeFactMeta({
        position: r.position,
        streamRevision: r.streamRevision,
        recordedAt: r.recordedAt,
        hash: r.hash.toString("hex"),
        batch,
      }),
    });
  }

  private async writeRows(rows: readonly PlannedRow[], batch: string): Promise<void> {
    for (const chunk of chunksOf(rows, this.options.chunkSize ?? 500)) {
      const groups = [...groupByStream(chunk, (r) => this.streams.subject(r.fact.subject))];
      if (this.mode !== "per-stream") {
        const requests: AppendStreamRequest[] = groups.map(([streamName, rs]) => ({
          streamName,
          events: rs.map((r) => this.toEvent(r, batch)),
          expectedState: kdb().ANY,
        }));
        try {
          await this.client.multiStreamAppend(requests);
          continue;
        } catch (e) {
          if (this.mode !== "auto" || !isUnsupported(e)) throw e;
          this.mode = "per-stream";
        }
      }
      await forEachLimit(groups, this.options.concurrency ?? 16, ([stream, rs]) =>
        this.client.appendToStream(
          stream,
          rs.map((r) => this.toEvent(r, batch)),
          { streamState: kdb().ANY },
        ),
      );
    }
  }

  /**
   * Appends the marker expecting `ns/head` at `expected` (-1: no marker yet). A retry after a lost answer sends
   * the same event id, which the server recognises; a refusal whose marker turns out to be ours is a success.
   */
  private async commitMarker(m: BatchMarker, expected: number): Promise<void> {
    const event = kdb().jsonEvent({
      id: markerEventId(m.batch),
      type: MARKER_TYPE,
      data: encodeMarker(m),
      metadata: { "kpi.format": MARKER_FORMAT },
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.appendToStream(this.streams.head, event, {
          streamState: expected < 0 ? kdb().NO_STREAM : BigInt(expected),
          requiresLeader: true,
        });
        return;
      } catch (e) {
        if (isWrongExpectedVersion(e)) {
          if ((await this.markerAt(expected + 1))?.marker.batch === m.batch) return;
          throw new KurrentDbWriteConflict(expected);
        }
        if (!isTransient(e) || attempt >= 4) throw e;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  }

  /** One batch; a write conflict (another writer moved the head) is tried again, up to three attempts. */
  append(
    facts: readonly Fact[],
    options: Port.AppendOptions = {},
  ): Promise<E.Either<Port.AppendError, Port.AppendResult>> {
    return appendInSession(
      () => this.beginBulk(),
      facts,
      options,
      (e, attempt) => e instanceof KurrentDbWriteConflict && attempt < 3,
    );
  }

  /**
   * A bulk session: each batch is planned against the log plus the session's earlier batches and its events
   * are written at once, invisible to readers; `commit` appends one marker for the whole session, which makes
   * it visible as one unit. `rollback` (or a crash) writes no marker: the events stay in the store as orphans.
   */
  async beginBulk(): Promise<Port.BulkSession> {
    if (this.closed) throw new Error("event log is closed");
    if (this.options.readOnly) throw new Error(`${this.name} is open read-only`);
    const release = await this.sessions.enter(() => this.closed);
    try {
      await this.sync();
    } catch (e) {
      release();
      throw e;
    }
    const batch = randomUUID();
    const expected = this.folded - 1;
    const first = this.headPos + 1;
    const own = { ids: new IdSubjects(1 << 10), batch };
    const revisions = new Map<string, number>();
    return bulkSession({ head: this.headPos, lastHash: Buffer.from(this.lastHash, "hex") }, release, {
      known: {
        maybeStored: (id) => own.ids.get(id).length > 0 || this.ids.get(id).length > 0,
        lookup: (wanted) => this.lookup(wanted, own),
        revision: (s) => revisions.get(s) ?? this.subjects.revision(s),
      },
      now: () => this.options.now?.() ?? new Date(),
      write: async (plan) => {
        await this.writeRows(plan.rows, batch);
        for (const r of plan.rows) own.ids.add(r.fact.id, this.subjects.intern(r.fact.subject));
        for (const [s, rev] of plan.revisions) revisions.set(s, rev);
      },
      commit: async (head, lastHash) => {
        if (head === this.headPos) return;
        const marker: BatchMarker = { batch, first, last: head, lastHash: Buffer.from(lastHash).toString("hex") };
        await this.commitMarker(marker, expected);
        // read back: remembers where the marker sits in $all (a read position, never a guessed one)
        const h = await this.markerAt(expected + 1);
        if (h?.marker.batch !== batch) {
          throw new KurrentDbLogCorrupt({
            _tag: "BadRecord",
            stream: this.streams.head,
            reason: `the marker of batch ${batch} was acknowledged but is not at revision ${expected + 1}`,
          });
        }
        this.ids.addAll(own.ids);
        for (const [s, rev] of revisions) this.subjects.setRevision(s, rev);
        this.headPos = head;
        this.lastHash = marker.lastHash;
        this.folded = expected + 2;
      },
      // nothing to take back: the session's events stay in the store as orphans, without a marker
      rollback: async () => undefined,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sessions.idle();
    await Promise.all([...this.subscriptions].map((s) => s.unsubscribe().catch(() => undefined)));
    if (this.ownsClient) await this.client.dispose();
  }
}
