/**
 * Properties of `decodeFact` and `canonicalFact` over facts generated from the definitions: every generated fact
 * decodes to itself, its canonical form is stable and independent of key order, and every kind of damage is
 * refused with an error naming the damaged field. Plus the literal examples of the public contract, and the
 * optional envelope field `reportedOn`.
 */
import * as fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { arbitraryFact, arbitraryFactOf } from "./arbitraries.js";
import type { FieldError } from "./decodeError.js";
import { SUBJECT_KINDS } from "./ids.js";
import { canonicalFact, decodeFact, FACT_DEFINITIONS, FACT_TYPES, type Fact, isFactType } from "./registry.js";

type Json = Record<string, unknown>;
const toJson = (f: unknown): Json => JSON.parse(JSON.stringify(f)) as Json;
const dataOf = (j: Json): Json => j.data as Json;
const ENVELOPE_KEYS = ["id", "type", "subject", "occurredOn", "source", "data"] as const;
const definitionOf = (type: unknown) => {
  const d = FACT_DEFINITIONS.find((x) => x.type === type);
  if (d === undefined) throw new Error(`no definition for ${String(type)}`);
  return d;
};
const dataKeysOf = (type: unknown): string[] => {
  const d = definitionOf(type);
  return [...Object.keys(d.required), ...Object.keys(d.optional ?? {})];
};

/** The errors of a value that must be refused. */
const refusal = (u: unknown): readonly FieldError[] => {
  const r = decodeFact(u);
  if (E.isRight(r)) throw new Error(`accepted: ${JSON.stringify(u)}`);
  return r.left.errors;
};

/** The value is refused, and every error is about `field` (there is at least one). */
const expectRefusedAt = (u: unknown, field: string, reason?: RegExp) => {
  const errors = refusal(u);
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(e.field).toBe(field);
    if (reason !== undefined) expect(e.reason).toMatch(reason);
  }
};

/** A copy of the fact JSON `j` with `change` applied to the object holding `path` ("id" or "data.commune"). */
const damage = (j: Json, path: string, change: (holder: Json, key: string) => void): Json => {
  const copy = structuredClone(j);
  const [head = "", key] = path.split(".");
  change(key === undefined ? copy : dataOf(copy), key ?? head);
  return copy;
};

/** The same JSON value with the keys of every object in another order, chosen by `seed`. */
const reorder = (v: unknown, seed: number): unknown => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
  const entries = Object.entries(v);
  let state = seed >>> 0;
  for (let i = entries.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const k = state % (i + 1);
    [entries[i], entries[k]] = [entries[k] as [string, unknown], entries[i] as [string, unknown]];
  }
  return Object.fromEntries(entries.map(([k, x]) => [k, reorder(x, seed + 1)]));
};

const jsonType = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** A value whose JSON type differs from `v`'s (a number given as a string, a string as a number, ...). */
const wrongTyped = (v: unknown): fc.Arbitrary<unknown> =>
  fc
    .oneof(
      fc.constant(String(v)),
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
    )
    .filter((w) => jsonType(w) !== jsonType(v));

/** Days in a month by an oracle independent of ids.ts: the UTC calendar (leap years repeat every 400 years). */
const daysIn = (year: number, month: number) => new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
const pad = (n: number, width: number) => String(n).padStart(width, "0");

describe.each(FACT_DEFINITIONS.map((d) => [d.type, d] as const))("%s", (_type, definition) => {
  const facts = arbitraryFactOf(definition);

  it("every generated fact decodes to an equal value, also after a trip through JSON", () => {
    fc.assert(
      fc.property(facts, (f) => {
        expect(decodeFact(f)).toStrictEqual(E.right(f));
        expect(decodeFact(toJson(f))).toStrictEqual(E.right(f));
      }),
    );
  });

  it("the canonical form is stable and independent of key order", () => {
    fc.assert(
      fc.property(facts, fc.integer(), (f, seed) => {
        const canonical = canonicalFact(f as Fact);
        const again = decodeFact(JSON.parse(canonical));
        expect(again).toStrictEqual(E.right(f));
        if (E.isRight(again)) expect(canonicalFact(again.right)).toBe(canonical);
        const shuffled = decodeFact(reorder(toJson(f), seed));
        if (E.isLeft(shuffled)) throw new Error(JSON.stringify(shuffled.left));
        expect(canonicalFact(shuffled.right)).toBe(canonical);
      }),
    );
  });
});

describe("the arbitrary", () => {
  it("covers every fact type", () => {
    const seen = new Set(fc.sample(arbitraryFact(), { seed: 20250701, numRuns: 2000 }).map((f) => f.type));
    expect([...seen].sort()).toEqual([...FACT_TYPES].sort());
  });

  it("of one type yields only that type", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FACT_TYPES), fc.integer(), (type, seed) => {
        const [f] = fc.sample(arbitraryFact(type), { seed, numRuns: 1 });
        expect(f?.type).toBe(type);
      }),
      { numRuns: 200 },
    );
  });

  it("documents each definition's cross-field check by its rules (the facts page shows them)", () => {
    for (const d of FACT_DEFINITIONS) {
      expect(d.check === undefined, d.type).toBe((d.rules ?? []).length === 0);
    }
  });

  it("always gives the required fields and gives each optional field sometimes", () => {
    for (const d of FACT_DEFINITIONS) {
      const datas = fc.sample(arbitraryFactOf(d), { seed: 7, numRuns: 300 }).map((f) => f.data as Json);
      for (const k of Object.keys(d.required)) {
        expect(
          datas.every((x) => Object.hasOwn(x, k)),
          `${d.type}.${k}`,
        ).toBe(true);
      }
      for (const k of Object.keys(d.optional ?? {})) {
        expect(
          datas.some((x) => Object.hasOwn(x, k)),
          `${d.type}.${k} present`,
        ).toBe(true);
        expect(
          datas.some((x) => !Object.hasOwn(x, k)),
          `${d.type}.${k} absent`,
        ).toBe(true);
      }
    }
  });
});

describe("a damaged fact is refused with an error naming the damaged field", () => {
  const anyFact = arbitraryFact().map(toJson);

  it("a required field dropped (envelope or data)", () => {
    const cases = anyFact.chain((j) => {
      const required = Object.keys(definitionOf(j.type).required).map((k) => `data.${k}`);
      return fc.constantFrom(...ENVELOPE_KEYS, ...required).map((path) => ({ j, path }));
    });
    fc.assert(
      fc.property(cases, ({ j, path }) => {
        expectRefusedAt(
          damage(j, path, (o, k) => delete o[k]),
          path,
          /^is required/,
        );
      }),
      { numRuns: 400 },
    );
  });

  it("a field set to a value of the wrong JSON type", () => {
    const cases = anyFact.chain((j) =>
      fc.constantFrom(...ENVELOPE_KEYS, ...Object.keys(dataOf(j)).map((k) => `data.${k}`)).chain((path) => {
        const [head = "", key] = path.split(".");
        const original = key === undefined ? j[head] : dataOf(j)[key];
        return wrongTyped(original).map((w) => ({ j, path, w }));
      }),
    );
    fc.assert(
      fc.property(cases, ({ j, path, w }) => {
        const damaged = damage(j, path, (o, k) => {
          o[k] = w;
        });
        expectRefusedAt(damaged, path);
      }),
      { numRuns: 400 },
    );
  });

  it("an unknown field at the top level or in data", () => {
    const names = fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "Commune", "position"));
    fc.assert(
      fc.property(anyFact, fc.boolean(), names, fc.jsonValue(), (j, inData, name, value) => {
        fc.pre(!(inData ? dataKeysOf(j.type) : [...ENVELOPE_KEYS]).includes(name));
        const copy = structuredClone(j);
        // defineProperty, not assignment: a field named __proto__ must become an own field, as JSON.parse makes it.
        Object.defineProperty(inData ? dataOf(copy) : copy, name, { value, enumerable: true, configurable: true });
        const shown = name === "" ? '""' : name;
        expectRefusedAt(copy, inData ? `data.${shown}` : shown, /^unknown field/);
      }),
      { numRuns: 300 },
    );
  });

  it("a commune code that is not 5 digits", () => {
    const withCommune = FACT_DEFINITIONS.filter((d) => dataKeysOf(d.type).includes("commune"));
    const badCode = fc.oneof(
      fc.stringMatching(/^\d{1,4}$/),
      fc.stringMatching(/^\d{6,9}$/),
      fc.string({ minLength: 5, maxLength: 5 }).filter((s) => !/^\d{5}$/.test(s)),
      fc.integer({ min: 10000, max: 99999 }),
    );
    const facts = fc.constantFrom(...withCommune).chain((d) => arbitraryFactOf(d).map(toJson));
    fc.assert(
      fc.property(facts, badCode, (j, bad) => {
        const damaged = damage(j, "data.commune", (o, k) => {
          o[k] = bad;
        });
        expectRefusedAt(damaged, "data.commune", /5-digit commune code/);
      }),
      { numRuns: 300 },
    );
  });

  const badDate = fc.oneof(
    // A day past the end of its month, 29 February of a common year included.
    fc
      .record({
        year: fc.integer({ min: 0, max: 9999 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 29, max: 99 }),
      })
      .filter(({ year, month, day }) => day > daysIn(year, month))
      .map(({ year, month, day }) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`),
    fc.stringMatching(/^\d{4}-(00|1[3-9]|[2-9]\d)-[0-2]\d$/),
    fc.stringMatching(/^\d{4}-\d{2}-00$/),
    fc.stringMatching(/^\d{1,2}\/\d{1,2}\/\d{4}$/),
    fc.stringMatching(/^\d{4}-\d-\d{1,2}$/),
    fc.constantFrom("2024-02-30", "2023-02-29", "2100-02-29", "2024-04-31", "2024-03-10T00:00:00Z", "20240310", ""),
  );

  it("an occurredOn that is not a calendar day", () => {
    fc.assert(
      fc.property(anyFact, badDate, (j, bad) => {
        expectRefusedAt({ ...j, occurredOn: bad }, "occurredOn", /calendar/);
      }),
      { numRuns: 300 },
    );
  });

  it("a validUntil that is not a calendar day", () => {
    fc.assert(
      fc.property(arbitraryFact("DigitalSignatureIssued").map(toJson), badDate, (j, bad) => {
        expectRefusedAt({ ...j, data: { ...dataOf(j), validUntil: bad } }, "data.validUntil", /calendar/);
      }),
    );
  });

  /** Real calendar days outside 1900-01-01 … 2100-12-31 (years 0000–1899 and 2101–9999). */
  const dayOutOfRange = fc
    .record({
      year: fc.oneof(fc.integer({ min: 0, max: 1899 }), fc.integer({ min: 2101, max: 9999 })),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
    })
    .map(({ year, month, day }) => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`);

  it("a date before 1900-01-01 or after 2100-12-31, in occurredOn or a date field of data", () => {
    const cases = fc.oneof(
      anyFact.map((j) => ({ j, path: "occurredOn" })),
      arbitraryFact("DigitalSignatureIssued")
        .map(toJson)
        .map((j) => ({ j, path: "data.validUntil" })),
    );
    fc.assert(
      fc.property(cases, dayOutOfRange, ({ j, path }, bad) => {
        const damaged = damage(j, path, (o, k) => {
          o[k] = bad;
        });
        expectRefusedAt(damaged, path, /outside the days a fact can be about; .* from 1900-01-01 to 2100-12-31/);
      }),
      { numRuns: 300 },
    );
    for (const bad of ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"]) {
      expectRefusedAt({ ...toJson(fc.sample(anyFact, 1)[0]), occurredOn: bad }, "occurredOn", /outside/);
    }
  });

  it("the first and last allowed days are accepted", () => {
    fc.assert(
      fc.property(anyFact, fc.constantFrom("1900-01-01", "2100-12-31", "1969-12-31"), (j, day) => {
        // occurredOn alone: a type's cross-field rule may tie a data field to it
        fc.pre(definitionOf(j.type).check === undefined);
        expect(E.isRight(decodeFact({ ...j, occurredOn: day }))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("a string holding a lone UTF-16 surrogate, in any string field or field name", () => {
    const lone = fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff", "a\ud83d", "\ude00b", "\udc00\ud800");
    const cases = anyFact.chain((j) => {
      const strings = [
        ...ENVELOPE_KEYS.filter((k) => typeof j[k] === "string"),
        ...Object.entries(dataOf(j))
          .filter(([, v]) => typeof v === "string")
          .map(([k]) => `data.${k}`),
      ];
      return fc.record({ j: fc.constant(j), path: fc.constantFrom(...strings), lone, at: fc.nat() });
    });
    fc.assert(
      fc.property(cases, ({ j, path, lone, at }) => {
        const damaged = damage(j, path, (o, k) => {
          const points = [...String(o[k])]; // between characters, not inside a surrogate pair
          points.splice(at % (points.length + 1), 0, lone);
          o[k] = points.join("");
        });
        expectRefusedAt(damaged, path, /lone UTF-16 surrogate .*send well-formed Unicode text/);
      }),
      { numRuns: 300 },
    );
    // in a field name, and through JSON text as a source sends it
    const sample = toJson(fc.sample(anyFact, 1)[0]);
    const named = { ...sample, data: { ...dataOf(sample), ...(JSON.parse('{"x\\ud800":1}') as Json) } };
    expectRefusedAt(named, "data.x\ud800", /the field name holds a lone UTF-16 surrogate \(\\ud800 at character 2\)/);
    // a well-formed pair (an emoji outside the BMP) is text like any other
    const village = toJson(fc.sample(arbitraryFact("SmartVillageRecognised"), 1)[0]);
    expect(E.isRight(decodeFact({ ...village, data: { ...dataOf(village), name: "Ấp \ud83c\udf3e Mỹ Hòa" } }))).toBe(
      true,
    );
  });

  it("a subject of the wrong kind", () => {
    const cases = fc.constantFrom(...FACT_DEFINITIONS.filter((d) => d.subject !== "any")).chain((d) =>
      fc.record({
        j: arbitraryFactOf(d).map(toJson),
        kind: fc.constant(d.subject),
        other: fc.constantFrom(...SUBJECT_KINDS.filter((k) => k !== d.subject)),
      }),
    );
    fc.assert(
      fc.property(cases, ({ j, kind, other }) => {
        const subject = j.subject as string;
        const damaged = { ...j, subject: `${other}:${subject.slice(subject.indexOf(":") + 1)}` };
        expectRefusedAt(damaged, "subject", new RegExp(`"${kind}:<id>", got a ${other} subject`));
      }),
      { numRuns: 300 },
    );
  });

  /** Identity numbers as sources mistakenly send them: bare, in groups, with a letter prefix, one digit longer. */
  const identityNumber = fc
    .record({
      digits: fc.oneof(fc.stringMatching(/^\d{9}$/), fc.stringMatching(/^\d{12,13}$/)),
      separator: fc.constantFrom(" ", "-", ".", "/"),
      // a prefix of hex letters only would make the id a 16-hex "hash", which the rule lets through
      prefix: fc.stringMatching(/^[G-Zg-z][A-Za-z]{0,3}[-_:]?$/),
      form: fc.constantFrom("bare", "groups", "prefixed"),
    })
    .map(({ digits, separator, prefix, form }) =>
      form === "bare"
        ? digits
        : form === "prefixed"
          ? `${prefix}${digits}`
          : digits.length === 9
            ? digits // 9 digits in groups are indistinguishable from a composite id such as "29926-1234"
            : (digits.match(/.{1,4}/g) ?? []).join(separator),
    );

  it("a subject id that holds an identity number: bare, in groups, with a prefix, or 13 digits", () => {
    fc.assert(
      fc.property(anyFact, identityNumber, fc.constantFrom(...SUBJECT_KINDS), (j, n, anyKind) => {
        const subject = definitionOf(j.type).subject;
        const kind = subject === "any" ? anyKind : subject;
        fc.pre(!(kind === "enterprise" && /^\d{10}$/.test(n)));
        const reason =
          kind === "person"
            ? /looks like a raw identity number.*person ids must be pseudonyms/
            : /looks like a raw identity number.*subject ids must never hold identity numbers/;
        expectRefusedAt({ ...j, subject: `${kind}:${n}` }, "subject", reason);
      }),
      { numRuns: 300 },
    );
    const person = toJson(fc.sample(arbitraryFact("PaymentAccountOpened"), 1)[0]);
    for (const id of ["0792-0100-1234", "ID079201001234", "0792010012345", "079 201 001 234", "x-079.201.001.234"]) {
      expectRefusedAt({ ...person, subject: `person:${id}` }, "subject", /looks like a raw identity number/);
    }
  });

  it("a fact id, or the event id of a retraction, that is an identity number", () => {
    const retraction = toJson(fc.sample(arbitraryFact("FactRetracted"), 1)[0]);
    for (const id of ["079201001234", "0792-0100-1234", "381234567", "381.234.567"]) {
      expectRefusedAt({ ...retraction, id }, "id", /looks like a raw identity number.*a report id must never be one/);
      expectRefusedAt(
        { ...retraction, data: { ...dataOf(retraction), eventId: id } },
        "data.eventId",
        /looks like a raw identity number/,
      );
    }
  });

  it("ids that only look numeric by chance are accepted: hashes, tax codes, composite and report ids", () => {
    const accepts = (type: string, over: Json) => {
      const j = toJson(fc.sample(arbitraryFact(type as Fact["type"]), { seed: 7, numRuns: 1 })[0]);
      const r = decodeFact({ ...j, ...over });
      expect(E.isRight(r), JSON.stringify([over, E.isLeft(r) ? r.left.errors : []])).toBe(true);
    };
    // a keyed hash of 16 hex characters may hold long digit runs, or only digits
    for (const id of ["0792010012345678", "ab079201001234cd", "a11ce00000000001"]) {
      accepts("PaymentAccountOpened", { subject: `person:${id}` });
    }
    for (const id of ["0301234567", "0301234567-001", "871A8000123", "29926HK000123"]) {
      accepts("EnterpriseClosed", { subject: `enterprise:${id}` });
    }
    accepts("SmartVillageWithdrawn", { subject: "village:29926-1234" });
    for (const id of ["bank-vcb-2024-00000123", "nhnn-kv15-2025-1234567", "1234567890", "12345678"]) {
      accepts("EnterpriseClosed", { id });
    }
  });

  it("a part larger than its whole (the cross-field rules)", () => {
    const parts = [
      ["PopulationEstimated", "aged15plus", "total", 0],
      ["PopulationEstimated", "adults", "aged15plus", 0],
      ["GrdpReported", "digitalEconomy", "grdp", 0],
      ["RetailSalesReported", "ecommerce", "total", 0],
      ["DtiRankPublished", "rank", "of", 1],
      ["SurveyAggregateReported", "meeting", "respondents", 0],
    ] as const;
    const cases = fc
      .constantFrom(...parts)
      .chain(([type, part, whole, least]) => arbitraryFact(type).map((f) => ({ j: toJson(f), part, whole, least })));
    fc.assert(
      fc.property(cases, ({ j, part, whole, least }) => {
        const data = dataOf(j);
        const damaged = { ...j, data: { ...data, [whole]: least, [part]: Math.max(data[part] as number, least + 1) } };
        expectRefusedAt(damaged, `data.${part}`, new RegExp(`^must not exceed ${whole} `));
      }),
      { numRuns: 200 },
    );
  });

  it("a signature valid until a day before it was issued", () => {
    fc.assert(
      fc.property(arbitraryFact("DigitalSignatureIssued").map(toJson), (j) => {
        fc.pre(j.occurredOn !== "1900-01-01");
        const dayBefore = new Date(Date.parse(`${j.occurredOn}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
        const damaged = { ...j, data: { ...dataOf(j), validUntil: dayBefore } };
        expectRefusedAt(damaged, "data.validUntil", /^is before occurredOn/);
      }),
    );
  });

  it("an EnterpriseUpdated that changes nothing", () => {
    fc.assert(
      fc.property(arbitraryFact("EnterpriseUpdated").map(toJson), (j) => {
        expectRefusedAt({ ...j, data: {} }, "data", /^is empty/);
      }),
      { numRuns: 20 },
    );
  });

  it("an unknown type", () => {
    const types = fc.oneof(fc.string(), fc.constantFrom("enterpriseRegistered", "Fact", ""));
    fc.assert(
      fc.property(anyFact, types, (j, type) => {
        fc.pre(!isFactType(type));
        expectRefusedAt({ ...j, type }, "type", /^unknown fact type/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("error messages say what to fix", () => {
  const base = {
    id: "bank-vcb-2024-000123",
    type: "PaymentAccountOpened",
    subject: "person:9f86d081884c7d65",
    occurredOn: "2024-03-10",
    source: "nhnn-kv15",
    data: { commune: "29926", birthYear: 1990 },
  };

  it("a person subject that is a raw citizen identity number says so and asks for a pseudonym", () => {
    expect(refusal({ ...base, subject: "person:001090012345" })).toEqual([
      {
        field: "subject",
        reason:
          'the person id "001090012345" holds a run of 12 digits ("001090012345"), which looks like a raw identity number (a CMND has 9 digits, a CCCD 12); person ids must be pseudonyms (a keyed hash made by the source), never the number itself, nor written with separators or a prefix',
      },
    ]);
    expect(refusal({ ...base, subject: "person:381234567" })[0]?.reason).toMatch(/run of 9 digits.*pseudonym/);
    expect(refusal({ ...base, subject: "person:0792-0100-1234" })[0]?.reason).toMatch(
      /^the person id "0792-0100-1234" holds 12 digits in groups \("0792-0100-1234"\)/,
    );
  });

  it("an EnterpriseUpdated with empty data lists the attributes it can carry", () => {
    expect(refusal({ ...base, type: "EnterpriseUpdated", subject: "enterprise:0312345678", data: {} })).toEqual([
      {
        field: "data",
        reason:
          "is empty: an EnterpriseUpdated gives the attributes that changed, at least one of commune, size, sector, digitalTech",
      },
    ]);
  });

  it("a misspelt field or type suggests the intended name and lists the accepted ones", () => {
    expect(refusal({ ...base, data: { comune: "29926", birthYear: 1990 } })).toEqual([
      {
        field: "data.comune",
        reason:
          'unknown field (did you mean "commune"?); the fields of PaymentAccountOpened.data are commune, birthYear and institution',
      },
      { field: "data.commune", reason: "is required: a 5-digit commune code" },
    ]);
    expect(refusal({ ...base, type: "PaymentAccountOpen" })).toEqual([
      {
        field: "type",
        reason: `unknown fact type "PaymentAccountOpen" (did you mean "PaymentAccountOpened"?); docs/facts.md lists the ${FACT_TYPES.length} accepted types`,
      },
    ]);
  });

  it("a day that does not exist says how many days the month has", () => {
    expect(refusal({ ...base, occurredOn: "2023-02-29" })).toEqual([
      {
        field: "occurredOn",
        reason:
          '"2023-02-29" is not a calendar day: 2023-02 has 28 days; expected a calendar date YYYY-MM-DD from 1900-01-01 to 2100-12-31',
      },
    ]);
    expect(refusal({ ...base, occurredOn: "2024-13-01" })[0]?.reason).toBe(
      '"2024-13-01" has no month 13; expected a calendar date YYYY-MM-DD from 1900-01-01 to 2100-12-31',
    );
  });

  it("a subject of the wrong kind names the kind the type needs", () => {
    expect(refusal({ ...base, subject: "enterprise:0312345678" })).toEqual([
      {
        field: "subject",
        reason: 'expected a subject "person:<id>", got a enterprise subject ("enterprise:0312345678")',
      },
    ]);
  });

  it("a cross-field rule names the field and both figures", () => {
    expect(
      refusal({
        ...base,
        type: "PopulationEstimated",
        subject: "stat:population-2025",
        data: { commune: "29926", year: 2025, total: 3, aged15plus: 4, adults: 3 },
      }),
    ).toEqual([
      { field: "data.aged15plus", reason: "must not exceed total (4 > 3); correct whichever figure is wrong" },
    ]);
    expect(
      refusal({
        ...base,
        type: "DigitalSignatureIssued",
        data: { commune: "29926", birthYear: 1990, provider: "vnpt-ca", validUntil: "2024-03-09" },
      })[0],
    ).toEqual({
      field: "data.validUntil",
      reason:
        "is before occurredOn, the day the signature was issued (2024-03-09 < 2024-03-10); give the last day it is valid",
    });
  });

  it("an unknown field named __proto__ (as JSON.parse makes it) is refused, not swallowed", () => {
    const j = JSON.parse(
      '{"id":"a","type":"EnterpriseClosed","subject":"enterprise:0312345678","occurredOn":"2024-03-10","source":"s","data":{"__proto__":{"x":1}}}',
    );
    expect(refusal(j).map((e) => e.field)).toEqual(["data.__proto__"]);
  });

  it("a value that is not an object at all", () => {
    for (const u of [null, [], "fact", 3]) {
      expect(refusal(u)).toEqual([{ field: "(fact)", reason: "expected a JSON object" }]);
    }
  });
});

describe("the examples of the public contract (facts.md)", () => {
  it("the envelope example decodes", () => {
    const line =
      '{"id":"bank-vcb-2024-000123","type":"PaymentAccountOpened","subject":"person:9f86d081884c7d65",' +
      '"occurredOn":"2024-03-10","source":"nhnn-kv15","data":{"commune":"29926","birthYear":1990}}';
    const r = decodeFact(JSON.parse(line));
    expect(r).toStrictEqual(E.right(JSON.parse(line)));
    if (E.isRight(r)) {
      expect(canonicalFact(r.right)).toBe(
        '{"data":{"birthYear":1990,"commune":"29926"},"id":"bank-vcb-2024-000123","occurredOn":"2024-03-10","source":"nhnn-kv15","subject":"person:9f86d081884c7d65","type":"PaymentAccountOpened"}',
      );
    }
  });

  it("the facts of the worked example decode", () => {
    const lines = [
      '{"id":"pop-29926-2025","type":"PopulationEstimated","subject":"stat:population-2025","occurredOn":"2025-12-31","source":"cuc-thong-ke","data":{"commune":"29926","year":2025,"total":5,"aged15plus":4,"adults":3}}',
      '{"id":"acct-1","type":"PaymentAccountOpened","subject":"person:a1","occurredOn":"2024-05-01","source":"nhnn-kv15","data":{"commune":"29926","birthYear":1990}}',
      '{"id":"acct-2","type":"PaymentAccountOpened","subject":"person:a2","occurredOn":"2024-05-01","source":"nhnn-kv15","data":{"commune":"29926","birthYear":2008}}',
      '{"id":"acct-3","type":"PaymentAccountOpened","subject":"person:a3","occurredOn":"2024-05-01","source":"nhnn-kv15","data":{"commune":"29926","birthYear":2015}}',
      '{"id":"acct-1-closed","type":"PaymentAccountClosed","subject":"person:a1","occurredOn":"2025-02-01","source":"nhnn-kv15","data":{"commune":"29926","birthYear":1990}}',
    ];
    for (const line of lines) expect(decodeFact(JSON.parse(line))).toStrictEqual(E.right(JSON.parse(line)));
  });
});

describe("reportedOn: the optional day the source reported the fact", () => {
  const base = {
    id: "bank-vcb-2024-000123",
    type: "PaymentAccountOpened",
    subject: "person:9f86d081884c7d65",
    occurredOn: "2024-03-10",
    source: "nhnn-kv15",
    data: { commune: "29926", birthYear: 1990 },
  };
  const withoutIt =
    '{"data":{"birthYear":1990,"commune":"29926"},"id":"bank-vcb-2024-000123","occurredOn":"2024-03-10","source":"nhnn-kv15","subject":"person:9f86d081884c7d65","type":"PaymentAccountOpened"}';

  it("is kept when given, and is part of the canonical bytes (so of the hash), in key order", () => {
    const r = decodeFact({ ...base, reportedOn: "2024-04-02" });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect(r.right.reportedOn).toBe("2024-04-02");
    expect(canonicalFact(r.right)).toBe(withoutIt.replace(',"source"', ',"reportedOn":"2024-04-02","source"'));
    // the same day as occurredOn is fine (reported the day it happened)
    expect(E.isRight(decodeFact({ ...base, reportedOn: base.occurredOn }))).toBe(true);
  });

  it("left out, gives the canonical bytes a fact had before the field existed (old logs still verify)", () => {
    const r = decodeFact(base);
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect("reportedOn" in r.right).toBe(false);
    expect(canonicalFact(r.right)).toBe(withoutIt);
  });

  it("tells two reports of the same fact on different days apart (same id, other content: a conflict)", () => {
    const a = decodeFact({ ...base, reportedOn: "2024-04-02" });
    const b = decodeFact({ ...base, reportedOn: "2024-04-03" });
    if (E.isLeft(a) || E.isLeft(b)) throw new Error("refused");
    expect(canonicalFact(a.right)).not.toBe(canonicalFact(b.right));
  });

  it("is refused when it is not a calendar day, or null", () => {
    for (const bad of [
      "2024-02-30",
      "2023-02-29",
      "2024-13-01",
      "2024-4-2",
      "02/04/2024",
      "2024-04-02T00:00:00Z",
      "",
    ]) {
      expectRefusedAt({ ...base, reportedOn: bad }, "reportedOn", /calendar/);
    }
    expectRefusedAt({ ...base, reportedOn: null }, "reportedOn");
    expectRefusedAt({ ...base, reportedOn: 20240402 }, "reportedOn");
  });

  it("is refused before occurredOn, saying both days and what to do", () => {
    expectRefusedAt(
      { ...base, reportedOn: "2024-03-09" },
      "reportedOn",
      /^is 2024-03-09, before occurredOn 2024-03-10: .*leave reportedOn out$/,
    );
  });

  it("a misspelling is refused as an unknown field that suggests reportedOn", () => {
    const errors = refusal({ ...base, reportedOnn: "2024-04-02" });
    expect(errors.map((e) => e.field)).toEqual(["reportedOnn"]);
    expect(errors[0]?.reason).toContain('did you mean "reportedOn"');
  });
});
