/**
 * Turns the simulation's events into facts in report order. Each fact gets an id unique across the stream
 * (`<source>-<report year>-<n>`, n counting per source). In the live part of the stream (not the initial load):
 *
 * - about 2.5 % of facts are reported late, from a month to over three years after they occurred;
 * - about 0.3 % of on-time facts are re-sent, the same object again (same id, same content) 1–20 days later;
 * - retractable facts are, with probability 0.2 %, withdrawn by a `FactRetracted` of the same source and subject
 *   2–90 days later; the model undoes the fact's effect at once, so nothing later builds on it.
 *
 * Only what is pending (late facts, re-sends, retractions) is held; everything else is handed out per day.
 *
 * Each fact carries the day it is reported as `reportedOn` (unless turned off): the report day it is emitted on,
 * or for a late fact the day it is deferred to. A re-send is the same object, so it keeps the day of the first
 * report and stays an exact copy.
 */
import type { Fact, FactOf, FactType } from "@kpi/core";
import { isoOf, yearOfDay } from "./days.js";
import type { Rng } from "./rng.js";

export const P_LATE = 0.025;
export const P_RESEND = 0.003;
export const P_RETRACT = 0.002;

const RETRACTION_REASONS = [
  "recorded in error",
  "duplicate record of the same person or entity",
  "entered for the wrong subject",
  "not confirmed on verification",
] as const;

export class Emitter {
  private queue: Fact[] = [];
  private readonly due = new Map<number, Fact[]>();
  private readonly retractions = new Map<number, { fact: Fact; reason: string }[]>();
  private readonly seq = new Map<string, number>();
  private lastDeferred = false;
  /** The report day: facts emitted now are written with today's reports. */
  today = 0;
  /** False during the initial load: no late reports, re-sends or retractions there. */
  live = false;

  constructor(
    private readonly rng: Rng,
    /** Whether facts carry `reportedOn`. */
    private readonly stamp = true,
  ) {}

  /** `fact` as reported on `day`: with `reportedOn` after `occurredOn` (when stamping). */
  private reportedOn<F extends Fact>(fact: F, day: number): F {
    if (!this.stamp) return fact;
    const { id, type, subject, occurredOn, source, data } = fact;
    return { id, type, subject, occurredOn, reportedOn: isoOf(day), source, data } as unknown as F;
  }

  private nextId(source: string): string {
    const n = (this.seq.get(source) ?? 0) + 1;
    this.seq.set(source, n);
    return `${source}-${yearOfDay(this.today)}-${n}`;
  }

  private defer(day: number, fact: Fact): void {
    const list = this.due.get(day);
    if (list === undefined) this.due.set(day, [fact]);
    else list.push(fact);
  }

  /** A report delay for a late fact: mostly months, sometimes years. */
  private lateDelay(): number {
    const u = this.rng.float();
    if (u < 0.6) return this.rng.int(30, 180);
    if (u < 0.9) return this.rng.int(181, 540);
    return this.rng.int(541, 1200);
  }

  /**
   * Report a fact that occurred on `day`. `lateable` = false keeps it on time (statistics releases, facts
   * others depend on within the day).
   */
  emit<T extends FactType>(
    type: T,
    subject: string,
    day: number,
    source: string,
    data: FactOf<T>["data"],
    lateable = true,
  ): FactOf<T> {
    const fact = {
      id: this.nextId(source),
      type,
      subject,
      occurredOn: isoOf(day),
      source,
      data,
    } as unknown as FactOf<T>;
    this.lastDeferred = false;
    if (this.live && lateable && this.rng.float() < P_LATE) {
      this.lastDeferred = true;
      const due = this.today + this.lateDelay();
      const late = this.reportedOn(fact, due);
      this.defer(due, late);
      return late;
    }
    const reported = this.reportedOn(fact, this.today);
    this.queue.push(reported);
    if (this.live && this.rng.float() < P_RESEND) this.defer(this.today + this.rng.int(1, 20), reported);
    return reported;
  }

  /**
   * Whether `fact` (just emitted) turns out to be an error its source will retract: if so the retraction is
   * scheduled and the caller must undo the fact's effect on the model. Never for late facts.
   */
  retracts(fact: Fact): boolean {
    if (!this.live || this.lastDeferred || this.rng.float() >= P_RETRACT) return false;
    const day = this.today + this.rng.int(2, 90);
    const entry = { fact, reason: this.rng.pick(RETRACTION_REASONS) };
    const list = this.retractions.get(day);
    if (list === undefined) this.retractions.set(day, [entry]);
    else list.push(entry);
    return true;
  }

  /** Start report day `day`: what was deferred to it is reported first. */
  beginDay(day: number): void {
    this.today = day;
    const due = this.due.get(day);
    if (due !== undefined) {
      this.due.delete(day);
      for (const f of due) this.queue.push(f);
    }
    const retractions = this.retractions.get(day);
    if (retractions !== undefined) {
      this.retractions.delete(day);
      for (const { fact, reason } of retractions) {
        const retraction = {
          id: this.nextId(fact.source),
          type: "FactRetracted",
          subject: fact.subject,
          occurredOn: isoOf(day),
          source: fact.source,
          data: { eventId: fact.id, reason },
        } as unknown as Fact;
        this.queue.push(this.reportedOn(retraction, day));
      }
    }
  }

  /** The facts reported so far and not yet handed out. */
  drain(): Fact[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  /** Days after `day` that still have deferred reports, in order. */
  pendingDaysAfter(day: number): number[] {
    return [...new Set([...this.due.keys(), ...this.retractions.keys()])].filter((d) => d > day).sort((a, b) => a - b);
  }
}
