import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { fromBase64, toBase64 } from "@daicho/core/checkpoint";
import { sampleInput } from "@daicho/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "./run";

const LEDGER_ID = "cli.test/witnessed";
const WITNESS = "dpo.example/witness";
let dir: string;
const file = (name: string) => join(dir, name);

beforeEach(async () => {
  delete process.env.DAICHO_SIGNING_KEY;
  dir = mkdtempSync(join(tmpdir(), "daicho-witness-"));
  const ledger = await openLedger({ store: sqliteStore(file("ledger.db")), ledgerId: LEDGER_ID });
  await ledger.appendBatch(Array.from({ length: 12 }, (_, i) => sampleInput(i)));
  await ledger.close();
  expect((await run("keygen", LEDGER_ID, "--out", file("log.key"))).code).toBe(0);
  expect((await run("keygen", WITNESS, "--out", file("w.key"))).code).toBe(0);
  const emitted = await run(
    "checkpoint",
    file("ledger.db"),
    "--key",
    file("log.key"),
    "--out",
    file("cp.txt"),
  );
  expect(emitted.code, emitted.err).toBe(0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("daicho checkpoint --cosign --witness (C2SP cosignature/v1)", () => {
  it("adds a timestamped type-0x04 cosignature that counts toward a 2-of-2 policy", async () => {
    const before = Math.floor(Date.now() / 1000);
    const cosigned = await run(
      "checkpoint",
      "--cosign",
      file("cp.txt"),
      "--key",
      file("w.key"),
      "--vkey",
      file("log.key.vkey"),
      "--witness",
      "--out",
      file("cp-w.txt"),
      "--json",
    );
    expect(cosigned.code, cosigned.out).toBe(0);
    const { witnessVerifierKey } = JSON.parse(cosigned.out);
    expect(witnessVerifierKey).toMatch(/^dpo\.example\/witness\+[0-9a-f]{8}\+/);
    // The key text is name+keyid+base64(type ‖ key); base64 itself may contain "+".
    const keyText = witnessVerifierKey.split("+").slice(2).join("+");
    expect(fromBase64(keyText)?.[0]).toBe(0x04);
    // The 0x04 key differs from the plain key the keygen wrote for the same seed.
    expect(witnessVerifierKey).not.toBe(readFileSync(file("w.key.vkey"), "utf8").trim());
    writeFileSync(file("w.vkey"), `${witnessVerifierKey}\n`);
    const line = readFileSync(file("cp-w.txt"), "utf8")
      .split("\n")
      .find((l) => l.includes(WITNESS));
    expect(fromBase64(line?.split(" ")[2] ?? "")?.length).toBe(4 + 8 + 64);

    const both = `${file("log.key.vkey")},${file("w.vkey")}`;
    const ok = await run(
      "checkpoint",
      "--verify",
      file("cp-w.txt"),
      "--vkey",
      both,
      "--threshold",
      "2",
      "--json",
    );
    expect(ok.code, ok.out).toBe(0);
    const report = JSON.parse(ok.out);
    expect(report.verifiedBy).toEqual([LEDGER_ID, WITNESS]);
    expect(report.witnessCosignatures).toHaveLength(1);
    expect(report.witnessCosignatures[0].timestamp).toBeGreaterThanOrEqual(before);
    expect(report.witnessCosignatures[0].timestamp).toBeLessThanOrEqual(
      Math.floor(Date.now() / 1000),
    );
    const text = await run(
      "checkpoint",
      "--verify",
      file("cp-w.txt"),
      "--vkey",
      both,
      "--threshold",
      "2",
    );
    expect(text.out).toContain(`cosignature/v1 by ${WITNESS} at `);

    // The plain verifier key of the witness does not accept the cosignature/v1 line.
    const plain = await run(
      "checkpoint",
      "--verify",
      file("cp-w.txt"),
      "--vkey",
      file("w.key.vkey"),
      "--json",
    );
    expect(plain.code).toBe(1);

    // The operator stores it like any other co-signature.
    expect(
      (await run("checkpoint", file("ledger.db"), "--add-cosignatures", file("cp-w.txt"))).code,
    ).toBe(0);
  });

  it("rejects a tampered witness timestamp as SIGNATURE_INVALID (exit 1)", async () => {
    await run(
      "checkpoint",
      "--cosign",
      file("cp.txt"),
      "--key",
      file("w.key"),
      "--witness",
      "--out",
      file("cp-w.txt"),
      "--json",
    ).then((r) => writeFileSync(file("w.vkey"), JSON.parse(r.out).witnessVerifierKey));
    const note = readFileSync(file("cp-w.txt"), "utf8");
    const tampered = note
      .split("\n")
      .map((l) => {
        if (!l.startsWith(`\u2014 ${WITNESS} `)) return l;
        const raw = fromBase64(l.split(" ")[2] as string) as Uint8Array;
        raw[11] = (raw[11] as number) ^ 1;
        return `\u2014 ${WITNESS} ${toBase64(raw)}`;
      })
      .join("\n");
    writeFileSync(file("bad.txt"), tampered);
    const r = await run(
      "checkpoint",
      "--verify",
      file("bad.txt"),
      "--vkey",
      file("w.vkey"),
      "--json",
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe("SIGNATURE_INVALID");
  });

  it("--witness without --cosign is a usage error (exit 2)", async () => {
    const e = await run(
      "checkpoint",
      file("ledger.db"),
      "--key",
      file("log.key"),
      "--witness",
      "--json",
    );
    expect(e.code).toBe(2);
    expect(JSON.parse(e.out).error.code).toBe("INVALID_ARGUMENT");
  });
});
