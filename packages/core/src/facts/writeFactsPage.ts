/**
 * Writes docs/facts.md from the codecs. Run `npx --yes pnpm@10 docs:facts` (or
 * `npx tsx packages/core/src/facts/writeFactsPage.ts`) after changing a fact definition; the facts page
 * unit test fails until the page is regenerated.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FACTS_PAGE_URL, renderFactsPage } from "./factsPage.js";

writeFileSync(FACTS_PAGE_URL, renderFactsPage());
console.log(`wrote ${fileURLToPath(FACTS_PAGE_URL)}`);
