import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDaichoError, type Ledger, openLedger } from "@daicho/core";
import { isRedacted } from "@daicho/core/crypto";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { subjectAccess } from "@daicho/core/subject-access";
import { personalInput } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteStore } from "../sqlite/index";
import { sqliteKeyStore } from "./store";

// Issue 11 item 2: the erasure fence, holds and subject access decide from hash-verified
// event bodies linked by the subject's back-links, never from the store's `type` column or
// an index row nobody checks. Each test edits a real SQLite ledger the way an operator with
// file access could, then restores a key store copied before the erasure.

const kek = { id: "kek-fence", key: new Uint8Array(32).fill(21) };
const signer = ed25519Signer("fence.test", new Uint8Array(32).fill(22));
const VICTIM = "c-victim";
const KEPT = "c-kept";
const SECRET = "victim-secret@example.org";

let dir: string;
const ledgerPath = () => join(dir, "ledger.db");
const keysPath = () => join(dir, "keys.db");
const backupPath = () => join(dir, "keys.backup.db");

const note = personalInput;

function open(keys = keysPath()): Promise<Ledger> {
  return openLedger({
    store: sqliteStore(ledgerPath()),
    ledgerId: "fence.test/ledger",
    keys: { store: sqliteKeyStore(keys), kek },
  });
}

/** Three sealed events about the victim and one about another subject, then a key-store copy. */
async function history(): Promise<void> {
  const ledger = await open();
  await ledger.append(note(VICTIM, SECRET));
  await ledger.append(note(KEPT, "kept@example.org"));
  await ledger.append(note(VICTIM, "second-secret@example.org"));
  await ledger.append(note(VICTIM, "third-secret@example.org"));
  await ledger.close();
  copyFileSync(keysPath(), backupPath());
}

async function erase(): Promise<void> {
  const ledger = await open();
  const erasure = erasureService({ ledger, signer, actor: { id: "dpo" } });
  const r = await erasure.request(VICTIM, { requestedBy: VICTIM, channel: "email" });
  expect((await erasure.execute(r.requestId)).outcome).toBe("erased");
  await ledger.close();
}

/** What an operator with file access can do to the ledger: plain SQL on its tables. */
function tamper(sql: string, ...params: unknown[]): void {
  const db = new Database(ledgerPath());
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

function seqsOf(type: string): number[] {
  const db = new Database(ledgerPath(), { readonly: true });
  try {
    return (
      db
        .prepare("SELECT seq FROM daicho_events WHERE body LIKE ? ORDER BY seq")
        .all(`%"type":"${type}"%`) as { seq: number }[]
    ).map((r) => r.seq);
  } finally {
    db.close();
  }
}

/** The sequence numbers the subject index lists for `subject`. */
function indexSeqs(subject: string): number[] {
  const db = new Database(ledgerPath(), { readonly: true });
  try {
    const rows = db
      .prepare("SELECT seq FROM daicho_event_subjects WHERE subject = ? ORDER BY seq")
      .all(subject) as { seq: number }[];
    return rows.map((r) => r.seq);
  } finally {
    db.close();
  }
}

/** Put the pre-erasure key-store copy back in place of the current one. */
function restoreKeyBackup(): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"])
    rmSync(keysPath() + suffix, { force: true });
  copyFileSync(backupPath(), keysPath());
}

/** Every way a reader can reach the victim's values, each as its value or its error code. */
async function victimReads(ledger: Ledger): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of ledger.read()) {
    if (!(e.personal ?? []).some((f) => f.subject === VICTIM)) continue;
    try {
      for (const f of await ledger.openPersonal(e)) if (f.subject === VICTIM) out.push(f.value);
    } catch (err) {
      out.push(isDaichoError(err) ? err.code : err);
    }
  }
  return out;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "daicho-fence-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the erasure fence decides from hash-verified bodies (SQLite ledger + SQLite key store)", () => {
  it("reads an erased value as Redacted after the fence rows' type column is edited and a pre-erasure key backup restored", async () => {
    await history();
    await erase();
    tamper(
      "UPDATE daicho_events SET type = 'record.updated' WHERE type IN ('erasure.fenced', 'erasure.completed')",
    );
    restoreKeyBackup();
    const ledger = await open();
    const reads = await victimReads(ledger);
    expect(reads).toHaveLength(3);
    for (const v of reads) expect(isRedacted(v) && v.reason).toBe("erased");
    const kept = [];
    for await (const e of ledger.readOpened())
      kept.push(...e.fields.filter((f) => f.subject === KEPT));
    expect(kept.map((f) => f.value)).toEqual(["kept@example.org"]);
    const write = await ledger.append(note(VICTIM, "back@example.org")).catch((e) => e);
    expect(isDaichoError(write, "KEY_ERASED")).toBe(true);
    await ledger.close();
  });

  it("fails closed with STORE_CORRUPT, never plaintext, when the fence's index row is deleted from the middle of the subject's events", async () => {
    await history();
    await erase();
    const [fence] = seqsOf("erasure.fenced");
    tamper("DELETE FROM daicho_event_subjects WHERE subject = ? AND seq = ?", VICTIM, fence);
    tamper("UPDATE daicho_events SET type = 'record.updated' WHERE type LIKE 'erasure.%'");
    restoreKeyBackup();
    const ledger = await open();
    const reads = await victimReads(ledger);
    expect(reads).toEqual(["STORE_CORRUPT", "STORE_CORRUPT", "STORE_CORRUPT"]);
    const write = await ledger.append(note(VICTIM, "back@example.org")).catch((e) => e);
    expect(isDaichoError(write, "STORE_CORRUPT")).toBe(true);
    await ledger.close();
  });

  it("fails closed when a row of the subject's earlier history is deleted, or a foreign event is slipped into its index", async () => {
    await history();
    await erase();
    const victimSeqs = indexSeqs(VICTIM);
    const keptSeq = indexSeqs(KEPT)[0];
    restoreKeyBackup();
    // The first event's row: the second then carries a back-link to nothing returned.
    tamper(
      "DELETE FROM daicho_event_subjects WHERE subject = ? AND seq = ?",
      VICTIM,
      victimSeqs[0],
    );
    let ledger = await open();
    expect(await victimReads(ledger)).toEqual(["STORE_CORRUPT", "STORE_CORRUPT", "STORE_CORRUPT"]);
    await ledger.close();
    tamper("INSERT INTO daicho_event_subjects (subject, seq) VALUES (?, ?)", VICTIM, victimSeqs[0]);
    tamper("INSERT INTO daicho_event_subjects (subject, seq) VALUES (?, ?)", VICTIM, keptSeq);
    ledger = await open();
    expect(await victimReads(ledger)).toEqual(["STORE_CORRUPT", "STORE_CORRUPT", "STORE_CORRUPT"]);
    await ledger.close();
  });

  it("fails closed when a fence body is rewritten with a matching hash (the next event's back-link breaks)", async () => {
    await history();
    await erase();
    const [fence] = seqsOf("erasure.fenced");
    const { eventHash } = await import("@daicho/core");
    const db = new Database(ledgerPath());
    const row = db.prepare("SELECT body FROM daicho_events WHERE seq = ?").get(fence) as {
      body: string;
    };
    const body = row.body.replace('"type":"erasure.fenced"', '"type":"record.updated"');
    db.prepare(
      "UPDATE daicho_events SET body = ?, hash = ?, type = 'record.updated' WHERE seq = ?",
    ).run(body, eventHash(body), fence);
    db.prepare(
      "UPDATE daicho_events SET type = 'record.updated' WHERE type = 'erasure.completed'",
    ).run();
    db.close();
    restoreKeyBackup();
    const ledger = await open();
    expect(await victimReads(ledger)).toEqual(["STORE_CORRUPT", "STORE_CORRUPT", "STORE_CORRUPT"]);
    await ledger.close();
  });
});

describe("holds and subject access decide from hash-verified bodies", () => {
  it("refuses to erase, with STORE_CORRUPT and keys intact, when a hold's index row is deleted", async () => {
    await history();
    let ledger = await open();
    let erasure = erasureService({ ledger, signer, actor: { id: "dpo" } });
    await erasure.placeHold([VICTIM], { holdId: "hold-1", reason: "litigation pending" });
    await ledger.append(note(VICTIM, "after-hold@example.org"));
    const r = await erasure.request(VICTIM, { requestedBy: VICTIM, channel: "email" });
    await ledger.close();
    const [hold] = seqsOf("legal-hold.placed");
    tamper("DELETE FROM daicho_event_subjects WHERE subject = ? AND seq = ?", VICTIM, hold);
    ledger = await open();
    erasure = erasureService({ ledger, signer, actor: { id: "dpo" } });
    const err = await erasure.execute(r.requestId).catch((e) => e);
    expect(isDaichoError(err, "STORE_CORRUPT")).toBe(true);
    expect(await ledger.keys?.keyIds(VICTIM)).toHaveLength(1);
    expect(seqsOf("erasure.fenced")).toEqual([]);
    await ledger.close();
  });

  it("answers a subject access request with STORE_CORRUPT, not a shortened report, when a middle index row is deleted", async () => {
    await history();
    const seqs = indexSeqs(VICTIM);
    tamper("DELETE FROM daicho_event_subjects WHERE subject = ? AND seq = ?", VICTIM, seqs[1]);
    const ledger = await open();
    const err = await subjectAccess(ledger, VICTIM).catch((e) => e);
    expect(isDaichoError(err, "STORE_CORRUPT")).toBe(true);
    await ledger.close();
  });
});
