/**
 * `explainFigure`: what made one figure (indicator, geography, year, breakdown) as known at a log position
 * (default: the warehouse's checkpoint): the facts behind its numerator and its denominator — the events of the
 * subjects counted (subjects are pseudonyms) and the standing reports used, with their retractions — the digest
 * of all of them (`contribution.ts`), and how the figure moved across vintages with, for each vintage, the facts
 * recorded that day that concern it.
 *
 * "Concern" for a vintage V whose revision is at position p, the figure's previous revision being at p′: a fact
 * recorded on day V at a position ≤ p that is (a) a fact dated on or before Y-12-31 of a subject counted in the
 * cell at p or at p′ (so facts that brought a subject in and facts that took one out both show), (b) a report
 * with the type and key of a report used at p or at p′, or (c) a retraction of such a fact or report.
 *
 * Lists are in position order and cut at `limit` (totals count everything). Refusals are values. Runs on the
 * warehouse's connection: one warehouse task at a time.
 */
import { type CatalogEntry, type Definition, definitionHash, ident } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { REPORT_TYPES } from "../warehouse/factShape.js";
import { DENOMINATOR_SQL, NUMERATOR_SQL } from "../warehouse/figuresSql.js";
import type { Warehouse } from "../warehouse/projector.js";
import {
  buildContributingEvents,
  cellKey,
  contributionDigests,
  dropWorkTables,
  EMPTY_CONTRIBUTION,
  type Scope,
} from "./contribution.js";
import { reportedFieldsOf, reportKeySql } from "./contributionSql.js";
import { type Contribution, normalizeDecimal } from "./publication.js";
import { definitionEntries, warehouseDefinitions } from "./publish.js";

export type AsOf = { readonly position: number } | { readonly date: string };

export interface ExplainOptions {
  readonly asOf?: AsOf;
  /** Required for an indicator broken down `by` a field when the figure has more than one breakdown. */
  readonly breakdown?: string;
  /** How many facts each list shows; totals count all. Default 1000. */
  readonly limit?: number;
  /** Also every contributing event, with its chain hash (`Explanation.contributing`). */
  readonly all?: boolean;
}

export type ExplainError =
  | { readonly _tag: "UnknownIndicator"; readonly indicator: string }
  | { readonly _tag: "BadAsOf"; readonly asOf: string }
  | { readonly _tag: "NotFolded"; readonly position: number; readonly checkpoint: number }
  | { readonly _tag: "BreakdownRequired"; readonly indicator: string; readonly breakdowns: readonly string[] }
  | {
      readonly _tag: "NoSuchFigure";
      readonly indicator: string;
      readonly geo: string;
      readonly year: number;
      readonly position: number;
    };

export const describeExplainError = (e: ExplainError): string => {
  switch (e._tag) {
    case "UnknownIndicator":
      return `unknown indicator ${e.indicator}; docs/indicators.md lists the codes`;
    case "BadAsOf":
      return `--as-of must be a log position or a day YYYY-MM-DD, not ${JSON.stringify(e.asOf)}`;
    case "NotFolded":
      return `position ${e.position} is not folded yet (the warehouse is at ${e.checkpoint}): project first`;
    case "BreakdownRequired":
      return `${e.indicator} is broken down; name one of ${e.breakdowns.join(", ")} with --breakdown`;
    case "NoSuchFigure":
      return `no figure ${e.indicator} for ${e.geo} in ${e.year} as known at position ${e.position}`;
  }
};

export interface ExplainedFact {
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly occurredOn: string;
  readonly recordedAt: string;
}

/** A contributing event of the figure, with the roles it plays and its chain hash (the Merkle tree's leaf). */
export interface ContributingEvent extends ExplainedFact {
  readonly inNumerator: boolean;
  readonly inDenominator: boolean;
  /** The 32-byte `hash` of the log at this position, lower-case hex. */
  readonly chainHash: string;
}

export interface FactList {
  readonly total: number;
  readonly shown: readonly ExplainedFact[];
}

export interface ReportUsed extends ExplainedFact {
  readonly role: "numerator" | "denominator";
  readonly field: string;
  /** The reported field's value, as sent. */
  readonly value: string | null;
  readonly year: number | null;
  /** The commune code on the report (before resolution), or null for a province-level report. */
  readonly commune: string | null;
}

export interface Revision {
  readonly vintage: string;
  readonly position: number;
  readonly numerator: string | null;
  readonly denominator: string | null;
  readonly value: number | null;
  readonly movedBy: FactList;
}

export interface Explanation {
  readonly indicator: string;
  readonly geo: string;
  readonly year: number;
  readonly breakdown: string;
  /** As known at this position. */
  readonly position: number;
  readonly kind: Definition["kind"];
  readonly numerator: string | null;
  readonly denominator: string | null;
  readonly value: number | null;
  readonly definitionHash: string;
  readonly contribution: Contribution;
  readonly numeratorSubjects: number;
  readonly denominatorSubjects: number;
  /** Entity facts and reports behind the numerator (and their retractions). */
  readonly numeratorFacts: FactList;
  readonly denominatorFacts: FactList;
  readonly reports: readonly ReportUsed[];
  readonly revisions: readonly Revision[];
  /** With `all`: every contributing event in position order (the leaves of `contribution.merkleRoot`). */
  readonly contributing?: readonly ContributingEvent[];
}

interface FactRow {
  position: number;
  id: string;
  type: string;
  subject: string;
  occurred_on: string;
  recorded_at: string;
}
const FACT_COLUMNS = `CAST(f.position AS DOUBLE) AS position, f.id, f.type, f.subject,
  strftime(f.occurred_on, '%Y-%m-%d') AS occurred_on, strftime(f.recorded_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS recorded_at`;
const toFact = (r: FactRow): ExplainedFact => ({
  position: r.position,
  id: r.id,
  type: r.type,
  subject: r.subject,
  occurredOn: r.occurred_on,
  recordedAt: r.recorded_at,
});

const decimalOf = (x: number | string | null): string | null => {
  if (x === null) return null;
  try {
    return normalizeDecimal(typeof x === "number" ? x.toFixed(3) : x);
  } catch {
    return String(x);
  }
};

/** The log position an `asOf` names, at most the checkpoint's day (a day: its last event recorded then). */
const resolveAsOf = async (w: Warehouse, asOf: AsOf | undefined, checkpoint: number): Promise<number> => {
  if (asOf === undefined) return checkpoint;
  if ("position" in asOf) return asOf.position;
  const r = await w.query<{ p: number | null }>(
    "SELECT CAST(max(position) AS DOUBLE) AS p FROM facts WHERE CAST(recorded_at AS DATE) <= CAST($d AS DATE)",
    { d: asOf.date },
  );
  return r[0]?.p ?? 0;
};

interface FigureValues {
  readonly breakdown: string;
  readonly numerator: string | number | null;
  readonly denominator: string | number | null;
  readonly value: number | null;
}

const figuresOf = async (
  w: Warehouse,
  indicator: string,
  geo: string,
  year: number,
  position: number,
  checkpoint: number,
  /** As of a day: the catalog changes in effect by it (`Warehouse.figuresAsOf` with a date). */
  day?: string,
): Promise<FigureValues[]> => {
  if (position === checkpoint && day === undefined) {
    return w.query<FigureValues>(
      `SELECT breakdown, CAST(${NUMERATOR_SQL} AS VARCHAR) AS numerator,
              CAST(${DENOMINATOR_SQL} AS VARCHAR) AS denominator, value
       FROM indicator_values WHERE indicator = $i AND geo = $g AND year = $y ORDER BY breakdown`,
      { i: indicator, g: geo, y: year },
    );
  }
  return (await w.figuresAsOf(day === undefined ? { position } : { position, date: day }, [indicator]))
    .filter((f) => f.geo === geo && f.year === year)
    .map((f) => ({ breakdown: f.breakdown, numerator: f.numerator, denominator: f.denominator, value: f.value }));
};

const scopeOf = (geo: string, year: number): Scope =>
  geo === "province" ? { year, province: true, communes: "none" } : { year, province: false, communes: { geo } };

/** Facts of the cell in `audit_events` with the role flag set, first `limit` by position, and their total. */
const listEvents = async (
  w: Warehouse,
  cell: { geo: string; breakdown: string },
  flag: "in_num" | "in_den",
  limit: number,
): Promise<FactList> => {
  const ev = `SELECT position FROM audit_events JOIN audit_cells USING (cell)
              WHERE geo = $g AND breakdown = $b GROUP BY position HAVING bool_or(${flag})`;
  const params = { g: cell.geo, b: cell.breakdown };
  const total = await w.query<{ n: number }>(`SELECT CAST(count(*) AS DOUBLE) AS n FROM (${ev})`, params);
  const shown = await w.query<FactRow>(
    `SELECT ${FACT_COLUMNS} FROM (${ev}) e JOIN facts f ON f.position = e.position ORDER BY f.position LIMIT $limit`,
    { ...params, limit },
  );
  return { total: total[0]?.n ?? 0, shown: shown.map(toFact) };
};

/** The subjects and report keys counted in the cell, into `table` (column k: 'subject' or 'report'). */
const snapshotKeys = async (w: Warehouse, table: string, cell: { geo: string; breakdown: string }) => {
  await w.query(
    `CREATE OR REPLACE TEMP TABLE ${ident(table)} AS
     SELECT DISTINCT 'subject' AS k, subject AS key FROM audit_members WHERE geo = $g
     UNION SELECT DISTINCT 'report', ${reportKeySql("u")} FROM audit_reports_used u WHERE geo = $g AND breakdown = $b`,
    { g: cell.geo, b: cell.breakdown },
  );
};

const REPORT_TYPE_LIST = REPORT_TYPES.map((t) => `'${t}'`).join(", ");

/** Facts recorded on `vintage`, at or before `position`, that concern the keys in audit_keys ∪ audit_keys_prev. */
const movedBy = async (w: Warehouse, vintage: string, position: number, year: number, limit: number) => {
  const keys = "(SELECT * FROM audit_keys UNION SELECT * FROM audit_keys_prev)";
  const subjects = `(SELECT key FROM ${keys} WHERE k = 'subject')`;
  const reportKeys = `(SELECT key FROM ${keys} WHERE k = 'report')`;
  const where = `CAST(f.recorded_at AS DATE) = CAST($v AS DATE) AND f.position <= $p AND (
      (f.type NOT IN ('FactRetracted', ${REPORT_TYPE_LIST}) AND f.occurred_on <= make_date($y, 12, 31)
        AND f.subject IN ${subjects})
   OR (f.type IN (${REPORT_TYPE_LIST}) AND ${reportKeySql("f")} IN ${reportKeys})
   OR (f.type = 'FactRetracted' AND EXISTS (
        SELECT 1 FROM facts g WHERE g.id = f.retracts AND g.subject = f.subject AND (
          (g.type IN (${REPORT_TYPE_LIST}) AND ${reportKeySql("g")} IN ${reportKeys})
          OR (g.type NOT IN (${REPORT_TYPE_LIST}) AND g.occurred_on <= make_date($y, 12, 31) AND g.subject IN ${subjects})))))`;
  const params = { v: vintage, p: position, y: year };
  const total = await w.query<{ n: number }>(
    `SELECT CAST(count(*) AS DOUBLE) AS n FROM facts f WHERE ${where}`,
    params,
  );
  const shown = await w.query<FactRow>(
    `SELECT ${FACT_COLUMNS} FROM facts f WHERE ${where} ORDER BY f.position LIMIT $limit`,
    { ...params, limit },
  );
  return { total: total[0]?.n ?? 0, shown: shown.map(toFact) };
};

export const explainFigure = async (
  w: Warehouse,
  indicator: string,
  geo: string,
  year: number,
  o: ExplainOptions = {},
): Promise<E.Either<ExplainError, Explanation>> => {
  const limit = o.limit ?? 1000;
  const defs = await warehouseDefinitions(w);
  const definition = defs.get(indicator);
  if (definition === undefined) return E.left({ _tag: "UnknownIndicator", indicator });
  if (o.asOf !== undefined && "date" in o.asOf && !/^\d{4}-\d{2}-\d{2}$/.test(o.asOf.date)) {
    return E.left({ _tag: "BadAsOf", asOf: o.asOf.date });
  }
  const checkpoint = await w.checkpoint();
  const position = await resolveAsOf(w, o.asOf, checkpoint);
  if (position > checkpoint) return E.left({ _tag: "NotFolded", position, checkpoint });

  // as of a day, the catalog changes in effect by it (a change recorded before its effectiveOn does not apply)
  const day = o.asOf !== undefined && "date" in o.asOf ? o.asOf.date : undefined;
  const figures = await figuresOf(w, indicator, geo, year, position, checkpoint, day);
  const breakdowns = figures.map((f) => f.breakdown);
  const breakdown = o.breakdown ?? (breakdowns.length === 1 ? breakdowns[0] : undefined);
  if (breakdown === undefined && breakdowns.length > 1) {
    return E.left({ _tag: "BreakdownRequired", indicator, breakdowns });
  }
  const figure = figures.find((f) => f.breakdown === breakdown);
  if (figure === undefined) return E.left({ _tag: "NoSuchFigure", indicator, geo, year, position });
  const cell = { geo, breakdown: figure.breakdown };
  // as of an earlier position: the definition then in force (a later IndicatorDefinitionAmended does not apply)
  const then =
    position === checkpoint && day === undefined
      ? undefined
      : (await w.catalogAt(position, day)).catalog.find((e) => e.code === indicator);
  const entries: CatalogEntry[] = definitionEntries(new Map([[indicator, then?.definition ?? definition]]));
  const hash =
    then === undefined
      ? await w.query<{ h: string }>("SELECT definition_hash AS h FROM indicators WHERE code = $c", { c: indicator })
      : [{ h: definitionHash(then.definition) }];

  try {
    await buildContributingEvents(w, entries, position, scopeOf(geo, year));
    const subjects = await w.query<{ num: number; den: number }>(
      `SELECT CAST(count(DISTINCT subject) FILTER (WHERE in_num) AS DOUBLE) AS num,
              CAST(count(DISTINCT subject) FILTER (WHERE in_den) AS DOUBLE) AS den
       FROM audit_members WHERE geo = $g`,
      { g: geo },
    );
    const numeratorFacts = await listEvents(w, cell, "in_num", limit);
    const denominatorFacts = await listEvents(w, cell, "in_den", limit);
    const used = await w.query<FactRow & { data: string; in_num: boolean }>(
      `SELECT ${FACT_COLUMNS}, CAST(u.data AS VARCHAR) AS data, u.in_num
       FROM audit_reports_used u JOIN facts f ON f.position = u.position
       WHERE u.geo = $g AND u.breakdown = $b ORDER BY u.in_num DESC, f.position`,
      { g: geo, b: figure.breakdown },
    );
    const fields = reportedFieldsOf(definition);
    const reports: ReportUsed[] = used.map((r) => {
      const role = r.in_num ? "numerator" : "denominator";
      const field =
        fields.find((x) => x.role === role || x.role === "growth")?.field.field ?? fields[0]?.field.field ?? "";
      const data = JSON.parse(r.data) as Record<string, unknown>;
      const value = data[field];
      return {
        ...toFact(r),
        role,
        field,
        value: value === undefined ? null : String(value),
        year: typeof data.year === "number" ? data.year : null,
        commune: typeof data.commune === "string" ? data.commune : null,
      };
    });
    const contribution =
      (await contributionDigests(w)).get(cellKey(indicator, geo, figure.breakdown)) ?? EMPTY_CONTRIBUTION;
    const contributing =
      o.all === true
        ? (
            await w.query<FactRow & { in_num: boolean; in_den: boolean; chain_hash: string }>(
              `SELECT ${FACT_COLUMNS}, bool_or(e.in_num) AS in_num, bool_or(e.in_den) AS in_den,
                      lower(hex(any_value(l.hash))) AS chain_hash
               FROM audit_events e JOIN audit_cells c USING (cell) JOIN facts f ON f.position = e.position
                 JOIN ${w.eventsTable} l ON l.position = e.position
               WHERE c.geo = $g AND c.breakdown = $b
               GROUP BY f.position, f.id, f.type, f.subject, f.occurred_on, f.recorded_at ORDER BY f.position`,
              { g: geo, b: figure.breakdown },
            )
          ).map((r) => ({ ...toFact(r), inNumerator: r.in_num, inDenominator: r.in_den, chainHash: r.chain_hash }))
        : undefined;

    // revisions up to the position, each with the facts recorded that day that concern the cell
    const history = await w.query<{
      vintage: string;
      position: number;
      numerator: string | null;
      denominator: string | null;
      value: number | null;
    }>(
      `SELECT strftime(vintage, '%Y-%m-%d') AS vintage, CAST(position AS DOUBLE) AS position,
              CAST(${NUMERATOR_SQL} AS VARCHAR) AS numerator, CAST(${DENOMINATOR_SQL} AS VARCHAR) AS denominator, value
       FROM indicator_revisions WHERE indicator = $i AND geo = $g AND year = $y AND breakdown = $b AND position <= $p
       ORDER BY vintage`,
      { i: indicator, g: geo, y: year, b: figure.breakdown, p: position },
    );
    const revisions: Revision[] = [];
    await w.query("CREATE OR REPLACE TEMP TABLE audit_keys_prev (k VARCHAR, key VARCHAR)");
    for (const h of history) {
      await buildContributingEvents(w, entries, h.position, scopeOf(geo, year));
      await snapshotKeys(w, "audit_keys", cell);
      revisions.push({
        vintage: h.vintage,
        position: h.position,
        numerator: decimalOf(h.numerator),
        denominator: decimalOf(h.denominator),
        value: h.value,
        movedBy: await movedBy(w, h.vintage, h.position, year, limit),
      });
      await w.query("CREATE OR REPLACE TEMP TABLE audit_keys_prev AS SELECT * FROM audit_keys");
    }

    return E.right({
      indicator,
      geo,
      year,
      breakdown: figure.breakdown,
      position,
      kind: definition.kind,
      numerator: decimalOf(figure.numerator),
      denominator: decimalOf(figure.denominator),
      value: figure.value,
      definitionHash: hash[0]?.h ?? "",
      contribution,
      numeratorSubjects: subjects[0]?.num ?? 0,
      denominatorSubjects: subjects[0]?.den ?? 0,
      numeratorFacts,
      denominatorFacts,
      reports,
      revisions,
      ...(contributing === undefined ? {} : { contributing }),
    });
  } finally {
    await dropWorkTables(w);
    await w.query("DROP TABLE IF EXISTS audit_keys");
    await w.query("DROP TABLE IF EXISTS audit_keys_prev");
  }
};
