/**
 * One rule between the decoder and the fold: every fact the decoder accepts folds. Arbitrary decodable facts
 * (every type, the whole domain of every field: any date the codec allows, any text it allows), plus
 * retractions of some of them, go through a file import (the decoder) into the log, are projected with no
 * event quarantined, and a rebuild gives the same tables.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CATALOG_AUTHORITY, type Fact, importFile, isCatalogChange } from "@kpi/core";
import { arbitraryFact } from "@kpi/core/arbitraries";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { testCatalog, testReference } from "../testing/fixtures.js";
import { Warehouse } from "./projector.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-decodable-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

type Line = Record<string, unknown> & { id: string; type: string; subject: string; source: string };

/** Decodable facts with distinct ids, and retractions of some of them by their own source. */
const streamArb = fc
  .tuple(
    fc.array(
      arbitraryFact()
        .filter((f) => f.type !== "FactRetracted")
        // catalog changes are the catalog authority's
        .map((f) => (isCatalogChange(f.type) ? ({ ...f, source: CATALOG_AUTHORITY } as Fact) : f)),
      { minLength: 1, maxLength: 25 },
    ),
    fc.array(fc.nat(), { maxLength: 4 }),
  )
  .map(([facts, picks]) => {
    const lines = facts.map((f, i) => ({
      ...(f as unknown as Line),
      id: `f${i}-${(f as { id: string }).id}`.slice(0, 200),
    }));
    const retracted = [...new Set(picks.map((k) => k % lines.length))];
    const retractions = retracted.map((k, j) => {
      const target = lines[k] as Line;
      return {
        id: `r${j}`,
        type: "FactRetracted",
        subject: target.subject,
        occurredOn: "2025-01-01",
        source: target.source,
        data: { eventId: target.id, reason: "sent in error" },
      };
    });
    return [...lines, ...retractions];
  });

describe("every decodable fact folds", () => {
  it("imports, projects with nothing quarantined, and rebuilds to the same tables", async () => {
    await fc.assert(
      fc.asyncProperty(streamArb, async (lines) => {
        const k = n++;
        const file = join(dir, `facts-${k}.ndjson`);
        writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
        const w = await Warehouse.open(join(dir, `wh-${k}.duckdb`), join(dir, `log-${k}.duckdb`), {
          catalog: testCatalog,
          reference: testReference,
          years: [2023, 2026],
        });
        try {
          const s = await importFile(w.log, file);
          expect(s.errors).toEqual([]);
          expect(s.committed).toBe(true);
          const r = await w.catchUp();
          expect(r.quarantined.map((q) => q.reason)).toEqual([]);
          const staged = await w.query<{ n: bigint }>("SELECT count(*) AS n FROM facts");
          expect(Number(staged[0]?.n)).toBe(s.accepted);
          const incremental = await w.dump();
          await w.rebuild();
          expect(await w.dump()).toEqual(incremental);
        } finally {
          await w.close();
        }
      }),
      { numRuns: 25 },
    );
  }, 300_000);
});
