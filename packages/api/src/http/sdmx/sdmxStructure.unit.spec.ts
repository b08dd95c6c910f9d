/** The one mapping from a figure to its SDMX attributes. */
import { describe, expect, it } from "vitest";
import { ATTRIBUTES, type AttributeSource, breakdownCode, sdmxAttributes } from "./sdmxStructure.js";

const row = (figure: Partial<AttributeSource["figure"]>): AttributeSource => ({
  figure: { value: 42, status: "on_track", withheld: null, suppressed: false, ...figure },
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
    const primary = row({ value: null, status: "suppressed", withheld: "primary", suppressed: true });
    expect(sdmxAttributes(primary)).toMatchObject({ OBS_STATUS: "A", CONF_STATUS: "C" });
    const secondary = row({ value: null, status: "suppressed", withheld: "secondary", suppressed: true });
    expect(sdmxAttributes(secondary)).toMatchObject({ OBS_STATUS: "A", CONF_STATUS: "D" });
  });

  it("codes the overall breakdown as not applicable", () => {
    expect(breakdownCode("")).toBe("_Z");
    expect(breakdownCode("C")).toBe("C");
  });
});
