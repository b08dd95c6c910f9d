import { describe, expect, it } from "vitest";
import { explainFailure } from "./failures.js";

describe("explainFailure", () => {
  it("names the process holding a file and what to do, without DuckDB's words", () => {
    const m = explainFailure(
      'IO Error: Could not set lock on file "/d/events.duckdb": Conflicting lock is held in /usr/bin/node (PID 4242). See also https://duckdb.org/docs/stable/connect/concurrency',
    );
    expect(m).toContain("/d/events.duckdb is open in another process (PID 4242)");
    expect(m).toContain("wait for that one to finish");
    expect(m).not.toContain("IO Error");
  });

  it("says a missing log is missing and how to make one", () => {
    const m = explainFailure(
      'IO Error: Cannot open database "/d/events.duckdb" in read-only mode: database does not exist',
    );
    expect(m).toBe(
      "there is no event log at /d/events.duckdb yet: import facts first (kpi import FILE), or point --data-dir or --log at an existing one",
    );
  });

  it("adds what to do to any other database error, and says a full disk is one", () => {
    expect(explainFailure("Catalog Error: Table with name x does not exist!")).toContain("run kpi verify-log");
    expect(explainFailure("IO Error: No space left on device")).toContain("the disk is full; free space");
    expect(explainFailure("kpi import: 2 files")).toBe("kpi import: 2 files");
  });

  it("says the database ran out of its memory and how to give it more, without DuckDB's advice", () => {
    const m = explainFailure(
      "Out of Memory Error: failed to allocate data of size 16.0 MiB (5.5 GiB/5.5 GiB used)\n\nPossible solutions:\n* Reducing the number of threads (SET threads=X)\n* Increasing the memory limit (SET memory_limit='...GB')",
    );
    expect(m).toContain("ran out of the memory it may use (5.5 GiB/5.5 GiB)");
    expect(m).toContain("KPI_DUCKDB_MEMORY");
    expect(m).not.toContain("SET memory_limit");
    expect(m).not.toContain("restore it from a backup");
    const pin = explainFailure("Out of Memory Error: failed to pin block of size 256.0 KiB (5.5 GiB/5.5 GiB used)");
    expect(pin).toContain("KPI_DUCKDB_MEMORY");
    expect(pin).not.toContain("failed to pin");
  });
});
