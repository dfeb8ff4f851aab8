import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daicho } from "./bin";
import { appendSamples, signedCheckpoint } from "./fixture";
import { run } from "./run";

const vectors = JSON.parse(
  readFileSync(new URL("../../../docs/vectors/proof-v1.json", import.meta.url), "utf8"),
) as {
  verifierKey: string;
  cases: {
    name: string;
    proof: string;
    checkpoints: string[];
    eventHash?: string;
    expect: { ok: boolean; code?: string; exit?: number };
  }[];
};

const LEDGER_ID = "cli.test/verify-proof";
let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-vp-"));
  await appendSamples(file("ledger.db"), LEDGER_ID, 0, 9);
  await signedCheckpoint(file("ledger.db"), LEDGER_ID, file("log.key"), file("cp9.txt"));
  await appendSamples(file("ledger.db"), LEDGER_ID, 9, 8);
  const cp = await run(
    "checkpoint",
    file("ledger.db"),
    "--key",
    file("log.key"),
    "--out",
    file("cp17.txt"),
  );
  expect(cp.code, cp.err).toBe(0);
  writeFileSync(file("vectors.vkey"), `${vectors.verifierKey}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("daicho verify-proof on the committed vectors", () => {
  it("exits 0, 1 or 2 as each vector says, never crashing", async () => {
    for (const [i, c] of vectors.cases.entries()) {
      writeFileSync(file(`p${i}.json`), c.proof);
      const cps = c.checkpoints.flatMap((note, j) => {
        writeFileSync(file(`c${i}-${j}.txt`), note);
        return ["--checkpoint", file(`c${i}-${j}.txt`)];
      });
      const r = await run(
        "verify-proof",
        file(`p${i}.json`),
        ...cps,
        "--vkey",
        file("vectors.vkey"),
        ...(c.eventHash === undefined ? [] : ["--event-hash", c.eventHash]),
        "--json",
      );
      expect(r.code, c.name).toBe(c.expect.ok ? 0 : c.expect.exit);
      const doc = JSON.parse(r.out);
      expect(doc.ok, c.name).toBe(c.expect.ok);
      if (!c.expect.ok) expect(doc.error.code, c.name).toBe(c.expect.code);
    }
  });
});

describe("what prove and consistency give the auditor checks with no ledger", () => {
  it("an inclusion proof, with the event's exact bytes (the built binary)", async () => {
    const proof = await daicho([
      "prove",
      file("ledger.db"),
      "4",
      "--checkpoint",
      file("cp17.txt"),
      "--vkey",
      file("log.key.vkey"),
      "--json",
    ]);
    expect(proof.code, proof.err).toBe(0);
    writeFileSync(file("inclusion.json"), proof.out);
    const db = new Database(file("ledger.db"), { readonly: true });
    const row = db.prepare("SELECT body FROM daicho_events WHERE seq = 4").get() as {
      body: string;
    };
    db.close();
    writeFileSync(file("event4.json"), row.body);
    writeFileSync(file("event4-nl.json"), `${row.body}\n`);
    const args = ["verify-proof", file("inclusion.json"), "--checkpoint", file("cp17.txt")];
    const vkey = ["--vkey", file("log.key.vkey")];
    const ok = await daicho([...args, ...vkey, "--event-body", file("event4.json")]);
    expect(ok.code, ok.out + ok.err).toBe(0);
    expect(ok.out).toMatch(
      /^OK {2}cli\.test\/verify-proof: the event you hold is event 4 of the log of size 17/,
    );
    const edited = await daicho([
      ...args,
      ...vkey,
      "--event-body",
      file("event4-nl.json"),
      "--json",
    ]);
    expect(edited.code).toBe(1);
    expect(JSON.parse(edited.out).error).toMatchObject({
      code: "PROOF_INVALID",
      path: "eventHash",
    });
    const stale = await daicho([
      "verify-proof",
      file("inclusion.json"),
      "--checkpoint",
      file("cp9.txt"),
      ...vkey,
    ]);
    expect(stale.code, "the checkpoint gives the size, not the file").toBe(1);
    const noCheckpoint = await daicho(["verify-proof", file("inclusion.json"), ...vkey]);
    expect(noCheckpoint.code).toBe(2);
    expect(noCheckpoint.err).toMatch(/--checkpoint FILE/);
  });

  it("a consistency proof, against the checkpoints at both sizes", async () => {
    const online = await run(
      "consistency",
      file("cp9.txt"),
      file("cp17.txt"),
      "--ledger",
      file("ledger.db"),
      "--vkey",
      file("log.key.vkey"),
      "--json",
    );
    expect(online.code, online.out).toBe(0);
    writeFileSync(file("consistency.json"), online.out);
    const vkey = ["--vkey", file("log.key.vkey")];
    const both = ["--checkpoint", file("cp9.txt"), "--checkpoint", file("cp17.txt")];
    const ok = await run("verify-proof", file("consistency.json"), ...both, ...vkey);
    expect(ok.code, ok.out + ok.err).toBe(0);
    expect(ok.out).toMatch(/the log of size 17 .* extends the one of size 9/);
    const one = await run(
      "verify-proof",
      file("consistency.json"),
      "--checkpoint",
      file("cp17.txt"),
      ...vkey,
    );
    expect(one.code).toBe(2);
    const other = await run(
      "verify-proof",
      file("consistency.json"),
      ...both,
      "--vkey",
      file("vectors.vkey"),
    );
    expect(other.code, "an untrusted key's checkpoints prove nothing").toBe(1);
  });

  it("hostile files are typed errors, exit 2, never a crash", async () => {
    const vkey = ["--vkey", file("log.key.vkey"), "--checkpoint", file("cp17.txt")];
    for (const [name, content] of [
      ["empty", ""],
      ["binary", "\u0000\u00ff\u0001"],
      ["array", "[]"],
      ["deep", `${"[".repeat(5000)}${"]".repeat(5000)}`],
      ["huge", `"${"x".repeat(100_000)}"`],
    ] as const) {
      writeFileSync(file(`${name}.json`), content);
      const r = await run("verify-proof", file(`${name}.json`), ...vkey, "--json");
      expect(r.code, name).toBe(2);
      expect(JSON.parse(r.out).error.code, name).toBe("DECODE_ERROR");
    }
  });
});
