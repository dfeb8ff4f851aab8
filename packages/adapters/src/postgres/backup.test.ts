import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDaichoError, type Ledger, openLedger } from "@daicho/core";
import {
  cosignCheckpoint,
  emitCheckpoint,
  generateKey,
  type LocalSigner,
  signerFromKeyText,
  storeCosignatures,
} from "@daicho/core/checkpoint";
import { catchUp, eventLeafHash, verifyInclusion } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "./harness/index";
import { openPostgres, type PostgresDatabase } from "./index";

let cluster: PgCluster;
let db: PostgresDatabase;
let dir: string;
let source: Ledger;
// A schema of its own per run, dropped afterwards: reruns against DAICHO_PG_URL start clean.
const SCHEMA = `daicho_backup_test_${process.pid}`;

beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({ connectionString: cluster.url, schema: SCHEMA, migrate: true });
  dir = mkdtempSync(join(tmpdir(), "daicho-backup-"));
  source = await openLedger({ store: db.store("source"), ledgerId: "backup.example/ledger" });
  await source.appendBatch(Array.from({ length: 2500 }, (_, i) => sampleInput(i)));
});
afterAll(async () => {
  await db?.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  await db?.close();
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

/** Rewrite one line of a backup file. */
function editLine(file: string, out: string, lineNo: number, edit: (line: string) => string): void {
  const lines = readFileSync(file, "utf8").split("\n");
  lines[lineNo] = edit(lines[lineNo] as string);
  writeFileSync(out, lines.join("\n"));
}

describe("PostgreSQL backup and restore", () => {
  it("takes a consistent snapshot while writers keep appending, and restores it verified", async () => {
    const file = join(dir, "online.ndjson");
    const writing = Promise.all(
      Array.from({ length: 300 }, (_, i) => source.append(sampleInput(5000 + i))),
    );
    const backup = await db.backup("source", file);
    await writing;
    expect(backup.count).toBeGreaterThanOrEqual(2500);
    // The snapshot is one instant: its head is an event of the live chain at that seq.
    const live = await source.store.get(backup.head?.seq ?? -1);
    expect(live?.hash).toBe(backup.head?.hash);
    const restored = await db.restore("copy-1", file, { expectHead: backup.head ?? undefined });
    expect(restored.count).toBe(backup.count);
    const copy = await openLedger({ store: db.store("copy-1") });
    expect(copy.ledgerId).toBe("backup.example/ledger");
    expect(await copy.verify()).toMatchObject({
      ok: true,
      count: backup.count,
      headHash: backup.head?.hash,
    });
    // The restored ledger keeps working.
    await copy.append(sampleInput(1));
    expect(await copy.verify()).toMatchObject({ ok: true, count: backup.count + 1 });
  });

  it("refuses a file whose event was altered, and writes nothing", async () => {
    const file = join(dir, "base.ndjson");
    await db.backup("source", file);
    const bad = join(dir, "altered.ndjson");
    editLine(file, bad, 10, (l) => {
      const event = JSON.parse(l) as { body: string };
      const body = event.body.replace('"actor":{', '"actor":{"x":1,');
      expect(body).not.toBe(event.body);
      return JSON.stringify({ ...event, body });
    });
    const e = await failure(db.restore("copy-altered", bad));
    expect(isDaichoError(e, "BACKUP_INVALID")).toBe(true);
    expect(await db.store("copy-altered").meta()).toBeNull();
  });

  it("refuses a truncated file and one whose trailer digest does not match", async () => {
    const file = join(dir, "base2.ndjson");
    await db.backup("source", file);
    const lines = readFileSync(file, "utf8").split("\n");
    const truncated = join(dir, "truncated.ndjson");
    writeFileSync(truncated, `${lines.slice(0, 100).join("\n")}\n`);
    expect(
      isDaichoError(await failure(db.restore("copy-truncated", truncated)), "BACKUP_INVALID"),
    ).toBe(true);
    // Drop the last event and re-seal nothing: the chain still verifies, the trailer does not.
    const shortened = join(dir, "shortened.ndjson");
    writeFileSync(shortened, [...lines.slice(0, -3), ...lines.slice(-2)].join("\n"));
    expect(
      isDaichoError(await failure(db.restore("copy-shortened", shortened)), "BACKUP_INVALID"),
    ).toBe(true);
    expect((await db.tenants()).map((t) => t.tenant)).not.toContain("copy-shortened");
  });

  it("refuses a self-consistent copy that disagrees with the trusted head", async () => {
    const file = join(dir, "base3.ndjson");
    const backup = await db.backup("source", file);
    const head = backup.head as { seq: number; hash: string };
    const e = await failure(
      db.restore("copy-untrusted", file, { expectHead: { seq: head.seq, hash: "0".repeat(64) } }),
    );
    expect(isDaichoError(e, "BACKUP_INVALID")).toBe(true);
    const beyond = await failure(
      db.restore("copy-beyond", file, { expectHead: { seq: head.seq + 5, hash: head.hash } }),
    );
    expect(isDaichoError(beyond, "BACKUP_INVALID")).toBe(true);
    // A trusted head inside the copy (an older checkpoint) is accepted.
    const earlier = (await source.store.get(100)) as { seq: number; hash: string };
    await db.restore("copy-earlier-checkpoint", file, {
      expectHead: { seq: earlier.seq, hash: earlier.hash },
    });
    expect((await db.store("copy-earlier-checkpoint").head())?.hash).toBe(head.hash);
  });

  it("will not restore over an existing tenant", async () => {
    const file = join(dir, "base4.ndjson");
    await db.backup("source", file);
    const e = await failure(db.restore("source", file));
    expect(isDaichoError(e, "LEDGER_MISMATCH")).toBe(true);
    expect(await source.verify()).toMatchObject({ ok: true });
  });

  it("backs up an empty ledger and an unknown tenant is NOT_FOUND", async () => {
    await openLedger({ store: db.store("empty"), ledgerId: "empty.example/ledger" });
    const file = join(dir, "empty.ndjson");
    expect(await db.backup("empty", file)).toMatchObject({ count: 0, head: null });
    expect(await db.restore("empty-copy", file)).toMatchObject({ count: 0, head: null });
    expect(isDaichoError(await failure(db.backup("nobody", join(dir, "x"))), "NOT_FOUND")).toBe(
      true,
    );
  });
});

/** Replace the trailer of a backup's lines with one that seals them again (a careful forger). */
function reseal(lines: string[]): string {
  const body = lines.filter((l) => l !== "" && !l.startsWith('{"end"'));
  const header = JSON.parse(body[0] as string) as { count: number };
  const text = `${body.join("\n")}\n`;
  const sha256 = createHash("sha256").update(text, "utf8").digest("hex");
  return `${text}${JSON.stringify({ end: true, count: header.count, sha256 })}\n`;
}

function signer(keyText: string): LocalSigner {
  const s = signerFromKeyText(keyText);
  if (s._tag === "Left") throw s.left;
  return s.right;
}

describe("PostgreSQL backup with the Merkle tree and signed checkpoints", () => {
  const SIGNED = "signed.example/ledger";
  const log = generateKey(SIGNED);
  const witness = generateKey("witness.example/w1");
  const stranger = generateKey("stranger.example/k");
  let older = ""; // the checkpoint of size 200, as an auditor would hold it
  let latest = ""; // size 300, co-signed by the witness
  let signedFile = "";
  let earlyFile = ""; // a backup taken when the ledger had 200 events

  beforeAll(async () => {
    const ledger = await openLedger({ store: db.store("signed"), ledgerId: SIGNED });
    await ledger.appendBatch(Array.from({ length: 200 }, (_, i) => sampleInput(i)));
    const tree = await catchUp(db.treeStore("signed"), ledger.store);
    older = (await emitCheckpoint(tree, signer(log.privateKey), SIGNED)).note;
    earlyFile = join(dir, "early.ndjson");
    await db.backup("signed", earlyFile);
    await ledger.appendBatch(Array.from({ length: 100 }, (_, i) => sampleInput(200 + i)));
    const cp = await emitCheckpoint(tree, signer(log.privateKey), SIGNED);
    latest = (
      await storeCosignatures(tree, await cosignCheckpoint(cp.note, signer(witness.privateKey)))
    ).note;
    // Twenty more leaves in the tree and ten events beyond it: the copy keeps both as they are.
    await ledger.appendBatch(Array.from({ length: 20 }, (_, i) => sampleInput(300 + i)));
    await tree.catchUp();
    await ledger.appendBatch(Array.from({ length: 10 }, (_, i) => sampleInput(320 + i)));
    signedFile = join(dir, "signed.ndjson");
  });

  async function refusedWithNothingWritten(
    tenant: string,
    p: Promise<unknown>,
    reason: RegExp,
  ): Promise<unknown> {
    const e = await failure(p);
    expect(isDaichoError(e, "BACKUP_INVALID"), String(e)).toBe(true);
    expect((e as { reason: string }).reason).toMatch(reason);
    expect(await db.store(tenant).meta()).toBeNull();
    expect(await db.treeStore(tenant).size()).toBe(0);
    return e;
  }

  it("backs up tree and checkpoints, and restores them verified against the latest signed checkpoint", async () => {
    const backup = await db.backup("signed", signedFile);
    expect(backup).toMatchObject({ count: 330, treeSize: 320, checkpoints: 2 });
    const restored = await db.restore("signed-copy", signedFile, {
      verifierKeys: `${log.verifierKey}\n${witness.verifierKey}\n`,
      threshold: 2,
    });
    expect(restored.verifiedAgainst).toMatchObject({ size: 300 });
    expect(restored).toMatchObject({ count: 330, treeSize: 320, checkpoints: 2 });
    const copy = await openLedger({ store: db.store("signed-copy") });
    expect(await copy.verify()).toMatchObject({ ok: true, count: 330 });
    const copyTree = db.treeStore("signed-copy");
    expect(await copyTree.size()).toBe(320);
    expect(await copyTree.latestCheckpoint()).toMatchObject({ size: 300, note: latest });
    expect((await copyTree.getCheckpoint(200))?.note).toBe(older);
    // The restored tree serves proofs against the original's roots.
    const source = await catchUp(db.treeStore("signed"), db.store("signed"));
    const tree = await catchUp(copyTree, copy.store);
    expect(tree.size).toBe(330);
    expect(await tree.root(300)).toEqual(await source.root(300));
    const event = await copy.store.get(123);
    const proof = await tree.inclusionProof(123, 300);
    expect(
      verifyInclusion(123, 300, eventLeafHash(event?.hash ?? ""), proof, await source.root(300))
        ._tag,
    ).toBe("Right");
  });

  it("accepts a copy that reproduces a checkpoint the operator holds, with or without keys", async () => {
    const withKey = await db.restore("signed-held", signedFile, {
      checkpoint: older,
      verifierKeys: log.verifierKey,
    });
    expect(withKey.verifiedAgainst).toMatchObject({ size: 200, source: "the checkpoint you hold" });
    const byPossession = await db.restore("signed-held-2", signedFile, { checkpoint: latest });
    expect(byPossession.verifiedAgainst).toMatchObject({ size: 300 });
  });

  it("refuses with a wrong key, an unmet threshold, or a checkpoint of another ledger", async () => {
    await refusedWithNothingWritten(
      "wrong-key",
      db.restore("wrong-key", signedFile, { verifierKeys: stranger.verifierKey }),
      /latest checkpoint \(size 300\) does not verify: needs signatures/,
    );
    await refusedWithNothingWritten(
      "wrong-key-held",
      db.restore("wrong-key-held", signedFile, {
        checkpoint: latest,
        verifierKeys: stranger.verifierKey,
      }),
      /the checkpoint you hold does not verify/,
    );
    // The older checkpoint was never co-signed: 2 of 2 fails for it.
    await refusedWithNothingWritten(
      "threshold",
      db.restore("threshold", signedFile, {
        checkpoint: older,
        verifierKeys: [log.verifierKey, witness.verifierKey].join("\n"),
        threshold: 2,
      }),
      /needs signatures by 2 of 2 trusted keys; found 1/,
    );
    const other = await openLedger({ store: db.store("other"), ledgerId: "other.example/l" });
    await other.appendBatch([sampleInput(1)]);
    const otherCp = await emitCheckpoint(
      await catchUp(db.treeStore("other"), other.store),
      signer(generateKey("other.example/l").privateKey),
      "other.example/l",
    );
    await refusedWithNothingWritten(
      "foreign-checkpoint",
      db.restore("foreign-checkpoint", signedFile, { checkpoint: otherCp.note }),
      /from another ledger/,
    );
    const bad = await failure(db.restore("bad-key", signedFile, { verifierKeys: "not a key" }));
    expect(isDaichoError(bad, "INVALID_ARGUMENT")).toBe(true);
  });

  it("refuses a re-sealed backup whose tree node or checkpoint was tampered with", async () => {
    const lines = readFileSync(signedFile, "utf8").split("\n");
    const header = JSON.parse(lines[0] as string) as { count: number; checkpoints: number };
    const firstNode = 1 + header.checkpoints + header.count;
    const nodeEdited = [...lines];
    nodeEdited[firstNode + 7] = (lines[firstNode + 7] as string).replace(
      /"hash":"(.)/,
      (_, c: string) => `"hash":"${c === "0" ? "1" : "0"}`,
    );
    expect(nodeEdited[firstNode + 7]).not.toBe(lines[firstNode + 7]);
    const nodeFile = join(dir, "node-edited.ndjson");
    writeFileSync(nodeFile, reseal(nodeEdited));
    await refusedWithNothingWritten(
      "node-edited",
      db.restore("node-edited", nodeFile),
      /its tree is not the events' tree/,
    );

    // Change the latest checkpoint's signed root: its signature no longer verifies.
    const cpEdited = [...lines];
    cpEdited[2] = (lines[2] as string).replace(
      /\\n300\\n(.)/,
      (_, c: string) => `\\n300\\n${c === "A" ? "B" : "A"}`,
    );
    expect(cpEdited[2]).not.toBe(lines[2]);
    const cpFile = join(dir, "checkpoint-edited.ndjson");
    writeFileSync(cpFile, reseal(cpEdited));
    await refusedWithNothingWritten(
      "cp-edited",
      db.restore("cp-edited", cpFile, { verifierKeys: log.verifierKey }),
      /checkpoint of size 300 carries a bad signature/,
    );
    // Without keys the edited checkpoint is still refused: the events do not give its root.
    await refusedWithNothingWritten(
      "cp-edited-2",
      db.restore("cp-edited-2", cpFile),
      /do not produce the root of the backup's checkpoint of size 300/,
    );
  });

  it("refuses a rewritten history that is self-consistent but not the signed one", async () => {
    // A forger rebuilds the ledger with other events under the same ledger id: every
    // hash, link, tree node and the trailer are consistent. Only the checkpoint tells.
    const forger = await openLedger({ store: db.store("forger"), ledgerId: SIGNED });
    await forger.appendBatch(
      Array.from({ length: 320 }, (_, i) => sampleInput(i === 150 ? 9999 : i)),
    );
    await catchUp(db.treeStore("forger"), forger.store);
    const forgedFile = join(dir, "forged.ndjson");
    await db.backup("forger", forgedFile);
    // Chain-only checks accept it: that is the gap checkpoints close.
    await db.restore("forged-unchecked", forgedFile);
    await refusedWithNothingWritten(
      "forged-held",
      db.restore("forged-held", forgedFile, { checkpoint: latest, verifierKeys: log.verifierKey }),
      /do not produce the root of the checkpoint you hold at size 300/,
    );
    await refusedWithNothingWritten(
      "forged-keys",
      db.restore("forged-keys", forgedFile, { verifierKeys: log.verifierKey }),
      /holds no signed checkpoint/,
    );
    // Splicing the genuine signed checkpoints into the forged file does not help.
    const genuine = readFileSync(signedFile, "utf8").split("\n");
    const forged = readFileSync(forgedFile, "utf8").split("\n");
    const forgedHeader = JSON.parse(forged[0] as string) as Record<string, unknown>;
    const spliced = [
      JSON.stringify({ ...forgedHeader, checkpoints: 2 }),
      genuine[1] as string,
      genuine[2] as string,
      ...forged.slice(1),
    ];
    const splicedFile = join(dir, "spliced.ndjson");
    writeFileSync(splicedFile, reseal(spliced));
    await refusedWithNothingWritten(
      "forged-spliced",
      db.restore("forged-spliced", splicedFile, { verifierKeys: log.verifierKey }),
      /do not produce the root of the backup's checkpoint of size 200/,
    );
    await refusedWithNothingWritten(
      "forged-spliced-2",
      db.restore("forged-spliced-2", splicedFile),
      /do not produce the root of the backup's checkpoint of size 200/,
    );
  });

  it("refuses a copy older than the checkpoint held (rollback), and keys with no checkpoint in the copy", async () => {
    await refusedWithNothingWritten(
      "rolled-back",
      db.restore("rolled-back", earlyFile, { checkpoint: latest, verifierKeys: log.verifierKey }),
      /the checkpoint you hold covers 300 events; the copy holds 200/,
    );
    // The same copy against the checkpoint of its own time is accepted.
    expect(
      (
        await db.restore("early-ok", earlyFile, {
          checkpoint: older,
          verifierKeys: log.verifierKey,
        })
      ).verifiedAgainst,
    ).toMatchObject({ size: 200 });
    const unsigned = await openLedger({ store: db.store("unsigned"), ledgerId: SIGNED });
    await unsigned.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(i)));
    const unsignedFile = join(dir, "unsigned.ndjson");
    await db.backup("unsigned", unsignedFile);
    await refusedWithNothingWritten(
      "no-checkpoint",
      db.restore("no-checkpoint", unsignedFile, { verifierKeys: log.verifierKey }),
      /holds no signed checkpoint/,
    );
  });

  it("still restores a daicho-backup/v1 file", async () => {
    const file = join(dir, "for-v1.ndjson");
    await db.backup("source", file);
    const lines = readFileSync(file, "utf8").split("\n");
    const { treeSize, checkpoints, ...rest } = JSON.parse(lines[0] as string) as Record<
      string,
      unknown
    >;
    expect([treeSize, checkpoints]).toEqual([0, 0]);
    lines[0] = JSON.stringify({ ...rest, format: "daicho-backup/v1" });
    const v1 = join(dir, "v1.ndjson");
    writeFileSync(v1, reseal(lines));
    expect((await db.restore("from-v1", v1)).count).toBe(JSON.parse(lines[0]).count);
    expect(await (await openLedger({ store: db.store("from-v1") })).verify()).toMatchObject({
      ok: true,
    });
  });
});
