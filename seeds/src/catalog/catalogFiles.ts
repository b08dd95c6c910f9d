/**
 * Where the catalog lives: the JSON data in `seeds/catalog/` and the generated `docs/indicators.md`, found
 * relative to this module so the same code works from `seeds/src/catalog` (vitest, tsx) and from
 * `seeds/dist/catalog` (compiled), both two levels below `seeds/`.
 */
import { fileURLToPath } from "node:url";

export const CATALOG_DIR = fileURLToPath(new URL("../../catalog/", import.meta.url));
export const DOCUMENTS_FILE = "documents.json";
export const INDICATORS_FILE = "indicators.json";
export const INDICATORS_DOC = fileURLToPath(new URL("../../../docs/indicators.md", import.meta.url));
