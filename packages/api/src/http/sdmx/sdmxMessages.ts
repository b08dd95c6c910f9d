/**
 * Figures as SDMX data messages (structure: `sdmxStructure.ts`):
 *
 * - SDMX-CSV 2.0: one row per observation, columns STRUCTURE (`dataflow`), STRUCTURE_ID
 *   (`DONGTHAP_STAT:DF_DIGITAL_KPI(1.0.0)`), ACTION (`I`, information), the dimensions, OBS_VALUE and the
 *   attributes; with history, a VALID_FROM column (the vintage, a UTC recording day, at 00:00Z). A withheld or
 *   missing value is an empty field.
 * - SDMX-JSON 2.0.0: one structure (the dimension and attribute values used, with names in English and
 *   Vietnamese), and one data set per vintage with history (its `validFrom`), else one; series keyed by
 *   INDICATOR:REF_AREA:BREAKDOWN, observations by TIME_PERIOD, each `[OBS_VALUE, attribute indexes…]`.
 *
 * The caller decides which figures go in (published only: withheld ones have no value, CONF_STATUS says why).
 */
import { randomBytes } from "node:crypto";
import type { Reference } from "../readModel.js";
import { type Column, toCsv } from "../representation.js";
import type { FigureRow } from "../routes/figureTable.js";
import {
  AGENCY,
  ATTRIBUTES,
  type AttributeId,
  breakdownCode,
  type Code,
  codeLists,
  DATAFLOW_REF,
  DATAFLOW_URN,
  MEASURE,
  SERIES_DIMENSIONS,
  sdmxAttributes,
  TIME_DIMENSION,
} from "./sdmxStructure.js";

export const SDMX_JSON_SCHEMA =
  "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/2.0.0/sdmx-json-data-schema.json";

/** Figures of one vintage (`validFrom`: the instant it took effect), or of the checkpoint (`null`). */
export interface SdmxDataSet {
  readonly validFrom: string | null;
  readonly rows: readonly FigureRow[];
}

interface CsvRow {
  readonly row: FigureRow;
  readonly attributes: Readonly<Record<AttributeId, string | null>>;
  readonly validFrom: string | null;
}

const csvColumns = (history: boolean): Column<CsvRow>[] => [
  { name: "STRUCTURE", type: "utf8", get: () => "dataflow" },
  { name: "STRUCTURE_ID", type: "utf8", get: () => DATAFLOW_REF },
  { name: "ACTION", type: "utf8", get: () => "I" },
  { name: "INDICATOR", type: "utf8", get: (r) => r.row.figure.indicator },
  { name: "REF_AREA", type: "utf8", get: (r) => r.row.figure.geo },
  { name: "BREAKDOWN", type: "utf8", get: (r) => breakdownCode(r.row.figure.breakdown) },
  { name: "TIME_PERIOD", type: "utf8", get: (r) => String(r.row.figure.year) },
  { name: "OBS_VALUE", type: "float64", get: (r) => r.row.figure.value },
  ...ATTRIBUTES.map((a): Column<CsvRow> => ({ name: a.id, type: "utf8", get: (r) => r.attributes[a.id] })),
  ...(history ? [{ name: "VALID_FROM", type: "utf8", get: (r) => r.validFrom } satisfies Column<CsvRow>] : []),
];

/** SDMX-CSV 2.0 (RFC 4180, header line, CRLF). */
export const toSdmxCsv = (dataSets: readonly SdmxDataSet[], history: boolean): string =>
  toCsv(
    csvColumns(history),
    dataSets.flatMap((d) => d.rows.map((row) => ({ row, attributes: sdmxAttributes(row), validFrom: d.validFrom }))),
  );

/** The values of one component as the message lists them: in first-seen order, with an index for each id. */
class ValueList {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  indexOf(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(id, i);
    }
    return i;
  }
}

const named = (codes: readonly Code[] | undefined, id: string) => {
  const c = codes?.find((x) => x.id === id);
  const name = c?.name ?? { vi: id, en: id };
  return { id, name: name.en, names: { en: name.en, vi: name.vi } };
};

const componentHead = (c: { readonly id: string; readonly name: { readonly vi: string; readonly en: string } }) => ({
  id: c.id,
  name: c.name.en,
  names: { en: c.name.en, vi: c.name.vi },
});

export interface SdmxJsonOptions {
  readonly prepared: Date;
  /** What the message holds, for its name. */
  readonly title: string;
}

/** An SDMX-JSON 2.0.0 data message (see the module comment). */
export const toSdmxJson = (dataSets: readonly SdmxDataSet[], ref: Reference, o: SdmxJsonOptions): unknown => {
  const lists = codeLists(ref);
  const dims = SERIES_DIMENSIONS.map(() => new ValueList());
  const time = new ValueList();
  const attrs = ATTRIBUTES.map(() => new ValueList());
  const seriesAttrs = ATTRIBUTES.flatMap((a, i) => (a.level === "series" ? [i] : []));
  const obsAttrs = ATTRIBUTES.flatMap((a, i) => (a.level === "observation" ? [i] : []));

  const built = dataSets.map((d) => {
    const series: Record<string, { attributes: (number | null)[]; observations: Record<string, (number | null)[]> }> =
      {};
    for (const row of d.rows) {
      const f = row.figure;
      const values = sdmxAttributes(row);
      const at = (i: number): number | null => {
        const v = values[ATTRIBUTES[i]?.id as AttributeId];
        return v === null ? null : (attrs[i]?.indexOf(v) ?? 0);
      };
      const key = [f.indicator, f.geo, breakdownCode(f.breakdown)].map((v, i) => dims[i]?.indexOf(v)).join(":");
      series[key] ??= { attributes: seriesAttrs.map(at), observations: {} };
      const s = series[key];
      s.observations[String(time.indexOf(String(f.year)))] = [f.value, ...obsAttrs.map(at)];
    }
    return { d, series };
  });
  // an attribute no figure gives a value is left out of the structure, and so out of every observation and
  // series: the positions of the others must stay those the structure lists
  const listed = (i: number) => ((attrs[i] as ValueList).ids.length > 0 ? [i] : []);
  const keptObs = obsAttrs.map((i, k) => (listed(i).length > 0 ? k : -1)).filter((k) => k >= 0);
  const keptSeries = seriesAttrs.map((i, k) => (listed(i).length > 0 ? k : -1)).filter((k) => k >= 0);
  const sets = built.map(({ d, series }) => {
    for (const s of Object.values(series)) {
      s.attributes = keptSeries.map((k) => s.attributes[k] ?? null);
      for (const [t, [value, ...a]] of Object.entries(s.observations)) {
        s.observations[t] = [value ?? null, ...keptObs.map((k) => a[k] ?? null)];
      }
    }
    return {
      structure: 0,
      action: "Information",
      ...(d.validFrom === null ? {} : { validFrom: d.validFrom }),
      links: [{ urn: DATAFLOW_URN, rel: "dataflow" }],
      series,
    };
  });

  const dimension = (i: number) => {
    const c = SERIES_DIMENSIONS[i] as (typeof SERIES_DIMENSIONS)[number];
    const values = (dims[i] as ValueList).ids.map((id) => named(lists[c.codelist ?? ""], id));
    return { ...componentHead(c), keyPosition: i, values };
  };
  const attribute = (i: number) => {
    const a = ATTRIBUTES[i] as (typeof ATTRIBUTES)[number];
    return {
      ...componentHead(a),
      relationship: a.level === "series" ? { dimensions: ["INDICATOR"] } : { observation: {} },
      values: (attrs[i] as ValueList).ids.map((id) => named(lists[a.codelist], id)),
    };
  };
  const nonEmpty = <T>(xs: T[]): T[] | undefined => (xs.length > 0 ? xs : undefined);
  const dimensionValues = SERIES_DIMENSIONS.map((_, i) => dimension(i)).filter((d) => d.values.length > 0);

  return {
    meta: {
      schema: SDMX_JSON_SCHEMA,
      id: `IREF${randomBytes(6).toString("hex").toUpperCase()}`,
      test: false,
      prepared: o.prepared.toISOString(),
      contentLanguages: ["en", "vi"],
      name: o.title,
      sender: { id: AGENCY, name: "Đồng Tháp statistics office" },
    },
    data: {
      structures: [
        {
          links: [{ urn: DATAFLOW_URN, rel: "dataflow" }],
          name: "Đồng Tháp digital-transformation indicators",
          names: { en: "Đồng Tháp digital-transformation indicators", vi: "Chỉ tiêu chuyển đổi số Đồng Tháp" },
          dimensions: {
            series: dimensionValues,
            observation: nonEmpty(
              time.ids.length > 0
                ? [
                    {
                      ...componentHead(TIME_DIMENSION),
                      keyPosition: SERIES_DIMENSIONS.length,
                      roles: ["TIME_PERIOD"],
                      values: time.ids.map((y) => ({
                        value: y,
                        start: `${y}-01-01T00:00:00Z`,
                        end: `${y}-12-31T23:59:59Z`,
                      })),
                    },
                  ]
                : [],
            ),
          },
          measures: { observation: [componentHead(MEASURE)] },
          attributes: {
            series: nonEmpty(seriesAttrs.flatMap(listed).map(attribute)),
            observation: nonEmpty(obsAttrs.flatMap(listed).map(attribute)),
          },
          dataSets: sets.map((_, i) => i),
        },
      ],
      dataSets: sets,
    },
  };
};
