/**
 * Where the reference CSV files are: `seeds/data/`, found relative to this module so the same code works from
 * `seeds/src/reference` (vitest, tsx) and from `seeds/dist/reference` (compiled), both two levels below `seeds/`.
 */
import { fileURLToPath } from "node:url";

export const DATA_DIR = fileURLToPath(new URL("../../data/", import.meta.url));

export const COMMUNES_CSV = fileURLToPath(new URL("../../data/dong_thap_communes_2025.csv", import.meta.url));
export const CROSSWALK_CSV = fileURLToPath(new URL("../../data/dong_thap_crosswalk_2025.csv", import.meta.url));
export const PUBLISHED_FIGURES_CSV = fileURLToPath(
  new URL("../../data/dong_thap_published_figures.csv", import.meta.url),
);
