/**
 * Properties of the oracle fold on random fact streams (fast-check). Streams are drawn from small pools —
 * three subjects per kind, a few communes (one the crosswalk does not know), dates either side of year ends — so
 * that facts about the same entity, the same report key and the same commune meet often. Every fact type but
 * `FactRetracted` and the catalog changes is drawn; retractions are added afterwards, each naming an earlier fact
 * of its own subject.
 * Each report's subject is derived from its key, so no report key spans two subjects.
 */
import { decodeFact, definitionOf, FACT_TYPES, type Fact, type FactType, isCatalogChange } from "@kpi/core";
import * as fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { storedEvents } from "./facts.fixture.js";
import {
  computeFigures,
  emptyOracleState,
  foldEvent,
  type IndicatorSpec,
  oracleFigures,
  type ResolveCommune,
} from "./oracleFold.js";
import { indicator } from "./oracleSpec.fixture.js";

// --- pools ---------------------------------------------------------------------------------------------------

const YEARS = [2023, 2024, 2025];
const DATES = ["2023-03-01", "2023-12-31", "2024-01-01", "2024-06-15", "2025-02-01", "2025-12-31", "2026-01-01"];
/** 29929 is an old unit merged into 29926; 99999 is unknown. */
const resolve: ResolveCommune = (code) => (code === "99999" ? undefined : code === "29929" ? "29926" : code);

const POOLS: Readonly<Record<string, readonly unknown[]>> = {
  commune: ["29926", "29929", "30001", "99999"],
  form: ["enterprise", "household"],
  size: ["micro", "large"],
  sector: ["A", "C", "G"],
  digitalTech: [true, false],
  solution: ["einvoice", "traceability"],
  platform: ["shopee", "lazada"],
  stars: [3, 5],
  birthYear: [1950, 2008, 2010, 2015],
  institution: ["vcb", "momo"],
  level: [1, 2],
  provider: ["vnpt-ca", "viettel-ca"],
  validUntil: ["2024-06-30", "2024-12-31", "2025-12-31", "2030-01-01"],
  year: YEARS,
  total: [8, 10],
  aged15plus: [0, 4, 8],
  adults: [0, 3],
  households: [0, 5, 10],
  grdp: [300, 1000],
  digitalEconomy: [0, 20.5, 150],
  ecommerce: [0, 20.5],
  valuePerWorker: [0, 80, 100.5],
  rank: [1, 12, 30],
  of: [34],
  score: [0.5],
  survey: ["ONLINE_SHOPPING", "DIGITAL_SKILLS"],
  respondents: [10, 20],
  meeting: [0, 5, 10],
  series: ["OFFICIALS", "OFFICIALS_AI_TRAINED"],
  count: [0, 3, 7],
  // PublicationIssued, an audit record that no indicator reads: both folds must ignore it
  publicationId: ["pub-1"],
  digest: ["0".repeat(64)],
  position: [1, 5],
  figures: [3],
  indicators: ["DE_GRDP,PAYMENT_ACCT_15"],
  kind: ["hospital", "primary"],
  capability: ["ehr", "telemedicine"],
  technology: ["iot", "traceability", "ecommerce"],
  name: ["Ấp Mỹ Hòa"],
  agency: ["so-khcn"],
};
const POOLS_BY_TYPE: Readonly<Record<string, Readonly<Record<string, readonly unknown[]>>>> = {
  GrdpReported: { sector: ["ALL", "A", "C"] },
  RetailSalesReported: { total: [300, 1000] },
};
const poolOf = (type: string, field: string): readonly unknown[] => {
  const pool = POOLS_BY_TYPE[type]?.[field] ?? POOLS[field];
  if (pool === undefined) throw new Error(`no pool for ${type}.${field}`);
  return pool;
};

// catalog changes amend the catalog itself, which both folds here take as given (the warehouse's properties with
// catalog changes interleaved are in rebuild.int.spec.ts)
const DRAWN_TYPES = FACT_TYPES.filter((t) => t !== "FactRetracted" && !isCatalogChange(t));

interface Drawn {
  readonly type: FactType;
  readonly subjectId: string;
  readonly occurredOn: string;
  readonly data: Record<string, unknown>;
}

const drawnFactOf = (types: readonly FactType[]): fc.Arbitrary<Drawn> =>
  fc.constantFrom(...types).chain((type) => {
    const def = definitionOf(type);
    const fields = [...Object.keys(def.required), ...Object.keys(def.optional ?? {})];
    const model = Object.fromEntries(fields.map((f) => [f, fc.constantFrom(...poolOf(type, f))]));
    return fc.record({
      type: fc.constant(type),
      subjectId: fc.constantFrom("a", "b", "c"),
      occurredOn: fc.constantFrom(...DATES),
      data: fc.record(model, { requiredKeys: Object.keys(def.required), noNullPrototype: true }),
    });
  });

/** Draws from a few types at a time, so that facts of one entity or one report key meet often. */
const drawnFacts = (maxLength: number): fc.Arbitrary<Drawn[]> =>
  fc
    .shuffledSubarray(DRAWN_TYPES, { minLength: 1, maxLength: 6 })
    .chain((types) => fc.array(drawnFactOf(types), { maxLength }));

/** A report's subject names its key, so one key is one stream. */
const subjectOf = (d: Drawn): string => {
  const def = definitionOf(d.type);
  if (def.subject !== "stat") return `${def.subject}:${d.subjectId}`;
  const key = (def.key ?? []).map((k) => String(d.data[k as string] ?? "province"));
  return `stat:${d.type}.${key.join(".")}`;
};

const toFacts = (drawn: readonly Drawn[]): Fact[] =>
  drawn.flatMap((d, i) => {
    const r = decodeFact({
      id: `f${i}`,
      type: d.type,
      subject: subjectOf(d),
      occurredOn: d.occurredOn,
      source: "test",
      data: d.data,
    });
    return E.isRight(r) ? [r.right] : []; // a draw that breaks a cross-field rule is dropped
  });

const retractionOf = (target: Fact, id: string): Fact => {
  const r = decodeFact({
    id,
    type: "FactRetracted",
    subject: target.subject,
    occurredOn: "2026-01-15",
    source: "test",
    data: { eventId: target.id, reason: "entered in error" },
  });
  if (E.isLeft(r)) throw new Error("retraction does not decode");
  return r.right;
};

/** Facts with retractions inserted: each names a fact at or before the point where it is inserted. */
const factStream: fc.Arbitrary<Fact[]> = fc
  .tuple(drawnFacts(40), fc.array(fc.record({ target: fc.nat(), after: fc.nat() }), { maxLength: 4 }))
  .map(([drawn, picks]) => {
    const facts = toFacts(drawn);
    if (facts.length === 0) return facts;
    const inserted = new Map<number, Fact[]>();
    picks.forEach((p, k) => {
      const target = p.target % facts.length;
      const after = target + (p.after % (facts.length - target));
      const f = facts[target];
      if (f !== undefined) inserted.set(after, [...(inserted.get(after) ?? []), retractionOf(f, `r${k}`)]);
    });
    return facts.flatMap((f, i) => [f, ...(inserted.get(i) ?? [])]);
  });

// --- indicators: every kind, every entity kind ---------------------------------------------------------------

const INDICATORS: readonly IndicatorSpec[] = [
  indicator("PAYMENT_ACCT_15", {
    kind: "shareOfReported",
    entity: "person",
    numerator: { all: [{ age: { gte: 15 } }, { attr: "hasPaymentAccount", eq: true }] },
    denominator: { fact: "PopulationEstimated", field: "aged15plus" },
  }),
  indicator("VNEID_ADULT", {
    kind: "shareOfReported",
    entity: "person",
    numerator: { all: [{ age: { gte: 18 } }, { attr: "hasVneid", eq: true }] },
    denominator: { fact: "PopulationEstimated", field: "adults" },
  }),
  indicator("DIGSIG_SHARE", {
    kind: "share",
    entity: "person",
    population: { age: { gte: 18 } },
    numerator: { attr: "hasDigitalSignature", eq: true },
  }),
  indicator("EHR_PER_1000", {
    kind: "ratePer1000",
    entity: "person",
    numerator: { attr: "hasHealthRecord", eq: true },
    denominator: { fact: "PopulationEstimated", field: "total" },
  }),
  indicator("ENT_SME", {
    kind: "share",
    entity: "enterprise",
    population: { attr: "active", eq: true },
    numerator: { attr: "size", in: ["micro", "small", "medium"] },
  }),
  indicator("ENT_DIGITAL", {
    kind: "entityCount",
    entity: "enterprise",
    numerator: {
      all: [
        { attr: "active", eq: true },
        {
          any: [
            { attr: "onEcommerce", eq: true },
            { attr: "usesDigitalSolution", eq: true },
          ],
        },
        { not: { attr: "usesTraceability", eq: false } },
      ],
    },
  }),
  indicator("NEW_ENT_INFORMED", {
    kind: "share",
    entity: "enterprise",
    population: { attr: "foundedYear", isYear: true },
    numerator: { attr: "informedInFoundingYear", eq: true },
  }),
  indicator("MFG_SMART", {
    kind: "share",
    entity: "enterprise",
    population: {
      all: [
        { attr: "active", eq: true },
        { attr: "sector", eq: "C" },
      ],
    },
    numerator: { attr: "smartManufacturing", eq: true },
  }),
  indicator("DIGITAL_TECH_HKD", {
    kind: "entityCount",
    entity: "enterprise",
    numerator: {
      all: [
        { attr: "digitalTech", eq: true },
        { attr: "form", eq: "household" },
      ],
    },
  }),
  indicator("OCOP_ONLINE", {
    kind: "share",
    entity: "ocop",
    population: { attr: "certified", eq: true },
    numerator: {
      all: [
        { attr: "online", eq: true },
        { attr: "stars", in: [4, 5] },
      ],
    },
  }),
  indicator("HEALTH_EHR", {
    kind: "share",
    entity: "facility",
    population: {
      all: [
        { attr: "active", eq: true },
        { attr: "kind", in: ["hospital", "clinic"] },
      ],
    },
    numerator: { attr: "ehr", eq: true },
  }),
  indicator("EDU_NO_TELEMED", {
    kind: "entityCount",
    entity: "facility",
    numerator: { not: { attr: "telemedicine", eq: true } },
  }),
  indicator("HH_FIXED_BROADBAND", {
    kind: "shareOfReported",
    entity: "household",
    numerator: { attr: "fixedBroadband", eq: true },
    denominator: { fact: "HouseholdsEstimated", field: "households" },
  }),
  indicator("IOT_FARMER_CLUBS", {
    kind: "entityCount",
    entity: "club",
    numerator: { attr: "iotFirstYear", isYear: true },
  }),
  indicator("CLUB_TRACE_ECOM", {
    kind: "share",
    entity: "club",
    population: { attr: "active", eq: true },
    numerator: {
      all: [
        { attr: "traceability", eq: true },
        { attr: "ecommerce", eq: true },
      ],
    },
  }),
  indicator("SMART_VILLAGES", {
    kind: "entityCount",
    entity: "village",
    numerator: { attr: "recognised", eq: true },
  }),
  indicator("AI_PROJECTS", { kind: "entityCount", entity: "project", numerator: { attr: "deployed", eq: true } }),
  indicator("DE_SECTOR", {
    kind: "reportedRatio",
    numerator: { fact: "GrdpReported", field: "digitalEconomy" },
    denominator: { fact: "GrdpReported", field: "grdp" },
    by: "sector",
  }),
  indicator("ECOM_RETAIL", {
    kind: "reportedRatio",
    numerator: { fact: "RetailSalesReported", field: "ecommerce" },
    denominator: { fact: "RetailSalesReported", field: "total" },
  }),
  indicator("POP_ONLINE_SHOPPING", {
    kind: "reportedRatio",
    numerator: { fact: "SurveyAggregateReported", field: "meeting", where: { survey: "ONLINE_SHOPPING" } },
    denominator: { fact: "SurveyAggregateReported", field: "respondents", where: { survey: "ONLINE_SHOPPING" } },
  }),
  indicator("OFFICIALS", {
    kind: "reportedCount",
    value: { fact: "CountReported", field: "count", where: { series: "OFFICIALS" } },
    cumulative: false,
  }),
  indicator("AI_OFFICIALS_TRAINED", {
    kind: "reportedCount",
    value: { fact: "CountReported", field: "count", where: { series: "OFFICIALS_AI_TRAINED" } },
    cumulative: true,
  }),
  indicator("LABOUR_GROWTH", {
    kind: "growth",
    value: { fact: "LabourProductivityReported", field: "valuePerWorker" },
  }),
  indicator("POPULATION_GROWTH", { kind: "growth", value: { fact: "PopulationEstimated", field: "total" } }),
  indicator("DTI_RANK", { kind: "rank", value: { fact: "DtiRankPublished", field: "rank" } }),
];

const figures = (facts: readonly Fact[], asOf?: number) =>
  oracleFigures(storedEvents(facts), INDICATORS, YEARS, resolve, asOf);

/** Reorders `facts` by `keys`, then gives each subject's slots back its own facts in their original order. */
const interleave = (facts: readonly Fact[], keys: readonly number[]): Fact[] => {
  const queues = new Map<string, Fact[]>();
  for (const f of facts) queues.set(f.subject, [...(queues.get(f.subject) ?? []), f]);
  const order = facts.map((_, i) => i).sort((a, b) => (keys[a] ?? 0) - (keys[b] ?? 0) || a - b);
  return order.map((i) => {
    const next = queues.get(facts[i]?.subject ?? "")?.shift();
    if (next === undefined) throw new Error("interleave lost a fact");
    return next;
  });
};

describe("oracle fold properties", () => {
  it("the streams draw facts that count: most draws give some non-empty figure", () => {
    const [sample] = fc.sample(fc.array(drawnFactOf(DRAWN_TYPES), { minLength: 60, maxLength: 60 }), {
      numRuns: 1,
      seed: 7,
    });
    const rows = figures(toFacts(sample ?? []));
    expect(rows.filter((r) => r.value !== null && r.value !== 0).length).toBeGreaterThan(10);
  });

  it("events of different subjects commute: any interleaving that keeps each stream's order gives the same figures", () => {
    const streamAndKeys = factStream.chain((facts) =>
      fc.tuple(fc.constant(facts), fc.array(fc.integer(), { minLength: facts.length, maxLength: facts.length })),
    );
    fc.assert(
      fc.property(streamAndKeys, ([facts, keys]) => {
        expect(figures(interleave(facts, keys))).toEqual(figures(facts));
      }),
    );
  });

  it("a retraction of fact F gives the same figures as the stream without F", () => {
    const streamAndPick = factStream
      .filter((facts) => facts.some((f) => f.type !== "FactRetracted"))
      .chain((facts) => fc.tuple(fc.constant(facts), fc.nat({ max: facts.length - 1 })));
    fc.assert(
      fc.property(streamAndPick, ([facts, pick]) => {
        const candidates = facts.filter((f) => f.type !== "FactRetracted");
        const target = candidates[pick % candidates.length];
        if (target === undefined) throw new Error("no target");
        const retracted = figures([...facts, retractionOf(target, "retraction-under-test")]);
        expect(retracted).toEqual(figures(facts.filter((f) => f !== target)));
      }),
    );
  });

  it("folding the same stream twice from a fresh state gives the same figures; so does folding it in any order", () => {
    fc.assert(
      fc.property(factStream, fc.array(fc.integer()), (facts, keys) => {
        const events = storedEvents(facts);
        const once = oracleFigures(events, INDICATORS, YEARS, resolve);
        expect(oracleFigures(events, INDICATORS, YEARS, resolve)).toEqual(once);
        const shuffled = events
          .map((e, i) => ({ e, k: keys[i % Math.max(keys.length, 1)] ?? 0 }))
          .sort((a, b) => a.k - b.k)
          .map(({ e }) => e);
        expect(oracleFigures(shuffled, INDICATORS, YEARS, resolve)).toEqual(once);
      }),
    );
  });

  it("rebuild equals incremental: figures as of P equal the figures of the events up to P alone", () => {
    const streamAndCut = factStream.chain((facts) => fc.tuple(fc.constant(facts), fc.nat({ max: facts.length })));
    fc.assert(
      fc.property(streamAndCut, ([facts, cut]) => {
        let state = emptyOracleState();
        for (const e of storedEvents(facts)) state = foldEvent(state, e);
        expect(computeFigures(state, INDICATORS, YEARS, resolve, cut)).toEqual(figures(facts.slice(0, cut)));
      }),
    );
  });
});
