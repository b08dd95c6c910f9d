/**
 * The server's one handle on the warehouse. Reads never wait for folds:
 * - Current figures come from the in-memory `ReadModel`, swapped whole after each catch-up. The new model is
 *   read a chunk at a time and, after a catch-up that recomputed a few indicators, only for those
 *   (`refreshReadModel`), so building it never holds the event loop for long.
 * - As-of figures are recomputed on a second DuckDB connection (`Warehouse.openReader`), each in a transaction
 *   of its own (one committed state), in their own queue: they neither wait for a fold nor hold one up. At most
 *   `maxAsOfWaiting` recomputations wait at once; beyond that a request is answered 503 with Retry-After
 *   (answers already cached are always served), and the routes limit as-of reads per client and minute.
 *
 * Catch-ups run one at a time through `exclusive` on the warehouse's own connection. `refresh()` folds new
 * log events and swaps the model. Calls coalesce: a call made while no catch-up has started yet shares the
 * next one; a call made while one runs gets the following one, so the model it resolves with includes every
 * event appended before the call.
 *
 * As-of figures:
 * - `asOf` = a log position P ≤ checkpoint: recomputed by `figuresAsOf` from the facts known at P
 *   (retractions recorded later do not apply), then judged against the targets then in force by the
 *   warehouse's own SQL (`WarehouseReader.judge`, the rules of `statusSql.ts`).
 *   Cached by (indicator, P): figures at a position never change while the catalog stays the same.
 * - `asOf` = a day YYYY-MM-DD: the figures as known at the end of that (UTC) recording day, by the same
 *   `figuresAsOf` as `kpi figure --as-of DAY` (read from `indicator_revisions`: what the warehouse published
 *   then, cheap to read; recomputed where a definition recorded by then is not yet in effect that day), judged
 *   with the catalog changes recorded by then and in effect by that day (`effectiveOn`); cached by (indicator,
 *   day, checkpoint).
 *
 * `afterRefresh` (the server writes the statisticians' snapshots with it) runs after a catch-up that changed the
 * figures, at most once every `afterRefreshEveryMs` counted from the open (then once more for the catch-ups
 * since): a snapshot copies the warehouse, which at province scale would hold up every write's fold if it
 * followed each one. At close, a run still going is interrupted and an owed one runs with `closing` (the
 * server then writes only what is quick to write).
 */

import { availableParallelism } from "node:os";
import { type AmendedCatalog, type CatalogEntry, definitionHash } from "@kpi/core";
import type { QuarantineCounts, Warehouse, WarehouseReader } from "@kpi/projections";
import type { CatalogIndicator } from "@kpi/reference";
import * as E from "fp-ts/lib/Either.js";
import type { ApiError } from "./errors.js";
import { disclose, type Figure, type RawFigure } from "./figures.js";

/** One row of `source_completeness`. */
export interface CompletenessRow {
  readonly source: string;
  readonly commune: string;
  readonly communeName: string | null;
  readonly year: number;
  readonly reportsExpected: number;
  readonly reportsReceived: number;
  readonly facts: number;
  readonly lateFacts: number;
  readonly medianLagDays: number | null;
  readonly p90LagDays: number | null;
  readonly maxLagDays: number | null;
}

import {
  type IndicatorFigures,
  indexFigures,
  loadReadModel,
  type ReadModel,
  type Reference,
  refreshReadModel,
} from "./readModel.js";

/**
 * `entry` as in force in `amended`: its targets and definition (and so its hash) as amended by the catalog
 * changes folded into it; the shipped entry where none applied to it.
 */
export const indicatorInForce = (amended: AmendedCatalog | undefined, entry: CatalogIndicator): CatalogIndicator => {
  if (amended === undefined || !amended.amendedAt.has(entry.code)) return entry;
  const e = amended.catalog.find((x) => x.code === entry.code);
  return e === undefined ? entry : { ...entry, ...e, definitionHash: definitionHash(e.definition), facts: entry.facts };
};

export type AsOf = { readonly position: number } | { readonly date: string };

export interface AsOfFigures {
  readonly position: number;
  /** The indicator as in force at that position: its targets and definition amended by catalog changes then. */
  readonly entry: CatalogIndicator;
  /** The indicator's catalog changes in force at that position (target revisions, definition amendments). */
  readonly changes: readonly CatalogChangeNote[];
  readonly figures: IndicatorFigures;
}

/** A catalog change as the API shows it beside the figures it changed. */
export interface CatalogChangeNote {
  readonly position: number;
  readonly type: string;
  readonly effectiveOn: string;
  readonly changedBy: string;
  readonly plan: string;
  readonly section: string;
}

/** The changes of `code` that took effect in `amended` (applied ones), oldest first. */
export const changesOf = (amended: AmendedCatalog, code: string): CatalogChangeNote[] =>
  amended.changes
    .filter((c) => c.problem === null && c.change.fact.data.indicator === code)
    .map(({ change: { position, fact } }) => ({
      position,
      type: fact.type,
      effectiveOn: fact.data.effectiveOn,
      changedBy: fact.data.changedBy,
      plan: fact.data.plan,
      section: fact.data.section,
    }));

/** Parses `asOf`: a log position (digits) or a calendar day YYYY-MM-DD. */
export const parseAsOf = (s: string): E.Either<ApiError, AsOf> => {
  if (/^\d{1,15}$/.test(s)) return E.right({ position: Number(s) });
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const d = new Date(`${s}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s) return E.right({ date: s });
    return E.left({ _tag: "BadAsOf", asOf: s, reason: "is not a calendar day" });
  }
  return E.left({
    _tag: "BadAsOf",
    asOf: s,
    reason: "must be a log position (digits, e.g. 120000) or a day YYYY-MM-DD (e.g. 2025-03-01)",
  });
};

const CACHE_ENTRIES = 256;
/** As-of recomputations that may wait at once (each takes a DuckDB pass over the facts), unless configured. */
const MAX_AS_OF_WAITING = 8;

export class LiveWarehouse {
  private queue: Promise<unknown> = Promise.resolve();
  private readQueue: Promise<unknown> = Promise.resolve();
  private asOfWaiting = 0;
  private pending: Promise<ReadModel> | undefined;
  private readonly cache = new Map<string, Promise<AsOfFigures>>();
  private closed = false;
  /** Whether a catch-up changed the figures since `afterRefresh` last started. */
  private afterOwed = false;
  private afterTimer: NodeJS.Timeout | undefined;
  private afterLast = Date.now();
  private afterRunning = false;
  /** The catalog in force at the model's position (catalog changes folded), read after each catch-up. */
  private inForce: AmendedCatalog | undefined;

  private constructor(
    readonly warehouse: Warehouse,
    readonly reference: Reference,
    private model: ReadModel,
    private readonly afterRefresh: ((w: Warehouse, closing: boolean) => Promise<void>) | undefined,
    private readonly reader: WarehouseReader,
    private readonly maxAsOfWaiting: number,
    private readonly afterRefreshEveryMs: number,
  ) {}

  /** Loads the model at the warehouse's current checkpoint (call `refresh` to fold new events first). */
  static async open(
    warehouse: Warehouse,
    reference: Reference,
    options: {
      readonly afterRefresh?: (w: Warehouse, closing: boolean) => Promise<void>;
      /** The least time between two runs of `afterRefresh` (default 0: after every catch-up that changed figures). */
      readonly afterRefreshEveryMs?: number;
      readonly maxAsOfWaiting?: number;
    } = {},
  ): Promise<LiveWarehouse> {
    // Folds leave a core to the event loop that answers reads (on a machine with more than one).
    const cores = availableParallelism();
    if (cores > 1) await warehouse.setThreads(cores - 1);
    const live = new LiveWarehouse(
      warehouse,
      reference,
      await loadReadModel(warehouse),
      options.afterRefresh,
      await warehouse.openReader(),
      options.maxAsOfWaiting ?? MAX_AS_OF_WAITING,
      options.afterRefreshEveryMs ?? 0,
    );
    live.inForce = await warehouse.catalogAt();
    return live;
  }

  get current(): ReadModel {
    return this.model;
  }

  /** An indicator as in force at the current model's position (undefined: not in the catalog). */
  entryInForce(code: string): CatalogEntry | undefined {
    return this.inForce?.catalog.find((e) => e.code === code);
  }

  /** A catalog indicator with the targets and definition (hash) in force at the current model's position. */
  indicatorInForce(entry: CatalogIndicator): CatalogIndicator {
    return indicatorInForce(this.inForce, entry);
  }

  /** The indicator's catalog changes in force at the current model's position. */
  changesInForce(code: string): CatalogChangeNote[] {
    return this.inForce === undefined ? [] : changesOf(this.inForce, code);
  }

  /** How many events are in quarantine (held ones make the service degraded). */
  get quarantine(): QuarantineCounts {
    return this.warehouse.quarantineCounts;
  }

  /** Runs `task` when no other warehouse task runs. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Folds new log events into the warehouse and swaps in the new model (see the module comment). */
  refresh(): Promise<ReadModel> {
    if (this.pending !== undefined) return this.pending;
    const p = this.exclusive(async () => {
      this.pending = undefined;
      if (this.closed) return this.model;
      const r = await this.warehouse.catchUp();
      if (r.rebuilt || r.to !== this.model.position) {
        const model =
          r.rebuilt || r.indicators === undefined
            ? await loadReadModel(this.warehouse)
            : await refreshReadModel(this.warehouse, this.model, r.indicators);
        // the model and the catalog in force swap together: no read sees one position's figures with another's
        const inForce = await this.warehouse.catalogAt();
        this.model = model;
        this.inForce = inForce;
        this.afterOwed = true;
        this.scheduleAfterRefresh();
      }
      return this.model;
    });
    this.pending = p;
    return p;
  }

  /** One indicator's published figures as of a position or a day (see the module comment). */
  async figuresAsOf(entry: CatalogIndicator, asOf: AsOf): Promise<E.Either<ApiError, AsOfFigures>> {
    const checkpoint = this.model.position;
    if ("position" in asOf && asOf.position > checkpoint) {
      return E.left({
        _tag: "BadAsOf",
        asOf: String(asOf.position),
        reason: `the warehouse has folded the log up to position ${checkpoint}; ask for a position up to ${checkpoint}`,
      });
    }
    const key = "position" in asOf ? `${entry.code}@p${asOf.position}` : `${entry.code}@d${asOf.date}@${checkpoint}`;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      if (this.asOfWaiting >= this.maxAsOfWaiting) {
        return E.left({ _tag: "AsOfBusy", waiting: this.asOfWaiting, retryAfterSeconds: 1 });
      }
      hit = this.onReader(() =>
        "position" in asOf ? this.atPosition(entry, asOf.position) : this.onDay(entry, asOf.date),
      );
      this.cache.set(key, hit);
      hit.catch(() => this.cache.delete(key));
      if (this.cache.size > CACHE_ENTRIES) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
    } else {
      this.cache.delete(key);
      this.cache.set(key, hit);
    }
    const r = await hit;
    if (r.position === 0) {
      // before the first event nothing was known: say so, rather than answer an empty series
      const first = await this.reader.query<{ day: string | null }>(
        "SELECT strftime(min(recorded_at), '%Y-%m-%d') AS day FROM facts",
      );
      const day = first[0]?.day ?? null;
      return E.left({
        _tag: "BadAsOf",
        asOf: "position" in asOf ? String(asOf.position) : asOf.date,
        reason:
          day === null
            ? "nothing has been recorded yet"
            : `nothing had been recorded by then: the first fact was recorded on ${day} (log position 1); ask for that day or a later one`,
      });
    }
    return E.right(r);
  }

  /** The recording days (YYYY-MM-DD, ascending) on which a figure of the indicator changed (its vintages). */
  vintages(code: string): Promise<string[]> {
    return this.onReader(async () =>
      (
        await this.reader.query<{ d: string }>(
          `SELECT DISTINCT strftime(vintage, '%Y-%m-%d') AS d FROM indicator_revisions
           WHERE indicator = $indicator ORDER BY d`,
          { indicator: code },
        )
      ).map((r) => r.d),
    );
  }

  private completenessCache: { position: number; rows: Promise<CompletenessRow[]> } | undefined;

  /**
   * The warehouse's `source_completeness` (reports expected vs received and the lag from occurrence to
   * recording, per source, commune and year), read on the reader connection once per checkpoint.
   */
  completeness(): Promise<CompletenessRow[]> {
    const position = this.model.position;
    if (this.completenessCache?.position !== position) {
      const rows = this.onReader(() =>
        this.reader.query<CompletenessRow>(
          `SELECT source, commune, commune_name AS "communeName", year, reports_expected AS "reportsExpected",
                  reports_received AS "reportsReceived", CAST(facts AS DOUBLE) AS facts,
                  CAST(late_facts AS DOUBLE) AS "lateFacts", median_lag_days AS "medianLagDays",
                  p90_lag_days AS "p90LagDays", max_lag_days AS "maxLagDays"
           FROM source_completeness ORDER BY source, commune, year`,
        ),
      );
      rows.catch(() => {
        this.completenessCache = undefined;
      });
      this.completenessCache = { position, rows };
    }
    return this.completenessCache.rows;
  }

  /** Runs an as-of task on the reader connection, one at a time, counting those that wait. */
  private onReader<T>(task: () => Promise<T>): Promise<T> {
    this.asOfWaiting++;
    const run = this.readQueue.then(task, task).finally(() => {
      this.asOfWaiting--;
    });
    this.readQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Judges the figures against the targets in force at `position` (catalog changes recorded up to it; as of a
   * day, `effectiveBy`, only those in effect by that day).
   */
  private async finish(
    entry: CatalogIndicator,
    position: number,
    raw: readonly RawFigure[],
    effectiveBy?: string,
  ): Promise<AsOfFigures> {
    const then = await this.reader.catalogAt(position, effectiveBy);
    const inForce = indicatorInForce(then, entry);
    return {
      position,
      entry: inForce,
      changes: changesOf(then, entry.code),
      figures: indexFigures(disclose(await this.judged(inForce, raw))),
    };
  }

  /** The figures judged by the warehouse's rules; `suppressed` says the small-cell rule withholds them. */
  private async judged(entry: CatalogIndicator, raw: readonly RawFigure[]): Promise<Figure[]> {
    const judgements = await this.reader.judge(entry, raw);
    return raw.map((f, i) => ({
      ...f,
      ...(judgements[i] as (typeof judgements)[number]),
      suppressed: f.withheld !== null,
    }));
  }

  private async atPosition(entry: CatalogIndicator, position: number): Promise<AsOfFigures> {
    const rows = await this.reader.figuresAsOf({ position }, [entry.code]);
    return this.finish(entry, position, rows);
  }

  /** As of a day: `figuresAsOf` with the day, as `kpi figure --as-of DAY` (one rule, docs/semantics.md). */
  private async onDay(entry: CatalogIndicator, date: string): Promise<AsOfFigures> {
    const rows = await this.reader.figuresAsOf({ date }, [entry.code]);
    const position =
      rows[0]?.position ??
      (
        await this.reader.query<{ p: number }>(
          "SELECT CAST(coalesce(max(position), 0) AS DOUBLE) AS p FROM facts WHERE CAST(recorded_at AS DATE) <= CAST($date AS DATE)",
          { date },
        )
      )[0]?.p ??
      0;
    return this.finish(entry, position, rows, date);
  }

  /** Runs `afterRefresh` once the interval since its last start has passed, if a catch-up owes it a run. */
  /**
   * Owes an `afterRefresh` though no figure changed: what the snapshots show changed with the clock (a
   * publication's release time came, so its figures may now be public).
   */
  oweAfterRefresh(): void {
    this.afterOwed = true;
    this.scheduleAfterRefresh();
  }

  private scheduleAfterRefresh(): void {
    if (this.afterRefresh === undefined || this.afterTimer !== undefined || !this.afterOwed || this.closed) return;
    const wait = Math.max(0, this.afterLast + this.afterRefreshEveryMs - Date.now());
    this.afterTimer = setTimeout(() => {
      void this.exclusive(() => this.runAfterRefresh(false)).finally(() => {
        this.afterTimer = undefined;
        this.scheduleAfterRefresh(); // catch-ups that came while it ran
      });
    }, wait);
    this.afterTimer.unref();
  }

  private async runAfterRefresh(closing: boolean): Promise<void> {
    if (this.afterRefresh === undefined || !this.afterOwed || (this.closed && !closing)) return;
    this.afterOwed = false;
    this.afterLast = Date.now();
    this.afterRunning = true;
    try {
      await this.afterRefresh(this.warehouse, closing);
    } catch {
      this.afterOwed = true; // failed or interrupted: still owed
    } finally {
      this.afterRunning = false;
    }
  }

  /**
   * Waits for running warehouse tasks (and a last `afterRefresh` if one is owed), then refuses new catch-ups. The
   * caller closes the warehouse.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.afterTimer !== undefined) clearTimeout(this.afterTimer);
    if (this.afterRunning) this.warehouse.interrupt();
    await this.exclusive(() => this.runAfterRefresh(true));
    await this.readQueue;
    this.reader.close();
  }
}
