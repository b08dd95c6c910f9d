/**
 * The fast loops of the root package.json (`test:unit`, `test:int`, `test:e2e`) choose spec files by suffix; this
 * checks that each script filters by its own suffix and that every spec file of the repository has one of the
 * three, so no spec falls outside every loop.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const SUFFIXES = { unit: ".unit.spec.ts", int: ".int.spec.ts", e2e: ".e2e.spec.ts" } as const;

const specFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name === "node_modules" || d.name === "dist" || d.name.startsWith(".")) return [];
    const p = join(dir, d.name);
    return d.isDirectory() ? specFiles(p) : d.name.endsWith(".spec.ts") ? [relative(root, p)] : [];
  });

describe("the test scripts", () => {
  const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> })
    .scripts;

  it.each(Object.entries(SUFFIXES))("test:%s builds, then runs vitest on the files ending %s", (kind, suffix) => {
    // a spec that imports another package (@kpi/projections in the API's specs) reads its build (dist/)
    expect(scripts[`test:${kind}`]).toMatch(
      new RegExp(`^(tsc -b|pnpm run build) && vitest run ${suffix.replaceAll(".", "\\.")}$`),
    );
  });

  it("leave no spec file out: every one ends in exactly one of the suffixes", () => {
    const files = ["packages", "seeds", "benchmarks"].flatMap((d) => specFiles(join(root, d)));
    expect(files.length).toBeGreaterThan(50);
    const outside = files.filter((f) => Object.values(SUFFIXES).filter((s) => f.endsWith(s)).length !== 1);
    expect(outside).toEqual([]);
  });
});
