import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { isRedacted } from "../crypto/redacted";
import { verifyErasureCertificate } from "../erasure/category-certificate";
import { erasureService } from "../erasure/service";
import { ed25519Signer } from "../erasure/signer";
import type { EventInput } from "../events/input";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { requestsService } from "./service";
import { rejectsWith } from "./test-support";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(3) };
const signer = ed25519Signer("requests.category", new Uint8Array(32).fill(4));
const dpo = { id: "dpo-1", role: "dpo" };
const clock = () => new Date("2026-03-02T10:00:00.000Z");

async function setup() {
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: "requests.category/l",
    keys: { store: memoryKeyStore(), kek },
    clock,
  });
  const erasure = erasureService({ ledger, signer, actor: dpo, clock });
  const requests = requestsService({ ledger, actor: dpo, clock });
  await erasure.declareCategories([
    { name: "marketing", fields: ["interests"] },
    { name: "profile", fields: ["jobTitle"] },
  ]);
  const event = await ledger.append({
    type: "record.updated",
    actor: { id: "crm" },
    subjects: ["c-1"],
    payload: { resource: { type: "contact", id: "c-1" }, fields: ["email", "interests"] },
    personal: [
      { subject: "c-1", field: "email", value: "hanako@example.jp" },
      { subject: "c-1", field: "interests", value: "golf" },
    ],
  } as EventInput);
  return { ledger, erasure, requests, event };
}

const receive = { right: "gdpr.erasure", requestedBy: "c-1", channel: "web-form" } as const;

describe("erasure requests that name a category", () => {
  it("completing one erases that category only, with the category certificate as evidence", async () => {
    const { ledger, erasure, requests, event } = await setup();
    const r = await requests.receive("c-1", { ...receive, erasureCategory: "marketing" });
    expect(r.erasureCategory).toBe("marketing");
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    const { request, certificate } = await requests.completeErasure(r.requestId, erasure);
    expect(request.status).toBe("completed");
    const verified = verifyErasureCertificate(certificate, signer.publicKey);
    expect(E.isRight(verified) && verified.right.kind).toBe("category");
    expect(request.completion?.evidence[0]?.id).toBe(certificate.certificate.completion.id);
    const values = (await ledger.openPersonal(event)).map((f) =>
      isRedacted(f.value) ? f.value.reason : f.value,
    );
    expect(values).toEqual(["hanako@example.jp", "erased"]);
  });

  it("refuses a category the ledger does not declare, or one on a right that is not an erasure, recording nothing", async () => {
    const { ledger, requests } = await setup();
    const before = await ledger.store.head();
    await rejectsWith(
      requests.receive("c-1", { ...receive, erasureCategory: "billing" }),
      "INVALID_ARGUMENT",
    );
    await rejectsWith(
      requests.receive("c-1", { ...receive, right: "gdpr.access", erasureCategory: "marketing" }),
      "INVALID_ARGUMENT",
    );
    expect(await ledger.store.head()).toEqual(before);
  });

  it("erases nothing before the requester's identity is verified", async () => {
    const { ledger, erasure, requests, event } = await setup();
    const r = await requests.receive("c-1", { ...receive, erasureCategory: "marketing" });
    await rejectsWith(requests.completeErasure(r.requestId, erasure), "IDENTITY_UNVERIFIED");
    const values = (await ledger.openPersonal(event)).map((f) => f.value);
    expect(values).toEqual(["hanako@example.jp", "golf"]);
  });

  it("refuses a category erasure as evidence for a whole-subject request, and another category's for a category request", async () => {
    const { erasure, requests } = await setup();
    const whole = await requests.receive("c-1", receive);
    const profile = await requests.receive("c-1", { ...receive, erasureCategory: "profile" });
    for (const r of [whole, profile])
      await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    const er = await erasure.request("c-1", {
      requestedBy: "c-1",
      channel: "web-form",
      category: "marketing",
    });
    const { certificate } = await erasure.execute(er.requestId);
    const evidence = [certificate.certificate.completion.id];
    await rejectsWith(
      requests.complete(whole.requestId, { outcome: "erased", evidence }),
      "INVALID_ARGUMENT",
    );
    await rejectsWith(
      requests.complete(profile.requestId, { outcome: "erased", evidence }),
      "INVALID_ARGUMENT",
    );
  });
});

describe("APPI 利用停止等 naming a category", () => {
  it("is carried out by the category's erasure", async () => {
    const { erasure, requests } = await setup();
    const r = await requests.receive("c-1", {
      right: "appi.cessation",
      requestedBy: "c-1",
      channel: "web-form",
      erasureCategory: "marketing",
    });
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    const { request, certificate } = await requests.completeErasure(r.requestId, erasure);
    expect(request.status).toBe("completed");
    expect("category" in certificate.certificate && certificate.certificate.category).toBe(
      "marketing",
    );
  });
});

describe("completeErasure retried", () => {
  const erasureRequests = async (ledger: Awaited<ReturnType<typeof setup>>["ledger"]) => {
    let n = 0;
    for await (const e of ledger.store.read({ from: 0 })) if (e.type === "erasure.requested") n++;
    return n;
  };

  it("after a refusal for a legal hold since lifted, carries on with the erasure request it filed", async () => {
    const { ledger, erasure, requests } = await setup();
    const r = await requests.receive("c-1", receive);
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    await erasure.placeHold(["c-1"], { holdId: "h-1", reason: "litigation" });
    await rejectsWith(requests.completeErasure(r.requestId, erasure), "LEGAL_HOLD");
    expect((await requests.get(r.requestId)).status).toBe("open");
    await erasure.releaseHold(["c-1"], "h-1");
    const { request } = await requests.completeErasure(r.requestId, erasure);
    expect(request.status).toBe("completed");
    expect(await erasureRequests(ledger)).toBe(1);
  });

  it("after an interruption between the erasure and the request's completion, completes with that erasure's certificate", async () => {
    const { ledger, erasure, requests } = await setup();
    const r = await requests.receive("c-1", { ...receive, erasureCategory: "marketing" });
    await requests.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-1" });
    // The erasure ran (as completeErasure would) but the process died before completing r.
    const er = await erasure.request("c-1", {
      requestedBy: "c-1",
      channel: "web-form",
      category: "marketing",
    });
    const { certificate: first } = await erasure.execute(er.requestId);
    const { request, certificate } = await requests.completeErasure(r.requestId, erasure);
    expect(request.status).toBe("completed");
    expect(certificate.certificate.completion.id).toBe(first.certificate.completion.id);
    expect(await erasureRequests(ledger)).toBe(1);
  });
});
