/**
 * The oracle fold: docs/semantics.md in plain TypeScript, written to be obviously correct, not fast. The DuckDB
 * projection is checked against it by property tests, and `foldEvent` is the naive baseline of the benchmarks.
 *
 * Contract.
 * - `foldEvent(state, event)` records the event and returns the state. It UPDATES THE STATE IT IS GIVEN IN PLACE
 *   and returns that same object (O(1) per event, so ten million events fold without copying): a caller must not
 *   keep or reuse the state it passed in. The state only collects (per-subject fact lists, reports per key,
 *   retractions with their positions); all the meaning is applied by `computeFigures`, so the figures do not
 *   depend on the order in which events are folded, only on their positions.
 * - `computeFigures(state, indicators, years, resolve, asOf?)` computes the figures as known at log position
 *   `asOf` (default: everything folded): an event counts when `position ≤ asOf` and no `FactRetracted` with
 *   `position ≤ asOf` names its fact id. A retraction of a retraction has no effect. Retractions are matched on the
 *   fact id alone (the log guarantees the retraction has the retracted fact's subject).
 * - Entities: each subject's counted facts with `occurredOn ≤ Y-12-31`, in order of `occurredOn` then position,
 *   give its state on Y-12-31 (`entitySnapshot.ts`, which also states how unknown attributes and communes are
 *   read); `meets.ts` evaluates conditions.
 * - Reports: per key (the fact type and the values of its registry `key` fields, as reported — raw commune code,
 *   absent commune as its own value), the counted report with the greatest position stands. A report counts for
 *   the year in its `year` field, in the current commune `resolve(commune, occurredOn)`; a report without commune
 *   is province-level; a report whose commune does not resolve is left out everywhere. Σ of a reported field over
 *   a geography adds the standing reports of that type for that year that match `where` (and the breakdown); a
 *   field value that is not a number is skipped. Σ is `null` when no report qualifies.
 * - `resolve(code, occurredOn)` is the crosswalk, injected; `undefined` means "unknown commune".
 *
 * Which rows exist (the DuckDB projection follows the same rules):
 * 1. Province rows: for every indicator and every year in `years` (duplicates ignored) there is exactly one row
 *    with geo "province" — per breakdown value for an indicator with `by` (rule 4).
 * 2. Commune rows: for (indicator, current commune, year, breakdown) there is a row exactly when its numerator or
 *    its denominator is a non-null, non-zero number.
 * 3. Numerators and denominators:
 *    - Entity counts (`share` numerator and denominator, the numerator of `shareOfReported`, `ratePer1000` and
 *      `entityCount`) are integers over the entities of the definition's kind that exist in Y and are located in
 *      the geography (the province holds every entity with a resolved commune or with none). They are `null` when
 *      no such entity exists in that geography and year, otherwise a count (0 when none meets the condition).
 *    - Reported sums (Σ of a reported field) are `null` when no standing report qualifies. For a commune: the
 *      reports that resolve to it. For the province: the province-level reports (no commune) when at least one
 *      qualifies, else the Σ over all commune reports that resolve. `cumulative` adds, geography by geography,
 *      the yearly sums (each computed as above) of every reported year ≤ Y; `null` when all are `null`.
 *      `growth` takes the yearly sums for Y and Y − 1 (whether or not Y − 1 is in `years`).
 *    - Denominators of `entityCount`, `reportedCount` and `rank` are `null`.
 * 4. `by` (reportedRatio only): the breakdown values are the distinct values of the `by` field, as strings, over
 *    the standing reports of the numerator and denominator facts that match their `where` — of any year — minus
 *    "ALL". A report without the field is in no breakdown. No values → the indicator has no rows at all.
 *    Without `by`, `breakdown` is "".
 * 5. `value`, plain double arithmetic, no rounding, `null` when the numerator is `null` or (for a ratio) the
 *    denominator is `null` or 0: share, shareOfReported, reportedRatio `100 * num / den`; ratePer1000
 *    `1000 * num / den`; growth `100 * (num / den - 1)`; entityCount, reportedCount, rank `num`.
 * 6. Rows are sorted by indicator, geo, year, breakdown (strings by UTF-16 code units, as `<` compares them).
 */
import type { Condition, Definition, EntityKind, Fact, FactId, FactType, ReportedField, StoredEvent } from "@kpi/core";
import { definitionOf } from "@kpi/core";
import { type EntitySnapshot, entitySnapshot } from "./entitySnapshot.js";
import { meets } from "./meets.js";

export interface FigureRow {
  readonly indicator: string;
  /** "province" or a current 5-digit commune code. */
  readonly geo: string;
  readonly year: number;
  /** "" unless the definition has `by`; then that field's value (e.g. a sector letter). */
  readonly breakdown: string;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly value: number | null;
}

export interface IndicatorSpec {
  readonly code: string;
  readonly definition: Definition;
}

/** The current commune a commune code on a fact dated `occurredOn` rolls up to, or `undefined` when unknown. */
export type ResolveCommune = (code: string, occurredOn: string) => string | undefined;

interface Entry {
  readonly position: number;
  readonly fact: Fact;
}

/** Opaque to callers: what the fold has collected. */
export interface OracleState {
  /** Entity facts by kind, then by subject, in fold order. */
  readonly entities: Map<EntityKind, Map<string, Entry[]>>;
  /** Reports by type, then by key, in fold order. */
  readonly reports: Map<FactType, Map<string, Entry[]>>;
  /** Retracted fact id → the smallest position of a retraction naming it. */
  readonly retractions: Map<FactId, number>;
}

export const PROVINCE = "province";

export const emptyOracleState = (): OracleState => ({
  entities: new Map(),
  reports: new Map(),
  retractions: new Map(),
});

const push = <K>(map: Map<K, Map<string, Entry[]>>, outer: K, inner: string, entry: Entry): void => {
  let byInner = map.get(outer);
  if (byInner === undefined) {
    byInner = new Map();
    map.set(outer, byInner);
  }
  const list = byInner.get(inner);
  if (list === undefined) byInner.set(inner, [entry]);
  else list.push(entry);
};

const dataOf = (f: Fact): Readonly<Record<string, unknown>> => f.data;

const addEntityFact = (state: OracleState, kind: EntityKind, event: StoredEvent): void =>
  push(state.entities, kind, event.fact.subject, { position: event.position, fact: event.fact });

const reportKey = (f: Fact): string => {
  const data = dataOf(f);
  return JSON.stringify((definitionOf(f.type).key ?? []).map((k) => data[k as string] ?? null));
};

const addReport = (state: OracleState, event: StoredEvent): void =>
  push(state.reports, event.fact.type, reportKey(event.fact), { position: event.position, fact: event.fact });

/** Records one event; mutates `state` in place and returns it (see the module comment). */
export const foldEvent = (state: OracleState, event: StoredEvent): OracleState => {
  const fact = event.fact;
  switch (fact.type) {
    case "EnterpriseRegistered":
    case "EnterpriseUpdated":
    case "EnterpriseClosed":
    case "DigitalTransformationBriefed":
    case "DigitalSolutionAdopted":
    case "DigitalSolutionDropped":
    case "EcommerceListed":
    case "EcommerceDelisted":
    case "SmartManufacturingAdopted":
    case "SmartManufacturingDropped":
      addEntityFact(state, "enterprise", event);
      break;
    case "OcopCertified":
    case "OcopCertificationEnded":
    case "OcopListedOnline":
    case "OcopDelistedOnline":
      addEntityFact(state, "ocop", event);
      break;
    case "PaymentAccountOpened":
    case "PaymentAccountClosed":
    case "VneidActivated":
    case "DigitalSignatureIssued":
    case "DigitalSignatureRevoked":
    case "HealthRecordCreated":
      addEntityFact(state, "person", event);
      break;
    case "FacilityRegistered":
    case "FacilityClosed":
    case "FacilityCapabilityAdopted":
    case "FacilityCapabilityDropped":
      addEntityFact(state, "facility", event);
      break;
    case "FixedBroadbandConnected":
    case "FixedBroadbandDisconnected":
      addEntityFact(state, "household", event);
      break;
    case "ClubFounded":
    case "ClubDissolved":
    case "ClubTechnologyAdopted":
    case "ClubTechnologyDropped":
      addEntityFact(state, "club", event);
      break;
    case "SmartVillageRecognised":
    case "SmartVillageWithdrawn":
      addEntityFact(state, "village", event);
      break;
    case "AiProjectDeployed":
      addEntityFact(state, "project", event);
      break;
    case "PopulationEstimated":
    case "HouseholdsEstimated":
    case "GrdpReported":
    case "RetailSalesReported":
    case "LabourProductivityReported":
    case "DtiRankPublished":
    case "SurveyAggregateReported":
    case "CountReported":
      addReport(state, event);
      break;
    case "PublicationIssued":
      break; // an audit record written by `kpi publish`: no indicator reads it
    case "TargetRevised":
    case "IndicatorDefinitionAmended":
      break; // catalog changes: the caller passes the catalog in force (`amendCatalog`) to computeFigures
    case "FactRetracted": {
      const earlier = state.retractions.get(fact.data.eventId);
      if (earlier === undefined || event.position < earlier) state.retractions.set(fact.data.eventId, event.position);
      break;
    }
    default: {
      const unknown: never = fact;
      throw new Error(`unknown fact type ${(unknown as Fact).type}`);
    }
  }
  return state;
};

// ---------------------------------------------------------------------------------------------------------------
// The state as known at one position

/** Σ of a reported field over each geography, for one year (and breakdown). */
interface Sums {
  readonly province: number | null;
  readonly communes: ReadonlyMap<string, number>;
}

interface Breakdown {
  readonly by: string;
  readonly value: string;
}

interface AsOfView {
  /** The entities of `kind` that exist in `year`, with their state on Y-12-31. */
  snapshots(kind: EntityKind, year: number): readonly EntitySnapshot[];
  /** The standing report of each key of `type`, in position order. */
  standing(type: string): readonly Fact[];
  reported(field: ReportedField, year: number, breakdown?: Breakdown): Sums;
}

const asOfView = (state: OracleState, resolve: ResolveCommune, asOf: number): AsOfView => {
  const counts = (e: Entry): boolean => {
    if (e.position > asOf) return false;
    const retractedAt = state.retractions.get(e.fact.id);
    return retractedAt === undefined || retractedAt > asOf;
  };

  const orderedFacts = new Map<EntityKind, Fact[][]>();
  /** Each subject's counted facts in order (occurredOn, then position). */
  const factsOf = (kind: EntityKind): Fact[][] => {
    const cached = orderedFacts.get(kind);
    if (cached !== undefined) return cached;
    const out: Fact[][] = [];
    for (const entries of state.entities.get(kind)?.values() ?? []) {
      const counted = entries
        .filter(counts)
        .sort((a, b) =>
          a.fact.occurredOn < b.fact.occurredOn
            ? -1
            : a.fact.occurredOn > b.fact.occurredOn
              ? 1
              : a.position - b.position,
        )
        .map((e) => e.fact);
      if (counted.length > 0) out.push(counted);
    }
    orderedFacts.set(kind, out);
    return out;
  };

  const snapshotCache = new Map<string, EntitySnapshot[]>();
  const snapshots = (kind: EntityKind, year: number): EntitySnapshot[] => {
    const cacheKey = `${kind} ${year}`;
    const cached = snapshotCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const yearEnd = `${year}-12-31`;
    const out: EntitySnapshot[] = [];
    for (const facts of factsOf(kind)) {
      const known = facts.filter((f) => f.occurredOn <= yearEnd);
      if (known.length > 0) out.push(entitySnapshot(kind, known, year, resolve));
    }
    snapshotCache.set(cacheKey, out);
    return out;
  };

  const standingCache = new Map<string, Fact[]>();
  const standing = (type: string): Fact[] => {
    const cached = standingCache.get(type);
    if (cached !== undefined) return cached;
    const winners: Entry[] = [];
    for (const entries of state.reports.get(type as FactType)?.values() ?? []) {
      let best: Entry | undefined;
      for (const e of entries) if (counts(e) && (best === undefined || e.position > best.position)) best = e;
      if (best !== undefined) winners.push(best);
    }
    const out = winners.sort((a, b) => a.position - b.position).map((e) => e.fact);
    standingCache.set(type, out);
    return out;
  };

  const reported = (field: ReportedField, year: number, breakdown?: Breakdown): Sums => {
    let provinceLevel: number | null = null;
    let communeLevel: number | null = null;
    const communes = new Map<string, number>();
    for (const report of standing(field.fact)) {
      const data = dataOf(report);
      if (data.year !== year || !matchesWhere(data, field.where)) continue;
      if (breakdown !== undefined && !inBreakdown(data, breakdown)) continue;
      const v = data[field.field];
      if (typeof v !== "number") continue;
      const code = data.commune;
      if (code === undefined) {
        provinceLevel = (provinceLevel ?? 0) + v;
        continue;
      }
      const commune = resolve(String(code), report.occurredOn);
      if (commune === undefined) continue;
      communes.set(commune, (communes.get(commune) ?? 0) + v);
      communeLevel = (communeLevel ?? 0) + v;
    }
    return { province: provinceLevel ?? communeLevel, communes };
  };

  return { snapshots, standing, reported };
};

const matchesWhere = (data: Readonly<Record<string, unknown>>, where: ReportedField["where"]): boolean =>
  Object.entries(where ?? {}).every(([k, v]) => data[k] === v);

const inBreakdown = (data: Readonly<Record<string, unknown>>, b: Breakdown): boolean =>
  data[b.by] !== undefined && String(data[b.by]) === b.value;

// ---------------------------------------------------------------------------------------------------------------
// Figures

type Kind = Definition["kind"];

const ratio = (scale: number, num: number | null, den: number | null): number | null =>
  num === null || den === null || den === 0 ? null : (scale * num) / den;

const figureValue = (kind: Kind, num: number | null, den: number | null): number | null => {
  switch (kind) {
    case "share":
    case "shareOfReported":
    case "reportedRatio":
      return ratio(100, num, den);
    case "ratePer1000":
      return ratio(1000, num, den);
    case "growth":
      return num === null || den === null || den === 0 ? null : 100 * (num / den - 1);
    case "entityCount":
    case "reportedCount":
    case "rank":
      return num;
  }
};

const present = (x: number | null): boolean => x !== null && x !== 0;

interface Emitter {
  /** One cell; a commune cell becomes a row only under rule 2. */
  cell(geo: string, year: number, breakdown: string, num: number | null, den: number | null): void;
  /** The province cell and every commune cell of two per-geography sums. */
  sums(year: number, breakdown: string, num: Sums | null, den: Sums | null): void;
}

const emitter = (code: string, kind: Kind, rows: FigureRow[]): Emitter => {
  const cell = (geo: string, year: number, breakdown: string, num: number | null, den: number | null): void => {
    if (geo !== PROVINCE && !present(num) && !present(den)) return;
    rows.push({
      indicator: code,
      geo,
      year,
      breakdown,
      numerator: num,
      denominator: den,
      value: figureValue(kind, num, den),
    });
  };
  const sums = (year: number, breakdown: string, num: Sums | null, den: Sums | null): void => {
    cell(PROVINCE, year, breakdown, num?.province ?? null, den?.province ?? null);
    const communes = new Set([...(num?.communes.keys() ?? []), ...(den?.communes.keys() ?? [])]);
    for (const c of communes) cell(c, year, breakdown, num?.communes.get(c) ?? null, den?.communes.get(c) ?? null);
  };
  return { cell, sums };
};

/** Per geography: the entities that exist there in `year`, those in `population`, those also in `numerator`. */
const entityCounts = (
  view: AsOfView,
  kind: EntityKind,
  year: number,
  population: Condition | undefined,
  numerator: Condition,
): Map<string, { population: number; numerator: number }> => {
  const out = new Map<string, { population: number; numerator: number }>();
  for (const s of view.snapshots(kind, year)) {
    if (s.location._tag === "unresolved") continue;
    const inPopulation = population === undefined || meets(population, s.attributes, year);
    const inNumerator = inPopulation && meets(numerator, s.attributes, year);
    for (const geo of s.location._tag === "commune" ? [PROVINCE, s.location.commune] : [PROVINCE]) {
      const c = out.get(geo) ?? { population: 0, numerator: 0 };
      if (inPopulation) c.population += 1;
      if (inNumerator) c.numerator += 1;
      out.set(geo, c);
    }
  }
  return out;
};

/** Entity numerators as `Sums` (province `null` when no entity exists there). */
const countSums = (counts: Map<string, { numerator: number }>): Sums => ({
  province: counts.get(PROVINCE)?.numerator ?? null,
  communes: new Map([...counts].filter(([geo]) => geo !== PROVINCE).map(([geo, c]) => [geo, c.numerator])),
});

/** Σ over every reported year ≤ `year`, geography by geography. */
const cumulativeSums = (view: AsOfView, field: ReportedField, year: number): Sums => {
  const reportedYears = new Set<number>();
  for (const r of view.standing(field.fact)) {
    const y = dataOf(r).year;
    if (typeof y === "number" && y <= year) reportedYears.add(y);
  }
  let province: number | null = null;
  const communes = new Map<string, number>();
  for (const y of [...reportedYears].sort((a, b) => a - b)) {
    const s = view.reported(field, y);
    if (s.province !== null) province = (province ?? 0) + s.province;
    for (const [c, v] of s.communes) communes.set(c, (communes.get(c) ?? 0) + v);
  }
  return { province, communes };
};

/** Rule 4: the breakdown values of a `by` definition. */
const breakdownValues = (view: AsOfView, fields: readonly ReportedField[], by: string): string[] => {
  const values = new Set<string>();
  for (const field of fields) {
    for (const r of view.standing(field.fact)) {
      const data = dataOf(r);
      const v = data[by];
      if (v !== undefined && String(v) !== "ALL" && matchesWhere(data, field.where)) values.add(String(v));
    }
  }
  return [...values].sort();
};

const figuresOf = (spec: IndicatorSpec, years: readonly number[], view: AsOfView, rows: FigureRow[]): void => {
  const d = spec.definition;
  const emit = emitter(spec.code, d.kind, rows);
  for (const year of years) {
    switch (d.kind) {
      case "share": {
        const counts = entityCounts(view, d.entity, year, d.population, d.numerator);
        const province = counts.get(PROVINCE);
        emit.cell(PROVINCE, year, "", province?.numerator ?? null, province?.population ?? null);
        for (const [geo, c] of counts) if (geo !== PROVINCE) emit.cell(geo, year, "", c.numerator, c.population);
        break;
      }
      case "shareOfReported":
      case "ratePer1000":
        emit.sums(
          year,
          "",
          countSums(entityCounts(view, d.entity, year, undefined, d.numerator)),
          view.reported(d.denominator, year),
        );
        break;
      case "entityCount":
        emit.sums(year, "", countSums(entityCounts(view, d.entity, year, undefined, d.numerator)), null);
        break;
      case "reportedRatio":
        if (d.by === undefined) {
          emit.sums(year, "", view.reported(d.numerator, year), view.reported(d.denominator, year));
        } else {
          for (const value of breakdownValues(view, [d.numerator, d.denominator], d.by)) {
            const b = { by: d.by, value };
            emit.sums(year, value, view.reported(d.numerator, year, b), view.reported(d.denominator, year, b));
          }
        }
        break;
      case "reportedCount":
        emit.sums(year, "", d.cumulative ? cumulativeSums(view, d.value, year) : view.reported(d.value, year), null);
        break;
      case "growth":
        emit.sums(year, "", view.reported(d.value, year), view.reported(d.value, year - 1));
        break;
      case "rank":
        emit.sums(year, "", view.reported(d.value, year), null);
        break;
      default: {
        const unknown: never = d;
        throw new Error(`unknown definition kind ${(unknown as Definition).kind}`);
      }
    }
  }
};

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

const compareRows = (a: FigureRow, b: FigureRow): number =>
  compare(a.indicator, b.indicator) ||
  compare(a.geo, b.geo) ||
  compare(a.year, b.year) ||
  compare(a.breakdown, b.breakdown);

/** The figures of `indicators` for `years`, as known at position `asOf` (default: all folded events). */
export const computeFigures = (
  state: OracleState,
  indicators: readonly IndicatorSpec[],
  years: readonly number[],
  resolve: ResolveCommune,
  asOf: number = Number.POSITIVE_INFINITY,
): FigureRow[] => {
  const view = asOfView(state, resolve, asOf);
  const uniqueYears = [...new Set(years)];
  const rows: FigureRow[] = [];
  for (const spec of indicators) figuresOf(spec, uniqueYears, view, rows);
  return rows.sort(compareRows);
};

/** Folds `events` from an empty state, then computes the figures. */
export const oracleFigures = (
  events: Iterable<StoredEvent>,
  indicators: readonly IndicatorSpec[],
  years: readonly number[],
  resolve: ResolveCommune,
  asOf?: number,
): FigureRow[] => {
  let state = emptyOracleState();
  for (const e of events) state = foldEvent(state, e);
  return computeFigures(state, indicators, years, resolve, asOf);
};
