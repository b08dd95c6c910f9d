/**
 * The oracle fold against docs/semantics.md, one rule per scenario, as given/when/then. Every expected row is
 * written out in full, so a scenario fails on any extra, missing or different row.
 */
import type { Fact } from "@kpi/core";
import { describe, it } from "vitest";
import { fact, retraction } from "./facts.fixture.js";
import { PROVINCE as P } from "./oracleFold.js";
import { indicator, oracleSpec, row } from "./oracleSpec.fixture.js";

// --- builders in the words of the domain ---------------------------------------------------------------------

const person = (type: string, p: string, on: string, data: Record<string, unknown>, id?: string): Fact =>
  fact(type, `person:${p}`, on, { commune: "29926", ...data }, id);
const opened = (p: string, on: string, birthYear: number, data: Record<string, unknown> = {}, id?: string) =>
  person("PaymentAccountOpened", p, on, { birthYear, institution: "vcb", ...data }, id);
const closed = (p: string, on: string, birthYear: number, data: Record<string, unknown> = {}) =>
  person("PaymentAccountClosed", p, on, { birthYear, institution: "vcb", ...data });

const population = (commune: string, year: number, total: number, aged15plus: number, adults: number, on?: string) =>
  fact("PopulationEstimated", `stat:population-${year}`, on ?? `${year}-12-31`, {
    commune,
    year,
    total,
    aged15plus,
    adults,
  });

const enterprise = (type: string, e: string, on: string, data: Record<string, unknown> = {}) =>
  fact(type, `enterprise:${e}`, on, data);
const registered = (e: string, on: string, data: Record<string, unknown> = {}) =>
  enterprise("EnterpriseRegistered", e, on, {
    commune: "29926",
    form: "enterprise",
    size: "small",
    sector: "C",
    digitalTech: false,
    ...data,
  });

const count = (series: string, year: number, n: number, commune?: string) =>
  fact("CountReported", `stat:count-${year}`, `${year}-12-31`, {
    series,
    year,
    count: n,
    ...(commune === undefined ? {} : { commune }),
  });

// --- indicators ----------------------------------------------------------------------------------------------

const PAYMENT_ACCT_15 = indicator("PAYMENT_ACCT_15", {
  kind: "shareOfReported",
  entity: "person",
  numerator: { all: [{ age: { gte: 15 } }, { attr: "hasPaymentAccount", eq: true }] },
  denominator: { fact: "PopulationEstimated", field: "aged15plus" },
});
const ACCOUNTS = indicator("ACCOUNTS", {
  kind: "entityCount",
  entity: "person",
  numerator: { attr: "hasPaymentAccount", eq: true },
});
const ENT_ACTIVE = indicator("ENT_ACTIVE", {
  kind: "entityCount",
  entity: "enterprise",
  numerator: { attr: "active", eq: true },
});
const ENT_SME = indicator("ENT_SME", {
  kind: "share",
  entity: "enterprise",
  population: { attr: "active", eq: true },
  numerator: { attr: "size", in: ["micro", "small", "medium"] },
});
const POPULATION = indicator("POPULATION", {
  kind: "reportedCount",
  value: { fact: "PopulationEstimated", field: "total" },
  cumulative: false,
});

// --- scenarios -----------------------------------------------------------------------------------------------

describe("the worked example of facts.md", () => {
  it("PAYMENT_ACCT_15 for commune 29926: 2025 → 1 / 4 = 25 %, 2024 → 2 over the 2024 estimate", () => {
    oracleSpec({ indicators: [PAYMENT_ACCT_15], years: [2024, 2025] })
      .given(population("29926", 2024, 10, 5, 4), population("29926", 2025, 8, 4, 3))
      .when(
        opened("p1990", "2024-03-10", 1990),
        opened("p2008", "2024-04-01", 2008),
        opened("p2015", "2024-05-01", 2015),
        closed("p1990", "2025-02-01", 1990),
      )
      .then([
        row("PAYMENT_ACCT_15", "29926", 2024, 2, 5, 40),
        row("PAYMENT_ACCT_15", "29926", 2025, 1, 4, 25),
        row("PAYMENT_ACCT_15", P, 2024, 2, 5, 40),
        row("PAYMENT_ACCT_15", P, 2025, 1, 4, 25),
      ]);
  });
});

describe("which facts count, and in which order", () => {
  it("a late report (an old occurredOn at a later position) changes the earlier year; as of before it, it does not", () => {
    const spec = oracleSpec({ indicators: [ENT_ACTIVE], years: [2023, 2024] })
      .given(registered("e1", "2023-05-01"), registered("e2", "2025-01-10"))
      .when(enterprise("EnterpriseClosed", "e1", "2023-09-01"));
    spec.then([row("ENT_ACTIVE", P, 2023, 0, null, 0), row("ENT_ACTIVE", P, 2024, 0, null, 0)]);
    spec.thenAsOf(2, [
      row("ENT_ACTIVE", "29926", 2023, 1, null, 1),
      row("ENT_ACTIVE", "29926", 2024, 1, null, 1),
      row("ENT_ACTIVE", P, 2023, 1, null, 1),
      row("ENT_ACTIVE", P, 2024, 1, null, 1),
    ]);
  });

  it("within a subject, occurredOn orders the facts before log position does", () => {
    oracleSpec({ indicators: [ENT_ACTIVE], years: [2023] })
      .given(registered("e1", "2023-05-01"))
      .when(enterprise("EnterpriseClosed", "e1", "2023-01-01"))
      .then([row("ENT_ACTIVE", "29926", 2023, 1, null, 1), row("ENT_ACTIVE", P, 2023, 1, null, 1)]);
  });

  it("a retraction undoes its fact; as of a position before the retraction the fact still counts", () => {
    const account = opened("p1", "2024-03-10", 1990);
    const spec = oracleSpec({ indicators: [ACCOUNTS], years: [2024] })
      .given(account)
      .when(retraction(account));
    spec.then([row("ACCOUNTS", P, 2024, null, null, null)]);
    spec.thenAsOf(1, [row("ACCOUNTS", "29926", 2024, 1, null, 1), row("ACCOUNTS", P, 2024, 1, null, 1)]);
  });

  it("a retraction of a retraction has no effect", () => {
    const account = opened("p1", "2024-03-10", 1990);
    const retracted = retraction(account);
    oracleSpec({ indicators: [ACCOUNTS], years: [2024] })
      .given(account, retracted)
      .when(retraction(retracted))
      .then([row("ACCOUNTS", P, 2024, null, null, null)]);
  });

  it("events after asOf do not count", () => {
    oracleSpec({ indicators: [ACCOUNTS], years: [2024] })
      .given(opened("p1", "2024-03-10", 1990))
      .when(opened("p2", "2024-01-10", 1990))
      .thenAsOf(1, [row("ACCOUNTS", "29926", 2024, 1, null, 1), row("ACCOUNTS", P, 2024, 1, null, 1)]);
  });
});

describe("reports", () => {
  it("a later report for the same key replaces the earlier one, whatever their occurredOn", () => {
    const revised = population("29926", 2025, 120, 90, 80, "2025-03-01");
    const spec = oracleSpec({ indicators: [POPULATION], years: [2025] })
      .given(population("29926", 2025, 100, 80, 70, "2025-06-30"), population("30001", 2025, 50, 40, 30))
      .when(revised);
    spec.then([
      row("POPULATION", "29926", 2025, 120, null, 120),
      row("POPULATION", "30001", 2025, 50, null, 50),
      row("POPULATION", P, 2025, 170, null, 170),
    ]);
    spec.thenAsOf(2, [
      row("POPULATION", "29926", 2025, 100, null, 100),
      row("POPULATION", "30001", 2025, 50, null, 50),
      row("POPULATION", P, 2025, 150, null, 150),
    ]);
  });

  it("retracting the standing report brings back the one it replaced", () => {
    const revised = population("29926", 2025, 120, 90, 80);
    oracleSpec({ indicators: [POPULATION], years: [2025] })
      .given(population("29926", 2025, 100, 80, 70), revised)
      .when(retraction(revised))
      .then([row("POPULATION", "29926", 2025, 100, null, 100), row("POPULATION", P, 2025, 100, null, 100)]);
  });

  it("reports of old communes merged into one current commune are summed there", () => {
    const resolve = (code: string) => (code === "29929" ? "29926" : code);
    oracleSpec({ indicators: [POPULATION], years: [2024], resolve })
      .given(population("29926", 2024, 100, 80, 70, "2024-12-01"))
      .when(population("29929", 2024, 30, 20, 10, "2024-12-01"))
      .then([row("POPULATION", "29926", 2024, 130, null, 130), row("POPULATION", P, 2024, 130, null, 130)]);
  });

  it("the province takes its province-level reports when there are any, else the sum of the communes'", () => {
    const OFFICIALS = indicator("OFFICIALS", {
      kind: "reportedCount",
      value: { fact: "CountReported", field: "count", where: { series: "OFFICIALS" } },
      cumulative: false,
    });
    oracleSpec({ indicators: [OFFICIALS], years: [2024, 2025] })
      .given(count("OFFICIALS", 2024, 8, "29926"), count("OFFICIALS", 2025, 10, "29926"))
      .when(count("OFFICIALS", 2025, 5, "30001"), count("OFFICIALS", 2025, 40), count("STATE_AGENCIES", 2025, 3))
      .then([
        row("OFFICIALS", "29926", 2024, 8, null, 8),
        row("OFFICIALS", "29926", 2025, 10, null, 10),
        row("OFFICIALS", "30001", 2025, 5, null, 5),
        row("OFFICIALS", P, 2024, 8, null, 8),
        row("OFFICIALS", P, 2025, 40, null, 40),
      ]);
  });

  it("a cumulative count adds every reported year up to Y, also years not asked for", () => {
    const AI_OFFICIALS_TRAINED = indicator("AI_OFFICIALS_TRAINED", {
      kind: "reportedCount",
      value: { fact: "CountReported", field: "count", where: { series: "OFFICIALS_AI_TRAINED" } },
      cumulative: true,
    });
    oracleSpec({ indicators: [AI_OFFICIALS_TRAINED], years: [2024, 2025] })
      .given(count("OFFICIALS_AI_TRAINED", 2023, 30), count("OFFICIALS_AI_TRAINED", 2024, 50))
      .when(count("OFFICIALS_AI_TRAINED", 2025, 40), count("OFFICIALS_AI_TRAINED", 2026, 7))
      .then([row("AI_OFFICIALS_TRAINED", P, 2024, 80, null, 80), row("AI_OFFICIALS_TRAINED", P, 2025, 120, null, 120)]);
  });
});

describe("geography", () => {
  it("the province is Σ numerators ÷ Σ denominators, not the average of the commune ratios", () => {
    oracleSpec({ indicators: [PAYMENT_ACCT_15], years: [2025] })
      .given(population("29926", 2025, 3, 2, 2), population("30001", 2025, 10, 8, 6))
      .when(opened("a", "2025-01-10", 1990), opened("b", "2025-01-10", 1990, { commune: "30001" }))
      .then([
        row("PAYMENT_ACCT_15", "29926", 2025, 1, 2, 50),
        row("PAYMENT_ACCT_15", "30001", 2025, 1, 8, 12.5),
        row("PAYMENT_ACCT_15", P, 2025, 2, 10, 20),
      ]);
  });

  it("an entity or report whose commune does not resolve is left out of commune and province figures", () => {
    const resolve = (code: string) => (code === "99999" ? undefined : code);
    oracleSpec({ indicators: [ENT_ACTIVE, POPULATION], years: [2025], resolve })
      .given(registered("e1", "2025-01-01"), registered("e2", "2025-01-01", { commune: "99999" }))
      .when(population("29926", 2025, 100, 80, 70), population("99999", 2025, 50, 40, 30))
      .then([
        row("ENT_ACTIVE", "29926", 2025, 1, null, 1),
        row("ENT_ACTIVE", P, 2025, 1, null, 1),
        row("POPULATION", "29926", 2025, 100, null, 100),
        row("POPULATION", P, 2025, 100, null, 100),
      ]);
  });

  it("a commune code is resolved with the occurredOn of the fact that set it", () => {
    // 29929 is an old unit before 2025-07-01 (rolled up onto 29926) and, in this test, a current commune after.
    const resolve = (code: string, on: string) => (code === "29929" && on < "2025-07-01" ? "29926" : code);
    oracleSpec({ indicators: [ENT_ACTIVE], years: [2024, 2025], resolve })
      .given(registered("e1", "2024-03-01", { commune: "29929" }))
      .when(enterprise("EnterpriseUpdated", "e1", "2025-08-01", { size: "medium" }))
      .then([
        row("ENT_ACTIVE", "29926", 2024, 1, null, 1),
        row("ENT_ACTIVE", "29926", 2025, 1, null, 1),
        row("ENT_ACTIVE", P, 2024, 1, null, 1),
        row("ENT_ACTIVE", P, 2025, 1, null, 1),
      ]);
  });

  it("a project without commune counts in the province only", () => {
    const AI_PROJECTS = indicator("AI_PROJECTS", {
      kind: "entityCount",
      entity: "project",
      numerator: { attr: "deployed", eq: true },
    });
    const project = (p: string, data: Record<string, unknown>) =>
      fact("AiProjectDeployed", `project:${p}`, "2025-02-01", { agency: "so-khcn", name: `Project ${p}`, ...data });
    oracleSpec({ indicators: [AI_PROJECTS], years: [2025] })
      .given(project("a", { commune: "29926" }))
      .when(project("b", {}))
      .then([row("AI_PROJECTS", "29926", 2025, 1, null, 1), row("AI_PROJECTS", P, 2025, 2, null, 2)]);
  });
});

describe("entity state at the end of the year", () => {
  it("an enterprise is active from registration to closure and counts in the commune its last update names", () => {
    oracleSpec({ indicators: [ENT_ACTIVE, ENT_SME], years: [2023, 2024, 2025] })
      .given(registered("e1", "2023-04-01"))
      .when(
        enterprise("EnterpriseUpdated", "e1", "2024-07-01", { commune: "30001", size: "large" }),
        enterprise("EnterpriseClosed", "e1", "2025-03-01"),
      )
      .then([
        row("ENT_ACTIVE", "29926", 2023, 1, null, 1),
        row("ENT_ACTIVE", "30001", 2024, 1, null, 1),
        row("ENT_ACTIVE", P, 2023, 1, null, 1),
        row("ENT_ACTIVE", P, 2024, 1, null, 1),
        row("ENT_ACTIVE", P, 2025, 0, null, 0),
        row("ENT_SME", "29926", 2023, 1, 1, 100),
        row("ENT_SME", "30001", 2024, 0, 1, 0),
        row("ENT_SME", P, 2023, 1, 1, 100),
        row("ENT_SME", P, 2024, 0, 1, 0),
        row("ENT_SME", P, 2025, 0, 0, null),
      ]);
  });

  it("e-commerce: listed while, for some platform, the last listing fact is a listing", () => {
    const ENT_ECOM = indicator("ENT_ECOM", {
      kind: "entityCount",
      entity: "enterprise",
      numerator: { attr: "onEcommerce", eq: true },
    });
    oracleSpec({ indicators: [ENT_ECOM], years: [2022, 2023, 2024, 2025] })
      .given(registered("e1", "2023-01-01"))
      .when(
        enterprise("EcommerceListed", "e1", "2023-02-01", { platform: "shopee" }),
        enterprise("EcommerceListed", "e1", "2023-02-15", { platform: "shopee" }),
        enterprise("EcommerceListed", "e1", "2023-03-01", { platform: "lazada" }),
        enterprise("EcommerceDelisted", "e1", "2024-02-01", { platform: "shopee" }),
        enterprise("EcommerceDelisted", "e1", "2025-02-01", { platform: "lazada" }),
      )
      .then([
        row("ENT_ECOM", "29926", 2023, 1, null, 1),
        row("ENT_ECOM", "29926", 2024, 1, null, 1),
        row("ENT_ECOM", P, 2022, null, null, null),
        row("ENT_ECOM", P, 2023, 1, null, 1),
        row("ENT_ECOM", P, 2024, 1, null, 1),
        row("ENT_ECOM", P, 2025, 0, null, 0),
      ]);
  });

  it("payment accounts: for some institution, openings outnumber closings", () => {
    oracleSpec({ indicators: [ACCOUNTS], years: [2025] })
      .given(
        opened("a", "2025-01-01", 1990),
        opened("a", "2025-01-02", 1990, { institution: "agribank" }),
        closed("a", "2025-01-03", 1990),
        opened("b", "2025-01-01", 1990),
        opened("b", "2025-01-02", 1990),
        closed("b", "2025-01-03", 1990),
      )
      .when(
        opened("c", "2025-01-01", 1990, { institution: "momo" }),
        closed("c", "2025-01-02", 1990, { institution: "momo" }),
      )
      .then([row("ACCOUNTS", "29926", 2025, 2, null, 2), row("ACCOUNTS", P, 2025, 2, null, 2)]);
  });

  it("a digital signature counts while issued, not revoked and valid on Y-12-31", () => {
    const DIGSIG = indicator("DIGSIG", {
      kind: "entityCount",
      entity: "person",
      numerator: { attr: "hasDigitalSignature", eq: true },
    });
    const issued = (p: string, on: string, provider: string, validUntil: string) =>
      person("DigitalSignatureIssued", p, on, { birthYear: 1980, provider, validUntil });
    const revoked = (p: string, on: string, provider: string) =>
      person("DigitalSignatureRevoked", p, on, { birthYear: 1980, provider });
    oracleSpec({ indicators: [DIGSIG], years: [2024, 2025, 2026] })
      .given(
        issued("expires", "2024-01-10", "vnpt-ca", "2025-06-30"),
        issued("revoked", "2024-02-01", "viettel-ca", "2027-12-31"),
        revoked("revoked", "2025-05-01", "viettel-ca"),
      )
      .when(
        issued("other-provider", "2024-03-01", "vnpt-ca", "2026-12-31"),
        issued("other-provider", "2024-03-02", "viettel-ca", "2026-12-31"),
        revoked("other-provider", "2025-05-01", "viettel-ca"),
        issued("last-day", "2025-01-05", "vnpt-ca", "2025-12-31"),
      )
      .then([
        row("DIGSIG", "29926", 2024, 3, null, 3),
        row("DIGSIG", "29926", 2025, 2, null, 2),
        row("DIGSIG", "29926", 2026, 1, null, 1),
        row("DIGSIG", P, 2024, 3, null, 3),
        row("DIGSIG", P, 2025, 2, null, 2),
        row("DIGSIG", P, 2026, 1, null, 1),
      ]);
  });

  it("isYear: enterprises founded in Y, informed about digital transformation in their founding year", () => {
    const NEW_ENT_INFORMED = indicator("NEW_ENT_INFORMED", {
      kind: "share",
      entity: "enterprise",
      population: { attr: "foundedYear", isYear: true },
      numerator: { attr: "informedInFoundingYear", eq: true },
    });
    const briefed = (e: string, on: string) => enterprise("DigitalTransformationBriefed", e, on);
    oracleSpec({ indicators: [NEW_ENT_INFORMED], years: [2024, 2025] })
      .given(
        registered("e1", "2024-03-01"),
        briefed("e1", "2024-05-01"),
        registered("e2", "2024-06-01"),
        briefed("e2", "2025-01-10"),
      )
      .when(
        registered("e3", "2025-02-01"),
        briefed("e3", "2025-03-01"),
        briefed("e4", "2024-12-01"),
        registered("e4", "2025-04-01"),
        registered("e5", "2025-05-01"),
        briefed("e5", "2025-12-31"),
      )
      .then([
        row("NEW_ENT_INFORMED", "29926", 2024, 1, 2, 50),
        row("NEW_ENT_INFORMED", "29926", 2025, 2, 3, (100 * 2) / 3),
        row("NEW_ENT_INFORMED", P, 2024, 1, 2, 50),
        row("NEW_ENT_INFORMED", P, 2025, 2, 3, (100 * 2) / 3),
      ]);
  });

  it("isYear on the year a club first adopted IoT, which a later drop and re-adoption do not move", () => {
    const IOT_FARMER_CLUBS = indicator("IOT_FARMER_CLUBS", {
      kind: "entityCount",
      entity: "club",
      numerator: { attr: "iotFirstYear", isYear: true },
    });
    const club = (type: string, c: string, on: string, data: Record<string, unknown> = {}) =>
      fact(type, `club:${c}`, on, data);
    oracleSpec({ indicators: [IOT_FARMER_CLUBS], years: [2023, 2024, 2025] })
      .given(
        club("ClubFounded", "a", "2023-01-01", { commune: "29926" }),
        club("ClubTechnologyAdopted", "a", "2024-02-01", { technology: "iot" }),
        club("ClubTechnologyDropped", "a", "2024-09-01", { technology: "iot" }),
      )
      .when(
        club("ClubTechnologyAdopted", "a", "2025-02-01", { technology: "iot" }),
        club("ClubFounded", "b", "2025-01-01", { commune: "29926" }),
        club("ClubTechnologyAdopted", "b", "2025-03-01", { technology: "traceability" }),
      )
      .then([
        row("IOT_FARMER_CLUBS", "29926", 2024, 1, null, 1),
        row("IOT_FARMER_CLUBS", P, 2023, 0, null, 0),
        row("IOT_FARMER_CLUBS", P, 2024, 1, null, 1),
        row("IOT_FARMER_CLUBS", P, 2025, 0, null, 0),
      ]);
  });

  it("a condition on an unknown attribute is false and its `not` is true", () => {
    const NOT_SMART = indicator("NOT_SMART", {
      kind: "entityCount",
      entity: "enterprise",
      numerator: { not: { attr: "smartManufacturing", eq: true } },
    });
    const SMART_FALSE = indicator("SMART_FALSE", {
      kind: "entityCount",
      entity: "enterprise",
      numerator: { attr: "smartManufacturing", eq: false },
    });
    oracleSpec({ indicators: [NOT_SMART, SMART_FALSE], years: [2025] })
      .given(registered("never", "2025-01-01"), registered("dropped", "2025-01-01"))
      .when(
        enterprise("SmartManufacturingAdopted", "dropped", "2025-02-01"),
        enterprise("SmartManufacturingDropped", "dropped", "2025-03-01"),
      )
      .then([
        row("NOT_SMART", "29926", 2025, 2, null, 2),
        row("NOT_SMART", P, 2025, 2, null, 2),
        row("SMART_FALSE", "29926", 2025, 1, null, 1),
        row("SMART_FALSE", P, 2025, 1, null, 1),
      ]);
  });
});

describe("indicator kinds", () => {
  it("a zero denominator gives a null value, and a commune with neither numerator nor denominator has no row", () => {
    oracleSpec({ indicators: [PAYMENT_ACCT_15], years: [2025] })
      .given(population("29926", 2025, 0, 0, 0), population("30001", 2025, 0, 0, 0))
      .when(opened("a", "2025-01-10", 1990))
      .then([row("PAYMENT_ACCT_15", "29926", 2025, 1, 0, null), row("PAYMENT_ACCT_15", P, 2025, 1, 0, null)]);
  });

  it("ratePer1000: entities per thousand of a reported total", () => {
    const VNEID_PER_1000 = indicator("VNEID_PER_1000", {
      kind: "ratePer1000",
      entity: "person",
      numerator: { attr: "hasVneid", eq: true },
      denominator: { fact: "PopulationEstimated", field: "total" },
    });
    const vneid = (p: string) => person("VneidActivated", p, "2025-04-01", { birthYear: 1990, level: 2 });
    oracleSpec({ indicators: [VNEID_PER_1000], years: [2025] })
      .given(population("29926", 2025, 400, 300, 250), population("30001", 2025, 600, 500, 400))
      .when(vneid("a"), vneid("b"), opened("c", "2025-01-10", 1990))
      .then([
        row("VNEID_PER_1000", "29926", 2025, 2, 400, 5),
        row("VNEID_PER_1000", "30001", 2025, null, 600, null),
        row("VNEID_PER_1000", P, 2025, 2, 1000, 2),
      ]);
  });

  it("growth compares Y with Y − 1; rank is the reported rank", () => {
    const LABOUR_GROWTH = indicator("LABOUR_GROWTH", {
      kind: "growth",
      value: { fact: "LabourProductivityReported", field: "valuePerWorker" },
    });
    const DTI_RANK = indicator("DTI_RANK", { kind: "rank", value: { fact: "DtiRankPublished", field: "rank" } });
    const productivity = (year: number, valuePerWorker: number) =>
      fact("LabourProductivityReported", "stat:productivity", `${year + 1}-03-01`, { year, valuePerWorker });
    const dti = (year: number, rank: number) =>
      fact("DtiRankPublished", "stat:dti", `${year + 1}-04-01`, { year, rank, of: 34 });
    oracleSpec({ indicators: [LABOUR_GROWTH, DTI_RANK], years: [2023, 2024, 2025] })
      .given(productivity(2023, 80), productivity(2024, 100), productivity(2025, 110))
      .when(dti(2024, 12), dti(2025, 9))
      .then([
        row("DTI_RANK", P, 2023, null, null, null),
        row("DTI_RANK", P, 2024, 12, null, 12),
        row("DTI_RANK", P, 2025, 9, null, 9),
        row("LABOUR_GROWTH", P, 2023, 80, null, null),
        row("LABOUR_GROWTH", P, 2024, 100, 80, 100 * (100 / 80 - 1)),
        row("LABOUR_GROWTH", P, 2025, 110, 100, 100 * (110 / 100 - 1)),
      ]);
  });

  it("reportedRatio with `by`: one figure per value of that field, ALL left out; `where` picks ALL", () => {
    const DE_SECTOR = indicator("DE_SECTOR", {
      kind: "reportedRatio",
      numerator: { fact: "GrdpReported", field: "digitalEconomy" },
      denominator: { fact: "GrdpReported", field: "grdp" },
      by: "sector",
    });
    const DE_GRDP = indicator("DE_GRDP", {
      kind: "reportedRatio",
      numerator: { fact: "GrdpReported", field: "digitalEconomy", where: { sector: "ALL" } },
      denominator: { fact: "GrdpReported", field: "grdp", where: { sector: "ALL" } },
    });
    const grdp = (year: number, sector: string, total: number, digitalEconomy: number) =>
      fact("GrdpReported", "stat:grdp", `${year + 1}-03-01`, { year, sector, grdp: total, digitalEconomy });
    oracleSpec({ indicators: [DE_SECTOR, DE_GRDP], years: [2024, 2025] })
      .given(grdp(2024, "A", 380, 19))
      .when(grdp(2025, "ALL", 1000, 150), grdp(2025, "A", 400, 20), grdp(2025, "C", 200, 30))
      .then([
        row("DE_GRDP", P, 2024, null, null, null),
        row("DE_GRDP", P, 2025, 150, 1000, 15),
        row("DE_SECTOR", P, 2024, 19, 380, 5, "A"),
        row("DE_SECTOR", P, 2024, null, null, null, "C"),
        row("DE_SECTOR", P, 2025, 20, 400, 5, "A"),
        row("DE_SECTOR", P, 2025, 30, 200, 15, "C"),
      ]);
  });
});
