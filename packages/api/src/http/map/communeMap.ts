/**
 * The communes' map for the dashboard, made at build time: the 102 boundaries of
 * `packages/reference/data/dong_thap_communes_2025.geojson` (full resolution, about 3.7 MB) become one TopoJSON
 * topology (shared borders stored once, simplified keeping the topology, coordinates quantised), about 100 KB, written
 * to `packages/api/dist/dashboard/communes.topo.json` and served by the dashboard route. Each geometry keeps
 * only `code` and `name`. A file that is not the 102 communes (a feature without a 5-digit `commune_code`, a
 * code twice, a geometry that is not a polygon) is refused with the feature's index and the reason.
 *
 * `node dist/http/map/communeMap.js` (run by the package build) writes the file.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { COMMUNES_GEOJSON } from "@kpi/reference";
import type { Feature, FeatureCollection, Geometry } from "geojson";
import { quantize } from "topojson-client";
import { topology } from "topojson-server";
import { presimplify, quantile, simplify } from "topojson-simplify";
import type { Objects, Topology } from "topojson-specification";

/** Same file from `src/http/map/` (tests) and `dist/http/map/` (the built package). */
export const COMMUNE_MAP_FILE = fileURLToPath(new URL("../../../dist/dashboard/communes.topo.json", import.meta.url));

/** Share of the boundary points kept (by weight: the least significant go first). */
const KEEP = 0.05;
/** Grid of the quantised coordinates (per axis), about 10 m across the province. */
const QUANTISATION = 1e4;

export class CommuneMapError extends Error {}

const polygonal = (g: Geometry | null): g is Geometry =>
  g !== null && (g.type === "Polygon" || g.type === "MultiPolygon");

/** Checks the features and keeps only what the map needs. */
export interface CommuneProperties {
  readonly code: string;
  readonly name: string;
}

export const communeFeatures = (geojson: unknown, file: string): FeatureCollection<Geometry, CommuneProperties> => {
  const fc = geojson as Partial<FeatureCollection>;
  if (fc?.type !== "FeatureCollection" || !Array.isArray(fc.features)) {
    throw new CommuneMapError(`${file}: not a GeoJSON FeatureCollection`);
  }
  const seen = new Set<string>();
  const features: Feature<Geometry, CommuneProperties>[] = fc.features.map((f, i) => {
    const code = String(f.properties?.commune_code ?? "");
    const name = String(f.properties?.commune_name ?? "");
    if (!/^\d{5}$/.test(code)) {
      throw new CommuneMapError(`${file}: feature ${i}: commune_code ${JSON.stringify(code)} is not a 5-digit code`);
    }
    if (seen.has(code)) throw new CommuneMapError(`${file}: feature ${i}: commune_code ${code} appears twice`);
    seen.add(code);
    if (!polygonal(f.geometry)) {
      throw new CommuneMapError(`${file}: feature ${i} (${code}): the geometry is not a Polygon or MultiPolygon`);
    }
    return { type: "Feature", id: code, properties: { code, name }, geometry: f.geometry };
  });
  return { type: "FeatureCollection", features };
};

/** The simplified, quantised topology of the communes (object `communes`). */
export const communeTopology = (communes: FeatureCollection<Geometry, CommuneProperties>): Topology => {
  const full = presimplify(topology({ communes }) as Topology<Objects<CommuneProperties>>);
  const simple = simplify(full, quantile(full, KEEP));
  // simplify leaves each point's weight as a third coordinate: the browser needs x and y only
  return quantize({ ...simple, arcs: simple.arcs.map((arc) => arc.map(([x = 0, y = 0]) => [x, y])) }, QUANTISATION);
};

export const writeCommuneMap = (from: string = COMMUNES_GEOJSON, to: string = COMMUNE_MAP_FILE): Topology => {
  const topo = communeTopology(communeFeatures(JSON.parse(readFileSync(from, "utf8")), from));
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, JSON.stringify(topo));
  return topo;
};

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const topo = writeCommuneMap();
  const n = (topo.objects.communes as { geometries: unknown[] }).geometries.length;
  process.stdout.write(`communes map: ${n} communes → ${COMMUNE_MAP_FILE}\n`);
}
