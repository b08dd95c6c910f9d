/**
 * Test warehouses for the HTTP specs: the tiny sample province (seed 1) imported into a fresh log and folded,
 * in a temporary folder, with years pinned to 2019–2026 and an optional clock for recording days. Also the
 * tokens the specs use (their hashes only go into the API config, as in production).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importFile } from "@kpi/core";
import { seedCatalog, seedReferenceTables, Warehouse } from "@kpi/projections";
import { formatCatalogError, loadCatalog } from "@kpi/reference";
import { writeSample } from "@kpi/seeds";
import type { FastifyInstance } from "fastify";
import * as E from "fp-ts/lib/Either.js";
import { type ApiConfig, DEFAULT_API_CONFIG, tokenHash } from "./apiConfig.js";
import { buildApp } from "./app.js";

export const YEARS: readonly [number, number] = [2019, 2026];

export const TOKENS = {
  /** May report for the sources of the sample's banks and the statistics office. */
  writer: "writer-token-7f3a9c",
  /** May report for one source only. */
  narrow: "narrow-token-1b2c3d",
} as const;

export const apiConfig = (over: Partial<ApiConfig> = {}): ApiConfig => ({
  ...DEFAULT_API_CONFIG,
  tokens: new Map([
    [tokenHash(TOKENS.writer), { name: "writer", sources: ["test-source", "cuc-thong-ke", "nhnn-kv15"] }],
    [tokenHash(TOKENS.narrow), { name: "narrow", sources: ["so-khcn"] }],
  ]),
  ...over,
});

export interface TestWarehouse {
  readonly dir: string;
  readonly warehouse: Warehouse;
  close(): Promise<void>;
}

export const testWarehouse = async (options: { readonly now?: () => Date } = {}): Promise<TestWarehouse> => {
  const dir = mkdtempSync(join(tmpdir(), "kpi-http-"));
  const file = join(dir, "sample-tiny.ndjson");
  await writeSample({ scale: "tiny", seed: 1, out: file });
  const warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"), join(dir, "events.duckdb"), {
    catalog: seedCatalog(),
    reference: seedReferenceTables(),
    years: YEARS,
    smallCellThreshold: 10,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const s = await importFile(warehouse.log, file);
  if (!s.committed) throw new Error(`the tiny sample did not import: ${JSON.stringify(s.errors.slice(0, 3))}`);
  await warehouse.catchUp();
  return {
    dir,
    warehouse,
    close: async () => {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export const catalog = () => {
  const c = loadCatalog();
  if (E.isLeft(c)) throw new Error(formatCatalogError(c.left));
  return c.right;
};

export const testApp = (warehouse: Warehouse, api: ApiConfig = apiConfig()): Promise<FastifyInstance> =>
  buildApp({ warehouse, catalog: catalog(), years: YEARS, smallCellThreshold: 10, api });
