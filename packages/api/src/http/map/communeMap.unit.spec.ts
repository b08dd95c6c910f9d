/**
 * The build-time commune map: the reference boundaries become one small topology of the 102 communes, each with
 * its code and name and a shape of its own; a file that is not the communes is refused with the feature's index.
 */
import { readFileSync } from "node:fs";
import { COMMUNES_GEOJSON } from "@kpi/reference";
import { feature } from "topojson-client";
import type { GeometryCollection } from "topojson-specification";
import { describe, expect, it } from "vitest";
import { CommuneMapError, communeFeatures, communeTopology } from "./communeMap.js";

const square = {
  type: "Polygon",
  coordinates: [
    [
      [105, 10],
      [105.1, 10],
      [105.1, 10.1],
      [105, 10],
    ],
  ],
};
const f = (props: object, geometry: object | null = square) => ({ type: "Feature", properties: props, geometry });

describe("the commune map", () => {
  it("keeps the 102 communes, each with its code, name and a shape, in well under a tenth of the source", () => {
    const text = readFileSync(COMMUNES_GEOJSON, "utf8");
    const topo = communeTopology(communeFeatures(JSON.parse(text), COMMUNES_GEOJSON));
    const size = JSON.stringify(topo).length;
    expect(size).toBeLessThan(text.length / 10);
    const communes = topo.objects.communes as GeometryCollection<{ code: string; name: string }>;
    expect(communes.geometries).toHaveLength(102);
    const shapes = feature(topo, communes);
    const codes = shapes.features.map((s) => s.properties.code);
    expect(new Set(codes).size).toBe(102);
    expect(codes).toContain("29926");
    for (const s of shapes.features) {
      expect(s.properties.name).not.toBe("");
      expect(s.geometry.type === "Polygon" || s.geometry.type === "MultiPolygon").toBe(true);
      expect(JSON.stringify(s.geometry.coordinates).length).toBeGreaterThan(40); // not collapsed to nothing
    }
  });

  it("refuses a feature without a 5-digit code, a code twice or a geometry that is not a polygon", () => {
    const fc = (...features: object[]) => ({ type: "FeatureCollection", features });
    expect(() => communeFeatures(fc(f({ commune_code: "123" })), "x.geojson")).toThrow(
      'x.geojson: feature 0: commune_code "123" is not a 5-digit code',
    );
    expect(() => communeFeatures(fc(f({ commune_code: "29926" }), f({ commune_code: "29926" })), "x.geojson")).toThrow(
      "x.geojson: feature 1: commune_code 29926 appears twice",
    );
    expect(() => communeFeatures(fc(f({ commune_code: "29926" }, null)), "x.geojson")).toThrow(CommuneMapError);
    expect(() => communeFeatures({ type: "Feature" }, "x.geojson")).toThrow("not a GeoJSON FeatureCollection");
  });
});
