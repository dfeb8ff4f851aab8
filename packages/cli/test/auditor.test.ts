import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { fromBase64 } from "@daicho/core/checkpoint";
import { eventLeafHash, verifyInclusion } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "./run";

const LEDGER_ID = "cli.test/ledger";
let dir: string;
let db: string;
const file = (name: string) => join(dir, name);

async function append(count: number, offset = 0): Promise<void> {
  const ledger = await openLedger({ store: sqliteStore(db), ledgerId: LEDGER_ID });
  await ledger.appendBatch(Array.from({ length: count }, (_, i) => sampleInput(offset + i)));
  await ledger.close();
}

async function checkpointTo(name: string): Promise<string> {
  const r = await run("checkpoint", db, "--key", file("log.key"), "--out", file(name));
  expect(r.code, r.err).toBe(0);
  return readFileSync(file(name), "utf8");
}

beforeEach(async () => {
  delete process.env.DAICHO_SIGNING_KEY;
  dir = mkdtempSync(join(tmpdir(), "daicho-auditor-"));
  db = file("ledger.db");
  await append(30);
  expect((await run("keygen", LEDGER_ID, "--out", file("log.key"))).code).toBe(0);
  expect((await run("keygen", "witness.example/w1", "--out", file("witness.key"))).code).toBe(0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("daicho checkpoint", () => {
  it("emits a signed C2SP checkpoint of the ledger and verifies it with the verifier key", async () => {
    const note = await checkpointTo("cp.txt");
    expect(note).toMatch(
      /^cli\.test\/ledger\n30\n[A-Za-z0-9+/]{43}=\ndaicho-subject-map\/v1 [A-Za-z0-9+/]{43}=\n\n\u2014 cli\.test\/ledger [A-Za-z0-9+/=]+\n$/,
    );
    expect(
      (await run("checkpoint", "--verify", file("cp.txt"), "--vkey", file("log.key.vkey"))).code,
    ).toBe(0);
    const wrong = await run(
      "checkpoint",
      "--verify",
      file("cp.txt"),
      "--vkey",
      file("witness.key.vkey"),
      "--json",
    );
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out).error.code).toBe("SIGNATURE_INVALID");
    const latest = await run("checkpoint", db, "--latest", "--json");
    expect(JSON.parse(latest.out)).toMatchObject({ ok: true, origin: LEDGER_ID, size: 30, note });
  });

  it("collects co-signatures and checks a 2-of-2 policy", async () => {
    await checkpointTo("cp.txt");
    const cosigned = await run(
      "checkpoint",
      "--cosign",
      file("cp.txt"),
      "--key",
      file("witness.key"),
      "--vkey",
      file("log.key.vkey"),
      "--out",
      file("cp-w.txt"),
    );
    expect(cosigned.code, cosigned.err).toBe(0);
    expect((await run("checkpoint", db, "--add-cosignatures", file("cp-w.txt"))).code).toBe(0);
    const both = `${file("log.key.vkey")},${file("witness.key.vkey")}`;
    await run("checkpoint", db, "--latest", "--out", file("stored.txt"));
    expect(
      (await run("checkpoint", "--verify", file("stored.txt"), "--vkey", both, "--threshold", "2"))
        .code,
    ).toBe(0);
    expect(
      (await run("checkpoint", "--verify", file("cp.txt"), "--vkey", both, "--threshold", "2"))
        .code,
    ).toBe(1);
  });

  it("needs a signing key: exit 2 with KEY_UNAVAILABLE", async () => {
    const r = await run("checkpoint", db, "--json");
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe("KEY_UNAVAILABLE");
  });
});

describe("daicho prove", () => {
  it("prints an inclusion proof that verifies against the signed checkpoint", async () => {
    await checkpointTo("cp.txt");
    await append(5, 30);
    const r = await run(
      "prove",
      db,
      "7",
      "--checkpoint",
      file("cp.txt"),
      "--vkey",
      file("log.key.vkey"),
      "--json",
    );
    expect(r.code, r.err).toBe(0);
    const p = JSON.parse(r.out);
    expect(p).toMatchObject({ ok: true, seq: 7, treeSize: 30 });
    const verified = verifyInclusion(
      7,
      30,
      eventLeafHash(p.eventHash),
      p.proof.map(fromBase64),
      fromBase64(p.root) as Uint8Array,
    );
    expect(verified._tag).toBe("Right");
  });
});

describe("daicho consistency", () => {
  it("shows that today's ledger extends last month's checkpoint, online and offline", async () => {
    await checkpointTo("old.txt");
    await append(20, 30);
    await checkpointTo("new.txt");
    const vkey = file("log.key.vkey");
    expect((await run("consistency", file("old.txt"), "--ledger", db, "--vkey", vkey)).code).toBe(
      0,
    );
    const online = await run(
      "consistency",
      file("old.txt"),
      file("new.txt"),
      "--ledger",
      db,
      "--vkey",
      vkey,
      "--json",
    );
    expect(JSON.parse(online.out)).toMatchObject({
      ok: true,
      verdict: "consistent",
      oldSize: 30,
      newSize: 50,
    });
    writeFileSync(file("proof.json"), online.out);
    const offline = await run(
      "consistency",
      file("old.txt"),
      file("new.txt"),
      "--proof",
      file("proof.json"),
      "--vkey",
      vkey,
    );
    expect(offline.code).toBe(0);
    const swapped = await run(
      "consistency",
      file("new.txt"),
      file("old.txt"),
      "--proof",
      file("proof.json"),
      "--vkey",
      vkey,
      "--json",
    );
    expect(JSON.parse(swapped.out).verdict).toBe("truncated");
  });

  it("reports truncation (rollback) of the ledger below the held checkpoint", async () => {
    await append(10, 30);
    await checkpointTo("held.txt");
    const sql = new Database(db);
    sql.prepare("DELETE FROM daicho_events WHERE seq >= 25").run();
    sql.close();
    const r = await run(
      "consistency",
      file("held.txt"),
      "--ledger",
      db,
      "--vkey",
      file("log.key.vkey"),
      "--json",
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).verdict).toBe("truncated");
  });

  it("reports events cut from the end after the tree had covered them", async () => {
    await checkpointTo("held.txt");
    await append(10, 30);
    expect((await run("checkpoint", db, "--key", file("log.key"))).code).toBe(0);
    const sql = new Database(db);
    sql.prepare("DELETE FROM daicho_events WHERE seq >= 35").run();
    sql.close();
    const r = await run(
      "consistency",
      file("held.txt"),
      "--ledger",
      db,
      "--vkey",
      file("log.key.vkey"),
      "--json",
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: "truncated", oldSize: 30, newSize: 40 });
  });

  it("reports rewritten events even when the stored tree was left alone", async () => {
    await checkpointTo("held.txt");
    const sql = new Database(db);
    const row = sql.prepare("SELECT body FROM daicho_events WHERE seq = 4").get() as {
      body: string;
    };
    sql
      .prepare("UPDATE daicho_events SET body = ? WHERE seq = 4")
      .run(row.body.replace("contact", "kontact"));
    sql.close();
    const r = await run(
      "consistency",
      file("held.txt"),
      "--ledger",
      db,
      "--vkey",
      file("log.key.vkey"),
      "--json",
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).verdict).toBe("tree-mismatch");
  });
});

describe("daicho export-bundle / verify-bundle", () => {
  it("round-trips a bundle and checks it against the checkpoint the auditor holds", async () => {
    await checkpointTo("held.txt");
    await append(15, 30);
    await checkpointTo("now.txt");
    const exported = await run(
      "export-bundle",
      db,
      "--from",
      "5",
      "--to",
      "40",
      "--since",
      file("held.txt"),
      "--vkey",
      file("log.key.vkey"),
      "--out",
      file("b.json"),
    );
    expect(exported.code, exported.err).toBe(0);
    const ok = await run(
      "verify-bundle",
      file("b.json"),
      "--vkey",
      file("log.key.vkey"),
      "--held",
      file("held.txt"),
      "--json",
    );
    expect(ok.code, ok.out).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({
      ok: true,
      from: 5,
      to: 40,
      checkpoint: { size: 45 },
      held: { size: 30 },
    });
    const text = readFileSync(file("b.json"), "utf8");
    writeFileSync(file("cut.json"), text.slice(0, text.length / 2));
    const cut = await run(
      "verify-bundle",
      file("cut.json"),
      "--vkey",
      file("log.key.vkey"),
      "--json",
    );
    expect(cut.code).toBe(1);
    expect(JSON.parse(cut.out).error.code).toBe("BUNDLE_INVALID");
    const untrusted = await run(
      "verify-bundle",
      file("b.json"),
      "--vkey",
      file("witness.key.vkey"),
    );
    expect(untrusted.code).toBe(1);
    expect(untrusted.out).toMatch(/^INVALID {2}SIGNATURE_INVALID/);
  });

  it("needs --out and --from: exit 2", async () => {
    expect((await run("export-bundle", db, "--from", "0")).code).toBe(2);
    expect(
      (await run("verify-bundle", file("none.json"), "--vkey", file("log.key.vkey"))).code,
    ).toBe(2);
  });
});
