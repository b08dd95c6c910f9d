/**
 * POST /v1/facts through `app.inject()`: tokens and their scope, all-or-nothing batches with every problem
 * reported, idempotent re-sends, conflicts, NDJSON, and reads that reflect the write (current and as of the
 * day before). The log's clock is pinned: the sample is recorded on 2025-03-01, the API's writes on 2025-03-02.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNdjson } from "./routes/facts.js";
import { type TestWarehouse, TOKENS, testApp, testWarehouse } from "./testWarehouse.fixture.js";

let day = "2025-03-01";
let t: TestWarehouse;
let app: FastifyInstance;
let sampleHead: number;

beforeAll(async () => {
  t = await testWarehouse({ now: () => new Date(`${day}T08:00:00.000Z`) });
  sampleHead = await t.warehouse.log.head();
  app = await testApp(t.warehouse);
  day = "2025-03-02";
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const account = (n: number, over: Record<string, unknown> = {}) => ({
  id: `api-test-acct-${n}`,
  type: "PaymentAccountOpened",
  subject: `person:a11ce${String(n).padStart(11, "0")}`,
  occurredOn: "2025-08-01",
  source: "nhnn-kv15",
  data: { commune: "28261", birthYear: 1990, institution: "vcb" },
  ...over,
});

const post = (body: unknown, token: string | null = TOKENS.writer, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/v1/facts",
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    ...(typeof body === "string" ? { body } : { payload: body as object }),
  });

const province2025 = async (asOf?: string) => {
  const r = await app.inject({
    url: `/v1/indicators/PAYMENT_ACCT_15/series?from=2025&to=2025${asOf === undefined ? "" : `&asOf=${asOf}`}`,
  });
  return (r.json() as { position: number; points: { numerator: number }[] }).points[0]?.numerator ?? Number.NaN;
};

describe("POST /v1/facts", () => {
  it("needs a known bearer token", async () => {
    const none = await post([account(1)], null);
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: "unauthorized" });
    expect(none.json().message).toContain("Authorization: Bearer");
    expect(none.headers["www-authenticate"]).toContain("Bearer");
    const wrong = await post([account(1)], "guessed-token");
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toContain("KPI_API_TOKENS");
    expect(await t.warehouse.log.head()).toBe(sampleHead);
  });

  it("refuses a publication record sent as a fact: only kpi publish writes those", async () => {
    const r = await post([
      account(1),
      {
        id: "api-test-pub-1",
        type: "PublicationIssued",
        subject: "stat:publications",
        occurredOn: "2025-08-01",
        source: "nhnn-kv15",
        data: { publicationId: "pub-x", digest: "0".repeat(64), position: 1, figures: 1, indicators: "DE_GRDP" },
      },
    ]);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: "invalid_facts", details: [{ index: 1, field: "type" }] });
    expect(await t.warehouse.log.head()).toBe(sampleHead);
  });

  it("refuses the whole batch when any fact is bad, naming each problem by index and field", async () => {
    const r = await post([
      account(1),
      account(2, { data: { commune: "28261", birthYear: "1990" } }),
      account(3, { type: "PaymentAcountOpened" }),
    ]);
    expect(r.statusCode).toBe(400);
    const body = r.json() as {
      code: string;
      message: string;
      details: { index: number; field: string; reason: string }[];
    };
    expect(body.code).toBe("invalid_facts");
    expect(body.message).toContain("nothing was appended");
    expect(body.details.map((d) => [d.index, d.field])).toEqual([
      [1, "data.birthYear"],
      [2, "type"],
    ]);
    expect(body.details[1]?.reason).toContain('did you mean "PaymentAccountOpened"');
    expect(await t.warehouse.log.head()).toBe(sampleHead);
  });

  it("refuses facts outside the token's scope, naming the source", async () => {
    const r = await post([account(1), account(2, { source: "so-khdt" })], TOKENS.writer);
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: "source_not_allowed", details: [{ index: 1, field: "source" }] });
    expect(r.json().message).toContain("not for so-khdt");
    const narrow = await post([account(1)], TOKENS.narrow);
    expect(narrow.statusCode).toBe(403);
    expect(narrow.json().message).toContain("may report for so-khcn only, not for nhnn-kv15");
    expect(await t.warehouse.log.head()).toBe(sampleHead);
  });

  it("appends a batch, returns the positions, and reads reflect it at once", async () => {
    const before = await province2025();
    const r = await post([account(1), account(2)]);
    expect(r.statusCode).toBe(201);
    expect(r.json()).toEqual({
      appended: 2,
      duplicates: 0,
      head: sampleHead + 2,
      projected: sampleHead + 2,
      outcomes: [
        { index: 0, id: "api-test-acct-1", position: sampleHead + 1, duplicate: false },
        { index: 1, id: "api-test-acct-2", position: sampleHead + 2, duplicate: false },
      ],
    });
    expect(await province2025()).toBe(before + 2);
    // as known at the end of the sample's recording day, and at the sample's last position: not yet
    expect(await province2025("2025-03-01")).toBe(before);
    expect(await province2025(String(sampleHead))).toBe(before);
    expect(await province2025("2025-03-02")).toBe(before + 2);
    const health = (await app.inject({ url: "/v1/health" })).json();
    expect(health).toMatchObject({ position: sampleHead + 2, logHead: sampleHead + 2, behind: 0 });
  });

  it("is idempotent: the same batch again appends nothing and returns the same positions", async () => {
    const r = await post([account(1), account(2)]);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      appended: 0,
      duplicates: 2,
      head: sampleHead + 2,
      outcomes: [
        { id: "api-test-acct-1", position: sampleHead + 1, duplicate: true },
        { id: "api-test-acct-2", position: sampleHead + 2, duplicate: true },
      ],
    });
  });

  it("refuses an id reused for other content with 409 id_conflict, appending nothing", async () => {
    const r = await post([account(3), account(1, { data: { commune: "28261", birthYear: 1991 } })]);
    expect(r.statusCode).toBe(409);
    expect(r.json()).toMatchObject({ code: "id_conflict", details: [{ index: 1, field: "id" }] });
    expect(r.json().message).toContain(`at log position ${sampleHead + 1}`);
    expect(await t.warehouse.log.head()).toBe(sampleHead + 2);
  });

  it("refuses a retraction of an unknown fact with 409 retraction_refused", async () => {
    const r = await post([
      {
        id: "api-test-retract-1",
        type: "FactRetracted",
        subject: "person:a11ce00000000000001",
        occurredOn: "2025-08-02",
        source: "nhnn-kv15",
        data: { eventId: "no-such-fact", reason: "test" },
      },
    ]);
    expect(r.statusCode, r.body).toBe(409);
    expect(r.json()).toMatchObject({ code: "retraction_refused" });
  });

  it("takes NDJSON, and reports a line that is not JSON by its index and line", async () => {
    const ok = await post(`${JSON.stringify(account(4))}\n\n${JSON.stringify(account(5))}\n`, TOKENS.writer, {
      "content-type": "application/x-ndjson",
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ appended: 2, head: sampleHead + 4 });
    const bad = await post(`${JSON.stringify(account(6))}\n{"id": oops}\n`, TOKENS.writer, {
      "content-type": "application/x-ndjson",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: "invalid_facts", details: [{ index: 1, field: "(line)" }] });
    expect(bad.json().details[0].reason).toContain("line 2: not valid JSON");
    expect(await t.warehouse.log.head()).toBe(sampleHead + 4);
  });

  it("answers with wait=false once durable, and folds in the background", async () => {
    const r = await app.inject({
      method: "POST",
      url: "/v1/facts?wait=false",
      headers: { authorization: `Bearer ${TOKENS.writer}` },
      payload: [account(7)],
    });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ appended: 1, projected: null, head: sampleHead + 5 });
    for (let i = 0; i < 100; i++) {
      if ((await app.inject({ url: "/v1/health" })).json().position === sampleHead + 5) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await app.inject({ url: "/v1/health" })).json()).toMatchObject({ position: sampleHead + 5, behind: 0 });
  });

  it("refuses bodies it cannot read: not an array, empty, another media type", async () => {
    const notArray = await post(account(8));
    expect(notArray.statusCode).toBe(400);
    expect(notArray.json()).toMatchObject({ code: "invalid_request" });
    expect(notArray.json().message).toContain("must be array");
    expect((await post([])).json()).toMatchObject({ code: "invalid_request" });
    const text = await post("<facts/>", TOKENS.writer, { "content-type": "application/xml" });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ code: "unsupported_media_type" });
    const broken = await post("[{", TOKENS.writer, { "content-type": "application/json" });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ code: "invalid_request" });
  });

  it("runs catch-ups one at a time when writes arrive together", async () => {
    const results = await Promise.all([8, 9, 10, 11].map((n) => post([account(n)])));
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    const head = await t.warehouse.log.head();
    expect(head).toBe(sampleHead + 9);
    for (const r of results) expect(r.json().projected).toBeGreaterThanOrEqual(r.json().outcomes[0].position);
    expect((await app.inject({ url: "/v1/health" })).json()).toMatchObject({ position: head, behind: 0 });
  });

  describe("input edges", () => {
    const JSON_TYPE = { "content-type": "application/json" };
    const NDJSON_TYPE = { "content-type": "application/x-ndjson" };
    const line = (n: number) => JSON.stringify(account(n));
    const refused = async (r: Awaited<ReturnType<typeof post>>, code: string) => {
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json()).toMatchObject({ code });
      expect(await t.warehouse.log.head()).toBe(before);
      return r.json() as { message: string; details?: { index: number; field: string; reason: string }[] };
    };
    let before = 0;

    it("refuses a lone surrogate in a string field, naming the field", async () => {
      before = await t.warehouse.log.head();
      const body = `[${line(20)},${line(21).replace('"vcb"', '"vcb\\ud800"')}]`;
      const r = await refused(await post(body, TOKENS.writer, JSON_TYPE), "invalid_facts");
      expect(r.details).toEqual([
        { index: 1, field: "data.institution", reason: expect.stringMatching(/lone UTF-16 surrogate/) },
      ]);
    });

    it("refuses a body that is not UTF-8, saying on which line, never reading it as U+FFFD", async () => {
      before = await t.warehouse.log.head();
      const latin = Buffer.from([0x22, 0xc3, 0x20, 0x22]); // "Ã " in Windows-1258, not UTF-8
      const asJson = Buffer.concat([Buffer.from(`[${line(22)},\n{"id":`), latin, Buffer.from("}]")]);
      const j = await refused(await post(asJson, TOKENS.writer, JSON_TYPE), "invalid_request");
      expect(j.message).toMatch(/^the body is not valid UTF-8: line 2: not valid UTF-8: byte 0xc3/);
      const asNdjson = Buffer.concat([Buffer.from(`${line(22)}\n{"id":`), latin, Buffer.from("}\n")]);
      const n = await refused(await post(asNdjson, TOKENS.writer, NDJSON_TYPE), "invalid_facts");
      expect(n.details).toEqual([
        { index: 1, field: "(line)", reason: expect.stringMatching(/^line 2: not valid UTF-8/) },
      ]);
    });

    it("refuses a key given twice, naming the fact and the key", async () => {
      before = await t.warehouse.log.head();
      const twice = line(23).replace('"commune":"28261"', '"commune":"28261","commune":"29926"');
      const j = await refused(await post(`[${line(24)},${twice}]`, TOKENS.writer, JSON_TYPE), "invalid_facts");
      expect(j.details).toEqual([
        { index: 1, field: "data.commune", reason: expect.stringMatching(/^the key "commune" appears more than once/) },
      ]);
      const n = await refused(await post(`${twice}\n`, TOKENS.writer, NDJSON_TYPE), "invalid_facts");
      expect(n.details?.[0]).toMatchObject({ index: 0, field: "data.commune" });
    });

    it("answers 400, not 500, to JSON nested 10,000 deep", async () => {
      before = await t.warehouse.log.head();
      const deep = line(25).replace('"28261"', `${"[".repeat(10_000)}${"]".repeat(10_000)}`);
      const j = await refused(await post(`[${deep}]`, TOKENS.writer, JSON_TYPE), "invalid_facts");
      expect(j.details?.[0]).toMatchObject({
        index: 0,
        field: "(fact)",
        reason: expect.stringMatching(/^nested more than 32 levels deep/),
      });
      expect(j.message).toMatch(/nested more than 32 levels deep/);
      const n = await refused(await post(`${deep}\n`, TOKENS.writer, NDJSON_TYPE), "invalid_facts");
      expect(n.details?.[0]?.reason).toMatch(/^line 1: nested more than 32 levels deep/);
    });

    it("accepts a UTF-8 byte order mark at the start of a JSON or NDJSON body", async () => {
      const j = await post(`\ufeff[${line(26)}]`, TOKENS.writer, JSON_TYPE);
      expect(j.statusCode, j.body).toBe(201);
      const n = await post(`\ufeff${line(27)}\n`, TOKENS.writer, NDJSON_TYPE);
      expect(n.statusCode, n.body).toBe(201);
    });
  });
});

describe("parseNdjson", () => {
  it("skips blank lines and keeps indexes of facts, not lines", () => {
    expect(parseNdjson('{"a":1}\r\n\n{"b":2}\n')).toEqual([{ a: 1 }, { b: 2 }]);
  });
});
