import { describe, expect, it } from "vitest";
import { civilOf, dayOf, isoOf, weekdayOf, yearOfDay } from "./days.js";

describe("days", () => {
  it("agrees with Date on every day from 1960 to 2045", () => {
    const wrong: string[] = [];
    let checked = 0;
    for (let t = Date.UTC(1960, 0, 1); t <= Date.UTC(2045, 11, 31); t += 86_400_000) {
      const day = t / 86_400_000;
      const d = new Date(t);
      const [y, m, dd] = civilOf(day);
      const ok =
        isoOf(day) === d.toISOString().slice(0, 10) &&
        y === d.getUTCFullYear() &&
        m === d.getUTCMonth() + 1 &&
        dd === d.getUTCDate() &&
        dayOf(y, m, dd) === day &&
        weekdayOf(day) === d.getUTCDay() &&
        yearOfDay(day) === y;
      if (!ok) wrong.push(d.toISOString());
      checked++;
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(31_412);
  });
});
