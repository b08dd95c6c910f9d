/**
 * The SDMX data structure definition (DSD) of the indicator cube, and the one mapping from a figure to its SDMX
 * observation.
 *
 * - Dataflow `DONGTHAP_STAT:DF_DIGITAL_KPI(1.0.0)` over the DSD `DSD_DIGITAL_KPI`: dimensions INDICATOR ×
 *   REF_AREA × BREAKDOWN × TIME_PERIOD (annual), measure OBS_VALUE.
 * - Attributes: UNIT_MEASURE (per indicator), and per observation OBS_STATUS (SDMX CL_OBS_STATUS, one code by
 *   precedence: `M` missing, `U` low reliability (implausible), `B` break in series, `E` estimated, `P`
 *   provisional, else `A` normal), CONF_STATUS (SDMX CL_CONF_STATUS: `F` free, `C` withheld as a small cell, `D` withheld so that a
 *   small cell cannot be recovered) and TARGET_STATUS (the figure's status against its target, the API's codes;
 *   absent for a withheld figure, whose status would tell where its value lies).
 * - Code lists: the catalog's indicators, `province` and the 102 current communes, the breakdown values (`_Z`,
 *   SDMX's "not applicable", for the overall figure), units, and the three status lists.
 *
 * `sdmxAttributes` is the only place a figure's fields become SDMX attributes: the quality flags (provisional,
 * estimated, break in series, implausible) map there, and every SDMX message follows.
 */
import type { Figure, Status } from "../figures.js";
import { BREAKDOWN_LABELS, type Label, STATUS_LABELS, UNIT_LABELS } from "../labels.js";
import type { Reference } from "../readModel.js";
import { PROVINCE_NAME } from "../routes/figureTable.js";

export const AGENCY = "DONGTHAP_STAT";
export const DATAFLOW = "DF_DIGITAL_KPI";
export const DSD = "DSD_DIGITAL_KPI";
export const VERSION = "1.0.0";
/** SDMX 3.0 reference to the dataflow, as SDMX-CSV's STRUCTURE_ID writes it. */
export const DATAFLOW_REF = `${AGENCY}:${DATAFLOW}(${VERSION})`;
export const DATAFLOW_URN = `urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=${DATAFLOW_REF}`;
export const DSD_URN = `urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=${AGENCY}:${DSD}(${VERSION})`;

/** SDMX's code for "not applicable": the breakdown of a figure that is not broken down. */
export const NOT_APPLICABLE = "_Z";

export interface Code {
  readonly id: string;
  readonly name: Label;
}

export interface Component {
  readonly id: string;
  readonly name: Label;
  /** The code list of a coded component; TIME_PERIOD and OBS_VALUE are not coded. */
  readonly codelist?: string;
}

export const SERIES_DIMENSIONS: readonly Component[] = [
  { id: "INDICATOR", name: { vi: "Chỉ tiêu", en: "Indicator" }, codelist: "CL_INDICATOR" },
  { id: "REF_AREA", name: { vi: "Địa bàn", en: "Reference area" }, codelist: "CL_AREA" },
  { id: "BREAKDOWN", name: { vi: "Phân tổ", en: "Breakdown" }, codelist: "CL_BREAKDOWN" },
];
export const TIME_DIMENSION: Component = { id: "TIME_PERIOD", name: { vi: "Năm", en: "Time period" } };
export const MEASURE: Component = { id: "OBS_VALUE", name: { vi: "Giá trị", en: "Observation value" } };

/** Attributes in message order; `level` says what they are attached to. */
export const ATTRIBUTES = [
  {
    id: "UNIT_MEASURE",
    name: { vi: "Đơn vị tính", en: "Unit of measure" },
    codelist: "CL_UNIT",
    level: "series",
  },
  {
    id: "OBS_STATUS",
    name: { vi: "Tình trạng quan sát", en: "Observation status" },
    codelist: "CL_OBS_STATUS",
    level: "observation",
  },
  {
    id: "CONF_STATUS",
    name: { vi: "Tình trạng bảo mật", en: "Confidentiality status" },
    codelist: "CL_CONF_STATUS",
    level: "observation",
  },
  {
    id: "TARGET_STATUS",
    name: { vi: "Tình trạng so với chỉ tiêu", en: "Status against target" },
    codelist: "CL_TARGET_STATUS",
    level: "observation",
  },
] as const satisfies readonly (Component & { readonly level: "series" | "observation" })[];

export type AttributeId = (typeof ATTRIBUTES)[number]["id"];

/** What the attributes are read from: a figure and its indicator's unit. */
export interface AttributeSource {
  readonly figure: Pick<
    Figure,
    "value" | "status" | "withheld" | "suppressed" | "provisional" | "estimated" | "breakInSeries" | "implausible"
  >;
  readonly unit: string;
}

/**
 * A figure's OBS_STATUS: SDMX gives an observation one code, so the flags are taken by precedence — what most
 * limits the value's use first (missing, then implausible as low reliability, break, estimated, provisional).
 */
const obsStatus = (f: AttributeSource["figure"]): string => {
  if (f.value === null && !f.suppressed) return "M";
  if (f.implausible) return "U";
  if (f.breakInSeries) return "B";
  if (f.estimated) return "E";
  if (f.provisional) return "P";
  return "A";
};

/**
 * The SDMX attributes of one figure (see the module comment); null where an attribute has no value (the target
 * status of a withheld figure).
 */
export const sdmxAttributes = (row: AttributeSource): Readonly<Record<AttributeId, string | null>> => {
  const f = row.figure;
  return {
    UNIT_MEASURE: row.unit,
    OBS_STATUS: obsStatus(f),
    CONF_STATUS: f.withheld === "primary" ? "C" : f.withheld === "secondary" || f.suppressed ? "D" : "F",
    TARGET_STATUS: f.status,
  };
};

/** SDMX CL_OBS_STATUS, the codes this warehouse gives. */
export const OBS_STATUS_CODES: readonly Code[] = [
  { id: "A", name: { vi: "Bình thường", en: "Normal value" } },
  { id: "M", name: { vi: "Thiếu số liệu", en: "Missing value" } },
  { id: "U", name: { vi: "Độ tin cậy thấp (bất thường)", en: "Low reliability" } },
  { id: "B", name: { vi: "Chuỗi số liệu bị gián đoạn", en: "Time series break" } },
  { id: "E", name: { vi: "Ước tính", en: "Estimated value" } },
  { id: "P", name: { vi: "Sơ bộ", en: "Provisional value" } },
];

export const CONF_STATUS_CODES: readonly Code[] = [
  { id: "F", name: { vi: "Công bố", en: "Free" } },
  { id: "C", name: { vi: "Không công bố (ô nhỏ)", en: "Confidential statistical information" } },
  { id: "D", name: { vi: "Không công bố (bảo vệ ô nhỏ)", en: "Secondary confidentiality set by the sender" } },
];

/** The breakdown dimension's code of a figure's breakdown ('' → `_Z`). */
export const breakdownCode = (breakdown: string): string => (breakdown === "" ? NOT_APPLICABLE : breakdown);

/** Every code list of the DSD, from the reference data the server holds. */
export const codeLists = (ref: Reference): Readonly<Record<string, readonly Code[]>> => ({
  CL_INDICATOR: [...ref.indicators.values()].map((e) => ({ id: e.code, name: { vi: e.nameVi, en: e.nameEn } })),
  CL_AREA: [
    { id: "province", name: { vi: PROVINCE_NAME, en: "Đồng Tháp province" } },
    ...[...ref.communes.values()].map((c) => ({ id: c.code, name: { vi: c.name, en: c.name } })),
  ],
  CL_BREAKDOWN: Object.entries(BREAKDOWN_LABELS).map(([id, name]) => ({ id: breakdownCode(id), name })),
  CL_UNIT: Object.entries(UNIT_LABELS).map(([id, l]) => ({ id, name: { vi: l.vi, en: l.en } })),
  CL_OBS_STATUS: OBS_STATUS_CODES,
  CL_CONF_STATUS: CONF_STATUS_CODES,
  CL_TARGET_STATUS: (Object.entries(STATUS_LABELS) as [Status, Label][]).map(([id, name]) => ({ id, name })),
});

/** The DSD and its code lists, as `GET /v1/sdmx/structure` answers it. */
export const dataStructure = (ref: Reference) => ({
  agency: AGENCY,
  dataflow: { id: DATAFLOW, version: VERSION, urn: DATAFLOW_URN, structure: DSD_URN },
  dataStructure: {
    id: DSD,
    version: VERSION,
    urn: DSD_URN,
    dimensions: [...SERIES_DIMENSIONS, TIME_DIMENSION].map((d, position) => ({ ...d, position })),
    measures: [MEASURE],
    attributes: ATTRIBUTES,
  },
  codelists: Object.entries(codeLists(ref)).map(([id, codes]) => ({ id, agency: AGENCY, version: VERSION, codes })),
});
