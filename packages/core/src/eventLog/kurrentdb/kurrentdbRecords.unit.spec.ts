import { randomUUID } from "node:crypto";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../eventLog.js";
import { accountOpened } from "../testFacts.js";
import { IdSubjects, MarkerTable } from "./kurrentdbIndex.js";
import {
  BatchAssembler,
  type BatchMarker,
  chunksOf,
  decodeFactMeta,
  decodeMarker,
  encodeFactMeta,
  encodeMarker,
  type FactEventMeta,
  type FactRecord,
  factEventId,
  groupByStream,
  kurrentStreams,
  markerEventId,
  storedFact,
  uuidV5,
} from "./kurrentdbRecords.js";

const hex = (n: number) => n.toString(16).padStart(64, "0");

describe("stored facts", () => {
  it("read back as stored, even where today's decoder is stricter, and only facts at all", () => {
    const old = { ...accountOpened("a1", "p1"), occurredOn: "1850-01-01", data: { commune: "29926", extra: 1 } };
    expect(storedFact(JSON.parse(JSON.stringify(old)))).toEqual(old);
    expect(storedFact({ id: "x", type: "T", subject: "s", occurredOn: "d" })).toBeUndefined();
    expect(storedFact({ ...old, data: [] })).toBeUndefined();
    expect(storedFact("a fact")).toBeUndefined();
  });
});

describe("event ids", () => {
  it("computes RFC 4122 version-5 UUIDs (the published DNS example)", () => {
    expect(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });

  it("derives a fact's event id from the fact id and the batch: stable within a batch, new in another", () => {
    const b1 = randomUUID();
    const b2 = randomUUID();
    expect(factEventId(b1, "a1")).toBe(factEventId(b1, "a1"));
    expect(factEventId(b1, "a1")).not.toBe(factEventId(b2, "a1"));
    expect(factEventId(b1, "a1")).not.toBe(factEventId(b1, "a2"));
    expect(markerEventId(b1)).not.toBe(factEventId(b1, "a1"));
    expect(factEventId(b1, "a1")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("streams", () => {
  it("puts every stream of a log under its namespace", () => {
    const s = kurrentStreams("dongthap");
    expect(s.head).toBe("dongthap/head");
    expect(s.subject("person:p1")).toBe("dongthap/subject/person:p1");
    expect(s.subject("head").startsWith(s.prefix)).toBe(true);
    expect(s.subject("head")).not.toBe(s.head);
  });

  it("refuses a namespace that could collide with system streams or another log's prefix", () => {
    for (const bad of ["", "$all", "Kpi", "kpi/x", "a b", "x".repeat(65)]) {
      expect(() => kurrentStreams(bad)).toThrow(/namespace/);
    }
  });
});

const metaArb: fc.Arbitrary<FactEventMeta> = fc.record({
  position: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  streamRevision: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  recordedAt: fc
    .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  hash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("hex")),
  batch: fc.uuid({ version: 4 }),
});

describe("fact event metadata", () => {
  it("round-trips, with string values only (multi-stream append accepts nothing else)", () => {
    fc.assert(
      fc.property(metaArb, (m) => {
        const enc = encodeFactMeta(m);
        expect(Object.values(enc).every((v) => typeof v === "string")).toBe(true);
        // what the server hands back is the JSON of what was sent, with any properties it adds itself
        const back = JSON.parse(JSON.stringify({ ...enc, "$schema.name": "PaymentAccountOpened" }));
        expect(decodeFactMeta("s", back)).toEqual(E.right(m));
      }),
    );
  });

  it("refuses metadata this adapter did not write", () => {
    const good = encodeFactMeta({
      position: 1,
      streamRevision: 0,
      recordedAt: "2025-01-01T00:00:00.000Z",
      hash: hex(1),
      batch: randomUUID(),
    });
    const cases: [unknown, RegExp][] = [
      [undefined, /not a JSON object/],
      [new Uint8Array([1]), /not a JSON object/],
      [{ ...good, "kpi.format": "other" }, /kpi.format/],
      [{ ...good, "kpi.position": "0" }, /kpi.position/],
      [{ ...good, "kpi.position": "01" }, /kpi.position/],
      [{ ...good, "kpi.streamRevision": "-1" }, /kpi.streamRevision/],
      [{ ...good, "kpi.recordedAt": "2025-01-01T00:00:00Z" }, /kpi.recordedAt/],
      [{ ...good, "kpi.hash": "ab" }, /kpi.hash/],
      [{ ...good, "kpi.batch": "b1" }, /kpi.batch/],
    ];
    for (const [u, reason] of cases) {
      const r = decodeFactMeta("kpi/subject/person:p1", u);
      expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "BadRecord", stream: "kpi/subject/person:p1", reason });
    }
  });
});

describe("batch markers", () => {
  it("round-trip through JSON", () => {
    const m: BatchMarker = { batch: randomUUID(), first: 7, last: 12, lastHash: hex(99) };
    expect(decodeMarker("kpi/head", JSON.parse(JSON.stringify(encodeMarker(m))))).toEqual(E.right(m));
  });

  it("refuse an empty or malformed range", () => {
    const m = encodeMarker({ batch: randomUUID(), first: 7, last: 12, lastHash: hex(99) });
    for (const bad of [
      { ...m, last: 6 },
      { ...m, first: 0 },
      { ...m, first: "7" },
      { ...m, format: "x" },
      { ...m, lastHash: "z" },
    ]) {
      expect(E.isLeft(decodeMarker("kpi/head", bad))).toBe(true);
    }
  });
});

// ---- the reading rule ----

type Raw =
  | { readonly kind: "fact"; readonly record: FactRecord }
  | { readonly kind: "marker"; readonly marker: BatchMarker };

const record = (p: number, batch: string, tag = ""): FactRecord => ({
  meta: {
    position: p,
    streamRevision: 0,
    recordedAt: "2025-01-01T00:00:00.000Z",
    hash: hex(p * 1000 + tag.length),
    batch,
  },
  fact: accountOpened(`f${p}${tag}`, `p${p % 3}`),
});

/** The adapter's driver, without I/O: `$all` records in order, the markers of `ns/head` in order. */
const assemble = (
  all: readonly Raw[],
  markers: readonly BatchMarker[],
  after: number,
  limit: number,
): StoredEvent[] => {
  const asm = new BatchAssembler(after);
  let m = 0;
  const supply = () => {
    while (asm.awaiting && asm.next <= limit && m < markers.length) {
      const r = asm.expect(markers[m++] as BatchMarker);
      if (E.isLeft(r)) throw new Error(r.left._tag);
    }
  };
  const out: StoredEvent[] = [];
  supply();
  for (const r of all) {
    if (asm.next > limit || asm.awaiting) break;
    if (r.kind === "marker") {
      const x = asm.markerRecord(r.marker.batch);
      if (E.isLeft(x)) throw new Error(x.left._tag);
      continue;
    }
    const got = asm.fact(r.record);
    if (E.isLeft(got)) throw new Error(got.left._tag);
    out.push(...got.right.filter((e) => e.position <= limit));
    supply();
  }
  return out;
};

/**
 * A store written by the protocol: committed batches (events in requests of `chunk`, each request's events in
 * any order, then the marker) and failed attempts (events planned against the same head, never a marker).
 */
const storeArb = fc
  .array(
    fc.record({
      size: fc.integer({ min: 1, max: 9 }),
      chunk: fc.integer({ min: 1, max: 4 }),
      orphansBefore: fc.integer({ min: 0, max: 5 }),
      seed: fc.integer(),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((batches) => {
    const all: Raw[] = [];
    const markers: BatchMarker[] = [];
    let head = 0;
    for (const b of batches) {
      // a writer that planned against this same head and lost the race for ns/head
      const loser = randomUUID();
      for (let i = 1; i <= b.orphansBefore; i++) all.push({ kind: "fact", record: record(head + i, loser, "x") });
      const batch = randomUUID();
      const positions = Array.from({ length: b.size }, (_, i) => head + 1 + i);
      for (const c of chunksOf(positions, b.chunk)) {
        const shuffled = [...c].sort((x, y) => ((x * 7919 + b.seed) % 13) - ((y * 7919 + b.seed) % 13));
        for (const p of shuffled) all.push({ kind: "fact", record: record(p, batch) });
      }
      const marker = { batch, first: head + 1, last: head + b.size, lastHash: hex(head + b.size) };
      all.push({ kind: "marker", marker });
      markers.push(marker);
      head += b.size;
    }
    return { all, markers, head };
  });

describe("BatchAssembler", () => {
  it("yields exactly the committed events, gap-free and in order, skipping every orphan", () => {
    fc.assert(
      fc.property(storeArb, ({ all, markers, head }) => {
        const events = assemble(all, markers, 0, head);
        expect(events.map((e) => e.position)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
        expect(events.every((e) => e.fact.id === `f${e.position}`)).toBe(true);
      }),
    );
  });

  it("reads from any position and up to any position, starting after the marker of the batch before", () => {
    fc.assert(
      fc.property(
        storeArb.chain((s) => fc.tuple(fc.constant(s), fc.nat(s.head), fc.nat(s.head))),
        ([{ all, markers, head }, x, y]) => {
          const [after, limit] = x <= y ? [x, y] : [y, x];
          const b = markers.findIndex((m) => m.last > after);
          const start = b <= 0 ? 0 : all.findIndex((r) => r.kind === "marker" && r.marker === markers[b - 1]);
          const from = b < 0 ? markers.length : b;
          const events = assemble(all.slice(start), markers.slice(from), after, limit);
          expect(events.map((e) => e.position)).toEqual(Array.from({ length: limit - after }, (_, i) => after + 1 + i));
          expect(head).toBeGreaterThanOrEqual(limit);
        },
      ),
    );
  });

  it("reports a committed batch whose event is missing before its marker", () => {
    const batch = randomUUID();
    const marker = { batch, first: 1, last: 3, lastHash: hex(3) };
    const all: Raw[] = [
      { kind: "fact", record: record(1, batch) },
      { kind: "fact", record: record(3, batch) },
      { kind: "marker", marker },
    ];
    expect(() => assemble(all, [marker], 0, 3)).toThrow("IncompleteBatch");
  });

  it("ignores the same event delivered twice but reports two different events at one position", () => {
    const batch = randomUUID();
    const marker = { batch, first: 1, last: 2, lastHash: hex(2) };
    const twice: Raw[] = [
      { kind: "fact", record: record(2, batch) },
      { kind: "fact", record: record(2, batch) },
      { kind: "fact", record: record(1, batch) },
      { kind: "marker", marker },
    ];
    expect(assemble(twice, [marker], 0, 2).map((e) => e.position)).toEqual([1, 2]);
    const conflicting: Raw[] = [
      { kind: "fact", record: record(2, batch) },
      { kind: "fact", record: record(2, batch, "other") },
    ];
    expect(() => assemble(conflicting, [marker], 0, 2)).toThrow("ConflictingEvents");
  });

  it("reports a marker that does not continue the log", () => {
    const asm = new BatchAssembler(4);
    const r = asm.expect({ batch: randomUUID(), first: 7, last: 9, lastHash: hex(9) });
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: "MarkerOutOfSequence", expectedFirst: 5, first: 7 });
  });
});

describe("write requests", () => {
  it("split a batch in order and group each request by stream, keeping order within a stream", () => {
    expect(chunksOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    const g = groupByStream([1, 2, 3, 4, 5, 6], (x) => (x % 2 === 0 ? "even" : "odd"));
    expect([...g]).toEqual([
      ["odd", [1, 3, 5]],
      ["even", [2, 4, 6]],
    ]);
  });
});

describe("writer indexes", () => {
  it("IdSubjects never forgets an id, keeps every subject an id was seen with, and survives growth", () => {
    const ids = new IdSubjects(4);
    for (let i = 0; i < 5000; i++) ids.add(`id-${i}`, i % 97);
    ids.add("id-7", 500);
    for (let i = 0; i < 5000; i++) expect(ids.get(`id-${i}`)).toContain(i % 97);
    expect([...ids.get("id-7")].sort((a, b) => a - b)).toEqual([7, 500]);
    expect(ids.get("never")).toEqual([]);
    const more = new IdSubjects(4);
    more.add("new-1", 3);
    more.add("id-7", 501);
    ids.addAll(more);
    expect(ids.get("new-1")).toEqual([3]);
    expect([...ids.get("id-7")].sort((a, b) => a - b)).toEqual([7, 500, 501]);
  });

  it("MarkerTable finds the batch holding a position and remembers where markers sit in $all", () => {
    const t = new MarkerTable();
    const batches = [randomUUID(), randomUUID(), randomUUID()];
    t.push({ batch: batches[0] as string, first: 1, last: 3 });
    t.push({ batch: batches[1] as string, first: 4, last: 4 });
    t.push({ batch: batches[2] as string, first: 5, last: 2000 });
    expect([0, 1, 3, 4, 5, 1999, 2000, 2001].map((p) => t.find(p))).toEqual([-1, 0, 0, 1, 2, 2, 2, -1]);
    expect([t.last(0), t.last(1), t.last(2), t.head]).toEqual([3, 4, 2000, 2000]);
    expect(t.isBatch(1, batches[1] as string)).toBe(true);
    expect(t.isBatch(1, batches[0] as string)).toBe(false);
    expect(t.at(1)).toBeUndefined();
    t.setAt(1, { commit: 123456789n, prepare: 123456700n });
    expect(t.at(1)).toEqual({ commit: 123456789n, prepare: 123456700n });
  });
});
