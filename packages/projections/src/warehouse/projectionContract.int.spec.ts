/**
 * The projection contract (`projection.contract.ts`) against each store: the embedded log opened on its own
 * (so the warehouse reads it through the port), and a KurrentDB server when `KURRENTDB_URL` names one (e.g.
 * `kurrentdb://localhost:2113?tls=false`; each run gets a fresh namespace). Without it, one line says the
 * KurrentDB case was not run.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDbEventLog, KurrentDbEventLog } from "@kpi/core";
import { afterAll } from "vitest";
import { projectionContract } from "./projection.contract.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-projection-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

projectionContract("embedded DuckDB read through the port", {
  fresh: (now) => DuckDbEventLog.open(join(dir, `store-${n++}.duckdb`), { now }),
});

const url = process.env.KURRENTDB_URL ?? "";
if (url === "") {
  console.log("KurrentDB projection contract not run: KURRENTDB_URL is not set (no KurrentDB server on this machine)");
} else {
  const run = randomUUID().slice(0, 8);
  projectionContract("KurrentDB", {
    fresh: (now) => KurrentDbEventLog.open(url, { namespace: `kpiproj-${run}-${n++}`, now }),
  });
}
