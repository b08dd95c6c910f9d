/**
 * Writes docs/facts.md from the codecs. Run `npx --yes pnpm@10 docs:facts` (or
 * `npx tsx packages/core/src/facts/writeReferencePage.ts`) after changing a fact definition; the reference page
 * unit test fails until the page is regenerated.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { REFERENCE_PAGE_URL, renderFactReference } from "./referencePage.js";

writeFileSync(REFERENCE_PAGE_URL, renderFactReference());
console.log(`wrote ${fileURLToPath(REFERENCE_PAGE_URL)}`);
