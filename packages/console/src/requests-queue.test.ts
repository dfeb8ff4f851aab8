/// <reference lib="dom" />
import type { LedgerEvent } from "@daicho/core";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import {
  EMAIL,
  eventsSinceOf,
  type Fixture,
  headSeqOf,
  postJson,
  type Work,
  withSeededFixture,
} from "./test-fixture";

const seeded = withSeededFixture();
let fx: Fixture;
let work: Work;
beforeEach(() => {
  ({ fx, work } = seeded);
});

const headSeq = () => headSeqOf(fx);
const eventsSince = (seq: number) => eventsSinceOf(fx, seq);
const post = postJson;
type Item = Record<string, unknown> & { id: string; version: number; actions: string[] };
const queue = async (h = fx.handler(), user = "dpo"): Promise<Item[]> =>
  (await (await fx.call(h, user, "/api/queue")).json()).items;
const itemOf = async (id: string, h = fx.handler()) =>
  (await queue(h)).find((i) => i.id === id) as Item;
const act = (
  h: ReturnType<Fixture["handler"]>,
  user: string,
  id: string,
  action: string,
  body: unknown,
) => fx.call(h, user, `/api/queue/request/${id}/${action}`, post(body));

describe("the request queue lists every right", () => {
  it("shows regime, right, clause, due date, version and the actions the state allows", async () => {
    const items = await queue();
    const access = items.find((i) => i.id === work.accessId) as Item;
    expect(access).toMatchObject({
      kind: "request",
      subject: "contact-0003",
      regime: "gdpr",
      right: "gdpr.access",
      clause: "GDPR Art. 15",
      status: "open",
      overdue: false,
      atRisk: false,
      version: 1,
      actions: ["verify", "extend", "refuse"],
    });
    expect(access.grounds).toContain("rights-of-others");
    expect(access.grounds).not.toContain("legal-claims"); // an Art. 17(3) exemption does not refuse access
    const appi = items.find((i) => i.id === work.appiId) as Item;
    expect(appi).toMatchObject({ regime: "appi", right: "appi.disclosure" });
    // APPI's 14-day internal target comes before GDPR's month: earliest deadline first.
    expect(items.findIndex((i) => i.id === work.appiId)).toBeLessThan(
      items.findIndex((i) => i.id === work.accessId),
    );
  });

  it("marks a request at risk in its last quarter, and overdue after its deadline", async () => {
    const item = await itemOf(work.appiId);
    const due = Date.parse(item.dueBy as string);
    const late = fx.handler({ clock: () => new Date(due + 1000) });
    expect(await itemOf(work.appiId, late)).toMatchObject({ overdue: true, atRisk: false });
    const close = fx.handler({ clock: () => new Date(due - 86_400_000) });
    expect(await itemOf(work.appiId, close)).toMatchObject({ overdue: false, atRisk: true });
  });
});

describe("working a request through the library", () => {
  it("support verifies identity (named as verifier); the DPO answers with the export and the request closes", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const v = await act(h, "support", work.accessId, "verify", {
      method: "id-document",
      version: 1,
    });
    expect(v.status).toBe(200);
    const [verified] = await eventsSince(before);
    expect(verified).toMatchObject({
      type: "request.identity-verified",
      actor: { id: "support-ito", role: "support" },
      payload: { requestId: work.accessId, method: "id-document", verifiedBy: "support-ito" },
    });
    const item = await itemOf(work.accessId, h);
    expect(item.actions).toEqual(["extend", "refuse", "answer"]);
    const mid = await headSeq();
    const res = await act(h, "dpo", work.accessId, "answer", { format: "json", version: 2 });
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(JSON.parse(out.export.body).subject).toBe("contact-0003");
    expect(out.export.body).toContain("contact-0003@x.example.jp");
    expect(out.request.status).toBe("completed");
    const written = await eventsSince(mid);
    expect(written.map((e) => e.type)).toEqual(["data.exported", "request.completed"]);
    expect(written[0]).toMatchObject({
      actor: { id: "dpo-kato" },
      payload: { destination: { kind: "data-subject" }, format: "json" },
    });
    expect((await queue(h)).some((i) => i.id === work.accessId)).toBe(false);
  });

  it("answers as CSV, formula-safe", async () => {
    const h = fx.handler();
    await act(h, "dpo", work.accessId, "verify", { method: "account-login", version: 1 });
    const out = await (
      await act(h, "dpo", work.accessId, "answer", { format: "csv", version: 2 })
    ).json();
    expect(out.export.contentType).toMatch(/text\/csv/);
    expect(out.export.body.split("\n")[0]).toMatch(/^field,value,status/);
  });

  it("extends with a reason, within the regime's cap", async () => {
    const h = fx.handler();
    const item = await itemOf(work.accessId, h);
    const later = new Date(Date.parse(item.dueBy as string) + 20 * 86_400_000).toISOString();
    const res = await act(h, "dpo", work.accessId, "extend", {
      dueBy: later,
      reason: "Complex request across three systems",
      version: 1,
    });
    expect(res.status).toBe(200);
    expect(await itemOf(work.accessId, h)).toMatchObject({ dueBy: later, version: 2 });
    const tooFar = new Date(Date.parse(item.receivedAt as string) + 200 * 86_400_000).toISOString();
    const before = await headSeq();
    const refused = await act(h, "dpo", work.accessId, "extend", {
      dueBy: tooFar,
      reason: "Even more time",
      version: 2,
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe("INVALID_ARGUMENT");
    expect(await headSeq()).toBe(before);
  });

  it("refuses on a ground from the closed list; a ground that does not fit the right changes nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const wrong = await act(h, "dpo", work.accessId, "refuse", {
      ground: "legal-claims",
      reason: "Pending litigation",
      version: 1,
    });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.code).toBe("INVALID_ARGUMENT");
    const unknown = await act(h, "dpo", work.accessId, "refuse", {
      ground: "we-do-not-feel-like-it",
      reason: "No",
      version: 1,
    });
    expect((await unknown.json()).error.code).toBe("DECODE_ERROR");
    expect(await headSeq()).toBe(before);
    const ok = await act(h, "dpo", work.accessId, "refuse", {
      ground: "manifestly-unfounded",
      reason: "Fifth identical request this month",
      version: 1,
    });
    expect(ok.status).toBe(200);
    const [refused] = await eventsSince(before);
    expect(refused).toMatchObject({
      type: "request.refused",
      actor: { id: "dpo-kato" },
      payload: { ground: "manifestly-unfounded" },
    });
  });

  it("completes a rectification with evidence, lists the Art. 19 recipients (recorded) and records each notice", async () => {
    const h = fx.handler();
    await act(h, "dpo", work.rectifyId, "verify", { method: "account-login", version: 1 });
    const verification = (await eventsSince((await headSeq()) - 1))[0] as LedgerEvent;
    const early = await act(h, "dpo", work.rectifyId, "complete", {
      evidence: [verification.id],
      version: 2,
    });
    expect(early.status).toBe(400); // the verification event is no rectification
    const fix = await fx.ledger.append({
      type: "record.updated",
      actor: { id: "dpo-kato", role: "dpo" },
      subjects: ["contact-0001"],
      payload: { resource: { type: "contact", id: "contact-0001" }, fields: ["email"] },
      personal: [{ subject: "contact-0001", field: "email", value: "h.sato@mail.example.jp" }],
    });
    const done = await act(h, "dpo", work.rectifyId, "complete", {
      evidence: [fix.id],
      version: 2,
    });
    expect(done.status).toBe(200);
    const item = await itemOf(work.rectifyId, h);
    expect(item).toMatchObject({ status: "completed", actions: ["notify"] });
    const before = await headSeq();
    const list = await fx.call(h, "auditor", `/api/queue/request/${work.rectifyId}/recipients`);
    expect(list.status).toBe(200);
    const body = await list.json();
    expect(body.recipients.map((r: { recipient: string }) => r.recipient)).toEqual(["hoshi-sales"]);
    const [read] = await eventsSince(before);
    expect(read).toMatchObject({
      type: "data.accessed",
      actor: { id: "auditor-weber" },
      payload: { purpose: "dsr-art19-recipients", outcome: "allowed" },
    });
    const v = (await itemOf(work.rectifyId, h)).version;
    const told = await act(h, "dpo", work.rectifyId, "notify", {
      recipient: "hoshi-sales",
      channel: "email",
      version: v,
    });
    expect(told.status).toBe(200);
    const again = await act(h, "dpo", work.rectifyId, "notify", {
      recipient: "hoshi-sales",
      channel: "email",
      version: v + 1,
    });
    expect(again.status).toBe(400);
    const stranger = await act(h, "dpo", work.rectifyId, "notify", {
      recipient: "never-got-it",
      channel: "email",
      version: v + 1,
    });
    expect(stranger.status).toBe(400);
    expect((await itemOf(work.rectifyId, h)).notices).toHaveLength(1);
  });
});

describe("bad input, wrong roles and stale pages change nothing", () => {
  it("refuses hostile bodies with a typed error and records nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const bodies: unknown[] = [
      { method: "id-document" }, // no version
      { method: "id-document", version: "1" },
      { method: "id-document", version: -1 },
      { method: "id-document", version: 1, verifiedBy: "someone-else" }, // unknown member
      { method: "passport scan by Hanako", version: 1 }, // not on the closed list
      [],
      "verify",
    ];
    for (const b of bodies) {
      const res = await act(h, "dpo", work.accessId, "verify", b);
      expect(res.status, JSON.stringify(b)).toBe(400);
      const err = (await res.json()).error;
      expect(["DECODE_ERROR", "INVALID_ARGUMENT"]).toContain(err.code);
    }
    const contact = await act(h, "dpo", work.accessId, "extend", {
      dueBy: new Date(Date.now() + 40 * 86_400_000).toISOString(),
      reason: `Call ${EMAIL} for details`,
      version: 1,
    });
    expect(contact.status).toBe(400);
    expect(JSON.stringify(await contact.json())).not.toContain(EMAIL);
    const badId = await fx.call(h, "dpo", "/api/queue/request/%E0%A4%A/verify", post({}));
    expect(badId.status).toBe(400);
    const noSuch = await act(h, "dpo", "dsr-nope", "verify", { method: "id-document", version: 1 });
    expect(noSuch.status).toBe(404);
    expect(await headSeq()).toBe(before);
  });

  it("support may verify identity but not extend, refuse, complete, answer or notify; auditor does none (server-side, recorded)", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const tries: [string, string, unknown][] = [
      ["support", "extend", { dueBy: new Date().toISOString(), reason: "Busy", version: 1 }],
      ["support", "refuse", { ground: "excessive", reason: "Too many", version: 1 }],
      ["support", "complete", { evidence: ["x"], version: 1 }],
      ["support", "answer", { format: "json", version: 1 }],
      ["support", "notify", { recipient: "hoshi-sales", channel: "email", version: 1 }],
      ["auditor", "verify", { method: "id-document", version: 1 }],
    ];
    for (const [user, action, b] of tries)
      expect((await act(h, user, work.accessId, action, b)).status, `${user} ${action}`).toBe(403);
    const written = await eventsSince(before);
    expect(written).toHaveLength(tries.length);
    for (const e of written)
      expect(e).toMatchObject({
        type: "data.accessed",
        subjects: [{ id: "contact-0003" }],
        payload: { outcome: "denied" },
      });
    expect(
      (await fx.call(h, "support", `/api/queue/request/${work.rectifyId}/recipients`)).status,
    ).toBe(403);
    expect((await itemOf(work.accessId, h)).version).toBe(1);
  });

  it("refuses an action decided on a stale page (someone acted first): 409 STALE_VIEW, nothing recorded", async () => {
    const h = fx.handler();
    const item = await itemOf(work.accessId, h);
    const later = new Date(Date.parse(item.dueBy as string) + 10 * 86_400_000).toISOString();
    const ok = await act(h, "dpo", work.accessId, "extend", {
      dueBy: later,
      reason: "Volume",
      version: 1,
    });
    expect(ok.status).toBe(200);
    const before = await headSeq();
    const stale = await act(h, "dpo", work.accessId, "extend", {
      dueBy: new Date(Date.parse(later) + 86_400_000).toISOString(),
      reason: "Volume again",
      version: 1,
    });
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.code).toBe("STALE_VIEW");
    expect(await headSeq()).toBe(before);
  });

  it("two DPOs extending the same request at once: one is recorded, the other is told it is stale", async () => {
    const h = fx.handler();
    const item = await itemOf(work.accessId, h);
    const due = (days: number) =>
      new Date(Date.parse(item.dueBy as string) + days * 86_400_000).toISOString();
    const before = await headSeq();
    const [a, b] = await Promise.all([
      act(h, "dpo", work.accessId, "extend", { dueBy: due(5), reason: "Volume", version: 1 }),
      act(h, "dpo", work.accessId, "extend", { dueBy: due(9), reason: "Backlog", version: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const written = await eventsSince(before);
    expect(written.map((e) => e.type)).toEqual(["request.extended"]);
  });

  it("refuses every request action once incremental verification failed", async () => {
    const h = fx.handler();
    await queue(h);
    const e = await fx.ledger.append({
      type: "record.created",
      actor: { id: "sales-tanaka" },
      subjects: ["contact-0009"],
      payload: { resource: { type: "contact", id: "contact-0009" }, fields: [] },
    });
    const db = new Database(fx.path);
    db.prepare(
      "UPDATE daicho_events SET body = replace(body, 'contact-0009', 'contact-0008') WHERE seq = ?",
    ).run(e.seq);
    db.close();
    const before = await headSeq();
    const res = await act(h, "dpo", work.accessId, "verify", { method: "id-document", version: 1 });
    expect(res.status).toBe(500);
    expect((await res.json()).error.code).toBe("STORE_CORRUPT");
    expect(await headSeq()).toBe(before);
  });
});
