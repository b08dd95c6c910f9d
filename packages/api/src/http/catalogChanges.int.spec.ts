/**
 * Catalog changes over HTTP: only a token of the catalog authority's source may append a target revision, and
 * a series answers with the targets in force at the position it is asked for — as of before the revision the
 * old target and status, after it the new; the catalog routes show the targets and definition hash in force.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenHash } from "./apiConfig.js";
import { apiConfig, type TestWarehouse, testApp, testWarehouse } from "./testWarehouse.fixture.js";

const CATALOG = "catalog-token-71c2";
const GSO = "gso-token-4e0a";

let t: TestWarehouse;
let app: FastifyInstance;

beforeAll(async () => {
  t = await testWarehouse();
  app = await testApp(
    t.warehouse,
    apiConfig({
      tokens: new Map([
        [tokenHash(CATALOG), { name: "catalog", sources: ["kpi-catalog"] }],
        [tokenHash(GSO), { name: "gso", sources: ["cuc-thong-ke"] }],
      ]),
    }),
  );
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const revision = (id: string, source: string, value: number) => ({
  id,
  type: "TargetRevised",
  subject: "stat:catalog",
  occurredOn: "2026-02-15",
  source,
  data: {
    indicator: "PAYMENT_ACCT_15",
    targetYear: 2025,
    op: ">=",
    value,
    effectiveOn: "2026-02-15",
    changedBy: "UBND tỉnh Đồng Tháp",
    plan: "KH-99-2026",
    section: "§III.1",
  },
});
const post = (token: string, facts: unknown[]) =>
  app.inject({ method: "POST", url: "/v1/facts", headers: { authorization: `Bearer ${token}` }, payload: facts });

interface Series {
  targets: { year: number; value: number }[];
  catalogChanges: { position: number; type: string; plan: string; section: string }[];
  points: {
    geo: string;
    year: number;
    breakdown: string;
    value: number | null;
    targetValue: number | null;
    status: string;
  }[];
}
const series = async (asOf?: number): Promise<Series> => {
  const r = await app.inject({
    url: `/v1/indicators/PAYMENT_ACCT_15/series${asOf === undefined ? "" : `?asOf=${asOf}`}`,
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as Series;
};
const point2025 = (s: Series) => s.points.find((p) => p.year === 2025 && p.breakdown === "");

describe("catalog changes over HTTP", () => {
  it("refuses a target revision from a source that is not the catalog authority", async () => {
    const head = await t.warehouse.log.head();
    const r = await post(GSO, [revision("gso-t1", "cuc-thong-ke", 1)]);
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: "catalog_change_refused" });
    expect(r.json().message).toContain("only the catalog authority may do; source cuc-thong-ke is not it");
    expect(await t.warehouse.log.head()).toBe(head);
  });

  it("answers as of before a revision with the old target and status, after it with the new", async () => {
    const before = (await t.warehouse.log.head()) as number;
    const old = point2025(await series(before));
    expect(old?.targetValue).toBe(80); // the shipped catalog's 2025 target for PAYMENT_ACCT_15
    const value = old?.value as number;
    // a target just above the figure: not met any more
    const raised = Math.min(100, Math.ceil(value) + 1);
    const r = await post(CATALOG, [revision("cat-t1", "kpi-catalog", raised)]);
    expect(r.statusCode, r.body).toBe(201);
    const after = r.json().head as number;

    const then = await series(before);
    const now = await series(after);
    const current = await series();
    expect(then.targets.find((x) => x.year === 2025)?.value).toBe(80);
    expect(now.targets.find((x) => x.year === 2025)?.value).toBe(raised);
    expect(current.targets.find((x) => x.year === 2025)?.value).toBe(raised);
    expect(point2025(then)).toMatchObject({ targetValue: 80, status: old?.status });
    expect(point2025(now)?.targetValue).toBe(raised);
    expect(point2025(now)?.status).not.toBe("met");
    expect(point2025(current)).toMatchObject({ targetValue: raised, status: point2025(now)?.status });
    // the answer says which catalog changes were in force
    expect(then.catalogChanges).toEqual([]);
    const change = { position: after, type: "TargetRevised", plan: "KH-99-2026", section: "§III.1" };
    expect(now.catalogChanges).toMatchObject([change]);
    expect(current.catalogChanges).toMatchObject([change]);
  });

  it("lists the catalog in force: a revised target and an amended definition's hash, not the shipped ones", async () => {
    interface Indicator {
      code: string;
      definitionHash: string;
      targets: { year: number; op: string; value: number; source: { document: string; section: string } }[];
    }
    const one = async () => {
      const r = await app.inject({ url: "/v1/indicators/PAYMENT_ACCT_15" });
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as Indicator;
    };
    const listed = async () => {
      const r = await app.inject({ url: "/v1/indicators" });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as { indicators: Indicator[] }).indicators.find((e) => e.code === "PAYMENT_ACCT_15");
    };
    const before = await one();
    const value = (before.targets.find((x) => x.year === 2025)?.value as number) + 3;
    const amendment = {
      id: "cat-d1",
      type: "IndicatorDefinitionAmended",
      subject: "stat:catalog",
      occurredOn: "2026-02-15",
      source: "kpi-catalog",
      data: {
        indicator: "PAYMENT_ACCT_15",
        minAge: 18,
        reason: "adults only, as the 2026 plan counts them",
        effectiveOn: "2026-02-15",
        changedBy: "UBND tỉnh Đồng Tháp",
        plan: "KH-99-2026",
        section: "§III.2",
      },
    };
    const r = await post(CATALOG, [revision("cat-t2", "kpi-catalog", value), amendment]);
    expect(r.statusCode, r.body).toBe(201);

    // the hash the figures are now computed with
    const [row] = await t.warehouse.query<{ h: string }>(
      "SELECT definition_hash AS h FROM indicator_values WHERE indicator = 'PAYMENT_ACCT_15' AND geo = 'province' LIMIT 1",
    );
    expect(row?.h).not.toBe(before.definitionHash);
    for (const now of [await one(), await listed()]) {
      expect(now?.definitionHash).toBe(row?.h);
      expect(now?.targets.find((x) => x.year === 2025)).toMatchObject({
        op: ">=",
        value,
        source: { document: "KH-99-2026", section: "§III.1" },
      });
    }
    const csv = await app.inject({ url: "/v1/indicators?format=csv" });
    expect(csv.statusCode, csv.body).toBe(200);
    const line = csv.body.split("\n").find((l) => l.startsWith("PAYMENT_ACCT_15,"));
    expect(line).toContain(row?.h);
    expect(line).toContain(`>= ${value} (2025; KH-99-2026 §III.1)`);
  });

  it("as of a day, applies a change recorded before it only from its effectiveOn", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const effectiveOn = "2099-01-01"; // decided now, in effect long after
    const change = revision("cat-t3", "kpi-catalog", 42);
    const r = await post(CATALOG, [{ ...change, data: { ...change.data, effectiveOn } }]);
    expect(r.statusCode, r.body).toBe(201);
    const onDay = async (day: string) => {
      const a = await app.inject({ url: `/v1/indicators/PAYMENT_ACCT_15/series?asOf=${day}` });
      expect(a.statusCode, a.body).toBe(200);
      return a.json() as Series;
    };
    const before = await onDay(today);
    const after = await onDay(effectiveOn);
    expect(before.targets.find((x) => x.year === 2025)?.value).not.toBe(42);
    expect(point2025(before)?.targetValue).not.toBe(42);
    expect(before.catalogChanges.map((c) => c.position)).not.toContain(r.json().head);
    expect(after.targets.find((x) => x.year === 2025)?.value).toBe(42);
    expect(point2025(after)?.targetValue).toBe(42);

    // a definition amended in advance: as of today the figures are still those of the definition in effect
    const valueToday = point2025(await onDay(today))?.value;
    const amendment = {
      id: "cat-d2",
      type: "IndicatorDefinitionAmended",
      subject: "stat:catalog",
      occurredOn: "2026-02-15",
      source: "kpi-catalog",
      data: {
        indicator: "PAYMENT_ACCT_15",
        minAge: 21,
        reason: "adults of 21 and over, from 2099",
        effectiveOn,
        changedBy: "UBND tỉnh Đồng Tháp",
        plan: "KH-99-2026",
        section: "§III.3",
      },
    };
    const d = await post(CATALOG, [amendment]);
    expect(d.statusCode, d.body).toBe(201);
    expect(point2025(await onDay(today))?.value).toBe(valueToday);
    expect(point2025(await onDay(effectiveOn))?.value).not.toBe(valueToday);
  });
});
