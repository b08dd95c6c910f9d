/**
 * An event the fold cannot take (in a log written before the decoder refused it) does not stop the server:
 * writes after it are accepted and folded, figures keep serving, and health says degraded until an operator
 * clears the event.
 */
import type { Fact } from "@kpi/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestWarehouse, TOKENS, testApp, testWarehouse } from "./testWarehouse.fixture.js";

let t: TestWarehouse;
let app: FastifyInstance;

beforeAll(async () => {
  t = await testWarehouse();
  app = await testApp(t.warehouse);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const account = (n: number) => ({
  id: `q-acct-${n}`,
  type: "PaymentAccountOpened",
  subject: `person:9ac${String(n).padStart(13, "0")}`,
  occurredOn: "2025-08-01",
  source: "nhnn-kv15",
  data: { commune: "28261", birthYear: 1990, institution: "vcb" },
});

const accounts2025 = async () => {
  const r = await app.inject({ url: "/v1/indicators/PAYMENT_ACCT_15/series?from=2025&to=2025" });
  expect(r.statusCode).toBe(200);
  return (r.json() as { points: { numerator: number }[] }).points[0]?.numerator ?? Number.NaN;
};

describe("an event the fold cannot take", () => {
  it("is quarantined: later writes fold, figures serve, health is degraded until it is cleared", async () => {
    const before = await accounts2025();
    expect((await app.inject({ url: "/v1/health" })).json()).toMatchObject({ status: "ok", quarantined: 0 });
    // a report whose JSON the fold's reader refuses (a lone surrogate in a field no decoder of today accepts):
    // the fold reads a report's data, so it fails on this one
    const poisoned = {
      id: "q-report-1",
      type: "PopulationEstimated",
      subject: "stat:q1",
      occurredOn: "2025-08-01",
      source: "test-source",
      data: { commune: "28261", year: 2025, total: 100, aged15plus: 80, adults: 70, note: "Ấp \ud800" },
    } as unknown as Fact;
    const appended = await t.warehouse.log.append([poisoned]);
    expect(appended).toMatchObject({ right: { appended: 1 } });
    const poisonAt = await t.warehouse.log.head();
    const r = await app.inject({
      method: "POST",
      url: "/v1/facts",
      headers: { authorization: `Bearer ${TOKENS.writer}` },
      payload: [account(1)],
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ appended: 1, projected: poisonAt + 1 });
    expect(await accounts2025()).toBe(before + 1);
    const health = (await app.inject({ url: "/v1/health" })).json();
    expect(health).toMatchObject({ status: "degraded", quarantined: 1, position: poisonAt + 1, behind: 0 });
    expect(health.hint).toContain("kpi quarantine");
    const held = await t.warehouse.quarantined();
    expect(held.map((q) => [q.position, q.id])).toEqual([[poisonAt, "q-report-1"]]);
    // once an operator clears it (kpi quarantine clear, in the server), health says ok again
    expect(await t.warehouse.clearQuarantine(poisonAt, "accepted as sent", true)).toMatchObject({ ok: true });
    expect((await app.inject({ url: "/v1/health" })).json()).toMatchObject({ status: "ok", quarantined: 0 });
  });
});
