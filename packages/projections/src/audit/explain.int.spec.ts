/**
 * Explaining a figure: given facts recorded over several days (an account opened, one closed, a population
 * estimate revised and the revision retracted, an unrelated fact), when the figure is explained, then it lists
 * the facts behind its numerator and denominator, the report used, and per vintage the facts that moved it —
 * including the fact that took a subject out of the numerator.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Fact } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { Warehouse } from "../warehouse/projector.js";
import { cellKey, contributionsOf } from "./contribution.js";
import { type Explanation, explainFigure } from "./explain.js";
import { definitionEntries, warehouseDefinitions } from "./publish.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-explain-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f = (id: string, type: string, subject: string, occurredOn: string, data: Record<string, unknown>) =>
  fact({ id, type, subject, occurredOn, source: "test", data });
const person = (id: string, type: string, who: string, on: string, commune = "29926") =>
  f(id, type, `person:${who}`, on, {
    commune,
    birthYear: 1990,
    ...(type.startsWith("PaymentAccount") ? { institution: "vcb" } : { level: 2 }),
  });
const pop = (id: string, aged15plus: number) =>
  f(id, "PopulationEstimated", "stat:pop-29926", "2025-07-01", {
    commune: "29926",
    year: 2025,
    total: aged15plus + 5,
    aged15plus,
    adults: aged15plus,
  });

/** One batch per recording day, 2026-01-01 onwards. */
const DAYS: readonly (readonly Fact[])[] = [
  [
    pop("pop25", 40),
    person("a1", "PaymentAccountOpened", "h1", "2024-03-10"),
    person("v3", "VneidActivated", "h3", "2024-06-01"),
  ],
  [person("a2", "PaymentAccountOpened", "h2", "2025-03-01")],
  [person("c1", "PaymentAccountClosed", "h1", "2025-06-01")],
  [pop("pop25b", 50)],
  [f("r1", "FactRetracted", "stat:pop-29926", "2026-01-05", { eventId: "pop25b", reason: "entered in error" })],
  [person("a9", "PaymentAccountOpened", "h9", "2025-01-01", "29927")],
];

let w: Warehouse;
const positions = new Map<string, number>();

beforeAll(async () => {
  const clock = { day: 0 };
  w = await Warehouse.open(join(dir, "wh.duckdb"), join(dir, "log.duckdb"), {
    catalog: testCatalog,
    reference: testReference,
    years: [2023, 2026],
    now: () => new Date(Date.UTC(2026, 0, 1 + clock.day, 12)),
  });
  for (const [day, batch] of DAYS.entries()) {
    clock.day = day;
    const r = await w.log.append(batch);
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    for (const [i, o] of r.right.outcomes.entries()) positions.set(batch[i]?.id ?? "", o.position);
    await w.catchUp();
  }
}, 60_000);
afterAll(async () => {
  await w.close();
});

const explain = async (...args: Parameters<typeof explainFigure> extends [unknown, ...infer R] ? R : never) => {
  const r = await explainFigure(w, ...args);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};
const ids = (list: { readonly shown: readonly { readonly id: string }[] }) => list.shown.map((x) => x.id);

describe("explainFigure", () => {
  let x: Explanation;
  beforeAll(async () => {
    x = await explain("PAYMENT_ACCT_15", "29926", 2025);
  });

  it("gives the figure and the facts behind its numerator and denominator", async () => {
    expect(x).toMatchObject({ numerator: "1", denominator: "40", value: 2.5, kind: "shareOfReported", breakdown: "" });
    expect(x.position).toBe(positions.get("a9"));
    expect(x.numeratorSubjects).toBe(1);
    expect(ids(x.numeratorFacts)).toEqual(["a2"]);
    // the estimate standing after the revision was retracted, and that retraction
    expect(ids(x.denominatorFacts)).toEqual(["pop25", "r1"]);
    expect(x.reports).toHaveLength(1);
    expect(x.reports[0]).toMatchObject({
      id: "pop25",
      role: "denominator",
      field: "aged15plus",
      value: "40",
      year: 2025,
    });
    const entries = definitionEntries(await warehouseDefinitions(w));
    const digests = await contributionsOf(
      w,
      entries.filter((e) => e.code === "PAYMENT_ACCT_15"),
      x.position,
      { year: 2025, province: false, communes: { geo: "29926" } },
    );
    expect(x.contribution).toEqual(digests.get(cellKey("PAYMENT_ACCT_15", "29926", "")));
    expect(x.contribution.events).toBe(3);
  });

  it("lists each vintage that moved the figure with the facts recorded that day that concern it", () => {
    expect(x.revisions.map((r) => [r.vintage, r.numerator, r.denominator, ids(r.movedBy)])).toEqual([
      ["2026-01-01", "1", "40", ["pop25", "a1"]],
      ["2026-01-02", "2", "40", ["a2"]],
      ["2026-01-03", "1", "40", ["c1"]], // h1 closed the account: it left the numerator
      ["2026-01-04", "1", "50", ["pop25b"]],
      ["2026-01-05", "1", "40", ["r1"]],
    ]);
  });

  it("explains the figure as known at an earlier position or day", async () => {
    const early = await explain("PAYMENT_ACCT_15", "29926", 2025, { asOf: { date: "2026-01-02" } });
    expect(early).toMatchObject({ numerator: "2", denominator: "40", position: positions.get("a2") });
    expect(ids(early.numeratorFacts)).toEqual(["a1", "a2"]);
    expect(early.revisions.map((r) => r.vintage)).toEqual(["2026-01-01", "2026-01-02"]);
    const atRevision = await explain("PAYMENT_ACCT_15", "province", 2025, {
      asOf: { position: positions.get("pop25b") ?? 0 },
    });
    expect(atRevision).toMatchObject({ numerator: "1", denominator: "50" });
    expect(ids(atRevision.denominatorFacts)).toEqual(["pop25b"]);
  });

  it("cuts long lists at the limit but counts everything", async () => {
    const cut = await explain("PAYMENT_ACCT_15", "29926", 2025, { limit: 1 });
    expect(cut.denominatorFacts).toMatchObject({ total: 2 });
    expect(ids(cut.denominatorFacts)).toEqual(["pop25"]);
  });

  it("refuses an unknown indicator, a figure that does not exist and a position not folded, as values", async () => {
    expect(await explainFigure(w, "NOPE", "province", 2025)).toEqual(
      E.left({ _tag: "UnknownIndicator", indicator: "NOPE" }),
    );
    expect(E.isLeft(await explainFigure(w, "PAYMENT_ACCT_15", "29999", 2025))).toBe(true);
    const head = positions.get("a9") ?? 0;
    expect(await explainFigure(w, "PAYMENT_ACCT_15", "province", 2025, { asOf: { position: head + 5 } })).toEqual(
      E.left({ _tag: "NotFolded", position: head + 5, checkpoint: head }),
    );
  });
});
