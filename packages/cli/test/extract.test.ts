import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { ed25519Signer, formatCheckpoint, formatNote, signNote } from "@daicho/core/checkpoint";
import { mapLine } from "@daicho/core/map";
import { catchUp, memoryTreeStore } from "@daicho/core/merkle";
import { accessInput as access } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./run";

const LEDGER_ID = "cli.test/extract";
let dir: string;
let db: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  delete process.env.DAICHO_SIGNING_KEY;
  dir = mkdtempSync(join(tmpdir(), "daicho-extract-"));
  db = file("ledger.db");
  const ledger = await openLedger({ store: sqliteStore(db), ledgerId: LEDGER_ID });
  await ledger.appendBatch(
    Array.from({ length: 40 }, (_, n) =>
      n % 4 === 0
        ? access(n, "alice")
        : n % 10 === 3
          ? access(n, "bob", "carol")
          : access(n, `x-${n}`),
    ),
  );
  await ledger.close();
  expect((await run("keygen", LEDGER_ID, "--out", file("log.key"))).code).toBe(0);
  const cp = await run("checkpoint", db, "--key", file("log.key"), "--out", file("cp.txt"));
  expect(cp.code, cp.err).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vkey = () => file("log.key.vkey");

async function extract(out: string, ...more: string[]) {
  return run("extract", db, "--vkey", vkey(), "--out", file(out), ...more);
}

describe("daicho extract / verify-extract", () => {
  it("writes an extract for a subject and a never-seen id; verify-extract says OK (exit 0)", async () => {
    const w = await extract("a.json", "--subject", "alice", "--subject", "nobody", "--json");
    expect(w.code, w.err).toBe(0);
    expect(JSON.parse(w.out)).toMatchObject({
      format: "daicho-extract-result/v1",
      ok: true,
      subjects: 2,
      members: 1,
      events: 10,
    });
    const v = await run("verify-extract", file("a.json"), "--vkey", vkey(), "--json");
    expect(v.code, v.err).toBe(0);
    const report = JSON.parse(v.out);
    expect(report.format).toBe("daicho-extract-report/v1");
    expect(report.subjects).toEqual([
      { id: "alice", member: true, count: 10, events: [0, 4, 8, 12, 16, 20, 24, 28, 32, 36] },
      { id: "nobody", member: false, count: 0, events: [] },
    ]);
    const human = await run("verify-extract", file("a.json"), "--vkey", vkey());
    expect(human.out).toMatch(
      /^OK {2}cli\.test\/extract: complete as of the checkpoint of size 40/,
    );
    expect(human.out).toContain("nobody: no event about this subject");
  });

  it("exit 1 for a dropped event, a missing expected subject or a stranger's key", async () => {
    await extract("b.json", "--subject", "alice");
    const x = JSON.parse(readFileSync(file("b.json"), "utf8"));
    x.events.splice(2, 1);
    x.subjects[0].events.splice(2, 1);
    writeFileSync(file("dropped.json"), JSON.stringify(x));
    const dropped = await run("verify-extract", file("dropped.json"), "--vkey", vkey(), "--json");
    expect(dropped.code).toBe(1);
    expect(JSON.parse(dropped.out).error.code).toBe("PROOF_INVALID");
    const missing = await run(
      "verify-extract",
      file("b.json"),
      "--vkey",
      vkey(),
      "--expect",
      "alice",
      "--expect",
      "dave",
    );
    expect(missing.code).toBe(1);
    expect((await run("keygen", "other.example/w", "--out", file("w.key"))).code).toBe(0);
    const stranger = await run("verify-extract", file("b.json"), "--vkey", file("w.key.vkey"));
    expect(stranger.code).toBe(1);
  });

  it("exit 2 for a malformed file and for an extract that would reveal a co-subject", async () => {
    writeFileSync(file("bad.json"), '{"format":"daicho-subject-extract/v1"}');
    const bad = await run("verify-extract", file("bad.json"), "--vkey", vkey(), "--json");
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.out).error.code).toBe("DECODE_ERROR");
    const shared = await extract("bob.json", "--subject", "bob", "--json");
    expect(shared.code).toBe(2);
    expect(shared.out).not.toContain("carol");
    const revealed = await extract("bob.json", "--subject", "bob", "--reveal-shared");
    expect(revealed.code, revealed.err).toBe(0);
    expect((await run("verify-extract", file("bob.json"), "--vkey", vkey())).code).toBe(0);
  });

  it("takes subjects from a file, and writes nothing into the ledger", async () => {
    writeFileSync(file("ids.txt"), "carol\nbob\n");
    const before = readFileSync(db);
    const w = await extract("bc.json", "--subjects", file("ids.txt"));
    expect(w.code, w.err).toBe(0);
    expect(readFileSync(db).equals(before)).toBe(true);
    writeFileSync(file("expect.txt"), "bob\ncarol\n");
    const v = await run(
      "verify-extract",
      file("bc.json"),
      "--vkey",
      vkey(),
      "--expect-file",
      file("expect.txt"),
    );
    expect(v.code, v.err).toBe(0);
  });
});

describe("daicho verify and the subject map", () => {
  it("reports a checkpoint whose signed map root is not the map of the events (exit 1)", async () => {
    const path = file("forged.db");
    const ledger = await openLedger({ store: sqliteStore(path), ledgerId: LEDGER_ID });
    await ledger.appendBatch(Array.from({ length: 10 }, (_, n) => access(n, `p-${n % 3}`)));
    const root = await (await catchUp(memoryTreeStore(), ledger.store)).root(10);
    await ledger.close();
    expect((await run("verify", path)).code).toBe(0);
    // A checkpoint with the right tree root whose map line says the ledger names nobody.
    const text = formatCheckpoint({
      origin: LEDGER_ID,
      size: 10,
      root,
      extensions: [mapLine(new Uint8Array(32))],
    });
    const signer = ed25519Signer(LEDGER_ID, new Uint8Array(32).fill(6));
    const trees = sqliteTreeStore(path);
    await trees.putCheckpoint({
      size: 10,
      note: formatNote(await signNote(text, [signer])),
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    await trees.close();
    const r = await run("verify", path, "--json");
    expect(r.code, r.out).toBe(1);
    expect(JSON.parse(r.out).failure).toMatchObject({ seq: 10, kind: "checkpoint-mismatch" });
  });
});
