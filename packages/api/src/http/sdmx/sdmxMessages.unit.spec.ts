/**
 * SDMX messages of arbitrary figures (values, statuses, withheld cells, breakdowns, vintages): SDMX-CSV read back
 * with a general CSV reader, and SDMX-JSON decoded through its structure, give back every figure's key, value
 * and attributes; every SDMX-JSON message passes the official schema.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Figure, Status } from "../figures.js";
import type { Reference } from "../readModel.js";
import type { FigureRow } from "../routes/figureTable.js";
import { type SdmxDataSet, toSdmxCsv, toSdmxJson } from "./sdmxMessages.js";
import { ATTRIBUTES, sdmxAttributes } from "./sdmxStructure.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: false }));
const {
  $schema: _s,
  id: _i,
  ...schema
} = JSON.parse(
  readFileSync(new URL("../../../standards/sdmx/sdmx-json-data-schema-2.0.0.json", import.meta.url), "utf8"),
) as Record<string, unknown>;
const validate = ajv.compile(schema);

const ref = {
  indicators: new Map([
    ["DIGSIG_ADULT", { code: "DIGSIG_ADULT", nameVi: "Chữ ký số", nameEn: "Digital signature" }],
    ["SME_DIGITAL", { code: "SME_DIGITAL", nameVi: "Doanh nghiệp, số", nameEn: 'SMEs "digital"' }],
  ]),
  communes: new Map([
    ["29926", { code: "29926", name: "Phường Cao Lãnh" }],
    ["28261", { code: "28261", name: "Xã Tân Hồng" }],
  ]),
} as unknown as Reference;

const STATUSES: (Status | null)[] = [
  "met",
  "missed",
  "on_track",
  "off_track",
  "baseline",
  "no_data",
  "no_target",
  null,
];

const figure: fc.Arbitrary<Figure> = fc
  .record({
    indicator: fc.constantFrom("DIGSIG_ADULT", "SME_DIGITAL"),
    geo: fc.constantFrom("province", "29926", "28261"),
    year: fc.integer({ min: 2019, max: 2030 }),
    breakdown: fc.constantFrom("", "C", "ALL"),
    value: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 })),
    status: fc.constantFrom(...STATUSES),
    withheld: fc.constantFrom(null, "primary", "secondary"),
  })
  .map((f) => {
    const withheld = f.withheld as Figure["withheld"];
    return {
      ...f,
      value: withheld === null && !Object.is(f.value, -0) ? f.value : null,
      withheld,
      suppressed: withheld !== null,
      numerator: null,
      denominator: null,
      parts: "count",
      position: 1,
      level: f.geo === "province" ? "province" : "commune",
      targetYear: null,
      targetOp: null,
      targetValue: null,
      trajectory: null,
    } as Figure;
  });

const key = (f: Figure) => `${f.indicator}|${f.geo}|${f.breakdown}|${f.year}`;
/** Figures with distinct keys, as one data set holds them. */
const figures = fc.uniqueArray(figure, { selector: key, maxLength: 30 });
const dataSets: fc.Arbitrary<SdmxDataSet[]> = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 28 }), figures), { minLength: 1, maxLength: 3 })
  .map((sets) =>
    sets.map(([day, fs]) => ({
      validFrom: `2025-03-${String(day).padStart(2, "0")}T00:00:00Z`,
      rows: fs.map((f): FigureRow => ({ figure: f, geoName: f.geo, unit: "percent" })),
    })),
  );

const expected = (sets: readonly SdmxDataSet[]) =>
  sets.flatMap((d) =>
    d.rows.map((r) => ({
      key: `${r.figure.indicator}|${r.figure.geo}|${r.figure.breakdown === "" ? "_Z" : r.figure.breakdown}|${r.figure.year}`,
      value: r.figure.value,
      validFrom: d.validFrom,
      ...sdmxAttributes(r),
    })),
  );

describe("SDMX messages of arbitrary figures", () => {
  it("SDMX-CSV reads back with a general CSV reader to the same keys, values and attributes", () => {
    fc.assert(
      fc.property(dataSets, (sets) => {
        const rows = parse(toSdmxCsv(sets, true), { columns: true }) as Record<string, string>[];
        const back = rows.map((r) => ({
          key: `${r.INDICATOR}|${r.REF_AREA}|${r.BREAKDOWN}|${r.TIME_PERIOD}`,
          value: r.OBS_VALUE === "" ? null : Number(r.OBS_VALUE),
          validFrom: r.VALID_FROM,
          UNIT_MEASURE: r.UNIT_MEASURE,
          OBS_STATUS: r.OBS_STATUS,
          CONF_STATUS: r.CONF_STATUS,
          // an attribute without a value (the target status of a withheld figure) is an empty field
          TARGET_STATUS: r.TARGET_STATUS === "" ? null : r.TARGET_STATUS,
        }));
        expect(back).toEqual(expected(sets));
      }),
      { numRuns: 100 },
    );
  });

  it("SDMX-JSON passes the official schema and decodes through its structure to the same observations", () => {
    fc.assert(
      fc.property(dataSets, (sets) => {
        const message = JSON.parse(
          JSON.stringify(toSdmxJson(sets, ref, { prepared: new Date(Date.UTC(2025, 2, 2)), title: "test" })),
        );
        expect(validate(message) ? [] : validate.errors).toEqual([]);
        const s = message.data.structures[0];
        const dims = s.dimensions.series as { id: string; values: { id: string }[] }[];
        const time = (s.dimensions.observation?.[0]?.values ?? []) as { value: string }[];
        const unit = s.attributes.series?.[0] as { values: { id: string }[] } | undefined;
        const obsAttrs = (s.attributes.observation ?? []) as { id: string; values: { id: string }[] }[];
        const back = (message.data.dataSets as SdmxJsonDataSet[]).flatMap((d) =>
          Object.entries(d.series).flatMap(([k, series]) =>
            Object.entries(series.observations).map(([t, [value, ...a]]) => ({
              key: `${k
                .split(":")
                .map((i, j) => dims[j]?.values[Number(i)]?.id)
                .join("|")}|${time[Number(t)]?.value}`,
              value,
              validFrom: d.validFrom,
              UNIT_MEASURE: unit?.values[series.attributes[0] ?? -1]?.id,
              // an attribute without a value is null in the message; one the structure leaves out (no observation
              // gives it a value) is null in every observation
              ...Object.fromEntries(
                ATTRIBUTES.filter((x) => x.level === "observation").map(({ id }) => {
                  const j = obsAttrs.findIndex((x) => x.id === id);
                  return [id, j < 0 || a[j] === null ? null : obsAttrs[j]?.values[Number(a[j])]?.id];
                }),
              ),
            })),
          ),
        );
        const sortKey = (x: { key: string; validFrom: string | null | undefined }) => `${x.validFrom}|${x.key}`;
        const order = (xs: { key: string; validFrom: string | null | undefined }[]) =>
          [...xs].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
        expect(order(back)).toEqual(order(expected(sets)));
      }),
      { numRuns: 100 },
    );
  });
});

interface SdmxJsonDataSet {
  validFrom?: string;
  series: Record<string, { attributes: (number | null)[]; observations: Record<string, (number | null)[]> }>;
}
