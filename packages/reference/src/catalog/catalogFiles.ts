/**
 * Where the catalog lives: the JSON data in `packages/reference/catalog/` and the generated `docs/indicators.md`,
 * found relative to this module so the same code works from `packages/reference/src/catalog` (vitest, tsx) and
 * from `packages/reference/dist/catalog` (compiled), both two levels below `packages/reference/`.
 */
import { fileURLToPath } from "node:url";

export const CATALOG_DIR = fileURLToPath(new URL("../../catalog/", import.meta.url));
export const DOCUMENTS_FILE = "documents.json";
export const INDICATORS_FILE = "indicators.json";
export const INDICATORS_DOC = fileURLToPath(new URL("../../../../docs/indicators.md", import.meta.url));
