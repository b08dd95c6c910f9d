/**
 * The warehouse commands: `project` (fold new events, refresh the snapshot), `rebuild`, `export`, `figure`
 * (figures as known at a position or date), `quarantine` (events the fold could not take). Each opens the warehouse with the log attached.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { EventLog } from "@kpi/core";
import {
  type CatchUpReport,
  type Cell,
  heldCells,
  type QuarantinedEvent,
  readPublications,
  seedCatalog,
  seedReferenceTables,
  Warehouse,
} from "@kpi/projections";
import type { Config } from "../config.js";

/**
 * Opens the warehouse over `log`, a store the caller opened (KurrentDB: read through the event-log port), or by
 * default over the embedded log at `config.logPath` (attached, read in SQL). `logIndexesInBackground`: the
 * embedded log loads its saved append indexes while the caller goes on (a server's start; appends wait for them).
 */
export const openWarehouse = async (
  config: Config,
  log?: EventLog,
  options: { readonly logIndexesInBackground?: boolean } = {},
): Promise<Warehouse> => {
  mkdirSync(dirname(config.warehousePath), { recursive: true });
  mkdirSync(dirname(config.logPath), { recursive: true });
  return Warehouse.open(config.warehousePath, log ?? config.logPath, {
    catalog: seedCatalog(),
    reference: seedReferenceTables(),
    years: config.years,
    smallCellThreshold: config.smallCellThreshold,
    ...(options.logIndexesInBackground ? { logIndexesInBackground: true } : {}),
  });
};

const n = (x: number) => x.toLocaleString("en-US");

/** The publications' folder of a data directory (`kpi publish`, POST /v1/operator/publications). */
export const publicationsDir = (config: Config): string => join(config.dataDir, "publications");

/** The cells under embargo at `now` (publications whose release time is still to come): nothing written for the public shows them. */
export const heldAt = (config: Config, now: Date): Cell[] =>
  heldCells(readPublications(publicationsDir(config)).publications, now);

/** Writes the public snapshot: the published tables without the cells under embargo now. */
export const writePublicSnapshot = async (w: Warehouse, config: Config, now = new Date()): Promise<void> => {
  await w.publicSnapshot(config.snapshotPath, heldAt(config, now));
};

/** Refreshes both snapshots: the public one for anyone, the restricted one for its owner. */
export const writeSnapshots = async (w: Warehouse, config: Config): Promise<void> => {
  await writePublicSnapshot(w, config);
  await w.snapshot(config.restrictedSnapshotPath);
};

/**
 * How a command reaches the warehouse: opened for that command alone (and caught up), or, while `kpi serve`
 * holds it, the server's own, lent between its catch-ups (commands/server.ts).
 */
export interface WarehouseAccess {
  use<T>(fn: (w: Warehouse) => Promise<T>): Promise<T>;
}

/** The warehouse opened for one command, caught up, and closed after it. */
export const ownWarehouse = (config: Config): WarehouseAccess => ({
  use: async (fn) => {
    const w = await openWarehouse(config);
    try {
      await w.catchUp();
      return await fn(w);
    } finally {
      await w.close();
    }
  },
});

export const printCatchUp = (r: CatchUpReport, out: NodeJS.WritableStream): void => {
  out.write(
    `${r.rebuilt ? "Rebuilt" : "Projected"} positions ${n(r.from)} → ${n(r.to)} in ${r.steps.length} step(s), ${r.seconds.toFixed(2)} s\n`,
  );
  for (const q of r.quarantined) {
    out.write(
      `Quarantined position ${n(q.position)} (${q.type} "${q.id}" from ${q.source}): the fold could not take it; every other event was folded. See kpi quarantine.\n`,
    );
  }
};

/** One line per quarantined event, for `kpi quarantine`. */
const quarantineLine = (q: QuarantinedEvent): string =>
  `${q.position}\t${q.id}\t${q.type}\t${q.source}\t${q.quarantinedAt}\t${
    q.clearedAt === null ? "held" : `cleared ${q.clearedAt}: ${q.clearedNote ?? ""}`
  }\t${q.reason.replace(/\s+/g, " ")}\n`;

/**
 * `kpi quarantine` lists the events the fold could not take; `kpi quarantine clear POSITION [--note T]
 * [--force]` records that a correcting fact (a retraction of it) is in the log, or with --force that the
 * operator accepts it as it is, so health reports ok again.
 */
export const quarantineCommand = async (
  config: Config,
  o: {
    action: "list" | "clear";
    position?: number;
    note: string;
    force: boolean;
    out: NodeJS.WritableStream;
    err: NodeJS.WritableStream;
    access?: WarehouseAccess;
  },
): Promise<number> => {
  return (o.access ?? ownWarehouse(config)).use(async (w) => {
    if (o.action === "list") {
      const all = await w.quarantined();
      if (all.length === 0) {
        o.out.write("No event is in quarantine: every event of the log is folded.\n");
        return 0;
      }
      o.out.write("position\tid\ttype\tsource\tquarantined_at\tstate\treason\n");
      for (const q of all) o.out.write(quarantineLine(q));
      const held = all.filter((q) => q.clearedAt === null).length;
      if (held > 0) {
        o.out.write(
          `${held} event(s) held: ask each source to retract it (and send the corrected fact), then run kpi quarantine clear POSITION\n`,
        );
      }
      return 0;
    }
    if (o.position === undefined) throw new Error("quarantine clear needs a position");
    if (o.force && o.note === "") {
      o.err.write("kpi quarantine clear --force needs --note saying why the event is accepted as it is\n");
      return 2;
    }
    const c = await w.clearQuarantine(o.position, o.note, o.force);
    if (!c.ok) {
      o.err.write(`kpi quarantine clear: ${c.reason}\n`);
      return 1;
    }
    o.out.write(`Cleared position ${n(c.event.position)}: ${c.event.clearedNote ?? ""}\n`);
    return 0;
  });
};

export const projectCommand = async (
  config: Config,
  o: {
    rebuild: boolean;
    out: NodeJS.WritableStream;
    /** The log store when it is not the embedded file (KurrentDB); the warehouse closes it. */
    log?: EventLog;
  },
): Promise<number> => {
  const w = await openWarehouse(config, o.log);
  try {
    const r = o.rebuild ? await w.rebuild() : await w.catchUp();
    printCatchUp(r, o.out);
    const t0 = performance.now();
    await writeSnapshots(w, config);
    o.out.write(
      `Snapshots: ${config.snapshotPath} (published tables, for any DuckDB client) and ${config.restrictedSnapshotPath} (restricted, owner only) (${((performance.now() - t0) / 1000).toFixed(2)} s)\n`,
    );
    return 0;
  } finally {
    await w.close();
  }
};

export const exportCommand = async (
  config: Config,
  o: {
    dir: string;
    format: "parquet" | "csv";
    restricted: boolean;
    out: NodeJS.WritableStream;
    access?: WarehouseAccess;
  },
): Promise<number> =>
  (o.access ?? ownWarehouse(config)).use(async (w) => {
    for (const f of await w.export(o.dir, o.format, o.restricted, heldAt(config, new Date()))) o.out.write(`${f}\n`);
    return 0;
  });

/**
 * Why an as-of (a log position, or a day) can have no figures: nothing had been recorded by then. Undefined
 * when something had; otherwise the sentence to say, with the first day and position that have facts.
 */
export const nothingKnownAt = async (w: Warehouse, asOf: string): Promise<string | undefined> => {
  const byDate = !/^\d+$/.test(asOf);
  const known = await w.query<{ n: number }>(
    byDate
      ? "SELECT CAST(count(*) AS DOUBLE) AS n FROM facts WHERE CAST(recorded_at AS DATE) <= TRY_CAST($a AS DATE)"
      : "SELECT CAST(count(*) AS DOUBLE) AS n FROM facts WHERE position <= CAST($a AS BIGINT)",
    { a: asOf },
  );
  if ((known[0]?.n ?? 0) > 0) return undefined;
  const first = await w.query<{ day: string | null }>(
    "SELECT strftime(min(recorded_at), '%Y-%m-%d') AS day FROM facts",
  );
  const day = first[0]?.day ?? null;
  return day === null
    ? "nothing has been recorded yet: import facts first (kpi import FILE)"
    : `nothing was known then: nothing had been recorded ${byDate ? `by ${asOf}` : `at position ${asOf}`}; the first fact was recorded on ${day} (log position 1): ask for that day or a later one`;
};

export const figureCommand = async (
  config: Config,
  o: {
    indicator: string;
    geo: string;
    year?: number;
    asOf?: string;
    out: NodeJS.WritableStream;
    err: NodeJS.WritableStream;
    access?: WarehouseAccess;
  },
): Promise<number> =>
  (o.access ?? ownWarehouse(config)).use(async (w) => {
    const catalog = seedCatalog();
    if (!catalog.some((e) => e.code === o.indicator)) {
      o.err.write(`unknown indicator ${o.indicator}; see docs/indicators.md for the ${catalog.length} codes\n`);
      return 1;
    }
    if (o.asOf !== undefined) {
      const nothing = await nothingKnownAt(w, o.asOf);
      if (nothing !== undefined) {
        o.err.write(`kpi figure: ${nothing}\n`);
        return 1;
      }
    }
    const at = o.asOf === undefined ? {} : /^\d+$/.test(o.asOf) ? { position: Number(o.asOf) } : { date: o.asOf };
    const rows = (await w.figuresAsOf(at, [o.indicator])).filter(
      (r) => r.geo === o.geo && (o.year === undefined || r.year === o.year),
    );
    if (rows.length === 0) {
      o.err.write(`no figure for ${o.indicator} in ${o.geo}${o.year === undefined ? "" : ` for ${o.year}`}\n`);
      return 1;
    }
    o.out.write("indicator\tgeo\tyear\tbreakdown\tnumerator\tdenominator\tvalue\tas_of_position\tflags\n");
    for (const r of rows) {
      const flags = [
        r.provisional && "provisional",
        r.estimated && "estimated",
        r.breakInSeries && "break_in_series",
        r.implausible && `implausible (${r.implausibleReason})`,
      ].filter(Boolean);
      o.out.write(
        `${r.indicator}\t${r.geo}\t${r.year}\t${r.breakdown}\t${r.numerator ?? ""}\t${r.denominator ?? ""}\t${
          r.value === null ? "" : r.value.toFixed(4)
        }\t${r.position}\t${flags.join(", ")}\n`,
      );
    }
    return 0;
  });
