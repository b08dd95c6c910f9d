/**
 * Where the reference data files are (CSV, and the communes' boundaries as GeoJSON): `packages/reference/data/`,
 * found relative to this module so the same code works from `packages/reference/src/reference` (vitest, tsx) and
 * from `packages/reference/dist/reference` (compiled), both two levels below `packages/reference/`.
 */
import { fileURLToPath } from "node:url";

export const DATA_DIR = fileURLToPath(new URL("../../data/", import.meta.url));

export const COMMUNES_CSV = fileURLToPath(new URL("../../data/dong_thap_communes_2025.csv", import.meta.url));
export const CROSSWALK_CSV = fileURLToPath(new URL("../../data/dong_thap_crosswalk_2025.csv", import.meta.url));
export const PUBLISHED_FIGURES_CSV = fileURLToPath(
  new URL("../../data/dong_thap_published_figures.csv", import.meta.url),
);
/** The 102 communes' boundaries at full resolution (about 3.7 MB): simplified to TopoJSON by the API's build. */
export const COMMUNES_GEOJSON = fileURLToPath(new URL("../../data/dong_thap_communes_2025.geojson", import.meta.url));
