/**
 * Reads never wait for folds: as-of figures are recomputed on a connection of their own while a catch-up holds
 * the warehouse; they are bounded (a queue limit, then 503 with Retry-After) and limited per client; and the
 * model swapped in after a catch-up that recomputed a few indicators equals a full load.
 */
import { decodeFact, type Fact } from "@kpi/core";
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppDeps, buildApp } from "./app.js";
import { LiveWarehouse } from "./liveWarehouse.js";
import { loadReadModel, loadReference } from "./readModel.js";
import { apiConfig, catalog, type TestWarehouse, TOKENS, testWarehouse, YEARS } from "./testWarehouse.fixture.js";

let t: TestWarehouse;
let head: number;

beforeAll(async () => {
  t = await testWarehouse();
  head = await t.warehouse.log.head();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const deps = (over: Partial<Parameters<typeof apiConfig>[0]> = {}): AppDeps => ({
  warehouse: t.warehouse,
  catalog: catalog(),
  years: YEARS,
  smallCellThreshold: 10,
  api: apiConfig(over),
});

const decoded = (raw: unknown): Fact => {
  const r = decodeFact(raw);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

const asOf = (app: FastifyInstance, position: number, token?: string) =>
  app.inject({
    url: `/v1/indicators/PAYMENT_ACCT_15/series?asOf=${position}`,
    ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
  });

describe("reads while the warehouse folds", () => {
  it("answers as-of reads while a catch-up holds the warehouse", async () => {
    const reference = await loadReference(t.warehouse, catalog(), YEARS, 10);
    const live = await LiveWarehouse.open(t.warehouse, reference);
    const entry = reference.indicators.get("PAYMENT_ACCT_15");
    if (entry === undefined) throw new Error("PAYMENT_ACCT_15 is not in the catalog");
    let release: () => void = () => undefined;
    const held = live.exclusive(() => new Promise<void>((r) => (release = r)));
    try {
      const answered = await Promise.race([
        live.figuresAsOf(entry, { position: head - 5 }).then(() => "answered"),
        new Promise((r) => setTimeout(() => r("waited"), 10_000)),
      ]);
      expect(answered).toBe("answered");
    } finally {
      release();
      await held;
      await live.close();
    }
  }, 60_000);

  it("answers 503 with Retry-After when too many as-of recomputations wait, and serves cached ones", async () => {
    const app = await buildApp(deps({ asOfQueue: 1 }));
    try {
      const first = await asOf(app, head - 1);
      expect(first.statusCode).toBe(200);
      const burst = await Promise.all([2, 3, 4, 5].map((k) => asOf(app, head - k)));
      const busy = burst.filter((r) => r.statusCode === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0]?.json()).toMatchObject({ code: "as_of_busy" });
      expect(busy[0]?.headers["retry-after"]).toBe("1");
      expect(busy[0]?.json().message).toContain("without asOf");
      // a position already computed comes from the cache even now
      expect((await asOf(app, head - 1)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  }, 60_000);

  it("limits as-of reads per client and minute, never reads without asOf", async () => {
    const app = await buildApp(deps({ asOfLimitPerMinute: 2 }));
    try {
      expect((await asOf(app, head)).statusCode).toBe(200);
      expect((await asOf(app, head - 1)).statusCode).toBe(200);
      const third = await asOf(app, head);
      expect(third.statusCode).toBe(429);
      expect(third.json().message).toContain("reads with asOf per minute");
      expect(Number(third.headers["retry-after"])).toBeGreaterThan(0);
      // another client (a token) has its own allowance; plain reads are not limited
      expect((await asOf(app, head, TOKENS.narrow)).statusCode).toBe(200);
      for (let i = 0; i < 5; i++) {
        expect((await app.inject({ url: "/v1/indicators/PAYMENT_ACCT_15/series" })).statusCode).toBe(200);
      }
    } finally {
      await app.close();
    }
  }, 60_000);

  it("says nothing was known before the first fact, rather than answering an empty series", async () => {
    const app = await buildApp(deps());
    try {
      for (const at of ["1990-01-01", "0"]) {
        const r = await app.inject({ url: `/v1/indicators/PAYMENT_ACCT_15/series?asOf=${at}` });
        expect(r.statusCode, at).toBe(400);
        expect(r.json()).toMatchObject({ code: "bad_as_of" });
        expect(r.json().message).toMatch(
          /nothing had been recorded by then: the first fact was recorded on \d{4}-\d{2}-\d{2}/,
        );
      }
    } finally {
      await app.close();
    }
  }, 60_000);

  it("swaps in, after a catch-up that recomputed a few indicators, the same model as a full load", async () => {
    const reference = await loadReference(t.warehouse, catalog(), YEARS, 10);
    const live = await LiveWarehouse.open(t.warehouse, reference);
    try {
      const appended = await t.warehouse.log.append([
        decoded({
          id: "reads-acct-1",
          type: "PaymentAccountOpened",
          subject: "person:4eadbeef00000001",
          occurredOn: "2025-08-01",
          source: "nhnn-kv15",
          data: { commune: "28261", birthYear: 1990, institution: "vcb" },
        }),
      ]);
      expect(appended).toMatchObject({ right: { appended: 1 } });
      const before = live.current;
      const after = await live.refresh();
      expect(after.position).toBe(before.position + 1);
      // the same figures, position and vintage; only the time each was taken differs
      expect({ ...after, updatedAt: "" }).toEqual({ ...(await loadReadModel(t.warehouse)), updatedAt: "" });
      expect(after).not.toEqual(before);
    } finally {
      await live.close();
    }
  }, 60_000);

  it("runs afterRefresh (the snapshots) at most once an interval from the open, for the folds since, and at close", async () => {
    const reference = await loadReference(t.warehouse, catalog(), YEARS, 10);
    const runs: [number, boolean][] = [];
    /** When each run started, after the open. */
    const startedAfter: number[] = [];
    const opened = Date.now();
    const live = await LiveWarehouse.open(t.warehouse, reference, {
      afterRefresh: async (w, closing) => {
        startedAfter.push(Date.now() - opened);
        runs.push([await w.checkpoint(), closing]);
      },
      afterRefreshEveryMs: 4_000,
    });
    const account = (i: number) =>
      decoded({
        id: `reads-snap-${i}`,
        type: "PaymentAccountOpened",
        subject: `person:4eadbeef0000100${i}`,
        occurredOn: "2025-08-01",
        source: "nhnn-kv15",
        data: { commune: "28261", birthYear: 1990, institution: "vcb" },
      });
    let first = 0;
    try {
      for (const i of [1, 2, 3]) {
        await t.warehouse.log.append([account(i)]);
        first = (await live.refresh()).position;
      }
      // nothing before the interval has passed since the open, then one run for all three folds
      if (Date.now() - opened < 3_500) expect(runs).toEqual([]);
      for (let waited = 0; runs.length < 1 && waited < 20_000; waited += 100)
        await new Promise((r) => setTimeout(r, 100));
      expect(startedAfter[0]).toBeGreaterThanOrEqual(4_000); // when it started, however slow the folds were
      expect(runs).toEqual([[first, false]]);
      await t.warehouse.log.append([account(4)]);
      await live.refresh();
    } finally {
      await live.close();
    }
    expect(runs).toEqual([
      [first, false],
      [first + 1, true],
    ]); // the fold owed a run when the server closed, which runs as a closing one
  }, 60_000);
});
