import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daicho } from "./bin";
import { appendSamples } from "./fixture";

// Through the built binary: `pnpm run build` first.
const LEDGER_ID = "cli.test/held-head";
let dir: string;
const file = (name: string) => join(dir, name);

const append = (path: string, from: number, count: number) =>
  appendSamples(path, LEDGER_ID, from, count);

function hashAt(path: string, seq: number): string {
  const db = new Database(path, { readonly: true });
  const row = db.prepare("SELECT hash FROM daicho_events WHERE seq = ?").get(seq) as {
    hash: string;
  };
  db.close();
  return row.hash;
}

const verify = (path: string, ...extra: string[]) => daicho(["verify", path, "--json", ...extra]);
let held: { seq: string; hash: string };
/** What an auditor of rolled.db wrote down before the rollback: heads #3 and #9. */
let rolledHeld: { at3: string; at9: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-held-"));
  await append(file("a.db"), 0, 10);
  // Another history under the same ledger id, of the same length.
  await append(file("b.db"), 100, 10);
  // a.db rolled back five events and re-extended with five others, to the same length.
  await append(file("rolled.db"), 0, 10);
  held = { seq: "9", hash: hashAt(file("a.db"), 9) };
  rolledHeld = { at3: hashAt(file("rolled.db"), 3), at9: hashAt(file("rolled.db"), 9) };
  const db = new Database(file("rolled.db"));
  db.prepare("DELETE FROM daicho_event_subjects WHERE seq >= 5").run();
  db.prepare("DELETE FROM daicho_events WHERE seq >= 5").run();
  db.close();
  await append(file("rolled.db"), 500, 5);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("daicho verify --expect-seq N --expect-hash H (the built binary)", () => {
  it("accepts the ledger that holds the head, and says so", async () => {
    const r = await verify(file("a.db"), "--expect-seq", held.seq, "--expect-hash", held.hash);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      format: "daicho-verify-report/v1",
      ok: true,
      headSeq: 9,
      headHash: held.hash,
    });
    const text = await daicho([
      "verify",
      file("a.db"),
      "--expect-seq",
      "9",
      "--expect-hash",
      held.hash,
    ]);
    expect(text.out).toContain("holds your head #9");
  });

  it("rejects another history under the same ledger id: head-mismatch, exit 1", async () => {
    const r = await verify(file("b.db"), "--expect-seq", held.seq, "--expect-hash", held.hash);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      ok: false,
      failure: { seq: 9, kind: "head-mismatch" },
    });
  });

  it("rejects a ledger rolled back and re-extended to the same length", async () => {
    const plain = await verify(file("rolled.db"));
    expect(plain.code, "the chain alone is intact").toBe(0);
    const r = await verify(file("rolled.db"), "--expect-seq", "9", "--expect-hash", rolledHeld.at9);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).failure).toMatchObject({ seq: 9, kind: "head-mismatch" });
    const before = await verify(
      file("rolled.db"),
      "--expect-seq",
      "3",
      "--expect-hash",
      rolledHeld.at3,
    );
    expect(before.code, "a head before the rollback point still holds").toBe(0);
  });

  it("rejects a wrong hash and the all-zero hash, exit 1", async () => {
    const wrong = held.hash.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    for (const hash of [wrong, "0".repeat(64)]) {
      const r = await verify(file("a.db"), "--expect-seq", held.seq, "--expect-hash", hash);
      expect(r.code, hash).toBe(1);
      expect(JSON.parse(r.out).failure.kind).toBe("head-mismatch");
    }
  });

  it("reports a head beyond the end as truncated", async () => {
    const r = await verify(file("a.db"), "--expect-seq", "12", "--expect-hash", held.hash);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).failure).toMatchObject({ seq: 10, kind: "truncated" });
  });

  it("refuses half a head, exit 2 with how to fix it", async () => {
    const seqOnly = await verify(file("a.db"), "--expect-seq", "9");
    expect(seqOnly.code).toBe(2);
    expect(JSON.parse(seqOnly.out)).toMatchObject({
      format: "daicho-error/v1",
      error: { code: "INVALID_ARGUMENT", path: "--expect-hash" },
    });
    expect(JSON.parse(seqOnly.out).error.reason).toMatch(/give --expect-hash too/);
    const hashOnly = await daicho(["verify", file("a.db"), "--expect-hash", held.hash]);
    expect(hashOnly.code).toBe(2);
    expect(hashOnly.err).toMatch(/give --expect-seq too/);
  });

  it("refuses a malformed hash: non-hex, upper case, short, long", async () => {
    for (const hash of [
      "z".repeat(64),
      held.hash.toUpperCase(),
      held.hash.slice(1),
      `${held.hash}0`,
      "",
    ]) {
      const r = await verify(file("a.db"), "--expect-seq", "9", `--expect-hash=${hash}`);
      expect(r.code, hash).toBe(2);
      expect(JSON.parse(r.out).error).toMatchObject({
        code: "INVALID_ARGUMENT",
        path: "--expect-hash",
      });
    }
  });

  it("refuses a malformed seq: sign, exponent, leading zero, hex, fraction, beyond 2^53 − 1", async () => {
    for (const seq of ["-1", "+9", "1e1", "09", "0x9", "9.0", "9007199254740992", "", " 9"]) {
      const r = await verify(file("a.db"), `--expect-seq=${seq}`, "--expect-hash", held.hash);
      expect(r.code, seq).toBe(2);
      expect(JSON.parse(r.out).error).toMatchObject({
        code: "INVALID_ARGUMENT",
        path: "--expect-seq",
      });
    }
    const max = await verify(
      file("a.db"),
      "--expect-seq",
      "9007199254740991",
      "--expect-hash",
      held.hash,
    );
    expect(max.code, "2^53 − 1 is well-formed (and beyond this ledger)").toBe(1);
    expect(JSON.parse(max.out).failure.kind).toBe("truncated");
  });
});
