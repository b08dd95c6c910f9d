/**
 * A publication made before counts were stored as integers still verifies. `fixtures/publication-v1.json` was
 * made by the code of that time (numerators and denominators DECIMAL(20,3) for every indicator) from the facts of
 * `fixtures/publication-v1.facts.ndjson`, recorded with the clock pinned to 2026-03-01T12:00Z, years 2024–2025:
 * counts (a survey, a shareOfReported, a reported count) and amounts (GRDP, labour productivity). Given the same
 * log (the same facts, clock and PublicationIssued event), when verified with today's code, then every figure
 * matches: a count is written "1250" whether it came from a DECIMAL or a BIGINT, an amount "18765.432" as before,
 * so the publication format (kpi-publication/1) and its digest are unchanged.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeFact, importFile } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { Warehouse } from "../warehouse/projector.js";
import { seedCatalog, seedReferenceTables } from "../warehouse/seedTables.js";
import { exportLog } from "./exportLog.js";
import { decodePublication, normalizeDecimal } from "./publication.js";
import { figureRows } from "./publish.js";
import { verifyPublication } from "./verify.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const dir = mkdtempSync(join(tmpdir(), "kpi-old-publication-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a publication made before counts were integers", () => {
  it("verifies against the same log, every figure equal to today's", async () => {
    const file = join(fixtures, "publication-v1.json");
    const decoded = decodePublication(readFileSync(file, "utf8"));
    if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
    const old = decoded.right.publication;
    const log = join(dir, "log.duckdb");
    const w = await Warehouse.open(join(dir, "wh.duckdb"), log, {
      catalog: seedCatalog(),
      reference: seedReferenceTables(),
      years: [2024, 2025],
      now: () => new Date("2026-03-01T12:00:00Z"),
    });
    let today: Awaited<ReturnType<typeof figureRows>>;
    try {
      const imported = await importFile(w.log, join(fixtures, "publication-v1.facts.ndjson"));
      expect(imported.committed).toBe(true);
      // the event that recorded the publication, as publishing appended it
      const issued = decodeFact({
        id: old.id,
        type: "PublicationIssued",
        subject: "stat:publications",
        occurredOn: old.createdAt.slice(0, 10),
        source: "kpi-publish",
        data: {
          publicationId: old.id,
          digest: old.digest,
          position: old.position,
          figures: old.figures.length,
          indicators: Object.keys(old.catalogDefinitions).sort().join(","),
        },
      });
      if (E.isLeft(issued)) throw new Error(JSON.stringify(issued.left));
      expect(E.isRight(await w.log.append([issued.right]))).toBe(true);
      await w.catchUp();
      today = await figureRows(w, Object.keys(old.catalogDefinitions), [2025], "all");
    } finally {
      await w.close();
    }
    // both kinds of parts are in it, and today's warehouse gives the same decimal strings
    expect(old.figures.map((f) => [f.indicator, f.geo, f.numerator, f.denominator])).toEqual(
      expect.arrayContaining([
        ["DE_GRDP", "province", "18765.432", "152340.125"],
        ["POP_ONLINE_SHOPPING", "28261", "1250", "4520"],
        ["AI_OFFICIALS_TRAINED", "province", "120", null],
      ]),
    );
    const key = (f: { indicator: string; geo: string; breakdown: string }) => `${f.indicator}|${f.geo}|${f.breakdown}`;
    const decimal = (s: string | null | undefined) => (s === null || s === undefined ? null : normalizeDecimal(s));
    const now = new Map(today.map((r) => [key(r), r]));
    for (const f of old.figures) {
      expect(decimal(now.get(key(f))?.numerator), key(f)).toBe(f.numerator);
      expect(decimal(now.get(key(f))?.denominator), key(f)).toBe(f.denominator);
    }

    const exported = join(dir, "export.duckdb");
    const x = await exportLog(log, exported);
    if (E.isLeft(x)) throw new Error(JSON.stringify(x.left));
    const r = await verifyPublication(file, exported, { tmpDir: dir });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect(r.right.digest.ok).toBe(true);
    expect(r.right.logged).toMatchObject({ found: true, ok: true });
    expect(r.right.mismatched).toBe(0);
    expect(r.right.matched).toBe(old.figures.length);
    expect(r.right.ok).toBe(true);
  }, 120_000);
});
