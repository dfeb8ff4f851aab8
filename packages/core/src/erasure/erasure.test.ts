import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { buildBody, sealBody } from "../chain";
import { isRedacted } from "../crypto/redacted";
import { isDaichoError } from "../errors";
import type { EventInput } from "../events/input";
import { memoryKeyStore } from "../keys/memory";
import { type Ledger, openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { overrideStore } from "../testing/override-store";
import { verifyCertificate } from "./certificate";
import { addPeriod } from "./deadlines";
import { APPI_PROVISION_RECORDS } from "./obligations";
import { erasureService } from "./service";
import { ed25519Signer } from "./signer";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(3) };
const signer = ed25519Signer("erasure.test", new Uint8Array(32).fill(4));
const actor = { id: "user-1" };
const system = { id: "daicho-erasure", role: "dpo" };
const T0 = new Date("2026-01-31T10:00:00.000Z");

function note(subjects: string[], values: Record<string, string>): EventInput {
  return {
    type: "record.updated",
    actor,
    subjects,
    payload: { resource: { type: "meeting", id: "m-1" }, fields: ["note"] },
    personal: subjects.map((s) => ({ subject: s, field: "note", value: values[s] as string })),
  } as EventInput;
}

async function setup(
  clock = () => T0,
): Promise<{ ledger: Ledger; erasure: ReturnType<typeof erasureService> }> {
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: "erasure.test/l",
    keys: { store: memoryKeyStore(), kek },
    clock,
  });
  return { ledger, erasure: erasureService({ ledger, signer, actor: system, clock }) };
}

describe("deadlines", () => {
  it("puts the GDPR one-month deadline on the last day of a shorter month", () => {
    expect(addPeriod(T0, "P1M")?.toISOString()).toBe("2026-02-28T10:00:00.000Z");
    expect(addPeriod(new Date("2028-01-31T00:00:00Z"), "P1M")?.toISOString()).toBe(
      "2028-02-29T00:00:00.000Z",
    );
    expect(addPeriod(new Date("2026-03-15T00:00:00Z"), "P1M")?.toISOString()).toBe(
      "2026-04-15T00:00:00.000Z",
    );
    expect(addPeriod(T0, "P45D")?.toISOString()).toBe("2026-03-17T10:00:00.000Z");
    expect(addPeriod(T0, "P5Y")?.toISOString()).toBe("2031-01-31T10:00:00.000Z");
    expect(addPeriod(T0, "1M")).toBeUndefined();
  });
});

describe("erasure service", () => {
  it("records a request with its Art. 12(3) deadline and lists it as open", async () => {
    const { ledger, erasure } = await setup();
    await ledger.append(note(["c-1"], { "c-1": "called about invoice" }));
    const r = await erasure.request("c-1", {
      requestedBy: "c-1",
      channel: "web-form",
      reason: "Art. 17 request",
    });
    expect(r.dueBy).toBe("2026-02-28T10:00:00.000Z");
    expect(r.status).toBe("open");
    const open = await erasure.openRequests(new Date("2026-03-01T00:00:00Z"));
    expect(open.map((o) => [o.requestId, o.overdue])).toEqual([[r.requestId, true]]);
  });

  it("shreds one subject of a shared event, keeps the other readable, and verify still passes", async () => {
    const { ledger, erasure } = await setup();
    const e = await ledger.append(
      note(["c-1", "c-2"], { "c-1": "alpha private", "c-2": "beta private" }),
    );
    await ledger.append({ ...note(["c-1"], { "c-1": "second" }) });
    const r = await erasure.request("c-1", { requestedBy: "c-1", channel: "email" });
    const out = await erasure.execute(r.requestId);
    expect(out.outcome).toBe("erased");
    const cert = out.certificate.certificate;
    expect(cert.eventsAffected).toBe(2);
    expect(cert.keyIds).toHaveLength(1);
    expect(E.isRight(verifyCertificate(out.certificate, signer.publicKey))).toBe(true);
    const tampered = { ...out.certificate, certificate: { ...cert, eventsAffected: 1 } };
    expect(E.isLeft(verifyCertificate(tampered, signer.publicKey))).toBe(true);
    const fields = await ledger.openPersonal(e);
    const byS = Object.fromEntries(fields.map((f) => [f.subject, f.value]));
    expect(isRedacted(byS["c-1"]) && byS["c-1"].reason).toBe("erased");
    expect(byS["c-2"]).toBe("beta private");
    expect((await ledger.verify()).ok).toBe(true);
    expect((await erasure.status(r.requestId)).status).toBe("completed");
  });

  it("is idempotent: a second execute and a second request report ALREADY_ERASED", async () => {
    const { ledger, erasure } = await setup();
    await ledger.append(note(["c-1"], { "c-1": "x" }));
    const r1 = await erasure.request("c-1", { requestedBy: "c-1", channel: "email" });
    const r2 = await erasure.request("c-1", { requestedBy: "agent-7", channel: "phone" });
    const first = await erasure.execute(r1.requestId);
    const again = await erasure.execute(r1.requestId);
    expect(again.outcome).toBe("already-erased");
    expect(again.certificate).toEqual(first.certificate);
    const other = await erasure.execute(r2.requestId);
    expect(other.outcome).toBe("already-erased");
    expect(other.certificate.certificate.requestId).toBe(r1.requestId);
    expect(await erasure.openRequests()).toEqual([]);
    const err = await erasure
      .request("c-1", { requestedBy: "c-1", channel: "email" })
      .catch((e) => e);
    expect(isDaichoError(err, "ALREADY_ERASED")).toBe(true);
  });

  it("refuses a held subject with the hold's reason, records the refusal, and erases after release", async () => {
    const { ledger, erasure } = await setup();
    const e = await ledger.append(note(["c-1"], { "c-1": "disputed contract" }));
    await erasure.placeHold(["c-1"], { holdId: "hold-9", reason: "litigation 2026-17 pending" });
    const r = await erasure.request("c-1", { requestedBy: "c-1", channel: "email" });
    const err = await erasure.execute(r.requestId).catch((x) => x);
    expect(isDaichoError(err, "LEGAL_HOLD")).toBe(true);
    expect(err.reason).toBe("litigation 2026-17 pending");
    expect(err.details.holdId).toBe("hold-9");
    const status = await erasure.status(r.requestId);
    expect(status.status).toBe("refused");
    expect(status.refusals[0]).toMatchObject({
      ground: "legal-hold",
      reason: "litigation 2026-17 pending",
      holdId: "hold-9",
    });
    expect((await ledger.openPersonal(e))[0]?.value).toBe("disputed contract");
    await erasure.releaseHold(["c-1"], "hold-9");
    expect((await erasure.execute(r.requestId)).outcome).toBe("erased");
  });

  it("refuses when a hold is recorded by another writer right after the decision was read", async () => {
    const keys = memoryKeyStore();
    const inner = memoryStore();
    let inject: (() => Promise<unknown>) | undefined;
    // Another process's hold lands between the erasure's read of the subject and its fence.
    const store = overrideStore(inner, {
      async *readSubject(subject: string) {
        yield* inner.readSubject(subject);
        const go = inject;
        inject = undefined;
        await go?.();
      },
    });
    const ledger = await openLedger({
      store,
      ledgerId: "erasure.test/l",
      keys: { store: keys, kek },
    });
    const other = await openLedger({ store: inner });
    const erasure = erasureService({ ledger, signer, actor: system, clock: () => T0 });
    const e = await ledger.append(note(["c-1"], { "c-1": "kept under hold" }));
    const r = await erasure.request("c-1", { requestedBy: "c-1", channel: "email" });
    inject = () =>
      other.append({
        type: "legal-hold.placed",
        actor: system,
        subjects: ["c-1"],
        payload: { holdId: "hold-late", reason: "litigation" },
      });
    const err = await erasure.execute(r.requestId).catch((x) => x);
    expect(isDaichoError(err, "LEGAL_HOLD")).toBe(true);
    expect(err.details.holdId).toBe("hold-late");
    const types = [];
    for await (const x of ledger.read()) types.push(x.type);
    expect(types).not.toContain("erasure.fenced");
    expect((await ledger.openPersonal(e))[0]?.value).toBe("kept under hold");
  });

  it("states in the certificate whether copies of the destroyed keys can still unwrap, retiring the KEK when given nextKek", async () => {
    const run = async (
      residue: "none" | "log",
      nextKek?: () => { id: string; key: Uint8Array },
    ) => {
      const keys = Object.assign(Object.create(memoryKeyStore()), { residue });
      const ledger = await openLedger({
        store: memoryStore(),
        ledgerId: "erasure.test/l",
        keys: { store: keys, kek },
      });
      const erasure = erasureService({ ledger, signer, actor: system, clock: () => T0, nextKek });
      await ledger.append(note(["c-1", "c-2"], { "c-1": "gone", "c-2": "kept" }));
      const r = await erasure.request("c-1", { requestedBy: "c-1", channel: "email" });
      const out = await erasure.execute(r.requestId).catch((e) => e);
      return { ledger, erasure, out, r };
    };
    const none = await run("none", () => ({ id: "kek-2", key: new Uint8Array(32).fill(8) }));
    expect(none.out.certificate.certificate.keyCopies).toBe("none");
    expect(none.ledger.keys?.kekId).toBe("kek-1");
    const open = await run("log");
    expect(open.out.certificate.certificate).toMatchObject({
      keyCopies: "current-kek",
      kekId: "kek-1",
    });
    const next = { id: "kek-2", key: new Uint8Array(32).fill(8) };
    const rotated = await run("log", () => next);
    const cert = rotated.out.certificate;
    expect(cert.certificate).toMatchObject({ keyCopies: "retired-kek", kekId: "kek-1" });
    expect(E.isRight(verifyCertificate(cert, signer.publicKey))).toBe(true);
    expect(await rotated.erasure.certificate(rotated.r.requestId)).toEqual(cert);
    expect(rotated.ledger.keys?.kekId).toBe("kek-2");
    const values = [];
    for await (const e of rotated.ledger.readOpened()) values.push(...e.fields.map((f) => f.value));
    expect(values).toContain("kept");
    const bad = await run("log", () => ({ id: "kek-1", key: new Uint8Array(32).fill(8) }));
    expect(isDaichoError(bad.out, "INVALID_ARGUMENT")).toBe(true);
  });

  it("refuses under a retention obligation (Art. 17(3)(b)) until it runs out", async () => {
    let now = T0;
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "erasure.test/l",
      keys: { store: memoryKeyStore(), kek },
      clock: () => now,
    });
    const erasure = erasureService({
      ledger,
      signer,
      actor: system,
      clock: () => now,
      obligations: [APPI_PROVISION_RECORDS],
    });
    await ledger.append({
      type: "data.shared",
      actor,
      subjects: ["c-1"],
      payload: {
        recipient: { kind: "organisation", id: "partner-1" },
        relationship: "third-party",
        legalBasis: "consent",
        fields: ["name"],
        purpose: "referral",
      },
      personal: [{ subject: "c-1", field: "name", value: "Yamada Hanako" }],
    });
    const r = await erasure.request("c-1", { requestedBy: "c-1", channel: "email" });
    const err = await erasure.execute(r.requestId).catch((x) => x);
    expect(isDaichoError(err, "ERASURE_EXEMPT")).toBe(true);
    expect(err.details.until).toBe("2029-01-31T10:00:00.000Z");
    now = new Date("2029-02-01T00:00:00.000Z");
    expect((await erasure.execute(r.requestId)).outcome).toBe("erased");
  });

  it("rejects unknown subjects, unknown requests and malformed options", async () => {
    const { erasure } = await setup();
    expect(
      isDaichoError(
        await erasure.request("nobody", { requestedBy: "x", channel: "email" }).catch((e) => e),
        "NOT_FOUND",
      ),
    ).toBe(true);
    expect(isDaichoError(await erasure.execute("er-nope").catch((e) => e), "NOT_FOUND")).toBe(true);
    expect(
      isDaichoError(
        await erasure.request("a@b.c", { requestedBy: "x", channel: "email" }).catch((e) => e),
        "DECODE_ERROR",
      ),
    ).toBe(true);
    expect(
      isDaichoError(
        await erasure.request("c-1", { requestedBy: "x", channel: "Bad Channel" }).catch((e) => e),
        "DECODE_ERROR",
      ),
    ).toBe(true);
  });

  it("detects a ciphertext moved to another event or field as tampering, not erasure", async () => {
    const { ledger } = await setup();
    const a = await ledger.append(note(["c-1"], { "c-1": "original" }));
    const sealed = a.personal?.[0];
    if (sealed === undefined) throw new Error("no sealed field");
    const head = await ledger.head();
    const forge = (personal: typeof sealed, id: string) =>
      sealBody(
        buildBody(
          {
            type: "record.updated",
            actor,
            subjects: ["c-1"],
            payload: { resource: { type: "meeting", id: "m-2" }, fields: ["note"] },
          } as EventInput,
          {
            position: { seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? "" },
            id,
            recordedAt: T0.toISOString(),
            subjectHeads: new Map(head === null ? [] : [["c-1", head]]),
            personal: [personal],
          },
        ),
      );
    const moved = forge(sealed, "evt-forged");
    await ledger.store.append([moved], head);
    const events = [];
    for await (const e of ledger.read({ from: moved.seq })) events.push(e);
    const err = await ledger.openPersonal(events[0] as (typeof events)[number]).catch((e) => e);
    expect(isDaichoError(err, "CIPHERTEXT_TAMPERED")).toBe(true);
    expect(err.path).toBe("personal[0]");
    const renamed = { ...a, personal: [{ ...sealed, field: "email" }] } as typeof a;
    expect(
      isDaichoError(await ledger.openPersonal(renamed).catch((e) => e), "CIPHERTEXT_TAMPERED"),
    ).toBe(true);
  });

  it("lists subjects due under a retention policy and shreds them on the opt-in schedule, recording why", async () => {
    let now = T0;
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "erasure.test/l",
      keys: { store: memoryKeyStore(), kek },
      clock: () => now,
    });
    const erasure = erasureService({ ledger, signer, actor: system, clock: () => now });
    await ledger.append({
      type: "retention.policy-set",
      actor: system,
      payload: {
        policyId: "pol-leads",
        appliesTo: { category: "contact" },
        period: "P5Y",
        trigger: "last-contact",
        action: "erase",
      },
    });
    const old = {
      type: "record.created",
      actor,
      occurredAt: T0.toISOString(),
      payload: { resource: { type: "contact", id: "x" }, fields: ["contact.email"] },
    };
    await ledger.append({
      ...old,
      subjects: ["c-old"],
      personal: [{ subject: "c-old", field: "contact.email", value: "old@example.org" }],
    } as EventInput);
    await ledger.append({
      ...old,
      subjects: ["c-held"],
      personal: [{ subject: "c-held", field: "contact.email", value: "held@example.org" }],
    } as EventInput);
    await erasure.placeHold(["c-held"], { holdId: "h-1", reason: "tax audit" });
    now = new Date("2030-06-01T00:00:00.000Z");
    await ledger.append({
      ...old,
      occurredAt: now.toISOString(),
      subjects: ["c-new"],
      personal: [{ subject: "c-new", field: "contact.email", value: "new@example.org" }],
    } as EventInput);
    now = new Date("2031-02-01T00:00:00.000Z");
    const due = await erasure.retentionDue();
    expect(due.map((d) => d.subject).sort()).toEqual(["c-held", "c-old"]);
    const run = await erasure.runRetention();
    expect(run).toEqual({ erased: ["c-old"], refused: ["c-held"], failed: [] });
    const reqs = [];
    for await (const e of ledger.read()) if (e.type === "erasure.requested") reqs.push(e.payload);
    expect(reqs.map((p) => (p as { reason?: string }).reason)).toEqual([
      "retention policy pol-leads: P5Y after last-contact",
      "retention policy pol-leads: P5Y after last-contact",
    ]);
    expect((await erasure.retentionDue()).map((d) => d.subject)).toEqual(["c-held"]);
  });

  it("decides retention only from hash-verified events: a store that back-dates a contact is refused", async () => {
    const inner = memoryStore();
    const store = overrideStore(inner, {
      // A careless or hostile store hands out an edited body (the contact made to look old)
      // under the original hash.
      read: (range) =>
        (async function* () {
          for await (const row of inner.read(range))
            yield row.body.includes('"c-recent"')
              ? {
                  ...row,
                  body: row.body.replace(
                    /"occurredAt":"[^"]*"/,
                    '"occurredAt":"2001-01-01T00:00:00.000Z"',
                  ),
                }
              : row;
        })(),
    });
    const ledger = await openLedger({
      store,
      ledgerId: "erasure.test/l",
      keys: { store: memoryKeyStore(), kek },
      clock: () => T0,
    });
    const erasure = erasureService({ ledger, signer, actor: system, clock: () => T0 });
    await ledger.append({
      type: "retention.policy-set",
      actor: system,
      payload: {
        policyId: "pol-leads",
        appliesTo: { category: "contact" },
        period: "P5Y",
        trigger: "last-contact",
        action: "erase",
      },
    });
    await ledger.append({
      type: "record.created",
      actor,
      occurredAt: T0.toISOString(),
      subjects: ["c-recent"],
      payload: { resource: { type: "contact", id: "x" }, fields: ["contact.email"] },
      personal: [{ subject: "c-recent", field: "contact.email", value: "r@example.org" }],
    } as EventInput);
    const err = await erasure.retentionDue().catch((e) => e);
    expect(isDaichoError(err, "STORE_CORRUPT")).toBe(true);
    expect(String(err.message)).not.toContain("c-recent");
    const run = await erasure.runRetention().catch((e) => e);
    expect(isDaichoError(run, "STORE_CORRUPT")).toBe(true);
  });
});
