/**
 * Every command keeps working while `kpi serve` holds the log: imports go through the server (the same line
 * errors, all-or-nothing rule, reject files and summary), reads run in it or on a copy of its log, writes
 * that need the files alone are refused with what to do, and no output carries DuckDB's own error text.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, CLI, type KpiRun, kpiIn, REPO_ROOT } from "./testing/runKpi.fixture.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-serving-"));
const kpi = kpiIn(dir);
let server: ChildProcess | undefined;
let serverOut = "";

/** DuckDB's own words, which must never reach a user. */
const RAW =
  /IO Error|Catalog Error|Binder Error|Conflicting lock|Could not set lock|Invalid Input Error|TransactionContext/;
const clean = (r: KpiRun) => {
  expect(`${r.out}\n${r.err}`).not.toMatch(RAW);
  return r;
};

const fact = (n: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: `serving-acct-${n}`,
    type: "PaymentAccountOpened",
    subject: `person:5e7e${String(n).padStart(12, "0")}`,
    occurredOn: "2025-08-01",
    source: "nhnn-kv15",
    data: { commune: "28261", birthYear: 1990, institution: "vcb" },
    ...over,
  });

beforeAll(async () => {
  assertBuilt();
  const demo = kpi("demo", "--scale", "tiny", "--no-serve");
  if (demo.code !== 0) throw new Error(`demo failed: ${demo.err}`);
  server = spawn(process.execPath, [CLI, "serve", "--port", "0", "--data-dir", dir], {
    cwd: REPO_ROOT,
    env: { ...process.env, KPI_YEARS: "2019-2026" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (d) => {
    serverOut += String(d);
  });
  server.stderr?.on("data", (d) => {
    serverOut += String(d);
  });
  const t0 = Date.now();
  while (!existsSync(join(dir, "server.json"))) {
    if (Date.now() - t0 > 60_000) throw new Error(`the server did not start: ${serverOut}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 180_000);

afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("while kpi serve runs", () => {
  it("publishes how to reach it in server.json, readable by its owner only", () => {
    const file = join(dir, "server.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const info = JSON.parse(readFileSync(file, "utf8")) as { url: string; token: string; pid: number };
    expect(info.pid).toBe(server?.pid);
    expect(info.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it("imports a file through the server; the figures show it at once", () => {
    const head = Number(clean(kpi("head")).out.trim());
    const numerator = () =>
      Number(
        clean(kpi("figure", "PAYMENT_ACCT_15", "--year", "2025"))
          .out.split("\n")[1]
          ?.split("\t")[4],
      );
    const before = numerator();
    const file = join(dir, "new.ndjson");
    writeFileSync(file, `${fact(1)}\n${fact(2)}\n`);
    const r = clean(kpi("import", file));
    expect(r.code).toBe(0);
    expect(r.err).toContain("importing through it");
    expect(r.out).toMatch(/Imported .*new\.ndjson/);
    expect(r.out).toMatch(/accepted\s+2\b/);
    expect(Number(clean(kpi("head")).out.trim())).toBe(head + 2);
    expect(numerator()).toBe(before + 2);
    const again = clean(kpi("import", file));
    expect(again.out).toMatch(/duplicates\s+2\b/);
  });

  it("takes two imports at once one after the other, losing nothing", async () => {
    const head = Number(clean(kpi("head")).out.trim());
    const files = [0, 1].map((k) => {
      const f = join(dir, `both-${k}.ndjson`);
      writeFileSync(f, `${Array.from({ length: 50 }, (_, i) => fact(1000 + 100 * k + i)).join("\n")}\n`);
      return f;
    });
    const run = (file: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, [CLI, "import", file, "--data-dir", dir], {
          cwd: REPO_ROOT,
          env: { ...process.env, KPI_YEARS: "2019-2026" },
        });
        let out = "";
        let err = "";
        p.stdout.on("data", (d) => {
          out += String(d);
        });
        p.stderr.on("data", (d) => {
          err += String(d);
        });
        p.on("exit", (code) => resolve({ code, out, err }));
      });
    const both = await Promise.all(files.map(run));
    for (const r of both) {
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/accepted\s+50\b/);
      expect(`${r.out}${r.err}`).not.toMatch(RAW);
    }
    expect(Number(clean(kpi("head")).out.trim())).toBe(head + 100);
    expect(clean(kpi("verify-log")).out).toMatch(/^chain verifies/);
  }, 120_000);

  it("refuses a file with a bad line as kpi import does, and sets bad lines aside with --skip-invalid", () => {
    const head = clean(kpi("head")).out.trim();
    const bad = join(dir, "bad.ndjson");
    writeFileSync(bad, `${fact(3)}\n${fact(4, { data: { commune: "2826", birthYear: 1990, institution: "vcb" } })}\n`);
    const r = clean(kpi("import", bad));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:2: data.commune:`);
    expect(r.out).toMatch(/Refused .*bad\.ndjson/);
    expect(clean(kpi("head")).out.trim()).toBe(head);
    const skipped = clean(kpi("import", bad, "--skip-invalid"));
    expect(skipped.code).toBe(0);
    expect(skipped.out).toMatch(/rejected\s+1 \(written to .*bad\.rejected\.ndjson\)/);
    expect(readFileSync(join(dir, "bad.rejected.ndjson"), "utf8")).toContain('"2826"');
    expect(readFileSync(join(dir, "bad.rejected.txt"), "utf8")).toContain("data.commune");
    // a file that cannot be read as facts at all is refused whole, said as kpi import says it, with its own name
    const header = join(dir, "header.csv");
    writeFileSync(header, "when,what\n2025-01-01,x\n");
    const h = clean(kpi("import", header, "--skip-invalid"));
    expect(h.code).toBe(1);
    expect(h.err).toContain(`${header}:1:`);
    expect(h.err).toContain("--skip-invalid skips bad lines, not a bad file");
  });

  it("runs every read command, in the server or on a copy of its log", () => {
    expect(clean(kpi("figure", "PAYMENT_ACCT_15", "--year", "2025")).out).toMatch(/^PAYMENT_ACCT_15\tprovince\t2025/m);
    const exported = clean(kpi("export", "--out", join(dir, "export"), "--format", "csv"));
    expect(exported.code).toBe(0);
    expect(existsSync(join(dir, "export", "published_indicator_values.csv"))).toBe(true);
    expect(clean(kpi("explain", "PAYMENT_ACCT_15", "province", "2025")).code).toBe(0);
    expect(clean(kpi("quarantine")).out).toContain("No event is in quarantine");
    expect(clean(kpi("verify-log")).out).toMatch(/^chain verifies: \d+ events/);
    const copy = join(dir, "copy.duckdb");
    const ex = clean(kpi("export-log", "--out", copy));
    expect(ex.code).toBe(0);
    expect(ex.out).toContain("through the server");
    expect(existsSync(copy)).toBe(true);
    expect(clean(kpi("project")).out).toContain("folds facts as they arrive");
  });

  it("publishes through the server and verifies the publication on a copy of its log", () => {
    const pub = join(dir, "pub-2025.json");
    const p = clean(kpi("publish", "--year", "2025", "--indicator", "PAYMENT_ACCT_15", "--out", pub));
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/Published .*PublicationIssued at log position/s);
    const v = clean(kpi("verify", pub));
    expect(v.code).toBe(0);
  });

  it("refuses, saying what to do, what needs the files alone", () => {
    for (const [args, hint] of [
      [["rebuild"], "stop it to rebuild"],
      [["migrate", "--from", "embedded", "--to", "embedded", "--to-log", join(dir, "m.duckdb")], "stop it to migrate"],
      [["serve", "--port", "0"], "already serves"],
    ] as const) {
      const r = clean(kpi(...args));
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err, args.join(" ")).toContain(hint);
    }
  });

  it("stops on SIGTERM, cleanly, and withdraws server.json", async () => {
    const exited = new Promise<number | null>((r) => server?.on("exit", (code) => r(code)));
    server?.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, "server.json"))).toBe(false);
    server = undefined;
    // and the commands open the files themselves again
    expect(clean(kpi("head")).code).toBe(0);
  }, 60_000);

  it("starts again listening at once, and folds what was appended while it was stopped in the background", async () => {
    const file = join(dir, "while-stopped.ndjson");
    writeFileSync(file, `${fact(101)}\n${fact(102)}\n${fact(103)}\n`);
    expect(clean(kpi("import", file)).code).toBe(0);
    const head = Number(clean(kpi("head")).out.trim());
    let out = "";
    const again = spawn(process.execPath, [CLI, "serve", "--port", "0", "--data-dir", dir], {
      cwd: REPO_ROOT,
      env: { ...process.env, KPI_YEARS: "2019-2026" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    again.stdout?.on("data", (d) => {
      out += String(d);
    });
    again.stderr?.on("data", (d) => {
      out += String(d);
    });
    try {
      const t0 = Date.now();
      while (!out.includes("Folded the events appended before the start")) {
        if (Date.now() - t0 > 60_000 || again.exitCode !== null) throw new Error(`no background fold: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).not.toContain("Projected positions"); // nothing folded before it listened
      expect(out.indexOf("Dashboard: ")).toBeLessThan(out.indexOf("Folded the events"));
      expect(out).toContain(`positions ${(head - 3).toLocaleString("en-US")} → ${head.toLocaleString("en-US")}`);
      const info = JSON.parse(readFileSync(join(dir, "server.json"), "utf8")) as { url: string };
      const health = (await (await fetch(`${info.url}/v1/health`)).json()) as { position: number; behind: number };
      expect(health).toMatchObject({ position: head, behind: 0 });
    } finally {
      const exited = new Promise((r) => again.on("exit", r));
      again.kill("SIGTERM");
      await exited;
    }
  }, 120_000);
});
