/**
 * Year-end figures of a sample computed straight from its facts, for the generator's calibration checks: a small
 * oracle fold, not the engine. It applies the contract of `facts.md`: a re-sent id counts once, a retracted
 * fact does not count, each subject's facts apply in `occurredOn` order (file order within a day), a later
 * statistics report for the same key replaces the earlier, and an entity counts in year Y if its state on
 * Y-12-31 meets the condition. It holds the whole sample in memory: use it on tiny and small samples only.
 */
import type { Fact, FactOf } from "@kpi/core";

export interface YearFigures {
  /** People aged 15+ with an open payment account ÷ Σ PopulationEstimated.aged15plus. */
  readonly paymentAccount15: number;
  /** Adults with a VNeID ÷ Σ adults. */
  readonly vneidAdult: number;
  /** Adults with a valid, unrevoked signature ÷ Σ adults. */
  readonly signatureAdult: number;
  /** People with a health record ÷ Σ population. */
  readonly healthRecord: number;
  /** Households connected ÷ Σ HouseholdsEstimated. */
  readonly fixedBroadband: number;
  readonly population: number;
  readonly households: number;
  readonly ocopCertified: number;
  readonly ocopOnline: number;
  readonly activeEnterprises: number;
  readonly activeCooperatives: number;
  readonly activeHouseholdBusinesses: number;
  readonly newEnterprises: number;
  /** Active SMEs (form enterprise, not large) listed on a platform ÷ active SMEs. */
  readonly smeEcommerce: number;
  /** Active enterprises using at least one digital solution ÷ active enterprises. */
  readonly enterpriseSolution: number;
  readonly digitalTechPer1000: number;
  readonly digitalEconomyShare: number | null;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Facts as the log would keep them: first occurrence of each id, retracted ones dropped. */
export const effectiveFacts = (facts: readonly Fact[]): Fact[] => {
  const seen = new Set<string>();
  const retracted = new Set<string>();
  const kept: Fact[] = [];
  for (const f of facts) {
    if (seen.has(f.id)) continue;
    seen.add(f.id);
    if (f.type === "FactRetracted") retracted.add(f.data.eventId);
    else kept.push(f);
  }
  return kept.filter((f) => !retracted.has(f.id));
};

export const yearFigures = (facts: readonly Fact[], year: number): YearFigures => {
  const end = `${year}-12-31`;
  const live = effectiveFacts(facts);
  // statistics: the last report of each key wins
  const population = new Map<string, FactOf<"PopulationEstimated">["data"]>();
  const households = new Map<string, number>();
  let grdp: FactOf<"GrdpReported">["data"] | undefined;
  const bySubject = new Map<string, Fact[]>();
  for (const f of live) {
    if (f.type === "PopulationEstimated" && f.data.year === year) population.set(f.data.commune, f.data);
    else if (f.type === "HouseholdsEstimated" && f.data.year === year)
      households.set(f.data.commune, f.data.households);
    else if (f.type === "GrdpReported" && f.data.year === year && f.data.sector === "ALL") grdp = f.data;
    else if (f.occurredOn <= end) {
      const list = bySubject.get(f.subject);
      if (list === undefined) bySubject.set(f.subject, [f]);
      else list.push(f);
    }
  }
  let pop = 0;
  let aged15 = 0;
  let adults = 0;
  for (const p of population.values()) {
    pop += p.total;
    aged15 += p.aged15plus;
    adults += p.adults;
  }
  const hh = [...households.values()].reduce((s, n) => s + n, 0);
  const c = {
    acct15: 0,
    vneidAdult: 0,
    sigAdult: 0,
    ehr: 0,
    broadband: 0,
    ocop: 0,
    ocopOnline: 0,
    ent: 0,
    coop: 0,
    hkd: 0,
    newEnt: 0,
    sme: 0,
    smeEcom: 0,
    entSol: 0,
    digitalTech: 0,
  };
  for (const list of bySubject.values()) {
    const events = [...list].sort((a, b) => (a.occurredOn < b.occurredOn ? -1 : a.occurredOn > b.occurredOn ? 1 : 0));
    const kind = events[0]?.subject.slice(0, events[0].subject.indexOf(":"));
    if (kind === "person") {
      let birthYear = 0;
      const accounts = new Set<string>();
      let vneid = false;
      let ehr = false;
      let sigUntil = "";
      for (const f of events) {
        if ("birthYear" in f.data) birthYear = f.data.birthYear;
        if (f.type === "PaymentAccountOpened") accounts.add(f.data.institution ?? "?");
        else if (f.type === "PaymentAccountClosed") accounts.delete(f.data.institution ?? "?");
        else if (f.type === "VneidActivated") vneid = true;
        else if (f.type === "HealthRecordCreated") ehr = true;
        else if (f.type === "DigitalSignatureIssued") sigUntil = f.data.validUntil;
        else if (f.type === "DigitalSignatureRevoked") sigUntil = "";
      }
      const age = year - birthYear;
      if (age >= 15 && accounts.size > 0) c.acct15++;
      if (age >= 18 && vneid) c.vneidAdult++;
      if (age >= 18 && sigUntil >= end) c.sigAdult++;
      if (ehr) c.ehr++;
    } else if (kind === "household") {
      let on = false;
      for (const f of events)
        on = f.type === "FixedBroadbandConnected" ? true : f.type === "FixedBroadbandDisconnected" ? false : on;
      if (on) c.broadband++;
    } else if (kind === "ocop") {
      let certified = false;
      const platforms = new Set<string>();
      for (const f of events) {
        if (f.type === "OcopCertified") certified = true;
        else if (f.type === "OcopCertificationEnded") certified = false;
        else if (f.type === "OcopListedOnline") platforms.add(f.data.platform);
        else if (f.type === "OcopDelistedOnline") platforms.delete(f.data.platform);
      }
      if (certified) {
        c.ocop++;
        if (platforms.size > 0) c.ocopOnline++;
      }
    } else if (kind === "enterprise") {
      let registered: FactOf<"EnterpriseRegistered"> | undefined;
      let size = "";
      let digitalTech = false;
      let closed = false;
      const platforms = new Set<string>();
      const solutions = new Map<string, number>();
      for (const f of events) {
        if (f.type === "EnterpriseRegistered") {
          registered = f;
          size = f.data.size;
          digitalTech = f.data.digitalTech;
        } else if (f.type === "EnterpriseUpdated") {
          size = f.data.size ?? size;
          digitalTech = f.data.digitalTech ?? digitalTech;
        } else if (f.type === "EnterpriseClosed") closed = true;
        else if (f.type === "EcommerceListed") platforms.add(f.data.platform);
        else if (f.type === "EcommerceDelisted") platforms.delete(f.data.platform);
        else if (f.type === "DigitalSolutionAdopted")
          solutions.set(f.data.solution, (solutions.get(f.data.solution) ?? 0) + 1);
        else if (f.type === "DigitalSolutionDropped")
          solutions.set(f.data.solution, (solutions.get(f.data.solution) ?? 0) - 1);
      }
      if (registered === undefined) continue;
      const form = registered.data.form;
      if (form === "enterprise" && registered.occurredOn.startsWith(String(year))) c.newEnt++;
      if (closed) continue;
      if (form === "cooperative") c.coop++;
      else if (form === "household") c.hkd++;
      else {
        c.ent++;
        if (digitalTech) c.digitalTech++;
        if ([...solutions.values()].some((n) => n > 0)) c.entSol++;
        if (size !== "large") {
          c.sme++;
          if (platforms.size > 0) c.smeEcom++;
        }
      }
    }
  }
  return {
    paymentAccount15: ratio(c.acct15, aged15),
    vneidAdult: ratio(c.vneidAdult, adults),
    signatureAdult: ratio(c.sigAdult, adults),
    healthRecord: ratio(c.ehr, pop),
    fixedBroadband: ratio(c.broadband, hh),
    population: pop,
    households: hh,
    ocopCertified: c.ocop,
    ocopOnline: ratio(c.ocopOnline, c.ocop),
    activeEnterprises: c.ent,
    activeCooperatives: c.coop,
    activeHouseholdBusinesses: c.hkd,
    newEnterprises: c.newEnt,
    smeEcommerce: ratio(c.smeEcom, c.sme),
    enterpriseSolution: ratio(c.entSol, c.ent),
    digitalTechPer1000: ratio(c.digitalTech * 1000, pop),
    digitalEconomyShare: grdp === undefined ? null : grdp.digitalEconomy / grdp.grdp,
  };
};
