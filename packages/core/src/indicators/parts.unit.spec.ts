/**
 * What an indicator's numerator and denominator are (counts or amounts) follows from the fields it reads.
 */
import { describe, expect, it } from "vitest";
import { type Definition, partsOf } from "./definition.js";

const reported = (fact: string, field: string) => ({ fact, field });

describe("partsOf", () => {
  it("entity-based figures count entities", () => {
    expect(
      partsOf({
        kind: "share",
        entity: "enterprise",
        population: { attr: "active", eq: true },
        numerator: { attr: "active", eq: true },
      }),
    ).toBe("count");
    expect(partsOf({ kind: "entityCount", entity: "village", numerator: { attr: "recognised", eq: true } })).toBe(
      "count",
    );
    expect(
      partsOf({
        kind: "ratePer1000",
        entity: "enterprise",
        numerator: { attr: "active", eq: true },
        denominator: reported("PopulationEstimated", "total"),
      }),
    ).toBe("count");
  });

  it("a reported ratio divides counts when both fields are counts, amounts when either is money", () => {
    const survey: Definition = {
      kind: "reportedRatio",
      numerator: reported("SurveyAggregateReported", "meeting"),
      denominator: reported("SurveyAggregateReported", "respondents"),
    };
    const grdp: Definition = {
      kind: "reportedRatio",
      numerator: reported("GrdpReported", "digitalEconomy"),
      denominator: reported("GrdpReported", "grdp"),
    };
    expect(partsOf(survey)).toBe("count");
    expect(partsOf(grdp)).toBe("amount");
    expect(partsOf({ ...grdp, denominator: reported("CountReported", "count") })).toBe("amount");
  });

  it("a reported value is a count when its field is an integer (a count, a rank), an amount otherwise", () => {
    expect(partsOf({ kind: "reportedCount", value: reported("CountReported", "count"), cumulative: true })).toBe(
      "count",
    );
    expect(partsOf({ kind: "rank", value: reported("DtiRankPublished", "rank") })).toBe("count");
    expect(partsOf({ kind: "growth", value: reported("LabourProductivityReported", "valuePerWorker") })).toBe("amount");
  });
});
