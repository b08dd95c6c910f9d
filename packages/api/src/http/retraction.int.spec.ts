/**
 * Retraction scope over HTTP: a token's source may retract only its own facts (unless granted), a fact only
 * once, and neither a refused retraction nor an id conflict says anything about a fact outside the token's
 * scope — not that it exists, not where, not whose.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenHash } from "./apiConfig.js";
import { apiConfig, type TestWarehouse, testApp, testWarehouse } from "./testWarehouse.fixture.js";

const KV15 = "kv15-only-token-5d1e";
const KHDT = "khdt-only-token-8a2f";
const GSO = "gso-token-3c4b";

let t: TestWarehouse;
let app: FastifyInstance;
let target: { id: string; subject: string };
let second: { id: string; subject: string };
let own: { id: string; subject: string };

beforeAll(async () => {
  t = await testWarehouse();
  const rows = await t.warehouse.query<{ id: string; subject: string; source: string }>(
    `SELECT id, subject, source FROM log.events WHERE source IN ('so-khdt', 'nhnn-kv15') AND type <> 'FactRetracted'
       AND id NOT IN (SELECT json_extract_string(data, '$.eventId') FROM log.events WHERE type = 'FactRetracted')
     ORDER BY position LIMIT 1000`,
  );
  const khdt = rows.filter((r) => r.source === "so-khdt");
  const kv15 = rows.find((r) => r.source === "nhnn-kv15");
  if (khdt.length < 2 || kv15 === undefined) throw new Error("the tiny sample lacks so-khdt or nhnn-kv15 facts");
  [target, second] = khdt as [typeof target, typeof second];
  own = kv15;
  app = await testApp(
    t.warehouse,
    apiConfig({
      tokens: new Map([
        [tokenHash(KV15), { name: "kv15", sources: ["nhnn-kv15"] }],
        [tokenHash(KHDT), { name: "khdt", sources: ["so-khdt"] }],
        [tokenHash(GSO), { name: "gso", sources: ["cuc-thong-ke"] }],
      ]),
      retractionGrants: new Map([["cuc-thong-ke", "*"]]),
    }),
  );
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const post = (token: string, facts: unknown[]) =>
  app.inject({ method: "POST", url: "/v1/facts", headers: { authorization: `Bearer ${token}` }, payload: facts });

const retraction = (id: string, of: { id: string; subject: string }, source: string) => ({
  id,
  type: "FactRetracted",
  subject: of.subject,
  occurredOn: "2025-09-01",
  source,
  data: { eventId: of.id, reason: "reported in error" },
});

describe("retraction scope", () => {
  it("refuses a retraction of another source's fact exactly as one of an unknown fact", async () => {
    const head = await t.warehouse.log.head();
    const foreign = await post(KV15, [retraction("kv15-r1", target, "nhnn-kv15")]);
    const unknown = await post(KV15, [
      retraction("kv15-r1", { id: "no-such-fact-1", subject: target.subject }, "nhnn-kv15"),
    ]);
    expect(foreign.statusCode).toBe(409);
    expect(unknown.statusCode).toBe(409);
    const shape = (r: typeof foreign) =>
      JSON.stringify(r.json()).replaceAll(target.id, "X").replaceAll("no-such-fact-1", "X");
    expect(shape(foreign)).toBe(shape(unknown));
    expect(foreign.json().message).toContain("unknown event");
    expect(shape(foreign)).not.toContain("so-khdt"); // (the sample's ids may name their source: X hides them)
    expect(await t.warehouse.log.head()).toBe(head);
  });

  it("lets a source retract its own fact, once", async () => {
    const ok = await post(KV15, [retraction("kv15-r2", own, "nhnn-kv15")]);
    expect(ok.statusCode).toBe(201);
    const twice = await post(KV15, [retraction("kv15-r3", own, "nhnn-kv15")]);
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: "retraction_refused" });
    expect(twice.json().message).toContain("already retracted");
  });

  it("lets a granted source retract another's fact", async () => {
    const r = await post(GSO, [retraction("gso-r1", target, "cuc-thong-ke")]);
    expect(r.statusCode).toBe(201);
    // the owner now hears it is retracted: the fact is its own
    const again = await post(KHDT, [retraction("khdt-r1", target, "so-khdt")]);
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toContain("already retracted");
  });

  it("answers an id conflict outside the token's scope without position or source", async () => {
    const reused = {
      id: second.id,
      type: "PaymentAccountOpened",
      subject: "person:0b5e55ed00000001",
      occurredOn: "2025-08-01",
      source: "nhnn-kv15",
      data: { commune: "28261", birthYear: 1990, institution: "vcb" },
    };
    const r = await post(KV15, [reused]);
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: "id_conflict", details: [{ index: 0, field: "id" }] });
    const text = JSON.stringify(r.json()).replaceAll(second.id, "X");
    expect(text).not.toMatch(/position/);
    expect(text).not.toContain("so-khdt");
    // within its own scope the conflict says where the other content is
    const mine = await post(KHDT, [{ ...reused, source: "so-khdt" }]);
    expect(mine.statusCode).toBe(409);
    expect(mine.json().message).toMatch(/at log position \d+/);
  });
});
