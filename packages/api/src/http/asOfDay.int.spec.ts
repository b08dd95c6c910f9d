/**
 * "As of a day" is one rule: the HTTP API's `asOf=DAY` gives the figures `kpi figure --as-of DAY` gives
 * (`Warehouse.figuresAsOf` with the day, read from the revisions), and both are the figures recomputed from the
 * facts known at the last position recorded by the end of that day, also when one catch-up folded facts recorded
 * on several days. The log's clock is pinned: the sample on 2025-03-01, then accounts opened on
 * 2025-03-02 and on 2025-03-03, folded together.
 */
import { decodeFact, type Fact } from "@kpi/core";
import type { AsOfFigure } from "@kpi/projections";
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestWarehouse, testApp, testWarehouse } from "./testWarehouse.fixture.js";

let day = "2025-03-01";
let t: TestWarehouse;
let app: FastifyInstance;

const accounts = (from: number, n: number): Fact[] =>
  Array.from({ length: n }, (_, i) => {
    const f = decodeFact({
      id: `as-of-day-acct-${from + i}`,
      type: "PaymentAccountOpened",
      subject: `person:da7e${String(from + i).padStart(12, "0")}`,
      occurredOn: "2025-02-01",
      source: "nhnn-kv15",
      data: { commune: "28261", birthYear: 1990, institution: "vcb" },
    });
    if (E.isLeft(f)) throw new Error("the test's fact does not decode");
    return f.right;
  });

beforeAll(async () => {
  t = await testWarehouse({ now: () => new Date(`${day}T08:00:00.000Z`) });
  day = "2025-03-02";
  expect(E.isRight(await t.warehouse.log.append(accounts(0, 40)))).toBe(true);
  day = "2025-03-03";
  expect(E.isRight(await t.warehouse.log.append(accounts(40, 40)))).toBe(true);
  await t.warehouse.catchUp(); // one catch-up over both days
  app = await testApp(t.warehouse);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

type Point = { geo: string; year: number; numerator: number | null; value: number | null };

describe("as of a day", () => {
  it("the API and kpi figure give the same figures, each day its own", async () => {
    const seen = new Set<string>();
    for (const d of ["2025-03-01", "2025-03-02", "2025-03-03"]) {
      const r = await app.inject({ url: `/v1/indicators/PAYMENT_ACCT_15/series?geo=province&asOf=${d}` });
      expect(r.statusCode, d).toBe(200);
      const answer = r.json() as { position: number; points: Point[] };
      const api = answer.points.map((p) => [p.year, p.numerator, p.value]);
      const province = (fs: readonly AsOfFigure[]) =>
        fs.filter((f) => f.geo === "province" && f.breakdown === "").map((f) => [f.year, f.numerator, f.value]);
      // kpi figure --as-of DAY
      expect(api, d).toEqual(province(await t.warehouse.figuresAsOf({ date: d }, ["PAYMENT_ACCT_15"])));
      // and the figures recomputed from the facts known at the day's last position
      const recomputed = province(await t.warehouse.figuresAsOf({ position: answer.position }, ["PAYMENT_ACCT_15"]));
      expect(api, d).toEqual(recomputed);
      seen.add(JSON.stringify(api));
    }
    expect(seen.size).toBe(3); // 40 more accounts each day
  });
});
