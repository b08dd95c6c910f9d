/**
 * The audit commands as functions (what `kpi publish`, `export-log`, `verify` and `explain` run), on the tiny
 * sample in a temporary data folder: a publication verifies against an exported log, an edited event fails at
 * its position, and a figure is explained with the facts behind it.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
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

let config: Config;
let publication: string;
const exported = join(dir, "auditor-copy.duckdb");

beforeAll(async () => {
  config = loadConfig({ KPI_YEARS: "2019-2026" }, { dataDir: dir });
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
    publication = /file {6}(\S+)/.exec(r.out)?.[1] ?? "";
    expect(publication).toMatch(/publications\/pub-.*\.json$/);
    const refused = await run((out, err) =>
      publishCommand(config, { years: [2025], indicators: ["NOT_AN_INDICATOR"], level: "province", out, err }),
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("unknown indicator NOT_AN_INDICATOR");
  }, 120_000);

  it("export-log writes a copy, verify checks the publication against it and names a tampered position", async () => {
    const x = await run((out, err) => exportLogCommand(config, { file: exported, out, err }));
    expect(x.code).toBe(0);
    expect(x.out).toMatch(/^Exported [\d,]+ events of .* to .*auditor-copy\.duckdb/);
    const again = await run((out, err) => exportLogCommand(config, { file: exported, out, err }));
    expect(again.code).toBe(1);
    expect(again.err).toContain("exists already");

    const auditor = loadConfig({ KPI_YEARS: "2019-2026" }, { dataDir: dir, log: exported });
    const ok = await run((out, err) => verifyCommand(auditor, { publication, out, err }));
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/figures {10}[\d,]+ match, 0 mismatch/);
    expect(ok.out).toMatch(/\nmatch\tPAYMENT_ACCT_15\tprovince\t2025\t\t\n/);
    expect(ok.out).toMatch(/VERIFIED: every check passed/);

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
