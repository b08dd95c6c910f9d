/**
 * Test helper: reads the shared reference's `targets.md` (the list of every numeric target of the five plans)
 * and the plan texts, so the catalog can be compared with them. The shared reference sits next to the
 * repository (`<repo>/../shared/reference/`); a missing file fails with a message saying where it was looked for.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The shared reference beside the repository when it is there, else the copy kept in packages/reference/shared. */
export const SHARED_BESIDE = fileURLToPath(new URL("../../../../../shared/reference/", import.meta.url));
export const REFERENCE_COPY = fileURLToPath(new URL("../../shared/", import.meta.url));
export const SHARED_REFERENCE = existsSync(`${SHARED_BESIDE}targets.md`) ? SHARED_BESIDE : REFERENCE_COPY;
export const TARGETS_MD = join(SHARED_REFERENCE, "targets.md");
export const PLANS_DIR = join(SHARED_REFERENCE, "plans");

export const readReference = (path: string): string => {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the catalog tests compare packages/reference/catalog with the shared reference, which must be checked out next to the repository (<repo>/../shared/reference/)`,
    );
  }
  return readFileSync(path, "utf8");
};

export interface MarkdownTable {
  /** The `##` heading the table is under ("" before any). */
  readonly heading: string;
  readonly header: readonly string[];
  readonly rows: readonly Readonly<Record<string, string>>[];
}

const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((c) => c.trim());

/** Every pipe table of a Markdown text, its rows keyed by the header's cells. */
export const markdownTables = (text: string): MarkdownTable[] => {
  const tables: MarkdownTable[] = [];
  const lines = text.split(/\r?\n/);
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("## ")) heading = line.slice(3).trim();
    if (!line.trim().startsWith("|") || !/^\s*\|[\s|:-]+\|\s*$/.test(lines[i + 1] ?? "")) continue;
    const header = cells(line);
    const rows: Record<string, string>[] = [];
    let j = i + 2;
    for (; j < lines.length && (lines[j] ?? "").trim().startsWith("|"); j++) {
      const row = cells(lines[j] ?? "");
      rows.push(Object.fromEntries(header.map((h, k) => [h, row[k] ?? ""])));
    }
    tables.push({ heading, header, rows });
    i = j - 1;
  }
  return tables;
};

export interface TargetsRow {
  readonly heading: string;
  readonly code: string;
  readonly kind: string;
  readonly targets: string;
  readonly source: string;
}

/** The indicator rows of targets.md: every table with a `code` column. */
export const targetsRows = (text: string): TargetsRow[] =>
  markdownTables(text)
    .filter((t) => t.header.includes("code"))
    .flatMap((t) =>
      t.rows.map((r) => ({
        heading: t.heading,
        code: r.code ?? "",
        kind: r.kind ?? "",
        targets: r.targets ?? "",
        source: r.source ?? "",
      })),
    );

export interface ParsedTarget {
  /** The operators the wording allows: a bare number ("100 %", "7") may be read as = or ≥. */
  readonly ops: readonly string[];
  readonly value: number;
  readonly year: number;
}

const OPS: Readonly<Record<string, readonly string[]>> = {
  "≥": [">="],
  ">": [">"],
  "≤": ["<="],
  "<": ["<"],
  top: ["<="],
};

/** `≥ 30 % (2025), 100 % (2045)`, `≥ 7 %/yr (to 2025)`, `top 25 (2025)`: each number with the year in parentheses. */
export const parseTargets = (cell: string): ParsedTarget[] =>
  [...cell.matchAll(/(≥|>|≤|<|top)?\s*(\d+(?:\.\d+)?)[^(),]*\((?:to\s+)?(\d{4})[^)]*\)/gu)].map((m) => ({
    ops: OPS[m[1] ?? ""] ?? ["=", ">="],
    value: Number(m[2]),
    year: Number(m[3]),
  }));

/** The short names targets.md uses for the documents. */
export const DOCUMENT_SHORT_NAMES: Readonly<Record<string, string>> = {
  "913": "QD-913-2025",
  "315": "KH-315-2025",
  "617": "KH-617-2025",
  "04-NQ plan": "KH-NQ04-2022",
  "004": "KH-AI-2021",
};

export interface ParsedSource {
  readonly document: string;
  readonly sections: readonly string[];
}

/** `315 §III.5c; 04-NQ plan §II.2b, §II.3b` → one entry per document with its sections. */
export const parseSources = (cell: string): ParsedSource[] =>
  cell.split(";").map((part) => {
    const short = part.slice(0, part.indexOf("§")).trim();
    const document = DOCUMENT_SHORT_NAMES[short];
    if (document === undefined) throw new Error(`targets.md names an unknown document ${JSON.stringify(short)}`);
    return { document, sections: [...part.matchAll(/§[^\s,;]+/gu)].map((m) => m[0]) };
  });

/** `§II.1a` is within `§II.1`, `§II.2b` within `§II`; `§III` is not within `§II`. */
export const withinSection = (section: string, parent: string): boolean =>
  section === parent ||
  section.startsWith(`${parent}.`) ||
  (/\d$/.test(parent) && section.startsWith(parent) && /^[a-zđ]$/u.test(section.slice(parent.length)));

/**
 * Plan text as compared with quotes: Unicode NFC (the 913 text mixes decomposed diacritics into precomposed
 * ones), Markdown emphasis and heading marks dropped, whitespace collapsed.
 */
export const normalizeText = (s: string): string => s.normalize("NFC").replace(/[*#]/g, "").replace(/\s+/g, " ").trim();
