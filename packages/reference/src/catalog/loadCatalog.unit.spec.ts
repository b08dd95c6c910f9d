import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Definition, definitionHash, factsOf, isFactType } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { CATALOG_DIR, DOCUMENTS_FILE, INDICATORS_FILE } from "./catalogFiles.js";
import {
  type Catalog,
  type CatalogError,
  decodeCatalog,
  formatCatalogProblem,
  jsonPath,
  loadCatalog,
} from "./loadCatalog.js";
import {
  markdownTables,
  normalizeText,
  PLANS_DIR,
  parseSources,
  parseTargets,
  REFERENCE_COPY,
  readReference,
  SHARED_BESIDE,
  TARGETS_MD,
  targetsRows,
  withinSection,
} from "./targetsMarkdown.fixture.js";

const right = <A>(e: E.Either<CatalogError, A>): A => {
  if (E.isLeft(e)) throw new Error(e.left.problems.map(formatCatalogProblem).join("\n"));
  return e.right;
};

const catalog: Catalog = right(loadCatalog());
const byCode = new Map(catalog.indicators.map((i) => [i.code as string, i]));
const targetsMd = readReference(TARGETS_MD);
const rows = targetsRows(targetsMd);

const rawDocuments = (): unknown[] => JSON.parse(readFileSync(join(CATALOG_DIR, DOCUMENTS_FILE), "utf8"));
const rawIndicators = (): Record<string, unknown>[] =>
  JSON.parse(readFileSync(join(CATALOG_DIR, INDICATORS_FILE), "utf8"));

/** The problems `decodeCatalog` reports for the real catalog after `change` has edited a copy of it. */
const problemsAfter = (change: (entries: Record<string, unknown>[]) => void): string[] => {
  const entries = rawIndicators();
  change(entries);
  const r = decodeCatalog(rawDocuments(), entries);
  return E.isLeft(r) ? r.left.problems.map(formatCatalogProblem) : [];
};

// biome-ignore lint/suspicious/noExplicitAny: tests edit raw JSON at arbitrary paths
const entry = (entries: Record<string, unknown>[], code: string): any => {
  const e = entries.find((x) => x.code === code);
  if (e === undefined) throw new Error(`no entry ${code}`);
  return e;
};

describe("targets.md parsing (test helper)", () => {
  it("reads every number with its year and operator", () => {
    expect(parseTargets("≥ 30 % (2025), ≥ 60 % (2030), 100 % (2045)")).toEqual([
      { ops: [">="], value: 30, year: 2025 },
      { ops: [">="], value: 60, year: 2030 },
      { ops: ["=", ">="], value: 100, year: 2045 },
    ]);
    expect(parseTargets("≥ 7 %/yr (to 2025), top 20 (2030), > 0.7 (2025), 100 % (2025, kept every year)")).toEqual([
      { ops: [">="], value: 7, year: 2025 },
      { ops: ["<="], value: 20, year: 2030 },
      { ops: [">"], value: 0.7, year: 2025 },
      { ops: ["=", ">="], value: 100, year: 2025 },
    ]);
    expect(parseSources("315 §III.5c; 04-NQ plan §II.2b, §II.3b")).toEqual([
      { document: "KH-315-2025", sections: ["§III.5c"] },
      { document: "KH-NQ04-2022", sections: ["§II.2b", "§II.3b"] },
    ]);
    expect(withinSection("§II.1a", "§II.1")).toBe(true);
    expect(withinSection("§II.2b", "§II")).toBe(true);
    expect(withinSection("§III.5c", "§II")).toBe(false);
    expect(withinSection("§II.10", "§II.1")).toBe(false);
  });

  it("finds the four area tables of targets.md", () => {
    const areas = new Set(rows.map((r) => r.heading));
    expect([...areas]).toEqual([
      "Digital economy (kinh tế số)",
      "Digital society (xã hội số)",
      "Digital government (chính quyền số)",
      "Artificial intelligence (trí tuệ nhân tạo)",
    ]);
    expect(rows.every((r) => /^[A-Z][A-Z0-9_]+$/.test(r.code) && parseTargets(r.targets).length > 0)).toBe(true);
  });

  it("fails with a clear message when the shared reference is missing", () => {
    expect(() => readReference("/nonexistent/shared/reference/targets.md")).toThrow(
      /targets\.md is missing: .*shared reference/,
    );
  });
});

describe("the catalog against targets.md", () => {
  it("loads every entry without a problem", () => {
    expect(catalog.indicators).toHaveLength(39);
    expect(catalog.documents.map((d) => d.id)).toEqual([
      "QD-913-2025",
      "KH-315-2025",
      "KH-617-2025",
      "KH-NQ04-2022",
      "KH-AI-2021",
    ]);
  });

  it("is written in Unicode NFC, as the quotes are compared in NFC", () => {
    for (const file of [DOCUMENTS_FILE, INDICATORS_FILE]) {
      const text = readFileSync(join(CATALOG_DIR, file), "utf8");
      expect(text === text.normalize("NFC"), file).toBe(true);
    }
  });

  it("has exactly the codes of targets.md, both ways", () => {
    const md = new Set(rows.map((r) => r.code));
    const ours = new Set(catalog.indicators.map((i) => i.code as string));
    expect(md.size).toBe(rows.length);
    expect([...md].filter((c) => !ours.has(c))).toEqual([]);
    expect([...ours].filter((c) => !md.has(c))).toEqual([]);
  });

  it("puts each indicator in the area of its targets.md table, with the same kind of measure", () => {
    const AREA: Record<string, string> = {
      "Digital economy (kinh tế số)": "digital_economy",
      "Digital society (xã hội số)": "digital_society",
      "Digital government (chính quyền số)": "digital_government",
      "Artificial intelligence (trí tuệ nhân tạo)": "artificial_intelligence",
    };
    const KIND: [string, string][] = [
      ["value ratio", "value_ratio"],
      ["rate per 1,000", "rate_per_1000"],
      ["share", "share"],
      ["count", "count"],
      ["growth", "growth"],
      ["rank", "rank"],
    ];
    for (const r of rows) {
      const i = byCode.get(r.code);
      expect({ code: r.code, area: i?.area, measure: i?.measure }).toEqual({
        code: r.code,
        area: AREA[r.heading],
        measure: KIND.find(([prefix]) => r.kind.startsWith(prefix))?.[1],
      });
    }
  });

  it("has every target year and value of targets.md, with an operator its wording allows", () => {
    const missing: string[] = [];
    for (const r of rows) {
      const targets = byCode.get(r.code)?.targets ?? [];
      for (const p of parseTargets(r.targets)) {
        const t = targets.find((x) => x.year === p.year);
        if (t === undefined || t.value !== p.value || !p.ops.includes(t.op)) {
          missing.push(`${r.code} ${p.ops.join("|")} ${p.value} (${p.year}): catalog has ${JSON.stringify(t)}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("cites for every target a document and section that targets.md names for the row", () => {
    const wrong: string[] = [];
    for (const r of rows) {
      const sources = parseSources(r.source);
      for (const t of byCode.get(r.code)?.targets ?? []) {
        const ok = sources.some(
          (s) => s.document === t.source.document && s.sections.some((sec) => withinSection(t.source.section, sec)),
        );
        if (!ok) wrong.push(`${r.code} ${t.year}: ${t.source.document} ${t.source.section} (targets.md: ${r.source})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("quotes each target verbatim from the plan text it cites", () => {
    const files = new Map(catalog.documents.map((d) => [d.id as string, d.file]));
    const texts = new Map<string, string>();
    const text = (doc: string): string => {
      const file = files.get(doc) ?? "";
      const cached = texts.get(file);
      if (cached !== undefined) return cached;
      const t = normalizeText(readReference(join(PLANS_DIR, file)));
      texts.set(file, t);
      return t;
    };
    const notFound: string[] = [];
    for (const i of catalog.indicators) {
      for (const t of i.targets) {
        if (t.source.quote === undefined) notFound.push(`${i.code} ${t.year}: no quote`);
        else if (!text(t.source.document).includes(normalizeText(t.source.quote))) {
          notFound.push(`${i.code} ${t.year}: ${t.source.document} does not contain “${t.source.quote}”`);
        }
      }
    }
    expect(notFound).toEqual([]);
  });

  it("lists the documents of targets.md: file, date and last horizon year; titles as the texts give them", () => {
    const table = markdownTables(targetsMd).find((t) => t.header.includes("file"));
    expect(table?.rows).toHaveLength(5);
    for (const row of table?.rows ?? []) {
      const file = (row.file ?? "").replace(/`/g, "");
      const d = catalog.documents.find((x) => x.file === file);
      const lastYear = Number([...(row.horizon ?? "").matchAll(/\d{4}/g)].pop()?.[0]);
      expect({ file, date: d?.date, end: d === undefined ? undefined : Math.max(...d.horizon) }).toEqual({
        file,
        date: row.date,
        end: lastYear,
      });
      const text = normalizeText(readReference(join(PLANS_DIR, file))).toLocaleLowerCase("vi");
      expect(text).toContain(normalizeText(d?.titleVi ?? "").toLocaleLowerCase("vi"));
      if (d?.number !== undefined) expect(text).toContain(d.number.toLocaleLowerCase("vi"));
    }
  });
});

describe("definitions", () => {
  it("depend only on registered fact types, including their denominators", () => {
    for (const i of catalog.indicators) {
      const facts = factsOf(i.definition);
      expect(
        facts.filter((f) => !isFactType(f)),
        i.code,
      ).toEqual([]);
      expect(i.facts).toEqual(facts);
    }
    expect(byCode.get("PAYMENT_ACCT_15")?.facts).toEqual(
      expect.arrayContaining(["PaymentAccountOpened", "PaymentAccountClosed", "PopulationEstimated", "FactRetracted"]),
    );
    expect(byCode.get("DE_GRDP")?.facts).toEqual(["FactRetracted", "GrdpReported"]);
  });

  it("have distinct hashes across entries", () => {
    const hashes = catalog.indicators.map((i) => i.definitionHash);
    expect(new Set(hashes).size).toBe(hashes.length);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hash the same definition the same, whatever the key order, and pin it across releases", () => {
    const reorder = (u: unknown): unknown =>
      Array.isArray(u)
        ? u.map(reorder)
        : typeof u === "object" && u !== null
          ? Object.fromEntries(
              Object.entries(u)
                .reverse()
                .map(([k, v]) => [k, reorder(v)]),
            )
          : u;
    for (const i of catalog.indicators) {
      expect(definitionHash(reorder(i.definition) as Definition), i.code).toBe(i.definitionHash);
      expect(definitionHash(structuredClone(i.definition)), i.code).toBe(i.definitionHash);
    }
    const pinned: Definition = {
      kind: "reportedRatio",
      numerator: { fact: "GrdpReported", field: "digitalEconomy", where: { sector: "ALL" } },
      denominator: { fact: "GrdpReported", field: "grdp", where: { sector: "ALL" } },
    };
    expect(definitionHash(pinned)).toBe("9904d0b3622d993380e50340c5a41771f643c84de6f88201360ba9896ae2e24f");
  });

  it("hash differently after any change to any value of a definition", () => {
    const changed = (u: unknown): unknown[] => {
      if (typeof u === "string") return [`${u}x`];
      if (typeof u === "number") return [u + 1];
      if (typeof u === "boolean") return [!u];
      if (Array.isArray(u)) {
        return [
          ...u.flatMap((v, k) => changed(v).map((c) => u.map((x, j) => (j === k ? c : x)))),
          u.slice(1),
          [...u].reverse(),
        ].filter((c) => JSON.stringify(c) !== JSON.stringify(u));
      }
      if (typeof u === "object" && u !== null) {
        const o = u as Record<string, unknown>;
        return Object.keys(o).flatMap((k) => [
          ...changed(o[k]).map((c) => ({ ...o, [k]: c })),
          Object.fromEntries(Object.entries(o).filter(([j]) => j !== k)),
        ]);
      }
      return [];
    };
    let variants = 0;
    for (const i of catalog.indicators) {
      for (const v of changed(i.definition)) {
        variants++;
        expect(definitionHash(v as Definition), `${i.code}: ${JSON.stringify(v)}`).not.toBe(i.definitionHash);
      }
    }
    expect(variants).toBeGreaterThan(500);
  });
});

describe("decodeCatalog refuses a broken catalog, naming file, entry and path", () => {
  it("an unknown fact type", () => {
    expect(
      problemsAfter((es) => {
        entry(es, "DE_GRDP").definition.numerator.fact = "GrdpReport";
      }),
    ).toEqual(['indicators.json: DE_GRDP: definition.numerator.fact: unknown fact type "GrdpReport"']);
  });

  it("an unknown field", () => {
    const problems = problemsAfter((es) => {
      entry(es, "DE_GRDP").definition.numerator.field = "digital";
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^indicators\.json: DE_GRDP: definition\.numerator\.field: GrdpReported has no field "digital"/,
    );
  });

  it("an unknown attribute", () => {
    const problems = problemsAfter((es) => {
      entry(es, "SME_ECOM_PLATFORM").definition.numerator.attr = "onEcomerce";
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^indicators\.json: SME_ECOM_PLATFORM: definition\.numerator\.attr: unknown enterprise attribute "onEcomerce"/,
    );
  });

  it("an invalid enumeration value in where, and in a condition", () => {
    expect(
      problemsAfter((es) => {
        entry(es, "POP_ONLINE_SHOPPING").definition.denominator.where.survey = "ONLINE_SHOPING";
        entry(es, "SME_ECOM_PLATFORM").definition.population.all[2].in = ["micro", "huge"];
      }),
    ).toEqual([
      'indicators.json: SME_ECOM_PLATFORM: definition.population.all.2: size takes micro, small, medium, large; not "huge"',
      'indicators.json: POP_ONLINE_SHOPPING: definition.denominator.where.survey: "ONLINE_SHOPING" is not a valid SurveyAggregateReported.survey',
    ]);
  });

  it("a misspelt entity kind, with the JSON path rather than the codec's", () => {
    const problems = problemsAfter((es) => {
      entry(es, "OCOP_ONLINE").definition.entity = "ocp";
    });
    expect(problems).toEqual(['indicators.json: OCOP_ONLINE: definition.entity: expected EntityKind, got "ocp"']);
  });

  it("collects the problems of every entry, not only the first", () => {
    const problems = problemsAfter((es) => {
      entry(es, "DE_GRDP").definition.numerator.fact = "Nope";
      entry(es, "AI_PROJECTS").definition.numerator.attr = "live";
      entry(es, "DTI_RANK").targets[0].source.document = "KH-999-2025";
    });
    expect(problems.map((p) => p.split(": ").slice(0, 3).join(": "))).toEqual([
      "indicators.json: DE_GRDP: definition.numerator.fact",
      "indicators.json: DTI_RANK: targets.0.source.document",
      "indicators.json: AI_PROJECTS: definition.numerator.attr",
    ]);
    expect(problems[1]).toContain('unknown document "KH-999-2025"');
  });

  it("a duplicate code", () => {
    expect(
      problemsAfter((es) => {
        es.push(structuredClone(entry(es, "DE_GRDP")));
      }),
    ).toEqual(["indicators.json: DE_GRDP: code: duplicate code (also at [0])"]);
  });

  it("targets that contradict the measure, direction, document or year order", () => {
    expect(
      problemsAfter((es) => {
        const e = entry(es, "DTI_RANK");
        e.targets[0].op = ">=";
        e.targets[1].year = 2025;
        entry(es, "DE_GRDP").unit = "count";
        entry(es, "SME_COOP_HH_DIGITAL").targets[4].value = 110;
        entry(es, "SMART_VILLAGES").targets[0].year = 2030;
      }),
    ).toEqual([
      "indicators.json: DE_GRDP: unit: a value_ratio is stated in percent, not count",
      "indicators.json: SME_COOP_HH_DIGITAL: targets.4.value: 110 is not a percentage between 0 and 100",
      "indicators.json: SMART_VILLAGES: targets.0.year: 2030 is outside KH-315-2025's span 2025–2025",
      "indicators.json: DTI_RANK: targets.0.op: >= does not fit an indicator that is lower_is_better",
      "indicators.json: DTI_RANK: targets.1.year: 2025: targets are in increasing year order, one per year (after 2025)",
    ]);
  });

  it("a broken document", () => {
    const documents = rawDocuments() as Record<string, unknown>[];
    const first = documents[0] as Record<string, unknown>;
    first.date = "24/06/2025";
    const r = decodeCatalog(documents, rawIndicators());
    const problems = E.isLeft(r) ? r.left.problems.map(formatCatalogProblem) : [];
    expect(problems[0]).toBe(
      'documents.json: QD-913-2025: date: expected a date YYYY-MM-DD or a year YYYY, got "24/06/2025"',
    );
  });

  it("maps io-ts paths onto JSON paths", () => {
    const root = { definition: { population: { all: [{ attr: "a" }] } } };
    expect(jsonPath(root, "0.definition.0.population.4.all.0.0.eq")).toBe("definition.population.all.0.eq");
    expect(jsonPath(root, "0.definition.0.entity")).toBe("definition.entity");
    expect(jsonPath([{ a: 1 }], "0.a")).toBe("0.a");
  });
});

describe("loadCatalog", () => {
  const dir = mkdtempSync(join(tmpdir(), "catalog-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names the file that is not valid JSON", () => {
    writeFileSync(join(dir, DOCUMENTS_FILE), readFileSync(join(CATALOG_DIR, DOCUMENTS_FILE)));
    writeFileSync(join(dir, INDICATORS_FILE), '[{"code": "DE_GRDP",]');
    const r = loadCatalog(dir);
    expect(E.isLeft(r) && r.left.problems.map(formatCatalogProblem)).toEqual([
      expect.stringMatching(/^indicators\.json: .*JSON/),
    ]);
  });

  it("names a missing file", () => {
    rmSync(join(dir, DOCUMENTS_FILE));
    writeFileSync(join(dir, INDICATORS_FILE), "[]");
    const r = loadCatalog(dir);
    expect(E.isLeft(r) && r.left.problems.map(formatCatalogProblem)).toEqual([
      expect.stringMatching(/^documents\.json: ENOENT/),
    ]);
  });
});

describe("the copy of the shared reference kept in packages/reference/shared", () => {
  it("is identical to the shared reference when that is checked out beside the repository", () => {
    const files = ["targets.md", ...readdirSync(join(REFERENCE_COPY, "plans")).map((f) => `plans/${f}`)];
    expect(files.length).toBe(6);
    if (!existsSync(join(SHARED_BESIDE, "targets.md"))) return; // nothing beside the repository to compare with
    for (const f of files)
      expect(readFileSync(join(REFERENCE_COPY, f), "utf8"), f).toBe(readFileSync(join(SHARED_BESIDE, f), "utf8"));
  });

  it("extends the shared wire format compatibly: every line of the shared facts.md is in the copy, in order", () => {
    if (!existsSync(join(SHARED_BESIDE, "facts.md"))) return; // nothing beside the repository to compare with
    const copy = readFileSync(join(REFERENCE_COPY, "facts.md"), "utf8").split("\n");
    const shared = readFileSync(join(SHARED_BESIDE, "facts.md"), "utf8").split("\n");
    let at = 0;
    const missing: string[] = [];
    for (const line of shared) {
      const found = copy.indexOf(line, at);
      if (found < 0) missing.push(line);
      else at = found + 1;
    }
    expect(missing).toEqual([]);
  });
});
