/**
 * The workspace's layers, checked: core ← reference ← projections ← seeds ← api (← benchmarks). A package may
 * depend on and import only packages below it — the sample generator (seeds) sits above projections, the API may
 * use every other package, and nothing imports upward. The arrows are read from each package.json (dependencies
 * of every kind), from every `@kpi/…` import in its `src/` (static, dynamic, type-only, specs and fixtures
 * included) and from its tsconfig project references, which must name the same packages so `tsc -b` builds them
 * in order.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Bottom to top: each package may use only those before it. */
const LAYERS = [
  { name: "@kpi/core", dir: "packages/core" },
  { name: "@kpi/reference", dir: "packages/reference" },
  { name: "@kpi/projections", dir: "packages/projections" },
  { name: "@kpi/seeds", dir: "seeds" },
  { name: "@kpi/api", dir: "packages/api" },
  { name: "@kpi/benchmarks", dir: "benchmarks" },
] as const;
const ORDER = LAYERS.map((l) => l.name.slice("@kpi/".length)).join(" ← ");

/** One arrow: `from` uses `to`, as stated `where` (a package.json, a source file or a tsconfig). */
interface Arrow {
  readonly from: string;
  readonly to: string;
  readonly where: string;
}

const KPI_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](@kpi\/[^/"']+)/g;

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name === "node_modules" || d.name === "dist") return [];
    const p = join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : /\.(ts|tsx|mts|js|mjs)$/.test(d.name) ? [p] : [];
  });

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

interface PackageJson {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/** The arrows the repository states: package.json dependencies and the `@kpi/…` imports of every source file. */
const arrowsOf = (): { uses: Arrow[]; references: Arrow[] } => {
  const byDir = new Map<string, string>(LAYERS.map((l) => [resolve(root, l.dir), l.name]));
  const uses: Arrow[] = [];
  const references: Arrow[] = [];
  for (const layer of LAYERS) {
    const dir = join(root, layer.dir);
    const pkg = readJson<PackageJson>(join(dir, "package.json"));
    expect(pkg.name, `${layer.dir}/package.json`).toBe(layer.name);
    const declared = [pkg.dependencies, pkg.devDependencies, pkg.peerDependencies, pkg.optionalDependencies];
    for (const to of declared.flatMap((d) => Object.keys(d ?? {})).filter((n) => n.startsWith("@kpi/")))
      uses.push({ from: layer.name, to, where: `${layer.dir}/package.json` });
    for (const file of sourceFiles(join(dir, "src")))
      for (const m of readFileSync(file, "utf8").matchAll(KPI_IMPORT))
        uses.push({ from: layer.name, to: m[1] ?? "", where: relative(root, file) });
    const tsconfig = readJson<{ references?: { path: string }[] }>(join(dir, "tsconfig.json"));
    for (const r of tsconfig.references ?? [])
      references.push({
        from: layer.name,
        to: byDir.get(resolve(dir, r.path)) ?? `(not a workspace package: ${r.path})`,
        where: `${layer.dir}/tsconfig.json`,
      });
  }
  return { uses, references };
};

/** Every arrow that does not point strictly down the layers, said in words. */
const upward = (arrows: readonly Arrow[]): string[] => {
  const rank = new Map<string, number>(LAYERS.map((l, i) => [l.name, i]));
  return arrows.flatMap(({ from, to, where }) => {
    const f = rank.get(from) ?? -1;
    const t = rank.get(to);
    if (t === undefined) return [`${where}: ${from} uses ${to}, which is not one of the layers (${ORDER})`];
    if (t === f) return [`${where}: ${from} uses itself by name; import it relatively`];
    if (t > f) return [`${where}: ${from} uses ${to}, which sits above it (${ORDER})`];
    return [];
  });
};

/** The packages each one uses, as a sorted list per package. */
const targets = (arrows: readonly Arrow[]): Record<string, string[]> => {
  const out = new Map<string, Set<string>>();
  for (const a of arrows) out.set(a.from, new Set([...(out.get(a.from) ?? []), a.to]));
  return Object.fromEntries([...out].map(([k, v]) => [k, [...v].sort()]));
};

describe("the import graph", () => {
  const { uses, references } = arrowsOf();

  it("points only down the layers: core ← reference ← projections ← seeds ← api ← benchmarks", () => {
    expect(uses.length).toBeGreaterThan(100);
    expect(upward(uses)).toEqual([]);
  });

  it("states in package.json every package a source file imports", () => {
    const declared = uses.filter((a) => a.where.endsWith("package.json"));
    const missing = uses.filter((a) => !declared.some((d) => d.from === a.from && d.to === a.to));
    expect(missing.map((a) => `${a.where}: ${a.from} imports ${a.to}, not in its package.json`)).toEqual([]);
  });

  it("has tsconfig references down the layers, the same packages as package.json, so tsc -b builds in order", () => {
    expect(upward(references)).toEqual([]);
    const declared = uses.filter((a) => a.where.endsWith("package.json"));
    expect(targets(references)).toEqual(targets(declared));
  });

  it("keeps the sample generator above projections and the reference data below it", () => {
    const t = targets(uses);
    expect(t["@kpi/seeds"]).toEqual(["@kpi/core", "@kpi/projections", "@kpi/reference"]);
    expect(t["@kpi/projections"]).toEqual(["@kpi/core", "@kpi/reference"]);
    expect(t["@kpi/reference"]).toEqual(["@kpi/core"]);
    expect(t["@kpi/core"]).toBeUndefined();
  });

  it("would refuse an import of @kpi/seeds in projections, naming the file", () => {
    const file = relative(root, join(root, "packages/projections/src/warehouse/seedTables.ts"));
    const added = { from: "@kpi/projections", to: "@kpi/seeds", where: file };
    expect(upward([...uses, added])).toEqual([
      `${file}: @kpi/projections uses @kpi/seeds, which sits above it (${ORDER})`,
    ]);
  });

  it("finds imports of every form: static, type-only, re-export, dynamic and side-effect", () => {
    // built from parts, so that this file's own text holds no such import
    const q = (name: string) => `"@kpi/${name}"`;
    const text = [
      `import { a } from ${q("core")};`,
      `import type { B } from ${q("reference")};`,
      `export * from ${q("projections")};`,
      `const m = await import(${q("seeds")});`,
      `import ${q("api")};`,
      `import { FORMAT_1_SQL } from ${q("core/logFormat1")};`,
    ].join("\n");
    expect([...text.matchAll(KPI_IMPORT)].map((m) => m[1])).toEqual([
      "@kpi/core",
      "@kpi/reference",
      "@kpi/projections",
      "@kpi/seeds",
      "@kpi/api",
      "@kpi/core",
    ]);
  });
});
