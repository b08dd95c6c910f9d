/**
 * Things scheduled for a later day (a signature expiring, a second account, a briefing): small integer codes
 * `index * KINDS + kind` grouped by day. It holds only what is pending, never facts.
 */
export class Agenda {
  private readonly byDay = new Map<number, number[]>();

  constructor(private readonly kinds: number) {}

  at(day: number, kind: number, index: number): void {
    const code = index * this.kinds + kind;
    const list = this.byDay.get(day);
    if (list === undefined) this.byDay.set(day, [code]);
    else list.push(code);
  }

  /** Everything due on `day`, as [kind, index] pairs through `visit`, in the order scheduled; then forgotten. */
  take(day: number, visit: (kind: number, index: number) => void): void {
    const list = this.byDay.get(day);
    if (list === undefined) return;
    this.byDay.delete(day);
    for (const code of list) visit(code % this.kinds, Math.floor(code / this.kinds));
  }

  get pending(): number {
    let n = 0;
    for (const l of this.byDay.values()) n += l.length;
    return n;
  }
}
