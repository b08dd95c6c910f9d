/**
 * The facts page of fact types, rendered from the definitions: the envelope, the subject kinds, then per
 * family one section per type with its subject, meaning, key, cross-field rules, a table of its `data` fields
 * (required or optional, the expected value from the codec, the description) and one example line.
 *
 * `renderFactsPage()` is pure and deterministic (the examples come from a fixed seed per type), so
 * docs/facts.md can be compared with it byte for byte; `writeFactsPage.ts` writes it. Not re-exported from
 * the package index: it generates examples with fast-check, a development dependency (see arbitraries.ts).
 */
import { exampleFactOf } from "./arbitraries.js";
import { ENVELOPE_DOCS, type FactDefinition, type FieldSet, OPTIONAL_ENVELOPE } from "./defineFact.js";
import { MAX_JSON_DEPTH } from "./factJson.js";
import { FIRST_DAY, LAST_DAY, SUBJECT_KINDS, SubjectId } from "./ids.js";
import { FACT_DEFINITIONS } from "./registry.js";

type AnyDefinition = FactDefinition<string, FieldSet, FieldSet>;
const definitions = FACT_DEFINITIONS as readonly unknown[] as readonly AnyDefinition[];

/** Where the page lives in the repository: docs/facts.md (the same depth from src/facts and dist/facts). */
export const FACTS_PAGE_URL = new URL("../../../../docs/facts.md", import.meta.url);

const cell = (s: string): string => s.replace(/\|/g, "\\|");
const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(" | ")} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]): string[] => [
  row(head),
  row(head.map(() => "---")),
  ...rows.map(row),
];
const code = (s: string): string => `\`${s}\``;
const sentence = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);
const anchor = (type: string): string => `#${type.toLowerCase()}`;

const families = (): Map<string, AnyDefinition[]> => {
  const byFamily = new Map<string, AnyDefinition[]>();
  for (const d of definitions) byFamily.set(d.family, [...(byFamily.get(d.family) ?? []), d]);
  return byFamily;
};

const envelopeSection = (): string[] => {
  const e = definitions[0]?.envelope;
  if (e === undefined) return [];
  const expected: Record<keyof typeof ENVELOPE_DOCS, string> = {
    id: e.id.expected,
    type: "the name of one of the fact types below",
    subject: SubjectId.expected,
    occurredOn: e.occurredOn.expected,
    reportedOn: OPTIONAL_ENVELOPE.reportedOn.expected,
    source: e.source.expected,
    data: "an object with the type's fields ({} when it has none)",
  };
  return [
    "## The envelope",
    "",
    "One fact is one JSON object; a file of facts is NDJSON (one object per line, UTF-8). Every envelope field is",
    "required but `reportedOn`, which a source may leave out. A field that is not listed here or under the type is",
    "refused, at the top level and in `data`; an optional field is left out, not sent as `null`.",
    "",
    ...table(
      ["field", "expected value", "meaning"],
      (Object.keys(ENVELOPE_DOCS) as (keyof typeof ENVELOPE_DOCS)[]).map((k) => [
        code(k),
        expected[k],
        ENVELOPE_DOCS[k],
      ]),
    ),
    "",
    "The log adds `position` (global, gap-free, increasing), `recordedAt` and a hash chaining each event to the one",
    "before it; a source never sends them.",
    "",
  ];
};

const readingSection = (): string[] => [
  "## What is refused before the fields are read",
  "",
  "The same rules hold for `kpi import` (NDJSON and CSV files) and for `POST /v1/facts` (a JSON array or NDJSON).",
  "Each refusal names the line (in a body: the fact's index and line) and, where there is one, the field.",
  "",
  "- **Text is UTF-8.** A line whose bytes are not UTF-8 (a file saved as Windows-1258 or UTF-16, say) is refused",
  "  with its line number and the first bad byte; it is never read with replacement characters (U+FFFD). With",
  "  `--skip-invalid` it goes to the reject file as the bytes it was. A body that is not UTF-8 is refused (400).",
  "- **Byte order mark.** A UTF-8 byte order mark (U+FEFF) at the very start of a file or body is ignored;",
  "  anywhere else it is an error (the line is not JSON).",
  "- **Well-formed strings.** Every string, in any field of any type (and every field name), must be Unicode text:",
  '  a lone UTF-16 surrogate, such as the JSON escape `"\\ud800"` without its pair, is refused, naming the field.',
  "  A character outside the Basic Multilingual Plane is sent as itself or as both halves of its pair.",
  "- **Each key once.** A key given twice in one object, at any depth, is refused, naming the key (JSON readers",
  "  disagree on which value would count).",
  `- **Nesting.** A fact's JSON may nest at most ${MAX_JSON_DEPTH} levels (objects and arrays; a fact needs 2 or 3).`,
  `- **Dates.** \`occurredOn\` and every date in \`data\` are days from ${FIRST_DAY} to ${LAST_DAY}.`,
  "- **Identity numbers.** No subject id or fact id may hold a raw identity number (see [Subjects](#subjects)).",
  "- **CSV.** The first line names the columns `id,type,subject,occurredOn,source,data` (in any order, each once),",
  "  and may add `reportedOn` (an empty cell leaves it out of that fact); a file whose header is not that is refused",
  "  as a whole, even with `--skip-invalid`. Each record is one line,",
  "  fields separated by commas; a field holding a comma or a quote is quoted, with each quote inside doubled",
  '  (`"{""commune"":""29926""}"`). A record with another number of fields than the header, a quote left open',
  "  or a quote inside an unquoted field is refused as a line, and with `--skip-invalid` the other lines go on.",
  "",
  "With `--skip-invalid`, every line read is counted once: accepted + duplicates + rejected = lines (blank lines",
  "and the CSV header are not lines of facts). In `POST /v1/facts`, a problem inside a fact is 400 `invalid_facts`",
  "(index, field, reason); a body that is not UTF-8, or not JSON, is 400 `invalid_request`.",
  "",
];

const subjectSection = (): string[] => [
  "## Subjects",
  "",
  "A subject is `KIND:ID`; one subject is one stream. Each type is about one kind of subject. Person ids are",
  "pseudonyms (a keyed hash made by the source). An id that holds a raw identity number — a 9-digit identity card",
  "number (CMND) or a 12-digit citizen identity number (CCCD) — is refused, whatever the kind, also when it is",
  "written with separators or a prefix. The rule:",
  "",
  "- refused: a run of 9 or more digits anywhere in the id (`person:079201001234`, `person:ID079201001234`,",
  "  `person:0792010012345`), and digit groups joined by single separators (space, `-`, `.`, `/`) that hold 12 or",
  "  more digits together (`person:0792-0100-1234`, `club:079.201.001.234`);",
  "- accepted: an id of 16 or more hexadecimal characters (a keyed hash, whose digits are chance, e.g.",
  "  `person:9f86d081884c7d65`); an enterprise id that is a tax code, 10 digits optionally followed by `-` and a",
  "  3-digit branch number (`enterprise:0301234567`, `enterprise:0301234567-001`); composite ids of shorter",
  "  numbers (`village:29926-1234`, `stat:dong-thap-2025`). An id of 16 or more hexadecimal characters counts as",
  "  a hash whatever its digits, so a number hidden in one (`ab079201001234cd`) is not seen: make pseudonyms with",
  "  a keyed hash, never from the number itself.",
  "",
  "A fact id (`id`, and the `eventId` of a retraction) is refused when, apart from those separators, it is only",
  "digits, 9 or 12 of them (`079201001234`, `0792-0100-1234`); report ids such as `bank-vcb-2024-000123` are fine.",
  "",
  ...table(
    ["kind", "fact types"],
    [
      ...SUBJECT_KINDS.map((kind) => [
        code(`${kind}:<id>`),
        definitions
          .filter((d) => d.subject === kind)
          .map((d) => `[${d.type}](${anchor(d.type)})`)
          .join(", "),
      ]),
      [
        "any kind",
        definitions
          .filter((d) => d.subject === "any")
          .map((d) => `[${d.type}](${anchor(d.type)})`)
          .join(", "),
      ],
    ],
  ),
  "",
];

const typeSection = (d: AnyDefinition): string[] => {
  const required = Object.entries(d.required);
  const optional = Object.entries(d.optional ?? {});
  const docs = d.docs as Readonly<Record<string, string>>;
  const facts = [
    `- **Subject:** ${d.subject === "any" ? "any kind (the subject of the fact it is about)" : code(`${d.subject}:<id>`)}`,
    `- **Meaning for the indicators:** ${sentence(d.meaning)}`,
  ];
  if (d.key !== undefined) {
    facts.push(
      `- **Key:** ${d.key.map((k) => code(String(k))).join(", ")}: a later report with the same key replaces an earlier one.`,
    );
  }
  if (d.rules !== undefined && d.rules.length > 0) facts.push(`- **Rules:** ${d.rules.map(sentence).join(" ")}`);
  const fields =
    required.length + optional.length === 0
      ? ["No data fields: `data` is `{}`."]
      : table(
          ["field", "presence", "expected value", "description"],
          [
            ...required.map(([k, c]) => [code(k), "required", c.expected, docs[k] ?? ""]),
            ...optional.map(([k, c]) => [code(k), "optional", c.expected, docs[k] ?? ""]),
          ],
        );
  return [
    `### ${code(d.type)}`,
    "",
    sentence(d.summary),
    "",
    ...facts,
    "",
    ...fields,
    "",
    "Example:",
    "",
    "```json",
    JSON.stringify(exampleFactOf(d)),
    "```",
    "",
  ];
};

/** The Markdown of docs/facts.md. */
export const renderFactsPage = (): string => {
  const byFamily = families();
  const lines = [
    "# Fact types: reference",
    "",
    "<!-- Generated from the codecs in packages/core/src/facts/ by `pnpm docs:facts`. Do not edit by hand: a unit",
    "     test fails when this page and the codecs disagree. -->",
    "",
    `The engine accepts ${definitions.length} fact types. This page lists each one field by field, generated from the`,
    "codecs the decoder uses, so an expected value here is what the decoder checks and what its error messages quote.",
    "Every example line decodes.",
    "",
    "## Contents",
    "",
    "- [The envelope](#the-envelope)",
    "- [What is refused before the fields are read](#what-is-refused-before-the-fields-are-read)",
    "- [Subjects](#subjects)",
    ...[...byFamily].map(
      ([family, ds]) => `- ${family}: ${ds.map((d) => `[${d.type}](${anchor(d.type)})`).join(", ")}`,
    ),
    "",
    ...envelopeSection(),
    ...readingSection(),
    ...subjectSection(),
    ...[...byFamily].flatMap(([family, ds]) => [`## ${family}`, "", ...ds.flatMap(typeSection)]),
  ];
  return `${lines.join("\n").trimEnd()}\n`;
};
