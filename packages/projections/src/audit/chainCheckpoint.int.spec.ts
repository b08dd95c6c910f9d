/**
 * The auditor's chain checkpoint on a real embedded log: the first check covers the whole chain and records the
 * head; the next checks only what was appended since; an edit at or before the checkpoint is not re-checked,
 * one after it is found; a checkpoint the log no longer agrees with (rewritten, cut short, another log, an
 * unreadable file) is reported, the whole chain is checked, and the check fails without moving the checkpoint.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { DuckDbEventLog, decodeFact, type Fact } from "@kpi/core";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { CHECKPOINT_FORMAT, checkChainFrom, readCheckpoint } from "./chainCheckpoint.js";

const dir = mkdtempSync(join(tmpdir(), "kpi-checkpoint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const opened = (i: number): Fact => {
  const r = decodeFact({
    id: `acct-${i}`,
    type: "PaymentAccountOpened",
    subject: `person:p${i}`,
    occurredOn: "2024-03-10",
    source: "nhnn-kv15",
    data: { commune: "29926", birthYear: 1990, institution: "vcb" },
  });
  if (E.isLeft(r)) throw new Error("test fact does not decode");
  return r.right;
};

/** A log of `count` events (one per batch); returns its path. */
const logOf = async (count: number): Promise<string> => {
  const path = join(dir, `log-${n++}.duckdb`);
  await append(path, 0, count);
  return path;
};

const append = async (path: string, from: number, count: number): Promise<void> => {
  const log = await DuckDbEventLog.open(path);
  try {
    for (let i = from; i < from + count; i++) if (E.isLeft(await log.append([opened(i)]))) throw new Error("refused");
  } finally {
    await log.close();
  }
};

const edit = async (path: string, sql: string): Promise<void> => {
  const db = await DuckDBInstance.create(path);
  const c = await db.connect();
  await c.run(sql);
  c.closeSync();
  db.closeSync();
};

const check = async (path: string, file: string | undefined) => {
  const log = await DuckDbEventLog.open(path, { readOnly: true });
  try {
    return await checkChainFrom(log, path, file, () => new Date("2026-01-15T08:00:00.000Z"));
  } finally {
    await log.close();
  }
};

const forged = (p: number) =>
  `UPDATE events SET data = json_merge_patch(data, '{"institution":"forged"}') WHERE position = ${p}`;

describe("checkChainFrom", () => {
  it("checks the whole chain the first time, then only the events appended since, recording each head", async () => {
    const path = await logOf(5);
    const file = join(dir, `ck-${n++}.json`);
    const first = await check(path, file);
    expect(first).toMatchObject({ ok: true, checkpoint: { _tag: "None", file }, chain: { checked: 5, head: 5 } });
    const saved = readCheckpoint(file);
    expect(saved).toEqual(
      E.right({
        format: CHECKPOINT_FORMAT,
        log: path,
        position: 5,
        hash: first.saved?.hash,
        verifiedAt: "2026-01-15T08:00:00.000Z",
        keysChecked: true,
      }),
    );
    await append(path, 5, 3);
    const second = await check(path, file);
    expect(second).toMatchObject({
      ok: true,
      checkpoint: { _tag: "Used", position: 5 },
      chain: { ok: true, checked: 3, head: 8 },
      saved: { position: 8 },
    });
    expect(await check(path, file)).toMatchObject({ ok: true, chain: { checked: 0, head: 8 } });
  });

  it("says every event was checked for second subject keys only when the checks since a whole one did", async () => {
    const path = await logOf(4);
    const file = join(dir, `ck-${n++}.json`);
    expect(await check(path, file)).toMatchObject({ ok: true, keysChecked: true });
    // a checkpoint an earlier version wrote does not say so: the events before it were not looked at
    const older = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    delete older.keysChecked;
    writeFileSync(file, JSON.stringify(older));
    await append(path, 4, 2);
    expect(await check(path, file)).toMatchObject({ ok: true, keysChecked: false, checkpoint: { _tag: "Used" } });
    expect(readCheckpoint(file)).toEqual(E.right(expect.not.objectContaining({ keysChecked: true })));
    // nor does any check from it on, until a whole one
    await append(path, 6, 1);
    expect(await check(path, file)).toMatchObject({ ok: true, keysChecked: false });
    expect(await check(path, undefined)).toMatchObject({ ok: true, keysChecked: true });
    // a check that fails says nothing of the keys, and a second key after the checkpoint fails it
    const ok = join(dir, `ck-${n++}.json`);
    expect(await check(path, ok)).toMatchObject({ ok: true, keysChecked: true });
    await append(path, 7, 1);
    // as an earlier version wrote it: the new event's subject under a second key of that subject
    await edit(
      path,
      `INSERT INTO subjects SELECT (SELECT max(subject_key) + 1 FROM subjects), subject FROM events WHERE position = 8;
       UPDATE events SET subject_key = (SELECT max(subject_key) FROM subjects) WHERE position = 8`,
    );
    const r = await check(path, ok);
    expect(r).toMatchObject({ ok: false, keysChecked: false, chain: { firstBad: { position: 8 } } });
    expect(r.chain.firstBad?.reason).toMatch(/second key/);
  });

  it("does not re-check an event at or before the checkpoint, but finds one edited after it", async () => {
    const path = await logOf(6);
    const file = join(dir, `ck-${n++}.json`);
    expect((await check(path, file)).ok).toBe(true);
    await append(path, 6, 4);
    await edit(path, forged(3));
    // before the checkpoint: not re-checked (the full check finds it)
    expect(await check(path, file)).toMatchObject({ ok: true, checkpoint: { _tag: "Used", position: 6 } });
    expect(await check(path, undefined)).toMatchObject({ ok: false, chain: { firstBad: { position: 3 } } });
    await append(path, 10, 2);
    await edit(path, forged(11));
    const r = await check(path, file);
    expect(r).toMatchObject({
      ok: false,
      checkpoint: { _tag: "Used", position: 10 },
      chain: { ok: false, checked: 0, firstBad: { position: 11 } },
    });
    expect(r.saved).toBeUndefined();
    expect(readCheckpoint(file)).toMatchObject(E.right({ position: 10 }));
  });

  it("reports a checkpoint whose hash the log no longer holds, checks the whole chain, and keeps the file", async () => {
    const path = await logOf(4);
    const file = join(dir, `ck-${n++}.json`);
    expect((await check(path, file)).ok).toBe(true);
    const before = readFileSync(file, "utf8");
    // the log up to the checkpoint rewritten: the stored hash there is another one
    await edit(path, "UPDATE events SET hash = unhex(sha256('rewritten')) WHERE position = 4");
    const r = await check(path, file);
    expect(r.ok).toBe(false);
    expect(r.checkpoint).toMatchObject({ _tag: "Mismatch", position: 4 });
    expect(r.checkpoint._tag === "Mismatch" && r.checkpoint.reason).toMatch(
      /chain hash at the checkpoint's position 4 is \w{64}, not \w{64} as verified on 2026-01-15T08:00:00.000Z/,
    );
    expect(r.chain).toMatchObject({ ok: false, firstBad: { position: 4 } });
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("reports a checkpoint of another log whose whole chain verifies, and a log cut short of it", async () => {
    const file = join(dir, `ck-${n++}.json`);
    expect((await check(await logOf(3), file)).ok).toBe(true);
    const other = join(dir, `other-${n++}.duckdb`);
    await append(other, 100, 3);
    const r = await check(other, file);
    expect(r).toMatchObject({ ok: false, chain: { ok: true, checked: 3 }, checkpoint: { _tag: "Mismatch" } });
    const short = await logOf(2);
    const s = await check(short, file);
    expect(s).toMatchObject({ ok: false, chain: { ok: true }, checkpoint: { _tag: "Mismatch", position: 3 } });
    expect(s.checkpoint._tag === "Mismatch" && s.checkpoint.reason).toMatch(/holds no event at .* position 3/);
  });

  it("says why a checkpoint file cannot be used, and checks the whole chain", async () => {
    const path = await logOf(2);
    const file = join(dir, `ck-${n++}.json`);
    writeFileSync(file, '{"format":"kpi-chain-checkpoint/1","position":"two"}');
    const r = await check(path, file);
    expect(r).toMatchObject({ ok: false, chain: { ok: true, checked: 2 }, checkpoint: { _tag: "Unreadable" } });
    expect(r.checkpoint._tag === "Unreadable" && r.checkpoint.reason).toMatch(/^it is not a kpi-chain-checkpoint\/1/);
    writeFileSync(file, "{");
    expect((await check(path, file)).checkpoint).toMatchObject({ reason: expect.stringMatching(/^it is not JSON/) });
    // without a checkpoint file, nothing is read or written
    expect(await check(path, undefined)).toMatchObject({ ok: true, checkpoint: { _tag: "None" } });
    expect((await check(path, undefined)).saved).toBeUndefined();
  });
});
