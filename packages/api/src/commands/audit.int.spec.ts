/**
 * Publish, export, verify and tamper, on the tiny sample province: figures published from the warehouse verify
 * against an exported copy of the log; editing, deleting or swapping a stored event fails verification at that
 * position; a log re-chained after an edit is caught by the recorded chain head and the contribution digests; an
 * edited publication file is caught by its digest and by the figure that no longer matches. The publication is
 * signed (Ed25519, a key made here): verify with the office's public key refuses another key, an unsigned file
 * and a file edited after signing, even with its digest recomputed.
 *
 * It checks `@kpi/projections`' audit modules, but lives in the API package because it needs the sample province
 * (`@kpi/seeds`), which sits above projections: projections may not import it.
 */
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import {
  chainHash,
  DuckDbEventLog,
  fingerprint,
  fingerprintToBigInt,
  GENESIS_HASH,
  importFile,
  joinCanonical,
} from "@kpi/core";
import { FORMAT_1_SQL } from "@kpi/core/logFormat1";
import {
  type DigestProgress,
  decodePublication,
  digestOfJson,
  exportLog,
  keyIdOf,
  type LogToVerify,
  type Publication,
  type Published,
  publishFigures,
  seedCatalog,
  seedReferenceTables,
  signPublication,
  type VerifyOptions,
  type VerifyReport,
  verifyPublication,
  Warehouse,
} from "@kpi/projections";
import { writeSample } from "@kpi/seeds";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const office = generateKeyPairSync("ed25519");
const stranger = generateKeyPairSync("ed25519");

const dir = mkdtempSync(join(tmpdir(), "kpi-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let published: Published;
const progress: DigestProgress[] = [];
let exported: string;

const verify = async (file: string, log: LogToVerify, o: Omit<VerifyOptions, "tmpDir"> = {}): Promise<VerifyReport> => {
  const r = await verifyPublication(file, log, { tmpDir: dir, ...o });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

/** Runs SQL on a copy of the exported log. */
const tampered = async (name: string, ...sql: string[]): Promise<string> => {
  const copy = join(dir, `${name}.duckdb`);
  copyFileSync(exported, copy);
  const instance = await DuckDBInstance.create(copy);
  const c = await instance.connect();
  try {
    for (const s of sql) await c.run(s);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  return copy;
};

/** A position whose event contributes to the province's PAYMENT_ACCT_15 for 2025: an account opened before. */
const accountPosition = async (log: string): Promise<number> => {
  const instance = await DuckDBInstance.create(log, { access_mode: "READ_ONLY" });
  const c = await instance.connect();
  try {
    const r = await c.runAndReadAll(
      `SELECT CAST(min(position) AS DOUBLE) AS k FROM events
       WHERE type = 'PaymentAccountOpened' AND occurred_on <= DATE '2024-12-31' AND position > 100`,
    );
    return (r.getRowObjectsJS()[0] as { k: number }).k;
  } finally {
    c.closeSync();
    instance.closeSync();
  }
};

beforeAll(async () => {
  const sample = join(dir, "sample-tiny.ndjson");
  // without reportedOn: one test verifies against a format-1 copy of the log, which has no column for it
  await writeSample({ scale: "tiny", seed: 1, out: sample, reportedOn: false });
  const log = join(dir, "events.duckdb");
  const w = await Warehouse.open(join(dir, "warehouse.duckdb"), log, {
    catalog: seedCatalog(),
    reference: seedReferenceTables(),
    years: [2019, 2026],
  });
  try {
    const imported = await importFile(w.log, sample);
    expect(imported.committed).toBe(true);
    await w.catchUp();
    const r = await publishFigures(w, {
      dir: join(dir, "publications"),
      years: [2025],
      level: "all",
      signingKey: office.privateKey,
      onProgress: (p) => progress.push(p),
    });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    published = r.right;
  } finally {
    await w.close();
  }
  exported = join(dir, "export.duckdb");
  const x = await exportLog(log, exported);
  if (E.isLeft(x)) throw new Error(JSON.stringify(x.left));
  expect(x.right.head).toBe(published.eventPosition);
}, 120_000);

describe("a publication", () => {
  it("reports its digests' progress one indicator-year at a time, to the last", () => {
    const groups = new Set(published.publication.figures.map((f) => `${f.year} ${f.indicator}`));
    expect(progress.map((p) => p.done)).toEqual([...groups].map((_, i) => i + 1));
    expect(new Set(progress.map((p) => p.total))).toEqual(new Set([groups.size]));
    expect(new Set(progress.map((p) => `${p.year} ${p.indicator}`))).toEqual(groups);
  });

  it("holds every indicator's province and commune figures for the year, with the log position and digests", () => {
    const p = published.publication;
    expect(existsSync(published.file)).toBe(true);
    const decoded = decodePublication(readFileSync(published.file, "utf8"));
    if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
    expect(decoded.right.computedDigest).toBe(p.digest);
    expect(Object.keys(p.catalogDefinitions)).toHaveLength(39);
    const province = p.figures.filter((f) => f.geo === "province");
    expect(new Set(province.map((f) => f.indicator)).size).toBe(39);
    expect(p.figures.some((f) => f.geo !== "province")).toBe(true);
    expect(p.figures.every((f) => f.year === 2025)).toBe(true);
    expect(published.eventPosition).toBe(p.position + 1);
    const acct = province.find((f) => f.indicator === "PAYMENT_ACCT_15");
    expect(acct?.contribution.events).toBeGreaterThan(10);
  });

  it("verifies against an exported copy of the log: chain, recorded digest and every figure", async () => {
    const r = await verify(published.file, exported);
    expect(r.log).toMatchObject({ ok: true, head: published.eventPosition });
    expect(r.logged).toEqual({
      found: true,
      position: published.eventPosition,
      digest: published.publication.digest,
      ok: true,
    });
    expect(r.digest.ok).toBe(true);
    expect(r.reference.ok).toBe(true);
    expect(r.mismatched).toBe(0);
    expect(r.matched).toBe(published.publication.figures.length);
    expect(r.ok).toBe(true);
  });

  it("is published and verified through the event-log port as through SQL (a store without SQL, as KurrentDB)", async () => {
    const copy = join(dir, "port.duckdb");
    copyFileSync(exported, copy);
    const w = await Warehouse.open(join(dir, "warehouse-port.duckdb"), await DuckDbEventLog.open(copy), {
      catalog: seedCatalog(),
      reference: seedReferenceTables(),
      years: [2019, 2026],
    });
    let again: Published;
    try {
      expect(w.eventsTable).toBe("source_events"); // read through the port, not the attached table
      await w.catchUp();
      const r = await publishFigures(w, {
        dir: join(dir, "publications-port"),
        years: [2025],
        level: "all",
        signingKey: office.privateKey,
      });
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      again = r.right;
    } finally {
      await w.close();
    }
    // the same figures with the same contribution digests (Merkle roots of the chain hashes read through the port)
    expect(again.publication.figures).toEqual(published.publication.figures);
    const r = await verify(again.file, { name: copy, open: () => DuckDbEventLog.open(copy, { readOnly: true }) });
    expect(r.log).toMatchObject({ ok: true, head: again.eventPosition });
    expect(r.logged).toMatchObject({ found: true, ok: true });
    expect(r.matched).toBe(again.publication.figures.length);
    expect(r.ok).toBe(true);
  }, 120_000);

  it("verifies against a copy of the log in format 1 (before typed columns), read from its JSON", async () => {
    const r = await verify(published.file, await tampered("format1", FORMAT_1_SQL));
    expect(r.log).toMatchObject({ ok: true, head: published.eventPosition });
    expect(r.mismatched).toBe(0);
    expect(r.matched).toBe(published.publication.figures.length);
    expect(r.ok).toBe(true);
  });

  it("fails at the edited, deleted or swapped event's position", async () => {
    const k = await accountPosition(exported);
    expect(k).toBeLessThan(published.publication.position);
    const edited = await verify(
      published.file,
      await tampered(
        "edited",
        `UPDATE events SET data = json_merge_patch(data, '{"institution":"forged"}') WHERE position = ${k}`,
      ),
    );
    expect(edited.ok).toBe(false);
    expect(edited.log.firstBad?.position).toBe(k);
    const deleted = await verify(published.file, await tampered("deleted", `DELETE FROM events WHERE position = ${k}`));
    expect(deleted.ok).toBe(false);
    expect(deleted.log.firstBad).toEqual({ position: k, reason: `event ${k} is missing (next is ${k + 1})` });
    const swapped = await verify(
      published.file,
      await tampered(
        "swapped",
        `UPDATE events SET position = CASE position WHEN ${k} THEN ${k + 1} ELSE ${k} END WHERE position IN (${k}, ${k + 1})`,
      ),
    );
    expect(swapped.ok).toBe(false);
    expect(swapped.log.firstBad?.position).toBe(k);
  });

  it("fails on columns the hash does not cover: recorded_at below the millisecond, content_fp, log_meta", async () => {
    const k = await accountPosition(exported);
    const subMs = await verify(
      published.file,
      await tampered(
        "subms",
        `UPDATE events SET recorded_at = recorded_at + INTERVAL 7 MICROSECOND WHERE position = ${k}`,
      ),
    );
    expect(subMs.ok).toBe(false);
    expect(subMs.log.firstBad).toMatchObject({ position: k, reason: expect.stringMatching(/^recorded_at holds/) });
    const fp = await verify(
      published.file,
      await tampered("fp", `UPDATE events SET content_fp = content_fp + 1 WHERE position = ${k}`),
    );
    expect(fp.ok).toBe(false);
    expect(fp.log.firstBad).toMatchObject({ position: k, reason: expect.stringMatching(/^content_fp is not/) });
    // the fold reads the typed columns: one that no longer says what the hashed data says is named
    const typed = await verify(
      published.file,
      await tampered("typed", `UPDATE events SET birth_year = birth_year - 30 WHERE position = ${k}`),
    );
    expect(typed.ok).toBe(false);
    expect(typed.log.firstBad).toMatchObject({
      position: k,
      reason: expect.stringMatching(/^typed column birth_year/),
    });
    const meta = await verify(
      published.file,
      await tampered("meta", "UPDATE log_meta SET value = '1' WHERE key = 'exported_head'"),
    );
    expect(meta.ok).toBe(false);
    expect(meta.log.firstBad).toBeUndefined();
    expect(meta.log.logMeta).toMatchObject({ key: "exported_head_hash" });
    expect(meta.matched).toBe(published.publication.figures.length);
  });

  it("catches a log edited and re-chained: the chain head differs and the contribution digests move", async () => {
    const k = await accountPosition(exported);
    const copy = await tampered("rechained", `UPDATE events SET source = 'forged' WHERE position = ${k}`);
    const instance = await DuckDBInstance.create(copy);
    const c = await instance.connect();
    try {
      await c.run("SET TimeZone = 'UTC'");
      const rows = (
        await c.runAndReadAll(`SELECT CAST(position AS DOUBLE) p, id, type, subject, CAST(stream_revision AS DOUBLE) r,
          strftime(occurred_on, '%Y-%m-%d') o, source, CAST(data AS VARCHAR) d,
          strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%gZ') t FROM events ORDER BY position`)
      ).getRows() as [number, string, string, string, number, string, string, string, string][];
      let prev: Uint8Array = GENESIS_HASH;
      // a careful forger re-derives content_fp too (else verify names the edited event itself)
      await c.run("CREATE TABLE rehash (position BIGINT, hash BLOB, content_fp BIGINT)");
      const ap = await c.createAppender("rehash");
      for (const [p, id, type, subject, r, o, source, d, t] of rows) {
        const canonical = joinCanonical(d, { id, type, subject, occurredOn: o, source });
        const h = chainHash(prev, p, t, r, canonical);
        ap.appendBigInt(BigInt(p));
        ap.appendBlob(h);
        ap.appendBigInt(fingerprintToBigInt(fingerprint(canonical)));
        ap.endRow();
        prev = h;
      }
      ap.flushSync();
      ap.closeSync();
      await c.run(
        "UPDATE events SET hash = r.hash, content_fp = r.content_fp FROM rehash r WHERE events.position = r.position",
      );
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    const r = await verify(published.file, copy);
    expect(r.ok).toBe(false);
    expect(r.log.firstBad?.position).toBe(published.publication.position);
    expect(r.log.firstBad?.reason).toMatch(/re-chained/);
    const acct = r.figures.find((f) => f.indicator === "PAYMENT_ACCT_15" && f.geo === "province");
    expect(acct?.status).toBe("mismatch");
    expect(acct?.differences.map((d) => d.field)).toEqual(["contribution.merkleRoot"]);
  });

  it("reports an edited figure as a mismatch with the difference, and the file's digest as broken", async () => {
    const json = JSON.parse(readFileSync(published.file, "utf8")) as Publication;
    const i = json.figures.findIndex((f) => f.indicator === "OCOP_ONLINE" && f.geo === "province");
    const original = json.figures[i];
    if (original === undefined || original.value === null) throw new Error("no OCOP_ONLINE province figure");
    const edited = {
      ...json,
      figures: json.figures.map((f, j) => (j === i ? { ...f, value: (f.value as number) + 5 } : f)),
    };
    const file = join(dir, "edited-publication.json");
    writeFileSync(file, JSON.stringify(edited));
    const r = await verify(file, exported);
    expect(r.ok).toBe(false);
    expect(r.digest.ok).toBe(false);
    expect(r.logged).toMatchObject({ found: true, ok: false });
    expect(r.mismatched).toBe(1);
    const bad = r.figures.find((f) => f.status === "mismatch");
    expect(bad).toMatchObject({ indicator: "OCOP_ONLINE", geo: "province", year: 2025 });
    expect(bad?.differences).toHaveLength(1);
    expect(bad?.differences[0]?.field).toBe("value");
    expect(bad?.differences[0]?.difference).toBeCloseTo(-5, 9);

    // with its digest recomputed, the file is self-consistent, but not the one the log recorded
    const resealed = join(dir, "resealed-publication.json");
    writeFileSync(
      resealed,
      JSON.stringify({ ...edited, digest: digestOfJson(edited as unknown as Record<string, unknown>) }),
    );
    const s = await verify(resealed, exported);
    expect(s.digest.ok).toBe(true);
    expect(s.logged).toMatchObject({ found: true, ok: false });
    expect(s.ok).toBe(false);
  });

  it("is signed by the office: verify with its public key checks the signature, then everything else", async () => {
    expect(published.publication.signature).toMatchObject({ algorithm: "Ed25519", keyId: keyIdOf(office.publicKey) });
    const r = await verify(published.file, exported, { publicKey: office.publicKey });
    expect(r.signature).toEqual({ _tag: "Valid", keyId: keyIdOf(office.publicKey) });
    expect(r.ok).toBe(true);
    const head = await exportLog(exported, join(dir, "head-check.duckdb"));
    if (E.isLeft(head)) throw new Error(JSON.stringify(head.left));
    expect(r.log.headHash).toBe(head.right.headHash);
    // without a key the signature is not checked, and the report says so
    expect((await verify(published.file, exported)).signature).toEqual({
      _tag: "NotChecked",
      keyId: keyIdOf(office.publicKey),
    });
  });

  it("refuses a publication signed by another key, an unsigned one, and one edited after signing", async () => {
    const refused = async (file: string) => {
      const r = await verifyPublication(file, exported, { tmpDir: dir, publicKey: office.publicKey });
      if (E.isRight(r) || r.left._tag !== "SignatureRefused") throw new Error(`not refused: ${JSON.stringify(r)}`);
      return r.left.check;
    };
    const json = JSON.parse(readFileSync(published.file, "utf8")) as Publication;
    const write = (name: string, x: unknown) => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(x));
      return file;
    };

    const other = signPublication(json, stranger.privateKey);
    expect(await refused(write("other-key.json", other))).toMatchObject({
      _tag: "KeyMismatch",
      signedBy: keyIdOf(stranger.publicKey),
    });
    // another key's signature passed off under the office's key id and public key
    const forged = { ...other, signature: { ...json.signature, value: other.signature?.value } };
    expect(await refused(write("forged.json", forged))).toMatchObject({ _tag: "BadSignature" });

    const { signature: _dropped, ...unsigned } = json;
    expect(await refused(write("unsigned.json", unsigned))).toEqual({ _tag: "Unsigned" });

    const edited = {
      ...json,
      figures: json.figures.map((f, j) => (j === 0 ? { ...f, value: (f.value ?? 0) + 1 } : f)),
    };
    const resealed = { ...edited, digest: digestOfJson(edited as unknown as Record<string, unknown>) };
    expect(await refused(write("edited-signed.json", resealed))).toMatchObject({ _tag: "BadSignature" });
  });
});
