import { describe, expect, it } from "vitest";
import { erasureService } from "../erasure/service";
import { ed25519Signer } from "../erasure/signer";
import { isDaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import { memoryKeyStore } from "../keys/memory";
import { type Ledger, openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import type { Store } from "../store/store";
import { subjectAccess } from "../subject-access/access";
import { overrideStore } from "../testing/override-store";
import { requestsService } from "./service";
import { rejectsWith as rejects, tamperedStore } from "./test-support";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(3) };
const dpo = { id: "dpo-1", role: "dpo" };
const T0 = new Date("2026-01-31T10:00:00.000Z");

function touch(subject: string): EventInput {
  return {
    type: "record.created",
    actor: { id: "crm" },
    subjects: [subject],
    payload: { resource: { type: "contact", id: subject }, fields: ["email"] },
    personal: [{ subject, field: "email", value: `${subject}@example.jp` }],
  } as EventInput;
}

async function setup(options: { store?: Store; at?: () => Date } = {}) {
  let now = T0;
  const clock = options.at ?? (() => now);
  const store = options.store ?? memoryStore();
  const keys = memoryKeyStore();
  const ledger = await openLedger({
    store,
    ledgerId: "requests.test/l",
    keys: { store: keys, kek },
    clock,
  });
  await ledger.append(touch("c-1"));
  await ledger.append(touch("c-2"));
  const requests = requestsService({ ledger, actor: dpo, clock });
  return {
    ledger,
    store,
    keys,
    requests,
    setNow: (d: Date) => {
      now = d;
    },
  };
}

/** Answer an access request the way a host would: the report, recorded as an export to the person. */
async function answerAccess(ledger: Ledger, subject: string): Promise<LedgerEvent> {
  await subjectAccess(ledger, subject, { recordAs: dpo });
  const head = await ledger.head();
  const [e] = await collect(ledger, head?.seq ?? 0);
  return e as LedgerEvent;
}

async function collect(ledger: Ledger, from: number): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for await (const e of ledger.read({ from })) out.push(e);
  return out;
}

describe("requests: lifecycle", () => {
  it("receives, verifies and completes an access request with the export as evidence", async () => {
    const { ledger, requests } = await setup();
    const r = await requests.receive("c-1", {
      right: "gdpr.access",
      requestedBy: "c-1",
      channel: "web-form",
    });
    expect(r.status).toBe("open");
    expect(r.dueBy).toBe("2026-02-28T10:00:00.000Z");
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    const answer = await answerAccess(ledger, "c-1");
    const done = await requests.complete(r.requestId, {
      outcome: "answered",
      evidence: [answer.id],
    });
    expect(done.status).toBe("completed");
    expect(done.completion?.evidence).toEqual([
      { seq: answer.seq, id: answer.id, hash: answer.hash },
    ]);
    const listed = await requests.get(r.requestId);
    expect(listed.events.map((e) => e.type)).toEqual([
      "request.received",
      "request.identity-verified",
      "request.completed",
    ]);
  });

  it("runs each regime's clock: CCPA confirmation and 45 days, APPI's internal target", async () => {
    const { requests } = await setup();
    const ccpa = await requests.receive("c-1", {
      right: "ccpa.delete",
      requestedBy: "agent-7",
      channel: "email",
    });
    expect(ccpa.dueBy).toBe("2026-03-17T10:00:00.000Z");
    expect(ccpa.confirmBy).toBe("2026-02-14T07:59:59.999Z");
    const appi = await requests.receive("c-2", {
      right: "appi.disclosure",
      requestedBy: "c-2",
      channel: "postal",
    });
    expect(appi.dueBy).toBe("2026-02-14T10:00:00.000Z");
    expect(appi.regime).toBe("appi");
  });

  it("lists open requests earliest deadline first and flags the overdue ones", async () => {
    const { requests } = await setup();
    const a = await requests.receive("c-1", {
      right: "gdpr.rectification",
      requestedBy: "c-1",
      channel: "email",
    });
    const b = await requests.receive("c-2", {
      right: "appi.correction",
      requestedBy: "c-2",
      channel: "email",
    });
    const list = await requests.list({ status: ["open"] }, new Date("2026-02-20T00:00:00Z"));
    expect(list.map((r) => r.requestId)).toEqual([b.requestId, a.requestId]);
    expect(list.map((r) => r.overdue)).toEqual([true, false]);
    expect(await requests.list({ regime: ["gdpr"] })).toHaveLength(1);
  });

  it("seals the requester's statement under the subject's key; the body holds no plaintext", async () => {
    const { ledger, requests, store } = await setup();
    await requests.receive("c-1", {
      right: "gdpr.objection",
      requestedBy: "c-1",
      channel: "web-form",
      statement: "マーケティングに使わないでください",
    });
    const head = await ledger.head();
    const stored = await store.get(head?.seq ?? -1);
    expect(stored?.body).not.toContain("マーケティング");
    const [event] = await collect(ledger, head?.seq ?? 0);
    const fields = await ledger.openPersonal(event as LedgerEvent);
    expect(fields[0]).toMatchObject({
      field: "request.statement",
      value: "マーケティングに使わないでください",
    });
  });
});

describe("requests: attacks", () => {
  it("refuses to complete a disclosure before the identity is verified, and records nothing", async () => {
    const { ledger, requests } = await setup();
    const r = await requests.receive("c-1", {
      right: "appi.disclosure",
      requestedBy: "c-1",
      channel: "web-form",
    });
    const answer = await answerAccess(ledger, "c-1");
    const before = await ledger.head();
    await rejects(
      requests.complete(r.requestId, { outcome: "answered", evidence: [answer.id] }),
      "IDENTITY_UNVERIFIED",
    );
    expect(await ledger.head()).toEqual(before);
  });

  it("refuses evidence about another subject, from before the request, of the wrong type or to the wrong place", async () => {
    const { ledger, requests } = await setup();
    const early = await answerAccess(ledger, "c-1");
    const r = await requests.receive("c-1", {
      right: "gdpr.access",
      requestedBy: "c-1",
      channel: "web-form",
    });
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    const other = await answerAccess(ledger, "c-2");
    const update = await ledger.append({
      type: "record.updated",
      actor: dpo,
      subjects: ["c-1"],
      payload: { resource: { type: "contact", id: "c-1" }, fields: ["email"] },
    });
    const toCrm = await ledger.append({
      type: "data.exported",
      actor: dpo,
      subjects: ["c-1"],
      payload: {
        format: "csv",
        destination: { kind: "marketing-tool", id: "mailer-1" },
        recordCount: 1,
        fields: ["email"],
        purpose: "marketing",
      },
    });
    const before = await ledger.head();
    for (const id of [other.id, early.id, update.id, toCrm.id, "no-such-event"]) {
      await rejects(
        requests.complete(r.requestId, { outcome: "answered", evidence: [id] }),
        "INVALID_ARGUMENT",
      );
    }
    expect(await ledger.head()).toEqual(before);
    expect((await requests.get(r.requestId)).status).toBe("open");
  });

  it("refuses a ground that does not fit the right, and a second closing step", async () => {
    const { requests } = await setup();
    const r = await requests.receive("c-1", {
      right: "gdpr.access",
      requestedBy: "c-1",
      channel: "web-form",
    });
    await rejects(
      requests.refuse(r.requestId, { ground: "legal-claims", reason: "pending litigation" }),
      "INVALID_ARGUMENT",
    );
    await rejects(
      requests.refuse(r.requestId, { ground: "appi-business-interference", reason: "業務に支障" }),
      "INVALID_ARGUMENT",
    );
    const refused = await requests.refuse(r.requestId, {
      ground: "manifestly-unfounded",
      reason: "fifth identical request this week",
    });
    expect(refused.refusal?.ground).toBe("manifestly-unfounded");
    await rejects(
      requests.refuse(r.requestId, { ground: "excessive", reason: "again" }),
      "REQUEST_CLOSED",
    );
    await rejects(
      requests.extend(r.requestId, { dueBy: "2026-03-31T00:00:00Z", reason: "complex" }),
      "REQUEST_CLOSED",
    );
    await rejects(
      requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" }),
      "REQUEST_CLOSED",
    );
  });

  it("caps extensions by regime and only allows them while the first deadline runs", async () => {
    const { requests, setNow } = await setup();
    const g = await requests.receive("c-1", {
      right: "gdpr.erasure",
      requestedBy: "c-1",
      channel: "web-form",
    });
    await rejects(
      requests.extend(g.requestId, { dueBy: "2026-05-01T00:00:00Z", reason: "complex" }),
      "INVALID_ARGUMENT",
    );
    await rejects(
      requests.extend(g.requestId, { dueBy: "2026-02-01T00:00:00Z", reason: "complex" }),
      "INVALID_ARGUMENT",
    );
    const extended = await requests.extend(g.requestId, {
      dueBy: "2026-04-30T10:00:00Z",
      reason: "complex request",
    });
    expect(extended.dueBy).toBe("2026-04-30T10:00:00.000Z");
    expect(extended.originalDueBy).toBe("2026-02-28T10:00:00.000Z");

    const c = await requests.receive("c-2", {
      right: "ccpa.know",
      requestedBy: "c-2",
      channel: "web-form",
    });
    await requests.extend(c.requestId, {
      dueBy: "2026-04-01T00:00:00Z",
      reason: "complex request",
    });
    await rejects(
      requests.extend(c.requestId, { dueBy: "2026-04-10T00:00:00Z", reason: "again" }),
      "INVALID_ARGUMENT",
    );

    const late = await requests.receive("c-2", {
      right: "gdpr.access",
      requestedBy: "c-2",
      channel: "web-form",
    });
    setNow(new Date("2026-03-01T00:00:00Z")); // after the first month
    await rejects(
      requests.extend(late.requestId, { dueBy: "2026-04-01T00:00:00Z", reason: "too late" }),
      "INVALID_ARGUMENT",
    );
    const optOut = await requests.receive("c-2", {
      right: "ccpa.opt-out",
      requestedBy: "c-2",
      channel: "web-form",
    });
    await rejects(
      requests.extend(optOut.requestId, { dueBy: "2026-03-30T00:00:00Z", reason: "busy" }),
      "INVALID_ARGUMENT",
    );
  });

  it("rejects hostile input with a typed error and records nothing", async () => {
    const { ledger, requests } = await setup();
    const before = await ledger.head();
    const bad: unknown[] = [
      { right: "gdpr.everything", requestedBy: "c-1", channel: "web" },
      { right: "gdpr.access", requestedBy: "hanako@example.jp", channel: "web" },
      {
        right: "gdpr.access",
        requestedBy: "c-1",
        channel: "web",
        reason: "call me at +81 90-1234-5678",
      },
      { right: "gdpr.access", requestedBy: "c-1", channel: "web", extra: true },
      {
        right: "gdpr.access",
        requestedBy: "c-1",
        channel: "web",
        receivedAt: "2027-01-01T00:00:00Z",
      },
      { right: "gdpr.access", requestedBy: "c-1", channel: "web", dueBy: "2026-06-01T00:00:00Z" },
    ];
    for (const opts of bad) {
      const e = await requests.receive("c-1", opts as never).catch((x: unknown) => x);
      expect(isDaichoError(e) && ["DECODE_ERROR", "INVALID_ARGUMENT"].includes(e.code)).toBe(true);
      expect(JSON.stringify(e)).not.toContain("hanako");
      expect(JSON.stringify(e)).not.toContain("1234");
    }
    await rejects(
      requests.receive("c-404", { right: "gdpr.access", requestedBy: "c-404", channel: "web" }),
      "NOT_FOUND",
    );
    await rejects(requests.get("../../etc"), "DECODE_ERROR");
    await rejects(
      requests.complete("dsr-nope", { outcome: "answered", evidence: ["x"] }),
      "NOT_FOUND",
    );
    expect(await ledger.head()).toEqual(before);
  });

  it("lets only one of two racing processes close a request", async () => {
    const inner = memoryStore();
    // Process B reads the subject, then stalls until A has closed the request: B decides
    // on a stale read, exactly the interleaving two DPO tabs or two processes produce.
    let gate: Promise<void> | undefined;
    const storeB = overrideStore(inner, {
      readSubject: (subject) =>
        (async function* () {
          const rows = [];
          for await (const s of inner.readSubject(subject)) rows.push(s);
          const g = gate;
          gate = undefined;
          if (g !== undefined) await g;
          yield* rows;
        })(),
    });
    const a = await setup({ store: inner });
    const ledgerB = await openLedger({
      store: storeB,
      ledgerId: "requests.test/l",
      keys: { store: a.keys, kek },
      clock: () => T0,
    });
    const b = requestsService({ ledger: ledgerB, actor: { id: "dpo-2" }, clock: () => T0 });
    const r = await a.requests.receive("c-1", {
      right: "gdpr.objection",
      requestedBy: "c-1",
      channel: "web",
    });
    await a.requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    const restricted = await a.ledger.append({
      type: "processing.restricted",
      actor: dpo,
      subjects: ["c-1"],
      payload: { restrictionId: "rs-1", ground: "objection-pending" },
    });
    let open: () => void = () => undefined;
    gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const refusal = b.refuse(r.requestId, {
      ground: "compelling-legitimate-grounds",
      reason: "fraud prevention",
    });
    await new Promise((resolve) => setTimeout(resolve, 20)); // B has read and is stalled
    const completed = await a.requests.complete(r.requestId, {
      outcome: "restricted",
      evidence: [restricted.id],
    });
    expect(completed.status).toBe("completed");
    open();
    await rejects(refusal, "REQUEST_CLOSED");
    const closing = (await collect(a.ledger, 0)).filter(
      (e) =>
        (e.type === "request.completed" || e.type === "request.refused") &&
        e.payload.requestId === r.requestId,
    );
    expect(closing.map((e) => e.type)).toEqual(["request.completed"]);
  });

  it("answers nothing from a tampered event: the queue and the decision fail closed", async () => {
    let tamper = false;
    const store = tamperedStore(
      memoryStore(),
      "request.received",
      (body) => body.replace("gdpr.access", "gdpr.erasure").replace("2026-02-28", "2026-12-28"),
      () => tamper,
    );
    const { requests } = await setup({ store });
    const r = await requests.receive("c-1", {
      right: "gdpr.access",
      requestedBy: "c-1",
      channel: "web",
    });
    tamper = true;
    const fresh = requestsService({
      ledger: (requests as unknown as { ledger: Ledger }).ledger,
      actor: dpo,
      clock: () => T0,
    });
    await rejects(fresh.list(), "STORE_CORRUPT");
    await rejects(
      requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" }),
      "STORE_CORRUPT",
    );
  });

  it("ignores a terminal event written past the service: the first closing event wins", async () => {
    const { ledger, requests } = await setup();
    const r = await requests.receive("c-1", {
      right: "gdpr.restriction",
      requestedBy: "c-1",
      channel: "web",
    });
    await requests.refuse(r.requestId, {
      ground: "manifestly-unfounded",
      reason: "no data processed",
    });
    await ledger
      .append({
        type: "request.completed",
        actor: { id: "intruder" },
        subjects: ["c-1"],
        payload: { requestId: r.requestId, outcome: "answered", evidence: [] as never },
      })
      .catch(() => undefined);
    await ledger.append({
      type: "request.extended",
      actor: { id: "intruder" },
      subjects: ["c-1"],
      payload: { requestId: r.requestId, dueBy: "2027-01-01T00:00:00Z", reason: "quietly" },
    });
    const after = await requestsService({ ledger, actor: dpo, clock: () => T0 }).get(r.requestId);
    expect(after.status).toBe("refused");
    expect(after.dueBy).toBe(r.dueBy);
  });
});

describe("requests: GDPR Art. 19 recipients", () => {
  function share(subject: string, recipient: string, fields: string[]): EventInput {
    return {
      type: "data.shared",
      actor: { id: "crm" },
      subjects: [subject],
      payload: {
        recipient: { kind: "organisation", id: recipient },
        relationship: "third-party",
        legalBasis: "consent",
        fields,
        purpose: "joint-campaign",
      },
    } as EventInput;
  }

  it("lists who received the fields the request changed, and records each notice once", async () => {
    const { ledger, requests } = await setup();
    await ledger.append(share("c-1", "partner-1", ["email", "phone"]));
    await ledger.append({
      type: "data.exported",
      actor: { id: "crm" },
      subjects: ["c-1"],
      payload: {
        format: "csv",
        destination: { kind: "marketing-tool", id: "mailer-1" },
        recordCount: 1,
        fields: ["email"],
        purpose: "newsletter",
      },
    });
    await ledger.append(share("c-2", "partner-2", ["phone"]));
    await answerAccess(ledger, "c-1"); // to the person: not a recipient
    const r = await requests.receive("c-1", {
      right: "gdpr.rectification",
      requestedBy: "c-1",
      channel: "web-form",
      categories: ["phone"],
    });
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    const fix = await ledger.append({
      type: "record.updated",
      actor: dpo,
      subjects: ["c-1"],
      payload: { resource: { type: "contact", id: "c-1" }, fields: ["phone"] },
    });
    await rejects(requests.recipients(r.requestId), "INVALID_ARGUMENT"); // not completed yet
    await requests.complete(r.requestId, { outcome: "rectified", evidence: [fix.id] });
    await ledger.append(share("c-1", "partner-3", ["phone"])); // after completion
    const list = await requests.recipients(r.requestId);
    expect(list.map((x) => [x.recipient, x.fields, x.notifiedAt])).toEqual([
      ["partner-1", ["phone"], undefined],
    ]);

    await rejects(
      requests.recordNotice(r.requestId, { recipient: "mailer-1", channel: "email" }),
      "INVALID_ARGUMENT",
    );
    await rejects(
      requests.recordNotice(r.requestId, { recipient: "partner-2", channel: "email" }),
      "INVALID_ARGUMENT",
    );
    await requests.recordNotice(r.requestId, {
      recipient: "partner-1",
      channel: "email",
      reference: "ticket-44",
    });
    await rejects(
      requests.recordNotice(r.requestId, { recipient: "partner-1", channel: "email" }),
      "INVALID_ARGUMENT",
    );
    expect((await requests.recipients(r.requestId))[0]?.notifiedAt).toBe(T0.toISOString());
    expect((await requests.get(r.requestId)).notices).toHaveLength(1);
  });

  it("has no recipients to notify for an access request", async () => {
    const { ledger, requests } = await setup();
    const r = await requests.receive("c-1", {
      right: "gdpr.access",
      requestedBy: "c-1",
      channel: "web",
    });
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    const answer = await answerAccess(ledger, "c-1");
    await requests.complete(r.requestId, { outcome: "answered", evidence: [answer.id] });
    await rejects(requests.recipients(r.requestId), "INVALID_ARGUMENT");
    await rejects(
      requests.recordNotice(r.requestId, { recipient: "partner-1", channel: "email" }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("requests and retention", () => {
  it("does not restart a last-contact retention clock by working a request", async () => {
    let now = T0;
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "requests.test/retention",
      keys: { store: memoryKeyStore(), kek },
      clock: () => now,
    });
    const erasure = erasureService({
      ledger,
      signer: ed25519Signer("requests.test", new Uint8Array(32).fill(9)),
      actor: dpo,
      clock: () => now,
    });
    await ledger.append({
      type: "retention.policy-set",
      actor: dpo,
      payload: {
        policyId: "pol-1",
        appliesTo: { category: "email" },
        period: "P1Y",
        trigger: "last-contact",
        action: "erase",
      },
    });
    await ledger.append(touch("c-1"));
    now = new Date("2026-08-01T00:00:00.000Z");
    const requests = requestsService({ ledger, actor: dpo, clock: () => now });
    const r = await requests.receive("c-1", {
      right: "gdpr.objection",
      requestedBy: "c-1",
      channel: "web",
    });
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    await requests.refuse(r.requestId, {
      ground: "compelling-legitimate-grounds",
      reason: "fraud prevention",
    });
    now = new Date("2027-02-15T00:00:00.000Z");
    expect((await erasure.retentionDue()).map((d) => d.subject)).toEqual(["c-1"]);
  });
});
