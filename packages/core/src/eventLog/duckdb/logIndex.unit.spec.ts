import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fingerprint } from "../fingerprintTable.js";
import { FactIndex, SourceCodes, StreamRevisions } from "./logIndex.js";

const entry = (i: number) => ({
  position: i + 1,
  content: fingerprint(`content-${i}`),
  subjectKey: 1 + (i % 97),
  isRetraction: i % 5 === 0,
  source: i % 3,
  retracted: i % 7 === 0,
});

describe("FactIndex", () => {
  it("finds every fact added, through growth and a rehash to make room, and nothing else", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 300 }),
        (ids) => {
          const base = new FactIndex(1);
          ids.forEach((id, i) => {
            if (i === Math.floor(ids.length / 2)) base.reserve(ids.length * 4);
            base.add(id, entry(i));
          });
          expect(base.size).toBe(ids.length);
          ids.forEach((id, i) => {
            expect(base.get(id)).toEqual(entry(i));
            expect(base.has(id)).toBe(true);
          });
          for (const id of ids) expect(base.get(`${id}\u0000absent`)).toBeUndefined();
          for (const id of ids) expect(base.has(`${id}\u0000absent`)).toBe(false);
        },
      ),
    );
  });

  it("grows past its first capacity without losing facts", () => {
    const index = new FactIndex(1);
    for (let i = 0; i < 20_000; i++) index.add(`id-${i}`, entry(i));
    expect(index.size).toBe(20_000);
    for (let i = 0; i < 20_000; i += 997) expect(index.get(`id-${i}`)?.position).toBe(i + 1);
  });

  it("keeps the first fact stored under an id", () => {
    const index = new FactIndex();
    index.add("a", entry(1));
    index.add("a", entry(2));
    expect(index.get("a")?.position).toBe(2);
    expect(index.size).toBe(1);
  });
});

describe("FactIndex retractions and sources", () => {
  it("marks a stored fact retracted, keeps the mark through growth and a rehash, and knows no other id", () => {
    const base = new FactIndex(1);
    for (let i = 0; i < 5_000; i += 2) base.add(`id-${i}`, { ...entry(i), retracted: false });
    expect(base.markRetracted("id-10")).toBe(true);
    expect(base.markRetracted("id-11")).toBe(false);
    base.reserve(50_000);
    for (let i = 1; i < 5_000; i += 2) base.add(`id-${i}`, { ...entry(i), retracted: false });
    expect(base.markRetracted("id-11")).toBe(true);
    for (let i = 0; i < 5_000; i++) {
      expect(base.get(`id-${i}`)?.retracted, `id-${i}`).toBe(i === 10 || i === 11);
      expect(base.get(`id-${i}`)?.source).toBe(i % 3);
    }
    expect(base.get("id-10")?.isRetraction).toBe(entry(10).isRetraction);
  });

  it("codes source names as small integers, the same name the same code", () => {
    const codes = new SourceCodes();
    expect([codes.code("nhnn-kv15"), codes.code("so-khdt"), codes.code("nhnn-kv15")]).toEqual([0, 1, 0]);
    expect(codes.name(1)).toBe("so-khdt");
    expect(() => codes.name(7)).toThrow(/no source has code 7/);
  });
});

describe("StreamRevisions", () => {
  it("gives -1 for an unknown stream and the last revision set otherwise", () => {
    const r = new StreamRevisions();
    expect(r.get("person:x")).toBe(-1);
    r.set("person:x", 0);
    r.set("person:x", 3);
    r.set("enterprise:y", 1);
    expect(r.get("person:x")).toBe(3);
    expect([...r.entries()].sort()).toEqual([
      ["enterprise:y", 1],
      ["person:x", 3],
    ]);
  });
});

describe("FactIndex for a snapshot", () => {
  it("clears a retracted mark, and is rebuilt whole from its arrays", () => {
    const index = new FactIndex(1);
    for (let i = 0; i < 1_000; i++) index.add(`id-${i}`, { ...entry(i), retracted: false });
    index.markRetracted("id-3");
    index.markRetracted("id-4");
    expect(index.unmarkRetracted("id-4")).toBe(true);
    expect(index.unmarkRetracted("absent")).toBe(false);
    const copy = FactIndex.fromArrays(index.arrays());
    expect(copy.size).toBe(1_000);
    for (let i = 0; i < 1_000; i++) expect(copy.get(`id-${i}`)).toEqual({ ...entry(i), retracted: i === 3 });
    expect(() => FactIndex.fromArrays({ ...index.arrays(), flags: new Uint8Array(3) })).toThrow(/shape of an index/);
  });
});

describe("FactIndex deletion", () => {
  it("deletes any subset, by backward shift, and finds every other fact where it was", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4_000 }), fc.func(fc.boolean()), (count, drop) => {
        const index = new FactIndex(1);
        for (let i = 0; i < count; i++) index.add(`id-${i}`, entry(i));
        let kept = count;
        for (let i = 0; i < count; i++) {
          if (drop(i)) {
            expect(index.delete(`id-${i}`)).toBe(true);
            kept--;
          }
        }
        expect(index.delete("absent")).toBe(false);
        expect(index.size).toBe(kept);
        for (let i = 0; i < count; i++) expect(index.get(`id-${i}`)).toEqual(drop(i) ? undefined : entry(i));
      }),
      { numRuns: 40 },
    );
  });
});

describe("StreamRevisions growth", () => {
  it("keeps a revision or a subject key given to a subject whose entry makes the table grow", () => {
    // even subjects get a revision, odd ones a key; the table grows several times on the way, and
    // the subject that makes it grow enters it in the very call that stores its value
    const r = new StreamRevisions(1);
    for (let i = 1; i <= 5_000; i++) {
      if (i % 2 === 0) r.set(`person:${i}`, i);
      else r.setSubjectKey(`person:${i}`, i);
    }
    expect(r.size).toBe(5_000);
    const lost: number[] = [];
    for (let i = 1; i <= 5_000; i++) {
      const got = i % 2 === 0 ? r.get(`person:${i}`) : r.subjectKey(`person:${i}`);
      if (got !== i) lost.push(i);
    }
    expect(lost).toEqual([]);
  });
});

describe("StreamRevisions as typed arrays", () => {
  it("keeps the last revision of every subject through growth and a round trip through its arrays", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }), fc.nat(1_000)), {
          maxLength: 3_000,
        }),
        (sets) => {
          const r = new StreamRevisions(1);
          const model = new Map<string, number>();
          for (const [s, v] of sets) {
            r.set(`person:${s}`, v);
            model.set(`person:${s}`, v);
          }
          const copy = StreamRevisions.fromArrays(structuredClone(r.arrays())); // as read back from a file
          for (const t of [r, copy]) {
            expect(t.size).toBe(model.size);
            for (const [s, v] of model) expect(t.get(s)).toBe(v);
            expect(t.get("person:\u0000absent")).toBe(-1);
            expect(new Map(t.entries())).toEqual(model);
          }
          copy.set("person:after-copy", 7);
          expect(copy.get("person:after-copy")).toBe(7);
          expect(r.get("person:after-copy")).toBe(-1);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("FactIndex.reserve", () => {
  it("makes room once and keeps every fact findable", () => {
    const index = new FactIndex(1);
    for (let i = 0; i < 500; i++) index.add(`id-${i}`, entry(i));
    index.reserve(100_000);
    const room = index.arrays().flags.length;
    // room for them at 8/10 full, and no more than that
    expect(room).toBeGreaterThanOrEqual(((500 + 100_000) * 10) / 8);
    expect(room).toBeLessThan(((500 + 100_000) * 10) / 8 + 2);
    for (let i = 500; i < 100_500; i++) index.add(`id-${i}`, entry(i));
    expect(index.arrays().flags.length).toBe(room); // no growth on the way
    for (let i = 0; i < 100_500; i += 37) expect(index.get(`id-${i}`)).toEqual(entry(i));
  });
});
