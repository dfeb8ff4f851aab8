import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { emitCheckpoint } from "../checkpoint/emit";
import { ed25519Signer } from "../checkpoint/signer";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { catchUp } from "../merkle/ledger-tree";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import { memoryStore } from "../store/memory";
import { accessInput, personalInput } from "../testing/fixtures";
import { verifiableSubjectAccess, verifyAccessReport } from "./verifiable";

const ledgerId = "sar.test/verifiable";
const log = ed25519Signer(ledgerId, new Uint8Array(32).fill(5));
const policy = { keys: [log.verifier] };

async function seeded() {
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId,
    keys: { store: memoryKeyStore(), kek: { id: "k", key: new Uint8Array(32).fill(3) } },
  });
  await ledger.append(personalInput("c-1", "hanako@example.jp"));
  for (let n = 0; n < 6; n++) await ledger.append(accessInput(n, n % 2 === 0 ? "c-1" : "c-2"));
  const tree = await catchUp(memoryTreeStore(), ledger.store);
  await emitCheckpoint(tree, log, ledgerId);
  return { ledger, tree };
}

const code = (r: E.Either<{ code: string }, unknown>) => (E.isLeft(r) ? r.left.code : "OK");

describe("verifiable subject access reports", () => {
  it("carry the extract and a bilingual summary that the verifier recomputes", async () => {
    const { ledger, tree } = await seeded();
    const signed = await verifiableSubjectAccess(ledger, "c-1", { tree, policy });
    expect(signed.report.personalData[0]?.value).toBe("hanako@example.jp");
    expect(signed.summary.ja).toContain("c-1 に関する記録の完全な一覧");
    expect(signed.summary.en).toContain("complete list of records about c-1");
    expect(signed.labels.accesses.ja).toBe("閲覧の記録");
    const r = verifyAccessReport(JSON.stringify(signed), { policy });
    expect(code(r)).toBe("OK");
    expect(E.isRight(r) && r.right).toMatchObject({ subject: "c-1", proven: 4, unproven: 0 });
    // Sealed values are ciphertext in the extract: the plaintext appears only in the report.
    expect(JSON.stringify(signed.extract)).not.toContain("hanako@example.jp");
  });

  it("on a version 2 ledger, cover a shared event without revealing the other subject (spec §13.6)", async () => {
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId,
      envelope: 2,
      keys: { store: memoryKeyStore(), kek: { id: "k", key: new Uint8Array(32).fill(3) } },
    });
    await ledger.append(personalInput("c-1", "hanako@example.jp"));
    await ledger.append({
      type: "record.updated",
      actor: { id: "agent-1" },
      subjects: ["c-1", "c-2"],
      payload: { resource: { type: "meeting", id: "m-1" }, fields: ["notes"] },
      personal: [
        { subject: "c-2", field: "notes", value: "taro@example.jp" },
        { subject: "c-1", field: "notes", value: "met on 1 Dec" },
      ],
    } as never);
    const tree = await catchUp(memoryTreeStore(), ledger.store);
    await emitCheckpoint(tree, log, ledgerId);
    const signed = await verifiableSubjectAccess(ledger, "c-1", { tree, policy });
    const r = verifyAccessReport(JSON.stringify(signed), { policy });
    expect(code(r)).toBe("OK");
    expect(E.isRight(r) && r.right).toMatchObject({ subject: "c-1", proven: 2, unproven: 0 });
    const text = JSON.stringify(signed);
    expect(text).not.toContain("c-2");
    expect(text).not.toContain("taro@example.jp");
    expect(text).toContain("met on 1 Dec");
  });

  it("says how many later events the checkpoint does not cover yet", async () => {
    const { ledger, tree } = await seeded();
    await ledger.append(accessInput(9, "c-1"));
    const signed = await verifiableSubjectAccess(ledger, "c-1", { tree, policy });
    const r = verifyAccessReport(JSON.stringify(signed), { policy });
    expect(E.isRight(r) && r.right).toMatchObject({ proven: 4, unproven: 1 });
    expect(signed.summary.en).toContain("1 later event(s)");
  });

  it("detects a report that leaves an event out, a changed hash, another subject's extract or an edited summary", async () => {
    const { ledger, tree } = await seeded();
    const signed = await verifiableSubjectAccess(ledger, "c-1", { tree, policy });
    const other = await verifiableSubjectAccess(ledger, "c-2", { tree, policy });
    const edits: [string, (x: typeof signed) => unknown][] = [
      [
        "an event left out",
        (x) => ({ ...x, report: { ...x.report, events: x.report.events.slice(1) } }),
      ],
      [
        "an event's hash changed",
        (x) => ({
          ...x,
          report: {
            ...x.report,
            events: x.report.events.map((e, i) => (i === 1 ? { ...e, hash: "0".repeat(64) } : e)),
          },
        }),
      ],
      ["another subject's extract", (x) => ({ ...x, extract: other.extract })],
      ["the summary edited", (x) => ({ ...x, summary: { ...x.summary, ja: "改ざん" } })],
    ];
    for (const [name, f] of edits)
      expect(code(verifyAccessReport(JSON.stringify(f(signed)), { policy })), name).toBe(
        "PROOF_INVALID",
      );
    expect(code(verifyAccessReport("{", { policy }))).toBe("DECODE_ERROR");
    expect(code(verifyAccessReport('{"format":"x"}', { policy }))).toBe("DECODE_ERROR");
  });
});
