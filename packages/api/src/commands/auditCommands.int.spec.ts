/**
 * The audit commands as functions (what `kpi publish`, `export-log`, `verify` and `explain` run), on the tiny
 * sample in a temporary data folder: a publication verifies against an exported log, an edited event fails at
 * its position, and a figure is explained with the facts behind it. Publications are signed with a key made here
 * (KPI_PUBLICATION_KEY); verify checks them against the public key, summary first.
 */
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { DuckDBInstance } from "@duckdb/node-api";
import { writeSample } from "@kpi/seeds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, loadConfig } from "../config.js";
import { explainCommand, exportLogCommand, publishCommand, verifyCommand } from "./auditCommands.js";
import { importCommand } from "./importCommand.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-audit-cmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sink = () => {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
};

const run = async (command: (out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>) => {
  const out = sink();
  const err = sink();
  const code = await command(out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
};

const office = generateKeyPairSync("ed25519");
const stranger = generateKeyPairSync("ed25519");
const officeKey = join(dir, "office.key.pem");
const officePub = join(dir, "office.pub.pem");
const strangerPub = join(dir, "stranger.pub.pem");
writeFileSync(officeKey, office.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
writeFileSync(officePub, office.publicKey.export({ type: "spki", format: "pem" }));
writeFileSync(strangerPub, stranger.publicKey.export({ type: "spki", format: "pem" }));

let config: Config;
let publication: string;
const exported = join(dir, "auditor-copy.duckdb");

beforeAll(async () => {
  config = loadConfig({ KPI_YEARS: "2019-2026", KPI_PUBLICATION_KEY: officeKey }, { dataDir: dir });
  const sample = join(dir, "sample-tiny.ndjson");
  await writeSample({ scale: "tiny", seed: 1, out: sample });
  const imported = await run((out, err) =>
    importCommand(config, { files: [sample], skipInvalid: false, showErrors: 5, out, err }),
  );
  expect(imported.code).toBe(0);
}, 120_000);

describe("audit commands", () => {
  it("publish writes the publication and records it in the log", async () => {
    const r = await run((out, err) => publishCommand(config, { years: [2025], level: "all", out, err }));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Published pub-\S+: [\d,]+ figures of 39 indicators \(2025; all\) as known at log position [\d,]+/,
    );
    expect(r.out).toMatch(/\n {2}signed {4}Ed25519, key [0-9a-f]{64}\n/);
    publication = /file {6}(\S+)/.exec(r.out)?.[1] ?? "";
    expect(publication).toMatch(/publications\/pub-.*\.json$/);
    const refused = await run((out, err) =>
      publishCommand(config, { years: [2025], indicators: ["NOT_AN_INDICATOR"], level: "province", out, err }),
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("unknown indicator NOT_AN_INDICATOR");
    const noKey = await run((out, err) =>
      publishCommand({ ...config, publicationKeyFile: join(dir, "missing.pem") }, { level: "province", out, err }),
    );
    expect(noKey.code).toBe(1);
    expect(noKey.err).toMatch(/KPI_PUBLICATION_KEY: the key file .*missing\.pem cannot be read \(ENOENT\)/);
    const rsa = join(dir, "rsa.pem");
    writeFileSync(
      rsa,
      generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }),
    );
    const wrongKind = await run((out, err) =>
      publishCommand({ ...config, publicationKeyFile: rsa }, { level: "province", out, err }),
    );
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.err).toContain("holds a rsa key; publications are signed with Ed25519");
  }, 120_000);

  it("export-log writes a copy, verify checks the publication against it and names a tampered position", async () => {
    const x = await run((out, err) => exportLogCommand(config, { file: exported, out, err }));
    expect(x.code).toBe(0);
    expect(x.out).toMatch(/^Exported [\d,]+ events of .* to .*auditor-copy\.duckdb/);
    const again = await run((out, err) => exportLogCommand(config, { file: exported, out, err }));
    expect(again.code).toBe(1);
    expect(again.err).toContain("exists already");

    const auditor = loadConfig({ KPI_YEARS: "2019-2026" }, { dataDir: dir, log: exported });
    const ok = await run((out, err) => verifyCommand(auditor, { publication, publicKey: officePub, out, err }));
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    // the summary first: signature, figures, the head of the copy verified; no figure listed
    expect(ok.out).toMatch(
      /^Publication pub-\S+: [\d,]+ figures as known at log position [\d,]+\n {2}signature {8}ok: valid Ed25519 signature by key [0-9a-f]{64}\n {2}figures {10}[\d,]+ match, 0 mismatch\n {2}copy verified {4}head position [\d,]+, chain hash [0-9a-f]{64}\n/,
    );
    expect(ok.out).not.toMatch(/\nmatch\t/);
    expect(ok.out).toMatch(/VERIFIED: every check passed \([\d,]+ figures\), signature valid/);
    const verbose = await run((out, err) => verifyCommand(auditor, { publication, verbose: true, out, err }));
    expect(verbose.out).toMatch(/\nmatch\tPAYMENT_ACCT_15\tprovince\t2025\t\t\n/);
    expect(verbose.out).toMatch(/signature {8}NOT CHECKED: signed by key [0-9a-f]{64}; give --public-key FILE/);

    const stranger = await run((out, err) => verifyCommand(auditor, { publication, publicKey: strangerPub, out, err }));
    expect(stranger.code).toBe(1);
    expect(stranger.out).toBe("");
    expect(stranger.err).toMatch(/NOT VERIFIED: signed by key [0-9a-f]{64}, not by the key you hold/);

    // an edited figure: listed in the summary with its difference
    const json = JSON.parse(readFileSync(publication, "utf8")) as {
      figures: { indicator: string; geo: string; value: number }[];
    };
    const i = json.figures.findIndex((f) => f.indicator === "OCOP_ONLINE" && f.geo === "province");
    const edited = join(dir, "edited.json");
    writeFileSync(
      edited,
      JSON.stringify({ ...json, figures: json.figures.map((f, j) => (j === i ? { ...f, value: f.value + 5 } : f)) }),
    );
    const mismatch = await run((out, err) => verifyCommand(auditor, { publication: edited, out, err }));
    expect(mismatch.code).toBe(1);
    expect(mismatch.out).toMatch(
      /figures {10}[\d,]+ match, 1 mismatch\n {4}OCOP_ONLINE province 2025: value: published [\d.]+, recomputed [\d.]+ \(difference -5(\.\d+)?\)\n/,
    );
    const refusedEdit = await run((out, err) =>
      verifyCommand(auditor, { publication: edited, publicKey: officePub, out, err }),
    );
    expect(refusedEdit.code).toBe(1);
    expect(refusedEdit.err).toContain("the file was changed after it was signed");

    const copy = join(dir, "tampered.duckdb");
    copyFileSync(exported, copy);
    const instance = await DuckDBInstance.create(copy);
    const c = await instance.connect();
    await c.run(`UPDATE events SET occurred_on = occurred_on - INTERVAL 1 DAY WHERE position = 2000`);
    c.closeSync();
    instance.closeSync();
    const bad = await run((out, err) =>
      verifyCommand(loadConfig({ KPI_YEARS: "2019-2026" }, { dataDir: dir, log: copy }), { publication, out, err }),
    );
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/hash chain {7}BROKEN at position 2,000: /);
    expect(bad.out).toMatch(/NOT VERIFIED: first bad log position 2,000/);
  }, 120_000);

  it("explain --all writes every contributing event; the plain-SQL checker recomputes the root and counts from the log", async () => {
    const p = JSON.parse(readFileSync(publication, "utf8")) as {
      position: number;
      figures: {
        indicator: string;
        geo: string;
        numerator: string;
        denominator: string;
        value: number;
        contribution: { events: number; merkleRoot: string };
      }[];
    };
    const figure = p.figures.find((f) => f.indicator === "PAYMENT_ACCT_15" && f.geo === "province");
    if (figure === undefined) throw new Error("no PAYMENT_ACCT_15 province figure");
    const csv = join(dir, "PAYMENT_ACCT_15-province-2025.csv");
    const r = await run((out, err) =>
      explainCommand(config, {
        indicator: "PAYMENT_ACCT_15",
        geo: "province",
        year: 2025,
        asOf: String(p.position),
        all: true,
        file: csv,
        out,
        err,
      }),
    );
    expect(r.err).toBe("");
    expect(r.out).toContain(`Wrote ${figure.contribution.events} contributing events with their chain hashes`);
    const lines = readFileSync(csv, "utf8").trim().split("\r\n");
    expect(lines[0]).toBe("position,id,type,subject,occurred_on,recorded_at,in_numerator,in_denominator,chain_hash");
    expect(lines).toHaveLength(figure.contribution.events + 1);

    // the checker, as an auditor's DuckDB client runs it: the exported log open, the CSV named
    const check = async (log: string, listed: string) => {
      const instance = await DuckDBInstance.create(log, { access_mode: "READ_ONLY" });
      const c = await instance.connect();
      try {
        await c.run(`SET VARIABLE contributing = '${listed.replaceAll("'", "''")}'`);
        await c.run("SET VARIABLE reported_field = 'aged15plus'");
        const sql = readFileSync(new URL("../../../../docs/audit-check.sql", import.meta.url), "utf8")
          .split("\n")
          .filter((l) => !l.startsWith("--"))
          .join("\n");
        let last: Record<string, unknown>[] = [];
        for (const statement of sql.split(/;\s*\n/).filter((x) => x.trim() !== "")) {
          last = (await c.runAndReadAll(statement)).getRowObjectsJS();
        }
        return last[0] ?? {};
      } finally {
        c.closeSync();
        instance.closeSync();
      }
    };
    const row = await check(exported, csv);
    expect(row).toMatchObject({
      events_listed: BigInt(figure.contribution.events),
      events_matching_log: BigInt(figure.contribution.events),
      merkle_root: figure.contribution.merkleRoot,
      numerator_subjects: BigInt(figure.numerator),
    });
    // PAYMENT_ACCT_15 is a shareOfReported: its denominator is the reported population aged 15+
    expect(String(row.denominator_reported).replace(/\.0+$/, "")).toBe(figure.denominator);
    expect(Number(row.percent)).toBeCloseTo(figure.value, 9);

    // one event's hash edited in a copy of the log: the root the checker computes moves, the event is named
    const copy = join(dir, "checker-tampered.duckdb");
    copyFileSync(exported, copy);
    const position = Number(lines[1]?.split(",")[0]);
    const instance = await DuckDBInstance.create(copy);
    const c = await instance.connect();
    await c.run(`UPDATE events SET hash = unhex(sha256('x')) WHERE position = ${position}`);
    c.closeSync();
    instance.closeSync();
    const tampered = await check(copy, csv);
    expect(tampered.merkle_root).not.toBe(figure.contribution.merkleRoot);
    expect(tampered.events_matching_log).toBe(BigInt(figure.contribution.events - 1));
  }, 120_000);

  it("explain lists the facts behind a figure", async () => {
    const r = await run((out, err) =>
      explainCommand(config, { indicator: "OCOP_ONLINE", geo: "province", year: 2025, out, err }),
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OCOP_ONLINE for province in 2025, as known at log position [\d,]+/);
    expect(r.out).toMatch(/\nNumerator: [\d,]+ fact\(s\)/);
    expect(r.out).toMatch(/\n {2}\d+\t\S+\tOcop\w+\tocop:\S+\t\d{4}-\d{2}-\d{2}\t/);
    expect(r.out).toMatch(/\nRevisions/);
    const none = await run((out, err) =>
      explainCommand(config, { indicator: "OCOP_ONLINE", geo: "99999", year: 2025, out, err }),
    );
    expect(none.code).toBe(1);
    expect(none.err).toContain("no figure OCOP_ONLINE for 99999 in 2025");
  }, 120_000);
});
