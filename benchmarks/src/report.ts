/**
 * What a section measured, and how it is printed: one table per section (figure, ours with its peak memory,
 * baselines (a) and (b) with theirs and the ratios ours ÷ baseline, the goal with PASS or MISS), a summary
 * block with one line per goal, and the same as JSON.
 */
import { fmt } from "./measure.js";
import type { SectionName } from "./options.js";

export type Unit = "s" | "ms" | "facts/s" | "req/s" | "count";

export interface Value {
  readonly value: number;
  readonly unit: Unit;
  readonly peakRssMiB?: number;
}

export interface Goal {
  /** The goal as the issue states it, e.g. "import ≥ 300,000 facts/s". */
  readonly text: string;
  readonly pass: boolean;
  /** What was measured against it, for the summary line. */
  readonly measured: string;
}

export interface Row {
  readonly label: string;
  readonly ours: Value;
  readonly a?: Value;
  readonly b?: Value;
  readonly goal?: Goal;
}

export interface Section {
  readonly name: SectionName;
  readonly title: string;
  /** What the baselines are in this section. */
  readonly a: string;
  readonly b: string;
  readonly rows: readonly Row[];
  readonly notes: readonly string[];
}

export const seconds = (s: number, peakRssMiB?: number): Value =>
  peakRssMiB === undefined ? { value: s, unit: "s" } : { value: s, unit: "s", peakRssMiB };

export const millis = (ms: number, peakRssMiB?: number): Value =>
  peakRssMiB === undefined ? { value: ms, unit: "ms" } : { value: ms, unit: "ms", peakRssMiB };

export const showValue = (v: Value): string => {
  switch (v.unit) {
    case "s":
      return `${fmt(v.value, v.value < 10 ? 2 : 1)} s`;
    case "ms":
      return `${fmt(v.value, v.value < 10 ? 3 : 1)} ms`;
    case "facts/s":
    case "req/s":
      return `${fmt(v.value)} ${v.unit}`;
    case "count":
      return fmt(v.value);
  }
};

export const ratio = (ours: Value, base: Value | undefined): number | undefined =>
  base === undefined || base.value === 0 ? undefined : ours.value / base.value;

const showRatio = (r: number | undefined): string => (r === undefined ? "" : `×${fmt(r, r < 0.1 ? 3 : 2)}`);
const showPeak = (v: Value | undefined): string => (v?.peakRssMiB === undefined ? "" : `${fmt(v.peakRssMiB)} MiB`);

const W = { label: 44, value: 15, peak: 11, ratio: 9 };

const cells = (label: string, ours: string, peak: string, a: string[], b: string[], goal: string): string =>
  [
    label.padEnd(W.label),
    ours.padStart(W.value),
    peak.padStart(W.peak),
    " │",
    (a[0] ?? "").padStart(W.value),
    (a[1] ?? "").padStart(W.peak),
    (a[2] ?? "").padStart(W.ratio),
    " │",
    (b[0] ?? "").padStart(W.value),
    (b[1] ?? "").padStart(W.peak),
    (b[2] ?? "").padStart(W.ratio),
    " │ ",
    goal,
  ].join("");

const rowLine = (r: Row): string =>
  cells(
    r.label,
    showValue(r.ours),
    showPeak(r.ours),
    r.a === undefined ? [] : [showValue(r.a), showPeak(r.a), showRatio(ratio(r.ours, r.a))],
    r.b === undefined ? [] : [showValue(r.b), showPeak(r.b), showRatio(ratio(r.ours, r.b))],
    r.goal === undefined ? "" : `${r.goal.pass ? "PASS" : "MISS"}  ${r.goal.text}`,
  );

export const formatSection = (s: Section, index: number, runs: number): string => {
  const rule = "─".repeat(W.label + 2 * W.value + 2 * W.peak + W.value + W.peak + 2 * W.ratio + 12);
  return [
    `${index}. ${s.title} — median of ${runs} run${runs === 1 ? "" : "s"}, peak RSS of the process during the runs`,
    `   (a) ${s.a}`,
    `   (b) ${s.b}`,
    rule,
    cells("figure", "ours", "peak", ["(a)", "peak", "ours/(a)"], ["(b)", "peak", "ours/(b)"], "goal"),
    rule,
    ...s.rows.map(rowLine),
    rule,
    ...s.notes.map((n) => `   ${n}`),
    "",
  ].join("\n");
};

export const formatSummary = (heading: string, sections: readonly Section[]): string => {
  const goals = sections.flatMap((s) => s.rows.flatMap((r) => (r.goal === undefined ? [] : [r.goal])));
  return [
    heading,
    ...goals.map((g) => `- ${g.pass ? "PASS" : "MISS"} ${g.text}: ${g.measured}`),
    `${goals.filter((g) => g.pass).length} of ${goals.length} goals met.`,
    "",
  ].join("\n");
};
