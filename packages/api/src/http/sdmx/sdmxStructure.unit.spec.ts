/** The one mapping from a figure to its SDMX attributes. */
import { describe, expect, it } from "vitest";
import { ATTRIBUTES, type AttributeSource, breakdownCode, sdmxAttributes } from "./sdmxStructure.js";

const row = (figure: Partial<AttributeSource["figure"]>): AttributeSource => ({
  figure: {
    value: 42,
    status: "on_track",
    withheld: null,
    suppressed: false,
    provisional: false,
    estimated: false,
    breakInSeries: false,
    implausible: false,
    ...figure,
  },
  unit: "percent",
});

describe("sdmxAttributes", () => {
  it("gives every attribute of the structure, and nothing else", () => {
    expect(Object.keys(sdmxAttributes(row({})))).toEqual(ATTRIBUTES.map((a) => a.id));
  });

  it("maps a published value, a missing one and the two kinds of withheld cells", () => {
    expect(sdmxAttributes(row({}))).toEqual({
      UNIT_MEASURE: "percent",
      OBS_STATUS: "A",
      CONF_STATUS: "F",
      TARGET_STATUS: "on_track",
    });
    expect(sdmxAttributes(row({ value: null, status: "no_data" }))).toMatchObject({
      OBS_STATUS: "M",
      CONF_STATUS: "F",
      TARGET_STATUS: "no_data",
    });
    const primary = row({ value: null, status: null, withheld: "primary", suppressed: true });
    expect(sdmxAttributes(primary)).toMatchObject({ OBS_STATUS: "A", CONF_STATUS: "C", TARGET_STATUS: null });
    const secondary = row({ value: null, status: null, withheld: "secondary", suppressed: true });
    expect(sdmxAttributes(secondary)).toMatchObject({ OBS_STATUS: "A", CONF_STATUS: "D", TARGET_STATUS: null });
  });

  it("gives each quality flag its OBS_STATUS code, the one that most limits the value's use first", () => {
    expect(sdmxAttributes(row({ provisional: true })).OBS_STATUS).toBe("P");
    expect(sdmxAttributes(row({ estimated: true })).OBS_STATUS).toBe("E");
    expect(sdmxAttributes(row({ breakInSeries: true })).OBS_STATUS).toBe("B");
    expect(sdmxAttributes(row({ implausible: true })).OBS_STATUS).toBe("U");
    const all = { provisional: true, estimated: true, breakInSeries: true };
    expect(sdmxAttributes(row(all)).OBS_STATUS).toBe("B");
    expect(sdmxAttributes(row({ ...all, implausible: true })).OBS_STATUS).toBe("U");
    expect(sdmxAttributes(row({ ...all, provisional: false, breakInSeries: false })).OBS_STATUS).toBe("E");
    expect(sdmxAttributes(row({ ...all, value: null, implausible: true })).OBS_STATUS).toBe("M");
  });

  it("codes the overall breakdown as not applicable", () => {
    expect(breakdownCode("")).toBe("_Z");
    expect(breakdownCode("C")).toBe("C");
  });
});
