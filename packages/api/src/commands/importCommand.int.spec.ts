/**
 * `kpi import` as a command on real files: a CSV whose header is wrong is refused as a file, with a message that
 * does not suggest --skip-invalid (which skips bad lines, not a bad file), and a ragged row is one bad line.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { importCommand } from "./importCommand.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-import-cmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = async (file: string, skipInvalid: boolean) => {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  err.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const config = loadConfig({}, { dataDir: join(dir, `data-${Math.random()}`) });
  const code = await importCommand(config, { files: [file], skipInvalid, showErrors: 10, out, err });
  return { code, stdout, stderr };
};

const row = (n: number) =>
  `csv-${n},PaymentAccountOpened,person:a11ce0000000000${n},2024-03-10,nhnn-kv15,"{""commune"":""29926"",""birthYear"":1990}"`;

describe("kpi import of CSV files", () => {
  it("refuses a file with a wrong header as a whole, even with --skip-invalid, and says so", async () => {
    const file = join(dir, "header.csv");
    writeFileSync(file, `id,type,subject,date,source,data\n${[1, 2, 3].map(row).join("\n")}\n`);
    const r = await run(file, true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:1: (header): missing column(s) occurredOn; unknown column(s) "date"`);
    expect(r.stderr).toContain(
      "the file cannot be read as facts (see above); --skip-invalid skips bad lines, not a bad file",
    );
    expect(r.stdout).toMatch(/Refused .*\n {2}lines read {6}0\n {2}accepted {8}0/);
  });

  it("with --skip-invalid rejects a ragged row by its line and appends the others", async () => {
    const file = join(dir, "ragged.csv");
    writeFileSync(file, `id,type,subject,occurredOn,source,data\n${row(1)}\n${row(2)},x\n${row(3)}\n`);
    const r = await run(file, true);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${file}:3: (line): 7 field(s), but the header names 6`);
    expect(r.stdout).toMatch(/lines read {6}3\n {2}accepted {8}2\n {2}duplicates {6}0\n {2}rejected {8}1/);
  });
});
