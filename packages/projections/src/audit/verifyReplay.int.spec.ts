/**
 * What `verifyPublication` replays: only the entities the published figures can count (the signature holders,
 * for the share of adults with a signature), and every entity again when a published figure's cell holds none
 * of them (only all of them say whether its numerator is 0 or empty).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Fact } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fact, testCatalog, testReference } from "../testing/fixtures.js";
import { Warehouse } from "../warehouse/projector.js";
import { type PublishLevel, publishFigures } from "./publish.js";
import { verifyPublication } from "./verify.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-verify-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = join(dir, "events.duckdb");

const person = (id: string, type: string, who: string, commune: string, data: Record<string, unknown> = {}): Fact =>
  fact({
    id,
    type,
    subject: `person:${who}`,
    occurredOn: "2025-03-01",
    source: "src",
    data: { commune, birthYear: 1980, ...data },
  });
const population = (id: string, commune: string): Fact =>
  fact({
    id,
    type: "PopulationEstimated",
    subject: "stat:population",
    occurredOn: "2025-06-01",
    source: "gso",
    data: { commune, year: 2025, total: 100, aged15plus: 80, adults: 70 },
  });

const publish = async (level: PublishLevel): Promise<string> => {
  const w = await Warehouse.open(join(dir, `warehouse-${level}.duckdb`), log, {
    catalog: testCatalog,
    reference: testReference,
    years: [2025, 2025],
    smallCellThreshold: 0,
  });
  try {
    await w.catchUp();
    const r = await publishFigures(w, { dir, indicators: ["DIGSIG_ADULT"], years: [2025], level });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    return r.right.file;
  } finally {
    await w.close();
  }
};

const verify = async (file: string) => {
  const r = await verifyPublication(file, log, { tmpDir: dir, catalog: testCatalog, reference: testReference });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

beforeAll(async () => {
  const w = await Warehouse.open(join(dir, "seed.duckdb"), log, {
    catalog: testCatalog,
    reference: testReference,
    years: [2025, 2025],
  });
  try {
    // a signature holder in 29926; in 29927 a person with an account only: its cell holds no holder
    const r = await w.log.append([
      person("s1", "DigitalSignatureIssued", "p1", "29926", { provider: "vnpt-ca", validUntil: "2027-01-01" }),
      person("a1", "PaymentAccountOpened", "p1", "29926", { institution: "vcb" }),
      person("a2", "PaymentAccountOpened", "p2", "29927", { institution: "vcb" }),
      population("pop1", "29926"),
      population("pop2", "29927"),
    ]);
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  } finally {
    await w.close();
  }
});

describe("verify's replay", () => {
  it("stages only the signature holders for a province figure that has some", async () => {
    const r = await verify(await publish("province"));
    expect(r.ok).toBe(true);
    expect(r.replayed).toBe("counted entities");
    expect(r.matched).toBe(1);
  });

  it("replays every entity again when a published cell holds no holder, and its 0 matches", async () => {
    const file = await publish("all");
    const published = JSON.parse(readFileSync(file, "utf8")) as {
      figures: { geo: string; numerator: string | null }[];
    };
    // 29927 has a person but no holder: 0, not empty (a replay of the holders alone would say empty)
    expect(published.figures.find((f) => f.geo === "29927")?.numerator).toBe("0");
    const r = await verify(file);
    expect(r.ok).toBe(true);
    expect(r.replayed).toBe("every entity");
    expect(r.figures.map((f) => `${f.geo} ${f.status}`).sort()).toEqual([
      "29926 match",
      "29927 match",
      "province match",
    ]);
  });
});
