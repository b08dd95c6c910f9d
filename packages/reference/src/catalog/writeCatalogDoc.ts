/**
 * Writes `docs/indicators.md` from the catalog: `npx tsx packages/reference/src/catalog/writeCatalogDoc.ts` (or
 * `pnpm docs:indicators`). Refuses, listing every problem, when the catalog does not load.
 */
import { writeFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { INDICATORS_DOC } from "./catalogFiles.js";
import { formatCatalogError, loadCatalog } from "./loadCatalog.js";
import { renderCatalog } from "./renderCatalog.js";

const catalog = loadCatalog();
if (E.isLeft(catalog)) {
  process.stderr.write(`the catalog does not load:\n${formatCatalogError(catalog.left)}\n`);
  process.exitCode = 1;
} else {
  writeFileSync(INDICATORS_DOC, renderCatalog(catalog.right), "utf8");
  process.stdout.write(`wrote ${INDICATORS_DOC} (${catalog.right.indicators.length} indicators)\n`);
}
