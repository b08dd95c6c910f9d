/**
 * SDMX out, through `app.inject()` on the tiny sample (recorded on 2025-03-01; the API's writes on 2025-03-02):
 * SDMX-JSON 2.0.0 messages pass the official schema (packages/api/standards/sdmx), SDMX-CSV 2.0 reads back with
 * a general CSV reader to the figures the JSON answer gives, withheld cells say so, negotiation refuses other
 * versions, and `updatedAfter` / `includeHistory` answer revisions and vintages.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse } from "csv-parse/sync";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestWarehouse, TOKENS, testApp, testWarehouse } from "../testWarehouse.fixture.js";

const SCHEMA = new URL("../../../standards/sdmx/sdmx-json-data-schema-2.0.0.json", import.meta.url);
const SDMX_JSON = "application/vnd.sdmx.data+json;version=2.0.0";
const SDMX_CSV = "application/vnd.sdmx.data+csv;version=2.0.0";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: false }));
const { $schema: _drafted, id: _id, ...schema } = JSON.parse(readFileSync(SCHEMA, "utf8")) as Record<string, unknown>;
const validate = ajv.compile(schema);

const schemaErrors = (message: unknown) =>
  validate(message) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

let day = "2025-03-01";
let t: TestWarehouse;
let app: FastifyInstance;

beforeAll(async () => {
  t = await testWarehouse({ now: () => new Date(`${day}T08:00:00.000Z`) });
  app = await testApp(t.warehouse);
  day = "2025-03-02";
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const get = (url: string, accept?: string) =>
  app.inject({ url, ...(accept === undefined ? {} : { headers: { accept } }) });

interface Point {
  geo: string;
  year: number;
  breakdown: string;
  value: number | null;
  status: string;
  suppressed: boolean;
  provisional: boolean;
  estimated: boolean;
  breakInSeries: boolean;
  implausible: boolean;
}

/** OBS_STATUS as SDMX's CL_OBS_STATUS codes a point's flags (one code, by precedence; withheld is CONF_STATUS). */
const obsStatusOf = (p: Point): string =>
  p.value === null && !p.suppressed
    ? "M"
    : p.implausible
      ? "U"
      : p.breakInSeries
        ? "B"
        : p.estimated
          ? "E"
          : p.provisional
            ? "P"
            : "A";

type CsvRecord = Record<string, string>;
const readCsv = (text: string): CsvRecord[] => parse(text, { columns: true, skip_empty_lines: true });

interface SdmxJson {
  data: {
    structures: {
      dimensions: {
        series: { id: string; values: { id: string }[] }[];
        observation?: { values: { value: string }[] }[];
      };
      attributes: { observation?: { id: string; values: { id: string }[] }[] };
    }[];
    dataSets: {
      validFrom?: string;
      series: Record<string, { observations: Record<string, (number | null)[]> }>;
    }[];
  };
}

/** The observations of an SDMX-JSON message, decoded back to ids: one record per observation. */
const observationsOf = (m: SdmxJson) => {
  const s = m.data.structures[0];
  if (s === undefined) throw new Error("no structure");
  const dims = s.dimensions.series;
  const years = s.dimensions.observation?.[0]?.values ?? [];
  const attrs = s.attributes.observation ?? [];
  return m.data.dataSets.flatMap((d) =>
    Object.entries(d.series).flatMap(([key, series]) =>
      Object.entries(series.observations).map(
        ([t, [value, ...a]]): Record<string, string | number | null | undefined> => {
          const ids = key.split(":").map((i, k) => dims[k]?.values[Number(i)]?.id);
          return {
            indicator: ids[0],
            geo: ids[1],
            breakdown: ids[2],
            year: years[Number(t)]?.value,
            value,
            validFrom: d.validFrom,
            // an attribute without a value (the target status of a withheld figure) is null in the message
            ...Object.fromEntries(attrs.map((x, k) => [x.id, a[k] === null ? null : x.values[Number(a[k])]?.id])),
          };
        },
      ),
    ),
  );
};

describe("SDMX answers of the series and values routes", () => {
  it("answers SDMX-JSON 2.0.0 that passes the official schema, with the figures of the JSON answer", async () => {
    const r = await get("/v1/indicators/PAYMENT_ACCT_15/series", SDMX_JSON);
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toContain("application/vnd.sdmx.data+json");
    const message = r.json() as SdmxJson;
    expect(schemaErrors(message)).toEqual([]);
    const points = (await get("/v1/indicators/PAYMENT_ACCT_15/series")).json().points as Point[];
    const obs = observationsOf(message);
    expect(obs).toHaveLength(points.length);
    // the payment-account share's denominator is an estimated population: its flag reaches SDMX
    expect(obs.some((o) => o.OBS_STATUS === "E" || o.OBS_STATUS === "U")).toBe(true);
    for (const p of points) {
      expect(obs).toContainEqual(
        expect.objectContaining({
          indicator: "PAYMENT_ACCT_15",
          geo: "province",
          breakdown: p.breakdown === "" ? "_Z" : p.breakdown,
          year: String(p.year),
          value: p.value,
          TARGET_STATUS: p.status,
          OBS_STATUS: obsStatusOf(p),
        }),
      );
    }
  });

  it("checks the schema for real: a message with a bad observation key fails it", async () => {
    const message = (await get("/v1/indicators/PAYMENT_ACCT_15/series", SDMX_JSON)).json() as SdmxJson;
    const first = message.data.dataSets[0];
    if (first === undefined) throw new Error("no data set");
    first.series = { "not-a-key": { observations: {} } };
    expect(schemaErrors(message).length).toBeGreaterThan(0);
  });

  it("answers the communes' values in SDMX-JSON that passes the schema, withheld cells flagged without a value", async () => {
    const message = (await get("/v1/indicators/EDU_DIGITAL/values?year=2024&format=sdmx-json")).json() as SdmxJson;
    expect(schemaErrors(message)).toEqual([]);
    const values = (await get("/v1/indicators/EDU_DIGITAL/values?year=2024")).json().values as Point[];
    const obs = observationsOf(message);
    expect(obs).toHaveLength(values.length);
    const withheld = values.filter((v) => v.suppressed);
    expect(withheld.length).toBeGreaterThan(0);
    for (const v of withheld) {
      const o = obs.find((x) => x.geo === v.geo && x.breakdown === (v.breakdown === "" ? "_Z" : v.breakdown));
      expect(o?.value).toBeNull();
      expect(["C", "D"]).toContain(o?.CONF_STATUS);
    }
    expect(obs.filter((o) => o.CONF_STATUS === "F").length).toBe(values.length - withheld.length);
  });

  it("answers SDMX-CSV 2.0 that a general CSV reader reads back to the same figures", async () => {
    const r = await get("/v1/indicators/EDU_DIGITAL/values?year=2024", `${SDMX_CSV}, text/csv;q=0.5`);
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toContain("application/vnd.sdmx.data+csv");
    const rows = readCsv(r.body);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      "STRUCTURE",
      "STRUCTURE_ID",
      "ACTION",
      "INDICATOR",
      "REF_AREA",
      "BREAKDOWN",
      "TIME_PERIOD",
      "OBS_VALUE",
      "UNIT_MEASURE",
      "OBS_STATUS",
      "CONF_STATUS",
      "TARGET_STATUS",
    ]);
    const values = (await get("/v1/indicators/EDU_DIGITAL/values?year=2024")).json().values as Point[];
    expect(values.some((v) => v.suppressed)).toBe(true);
    expect(rows).toHaveLength(values.length);
    for (const v of values) {
      const row = rows.find((x) => x.REF_AREA === v.geo);
      expect(row).toMatchObject({
        STRUCTURE: "dataflow",
        STRUCTURE_ID: "DONGTHAP_STAT:DF_DIGITAL_KPI(1.0.0)",
        ACTION: "I",
        INDICATOR: "EDU_DIGITAL",
        TIME_PERIOD: "2024",
        CONF_STATUS: v.suppressed ? expect.stringMatching(/^[CD]$/) : "F",
        TARGET_STATUS: v.status ?? "",
        OBS_STATUS: obsStatusOf(v),
      });
      expect(row?.OBS_VALUE === "" ? null : Number(row?.OBS_VALUE)).toBe(v.value);
    }
  });

  it("refuses another SDMX version, and SDMX on routes that do not offer it, naming what they offer", async () => {
    const old = await get("/v1/indicators/PAYMENT_ACCT_15/series", "application/vnd.sdmx.data+json;version=1.0.0");
    expect(old.statusCode).toBe(406);
    expect(old.json().message).toContain(SDMX_JSON);
    const scorecard = await get("/v1/communes", SDMX_CSV);
    expect(scorecard.statusCode).toBe(406);
    expect(scorecard.json().message.split("ask for one of")[1]).not.toContain("sdmx");
  });

  it("serves the data structure with the code lists of the indicators and the 102 communes", async () => {
    const r = await get("/v1/sdmx/structure");
    expect(r.statusCode).toBe(200);
    const dsd = r.json();
    expect(dsd.dataStructure.dimensions.map((d: { id: string }) => d.id)).toEqual([
      "INDICATOR",
      "REF_AREA",
      "BREAKDOWN",
      "TIME_PERIOD",
    ]);
    const list = (id: string) =>
      (dsd.codelists as { id: string; codes: { id: string }[] }[]).find((c) => c.id === id)?.codes ?? [];
    expect(list("CL_AREA").filter((c) => c.id !== "province")).toHaveLength(102);
    expect(list("CL_INDICATOR").map((c) => c.id)).toContain("PAYMENT_ACCT_15");
    expect(list("CL_CONF_STATUS").map((c) => c.id)).toEqual(["F", "C", "D"]);
  });
});

describe("updatedAfter and includeHistory", () => {
  const account = (n: number) => ({
    id: `sdmx-test-acct-${n}`,
    type: "PaymentAccountOpened",
    subject: `person:5d3a${String(n).padStart(12, "0")}`,
    occurredOn: "2025-08-01",
    source: "nhnn-kv15",
    data: { commune: "28261", birthYear: 1990, institution: "vcb" },
  });

  it("answers revisions since a time and every vintage, each message passing the schema", async () => {
    const url = "/v1/indicators/PAYMENT_ACCT_15/series?from=2024&to=2025";
    const before = (await get(url)).json().points as Point[];
    const posted = await app.inject({
      method: "POST",
      url: "/v1/facts",
      headers: { authorization: `Bearer ${TOKENS.writer}` },
      payload: [account(1), account(2)],
    });
    expect(posted.statusCode).toBe(201);
    const after = (await get(url)).json().points as Point[];
    const revised = after.filter((p) => before.find((b) => b.year === p.year)?.value !== p.value);
    expect(revised.map((p) => p.year)).toEqual([2025]);

    // updatedAfter: only the revised figure, at its current value
    const since = await get(`${url}&updatedAfter=2025-03-02T00:00:00Z&format=sdmx-json`);
    expect(since.statusCode).toBe(200);
    const sinceMsg = since.json() as SdmxJson;
    expect(schemaErrors(sinceMsg)).toEqual([]);
    expect(observationsOf(sinceMsg).map((o) => [o.year, o.value])).toEqual([["2025", revised[0]?.value]]);
    const sinceCsv = readCsv((await get(`${url}&updatedAfter=2025-03-02T00:00:00Z&format=sdmx-csv`)).body);
    expect(sinceCsv.map((r) => [r.TIME_PERIOD, Number(r.OBS_VALUE)])).toEqual([["2025", revised[0]?.value]]);
    // midnight of 3 March in Vietnam is still 2 March (UTC), the revision's vintage
    const local = (await get(`${url}&updatedAfter=2025-03-03T00:00:00%2B07:00&format=sdmx-json`)).json() as SdmxJson;
    expect(observationsOf(local).map((o) => o.year)).toEqual(["2025"]);
    // nothing changed after the second day
    const none = (await get(`${url}&updatedAfter=2025-03-03T00:00:00Z&format=sdmx-json`)).json() as SdmxJson;
    expect(observationsOf(none)).toEqual([]);
    expect(schemaErrors(none)).toEqual([]);

    // includeHistory: the first vintage holds both years, the second only the revision
    const history = (await get(`${url}&includeHistory=true&format=sdmx-json`)).json() as SdmxJson;
    expect(schemaErrors(history)).toEqual([]);
    expect(history.data.dataSets.map((d) => d.validFrom)).toEqual(["2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z"]);
    const vintages = observationsOf(history).map((o) => [o.validFrom, o.year, o.value]);
    expect(vintages).toEqual(
      expect.arrayContaining([
        ["2025-03-01T00:00:00Z", "2025", before.find((p) => p.year === 2025)?.value],
        ["2025-03-02T00:00:00Z", "2025", revised[0]?.value],
      ]),
    );
    expect(vintages.filter((v) => v[0] === "2025-03-02T00:00:00Z")).toHaveLength(1);
    const historyCsv = readCsv((await get(`${url}&includeHistory=true&format=sdmx-csv`)).body);
    expect(
      historyCsv.map((r) => [r.VALID_FROM, r.TIME_PERIOD, r.OBS_VALUE === "" ? null : Number(r.OBS_VALUE)]),
    ).toEqual(vintages);
  });

  it("refuses asOf with history, and an instant that is not one", async () => {
    const both = await get("/v1/indicators/PAYMENT_ACCT_15/series?asOf=2025-03-01&includeHistory=true&format=sdmx-csv");
    expect(both.statusCode).toBe(400);
    expect(both.json().message).toContain("asOf does not combine");
    const bad = await get("/v1/indicators/PAYMENT_ACCT_15/series?updatedAfter=2025-02-30T00:00:00Z&format=sdmx-csv");
    expect(bad.statusCode).toBe(400);
  });
});
