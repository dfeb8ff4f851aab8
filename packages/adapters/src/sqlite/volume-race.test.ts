import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "@daicho/core";
import { compilePolicy, type DecisionRequest, decideAndRecord } from "@daicho/core/policy";
import { Projector } from "@daicho/core/views";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteStore } from "./index";

// Issue 14 item 3 across writers: two CRM servers, each with its own connection to one
// SQLite ledger and its own views, decide bulk reads by the same actor at the same time.
// Neither has folded the other's decision when it decides.

const LEDGER_ID = "volume.race/sqlite";
const AT = "2026-04-01T10:00:00.000Z";
const policy = compilePolicy({
  purposes: { support: { basis: "legitimate-interests", perSubject: false } },
});
const admin = { id: "admin" };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "daicho-volume-race-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function server() {
  const ledger = await openLedger({
    store: sqliteStore(join(dir, "ledger.db")),
    ledgerId: LEDGER_ID,
  });
  return { ledger, projector: await Projector.start({ ledger }) };
}

const read = (recordCount: number): DecisionRequest => ({
  actor: "alice",
  action: "read",
  resource: { type: "contact", id: "c-1" },
  purpose: "support",
  recordCount,
  context: { at: AT },
});

describe("volume limits with two writers on one SQLite ledger", () => {
  it("lets only one of two racing bulk reads through when together they exceed the limit", async () => {
    const setup = await server();
    await setup.ledger.appendBatch([
      {
        type: "actor.onboarded",
        actor: admin,
        occurredAt: "2026-04-01T00:00:00.000Z",
        payload: { actorId: "alice", roles: ["sales"] },
      },
      {
        type: "permission.granted",
        actor: admin,
        occurredAt: "2026-04-01T00:00:00.000Z",
        payload: {
          grantId: "g-1",
          grantee: { role: "sales" },
          scope: { resourceType: "contact" },
          actions: ["read"],
          purposes: ["support"],
          grantedBy: "admin",
        },
      },
      {
        type: "record.created",
        actor: admin,
        occurredAt: "2026-04-01T00:00:00.000Z",
        subjects: ["s-1"],
        payload: { resource: { type: "contact", id: "c-1" }, fields: ["name"] },
      },
      {
        type: "volume.limits-set",
        actor: admin,
        occurredAt: "2026-04-01T00:00:00.000Z",
        payload: { limits: [{ metric: "records-read", window: "hour", max: 500 }] },
      },
    ]);
    await setup.ledger.close();
    const east = await server();
    const west = await server();
    const [a, b] = await Promise.all([
      decideAndRecord(east.ledger, east.projector.views, policy, read(300)),
      decideAndRecord(west.ledger, west.projector.views, policy, read(300)),
    ]);
    expect([a.decision.allowed, b.decision.allowed].sort()).toEqual([false, true]);
    const loser = a.decision.allowed ? b : a;
    expect(loser.decision.reasons).toEqual(["read-volume-exceeded"]);
    // Both servers, once caught up, refuse the next read: the winner's 300 count everywhere.
    await east.projector.catchUp();
    await west.projector.catchUp();
    for (const s of [east, west]) {
      const next = await decideAndRecord(s.ledger, s.projector.views, policy, read(250));
      expect(next.decision.reasons).toEqual(["read-volume-exceeded"]);
    }
    east.projector.stop();
    west.projector.stop();
    await east.ledger.close();
    await west.ledger.close();
  });
});
