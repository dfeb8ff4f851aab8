import type { Ledger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint } from "@daicho/core/checkpoint";
import { verifyExtract } from "@daicho/core/extract";
import { catchUp, type LedgerTree, memoryTreeStore } from "@daicho/core/merkle";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { denialsOf, dpoOnly, eventsOf, type Json, setup } from "./test-fixture";

const log = ed25519Signer("http.test/l", new Uint8Array(32).fill(9));
const policy = { keys: [log.verifier] };

/** The DSR handler with extracts served from a tree signed by `log`. */
async function withExtracts(envelope: 1 | 2 = 1) {
  let tree: LedgerTree | undefined;
  const ctx = await setup({
    envelope,
    authorize: dpoOnly,
    extractWith: async (ledger: Ledger) => {
      tree = await catchUp(memoryTreeStore(), ledger.store);
      await emitCheckpoint(tree, log, ledger.ledgerId);
      return { tree, policy };
    },
  });
  const checkpoint = () => emitCheckpoint(tree as LedgerTree, log, ctx.ledger.ledgerId);
  return { ...ctx, checkpoint };
}

const verified = (text: string): Json => {
  const r = verifyExtract(text, { policy });
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

describe("GET /subjects/:subject/extract", () => {
  it("gives a data subject its own verifiable extract, and records the export", async () => {
    const { call, ledger } = await withExtracts();
    const res = await call("GET", "/dsr/subjects/c-1/extract", "alice");
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(verified(res.text).subjects).toEqual([
      { id: "c-1", member: true, count: 1, events: [0] },
    ]);
    const last = (await eventsOf(ledger)).at(-1);
    expect(last).toMatchObject({
      type: "data.exported",
      actor: { id: "person-c-1" },
      subjects: [{ id: "c-1" }],
      payload: { purpose: "subject-access", destination: { kind: "data-subject" } },
    });
  });

  it("refuses another subject's extract to a data subject and to unauthorised staff, recording the denial", async () => {
    const { call, ledger } = await withExtracts();
    const other = await call("GET", "/dsr/subjects/c-2/extract", "alice");
    expect(other.status).toBe(403);
    expect(other.json().error.code).toBe("FORBIDDEN");
    expect((await call("GET", "/dsr/subjects/c-1/extract", "intern")).status).toBe(403);
    expect((await call("GET", "/dsr/subjects/c-1/extract")).status).toBe(401);
    expect(await denialsOf(ledger)).toHaveLength(2);
    const staff = await call("GET", "/dsr/subjects/c-2/extract", "dpo");
    expect(staff.status).toBe(200);
    expect(verified(staff.text).subjects[0].id).toBe("c-2");
  });

  it("never sends an extract that would reveal a co-subject", async () => {
    const { call, ledger, checkpoint } = await withExtracts();
    await ledger.append({
      type: "data.accessed",
      actor: { id: "sales-1" },
      subjects: ["c-1", "c-2"],
      payload: {
        resource: { type: "meeting", id: "m-1" },
        fields: [],
        purpose: "sales-follow-up",
        outcome: "allowed",
      },
    });
    await checkpoint();
    const before = (await eventsOf(ledger)).length;
    const res = await call("GET", "/dsr/subjects/c-1/extract", "alice");
    expect(res.status).toBe(400);
    expect(res.json().error).toMatchObject({
      code: "INVALID_ARGUMENT",
      details: { sharedEvents: 1 },
    });
    expect(res.text).not.toContain("c-2");
    expect((await eventsOf(ledger)).length).toBe(before);
  });

  it("on a version 2 ledger, sends a data subject the shared event with the co-subject redacted (spec §13.6)", async () => {
    const { call, ledger, checkpoint } = await withExtracts(2);
    const [shared] = await ledger.appendBatch([
      {
        type: "data.accessed",
        actor: { id: "sales-1" },
        subjects: ["c-1", "c-2"],
        payload: {
          resource: { type: "meeting", id: "m-1" },
          fields: [],
          purpose: "sales-follow-up",
          outcome: "allowed",
        },
      },
    ]);
    await checkpoint();
    const res = await call("GET", "/dsr/subjects/c-1/extract", "alice");
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain("c-2");
    expect(res.text).not.toContain("bob@example.jp");
    expect(verified(res.text).subjects).toEqual([
      { id: "c-1", member: true, count: 2, events: [0, shared?.seq] },
    ]);
  });

  it("proves to staff that the ledger holds nothing about an unknown id, without writing that id", async () => {
    const { call, ledger } = await withExtracts();
    const before = (await eventsOf(ledger)).length;
    const res = await call("GET", "/dsr/subjects/c-404/extract", "dpo");
    expect(res.status).toBe(200);
    expect(verified(res.text).subjects).toEqual([
      { id: "c-404", member: false, count: 0, events: [] },
    ]);
    expect((await eventsOf(ledger)).length).toBe(before);
  });

  it("is no route when the host did not configure extracts, and answers GET only", async () => {
    const plain = await setup();
    expect((await plain.call("GET", "/dsr/subjects/c-1/extract", "alice")).status).toBe(404);
    const { call } = await withExtracts();
    expect((await call("POST", "/dsr/subjects/c-1/extract", "alice", { body: {} })).status).toBe(
      405,
    );
  });
});
