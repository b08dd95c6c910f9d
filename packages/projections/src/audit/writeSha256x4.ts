/**
 * Writes `sha256x4.wasm.ts`: the WebAssembly of `sha256x4Wat.ts`, assembled with `wabt`, as base64.
 * Run with `pnpm --filter @kpi/projections gen:sha256x4` after changing the text; a test holds them the same.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sha256x4Bytes, sha256x4Module } from "./sha256x4Build.js";

const bytes = await sha256x4Bytes();
writeFileSync(fileURLToPath(new URL("./sha256x4.wasm.ts", import.meta.url)), sha256x4Module(bytes));
process.stdout.write(`sha256x4.wasm.ts: ${bytes.length} bytes of WebAssembly\n`);
