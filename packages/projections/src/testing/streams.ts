/**
 * fast-check arbitraries for realistic fact streams over the test communes: a few subjects of most entity kinds
 * (people, enterprises, households, OCOP products, villages, clubs; not facilities or AI projects), facts dated
 * 2023–2026 (old commune codes before 2025-07-01, current ones after, one old code split),
 * statistics reports that revise each other, and retractions of earlier facts on the same subject. Every
 * stream is accepted by the log as a whole (ids are unique; retractions name earlier facts).
 */
import { decodeFact, type Fact, formatFieldErrors } from "@kpi/core";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";

const fact = (raw: unknown): Fact => {
  const r = decodeFact(raw);
  if (E.isLeft(r))
    throw new Error(`stream fact does not decode: ${formatFieldErrors(r.left.errors)} ${JSON.stringify(raw)}`);
  return r.right;
};

const OLD = ["29926", "29929", "29927", "29930", "29931", "29999"]; // 29999: unknown to the crosswalk
const CURRENT = ["29926", "29927"];
const dayArb = fc
  .integer({ min: 0, max: 4 * 365 - 1 })
  .map((d) => new Date(Date.UTC(2023, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));

interface Draft {
  readonly subject: string;
  readonly type: string;
  readonly on: string;
  readonly data: (on: string, pick: number) => Record<string, unknown>;
}

const communeFor = (on: string, pick: number) =>
  on < "2025-07-01" ? (OLD[pick % OLD.length] as string) : (CURRENT[pick % CURRENT.length] as string);

const person = fc
  .record({
    who: fc.integer({ min: 0, max: 5 }),
    type: fc.constantFrom(
      "PaymentAccountOpened",
      "PaymentAccountClosed",
      "VneidActivated",
      "DigitalSignatureIssued",
      "DigitalSignatureRevoked",
      "HealthRecordCreated",
    ),
    on: dayArb,
    birth: fc.constantFrom(1960, 1990, 2007, 2009, 2012),
    inst: fc.constantFrom("vcb", "agribank"),
    until: fc.integer({ min: 0, max: 3 }),
    // a validity to a year-end, to the middle of a year, or to the first day after a year-end
    untilDay: fc.constantFrom("12-31", "06-30", "01-01"),
  })
  .map(
    ({ who, type, on, birth, inst, until, untilDay }): Draft => ({
      subject: `person:h${who}`,
      type,
      on,
      data: (d, pick) => {
        const base = { commune: communeFor(d, pick + who), birthYear: birth };
        switch (type) {
          case "PaymentAccountOpened":
          case "PaymentAccountClosed":
            return { ...base, institution: inst };
          case "VneidActivated":
            return { ...base, level: 2 };
          case "DigitalSignatureIssued":
            // never before the day it is issued
            return {
              ...base,
              provider: "vnpt-ca",
              validUntil: `${Number(d.slice(0, 4)) + until + (untilDay === "12-31" ? 0 : 1)}-${untilDay}`,
            };
          case "DigitalSignatureRevoked":
            return { ...base, provider: "vnpt-ca" };
          default:
            return base;
        }
      },
    }),
  );

const enterprise = fc
  .record({
    who: fc.integer({ min: 0, max: 4 }),
    type: fc.constantFrom(
      "EnterpriseRegistered",
      "EnterpriseRegistered",
      "EnterpriseUpdated",
      "EnterpriseClosed",
      "DigitalTransformationBriefed",
      "EcommerceListed",
      "EcommerceDelisted",
      "DigitalSolutionAdopted",
      "DigitalSolutionDropped",
    ),
    on: dayArb,
    size: fc.constantFrom("micro", "small", "large"),
    tech: fc.boolean(),
    platform: fc.constantFrom("shopee", "lazada"),
  })
  .map(
    ({ who, type, on, size, tech, platform }): Draft => ({
      subject: `enterprise:e${who}`,
      type,
      on,
      data: (d, pick) => {
        switch (type) {
          case "EnterpriseRegistered":
            return {
              commune: communeFor(d, pick),
              form: who % 3 === 0 ? "household" : "enterprise",
              size,
              sector: who % 2 === 0 ? "A" : "C",
              digitalTech: tech,
            };
          case "EnterpriseUpdated":
            return pick % 2 === 0 ? { commune: communeFor(d, pick + 1) } : { size, digitalTech: tech };
          case "EcommerceListed":
          case "EcommerceDelisted":
            return { platform };
          case "DigitalSolutionAdopted":
          case "DigitalSolutionDropped":
            return { solution: platform === "shopee" ? "einvoice" : "traceability" };
          default:
            return {};
        }
      },
    }),
  );

const other = fc
  .record({
    who: fc.integer({ min: 0, max: 2 }),
    type: fc.constantFrom(
      "OcopCertified",
      "OcopCertificationEnded",
      "OcopListedOnline",
      "OcopDelistedOnline",
      "SmartVillageRecognised",
      "SmartVillageWithdrawn",
      "ClubFounded",
      "ClubTechnologyAdopted",
      "ClubTechnologyDropped",
    ),
    on: dayArb,
  })
  .map(({ who, type, on }): Draft => {
    const kind = type.startsWith("Ocop") ? "ocop" : type.startsWith("Smart") ? "village" : "club";
    return {
      subject: `${kind}:${kind[0]}${who}`,
      type,
      on,
      data: (d, pick) => {
        switch (type) {
          case "OcopCertified":
            return { commune: communeFor(d, pick), stars: 3 + (pick % 3) };
          case "OcopListedOnline":
          case "OcopDelistedOnline":
            return { platform: pick % 2 === 0 ? "postmart" : "shopee" };
          case "SmartVillageRecognised":
            return { commune: communeFor(d, pick), name: `Ấp ${who}` };
          case "ClubFounded":
            return { commune: communeFor(d, pick) };
          case "ClubTechnologyAdopted":
          case "ClubTechnologyDropped":
            return { technology: pick % 2 === 0 ? "iot" : "ecommerce" };
          default:
            return {};
        }
      },
    };
  });

const household = fc
  .record({
    who: fc.integer({ min: 0, max: 3 }),
    type: fc.constantFrom("FixedBroadbandConnected", "FixedBroadbandDisconnected"),
    on: dayArb,
    tech: fc.constantFrom("fibre", "cable"),
  })
  .map(
    ({ who, type, on, tech }): Draft => ({
      subject: `household:d${who}`,
      type,
      on,
      data: (d, pick) =>
        type === "FixedBroadbandConnected" ? { commune: communeFor(d, pick + who), technology: tech } : {},
    }),
  );

const report = fc
  .record({
    type: fc.constantFrom(
      "PopulationEstimated",
      "GrdpReported",
      "SurveyAggregateReported",
      "CountReported",
      "LabourProductivityReported",
      "DtiRankPublished",
    ),
    year: fc.integer({ min: 2023, max: 2026 }),
    scale: fc.integer({ min: 1, max: 9 }),
    on: dayArb,
  })
  .map(
    ({ type, year, scale, on }): Draft => ({
      subject: `stat:${type}`,
      type,
      on,
      data: (d, pick) => {
        switch (type) {
          case "PopulationEstimated":
            return { commune: communeFor(d, pick), year, total: 10 * scale, aged15plus: 8 * scale, adults: 6 * scale };
          case "GrdpReported":
            return { year, sector: ["ALL", "A", "C"][pick % 3], grdp: 100 * scale, digitalEconomy: 7 * scale };
          case "SurveyAggregateReported":
            return {
              survey: "ONLINE_SHOPPING",
              commune: communeFor(d, pick),
              year,
              respondents: 20 * scale,
              meeting: 9 * scale,
            };
          case "CountReported":
            return pick % 2 === 0
              ? { series: "OFFICIALS_AI_TRAINED", year, count: 3 * scale }
              : { series: "OFFICIALS_AI_TRAINED", year, count: scale, commune: communeFor(d, pick) };
          case "LabourProductivityReported":
            return { year, valuePerWorker: 100 + scale };
          default:
            return { year, rank: 10 + scale, of: 34 };
        }
      },
    }),
  );

const draftArb = fc.oneof(
  { arbitrary: person, weight: 4 },
  { arbitrary: enterprise, weight: 4 },
  { arbitrary: other, weight: 2 },
  { arbitrary: household, weight: 2 },
  { arbitrary: report, weight: 2 },
);

/** A stream of facts, with retractions (`retract`: indexes of earlier facts to withdraw). */
export const factStreamArb = (maxLength = 40): fc.Arbitrary<Fact[]> =>
  fc
    .record({
      drafts: fc.array(fc.tuple(draftArb, fc.nat(1000)), { minLength: 1, maxLength, size: "max" }),
      retract: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
    })
    .map(({ drafts, retract }) => {
      const facts: Fact[] = drafts.map(([d, pick], i) =>
        fact({
          id: `f${i}`,
          type: d.type,
          subject: d.subject,
          occurredOn: d.on,
          source: "src",
          data: d.data(d.on, pick),
        }),
      );
      const out = [...facts];
      retract.forEach(([target, at], k) => {
        const t = facts[target % facts.length] as Fact;
        const index = Math.max(out.indexOf(t) + 1, at % (out.length + 1));
        out.splice(
          index,
          0,
          fact({
            id: `r${k}`,
            type: "FactRetracted",
            subject: t.subject,
            occurredOn: "2026-01-01",
            source: "src",
            data: { eventId: t.id, reason: "error" },
          }),
        );
      });
      // one retraction per target: drop repeats
      const seen = new Set<string>();
      return out.filter((f) => {
        if (f.type !== "FactRetracted") return true;
        if (seen.has(f.data.eventId)) return false;
        seen.add(f.data.eventId);
        return true;
      });
    });

/** A catalog change of the test catalog's indicators (some that cannot apply), by the catalog authority. */
const catalogChangeArb = fc.oneof(
  fc
    .record({
      indicator: fc.constantFrom("PAYMENT_ACCT_15", "DIGSIG_ADULT", "SME_ECOM_PLATFORM", "DE_GRDP"),
      targetYear: fc.constantFrom(2024, 2025, 2026),
      op: fc.constantFrom(">=", "<=", ">"),
      value: fc.integer({ min: 0, max: 100 }),
    })
    .map((d) => ({ type: "TargetRevised", data: d })),
  fc
    .record({
      indicator: fc.constantFrom("PAYMENT_ACCT_15", "DIGSIG_ADULT", "SME_ECOM_PLATFORM", "DE_GRDP"),
      minAge: fc.option(fc.constantFrom(15, 16, 18), { nil: undefined }),
      denominatorField: fc.constantFrom("aged15plus", "adults", "total"),
    })
    .map(({ minAge, ...d }) => ({
      type: "IndicatorDefinitionAmended",
      data: { ...d, ...(minAge === undefined ? {} : { minAge }), reason: "test" },
    })),
);

/**
 * `streamArb`'s facts with catalog changes (source `kpi-catalog`, subject `stat:catalog`) inserted at random
 * places, and sometimes a retraction of one of them after it.
 */
export const withCatalogChangesArb = (streamArb: fc.Arbitrary<Fact[]>): fc.Arbitrary<Fact[]> =>
  fc
    .record({
      facts: streamArb,
      changes: fc.array(fc.tuple(catalogChangeArb, fc.nat(), fc.boolean()), { minLength: 1, maxLength: 4 }),
    })
    .map(({ facts, changes }) => {
      const out = [...facts];
      changes.forEach(([c, at, retract], k) => {
        const change = fact({
          id: `c${k}`,
          type: c.type,
          subject: "stat:catalog",
          occurredOn: "2026-01-01",
          source: "kpi-catalog",
          data: { ...c.data, effectiveOn: "2026-01-01", changedBy: "test", plan: "KH-315-2025", section: "§II" },
        });
        const index = at % (out.length + 1);
        out.splice(index, 0, change);
        if (retract) {
          out.splice(
            index + 1 + (at % 3),
            0,
            fact({
              id: `cr${k}`,
              type: "FactRetracted",
              subject: "stat:catalog",
              occurredOn: "2026-01-01",
              source: "kpi-catalog",
              data: { eventId: `c${k}`, reason: "entered in error" },
            }),
          );
        }
      });
      return out;
    });
