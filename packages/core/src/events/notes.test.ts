import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { buildBody, sealBody } from "../chain";
import { erasureService } from "../erasure/service";
import { ed25519Signer } from "../erasure/signer";
import { genesisHash } from "../hash";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { subjectAccess } from "../subject-access/access";
import { EVENT_PAYLOADS, type EventType } from "./catalogue";
import { decodeEventInput, type EventInput } from "./input";
import { Note } from "./primitives";

/** Every payload member whose codec is `Note`, found by walking the catalogue's codecs. */
function notePaths(codec: t.Mixed, path: string, out: string[]): string[] {
  if (codec === (Note as unknown)) {
    out.push(path);
    return out;
  }
  const c = codec as unknown as {
    required?: t.Props;
    optional?: t.Props;
    types?: t.Mixed[];
    type?: t.Mixed;
  };
  if (c.required !== undefined && c.optional !== undefined) {
    for (const [k, v] of Object.entries({ ...c.required, ...c.optional }))
      notePaths(v, path === "" ? k : `${path}.${k}`, out);
  } else if (Array.isArray(c.types)) for (const x of c.types) notePaths(x, path, out);
  else if (c.type !== undefined) notePaths(c.type, path, out);
  return out;
}

/** A valid payload of each type that has a Note member (the Note members left out). */
const SAMPLES: Partial<Record<EventType, Record<string, unknown>>> = {
  "data.exported": {
    format: "csv",
    destination: { kind: "file", id: "exp-1" },
    recordCount: 3,
    fields: ["email"],
    purpose: "sales-follow-up",
  },
  "classification.changed": { resource: { type: "contact", id: "c-1" }, level: "confidential" },
  "permission.revoked": { grantId: "g-1", revokedBy: "admin-1" },
  "actor.offboarded": { actorId: "sales-7" },
  "retention.policy-set": {
    policyId: "pol-1",
    appliesTo: { purpose: "newsletter" },
    period: "P2Y",
    trigger: "last-contact",
  },
  "legal-hold.placed": { holdId: "h-1" },
  "legal-hold.released": { holdId: "h-1" },
  "erasure.requested": {
    requestId: "er-1",
    requestedBy: "c-1",
    channel: "web-form",
    dueBy: "2026-05-01T00:00:00.000Z",
  },
  "erasure.refused": { requestId: "er-1", ground: "legal-hold" },
  "processing.restricted": { restrictionId: "r-1", ground: "accuracy-contested" },
  "processing.restriction-lifted": { restrictionId: "r-1" },
  "alert.raised": { alertId: "al-1", rule: "bulk-export", severity: "warning", actorId: "sales-7" },
  "contract.terminated": { contractId: "ct-1", terminatedBy: "admin-1" },
  "alert.acknowledged": { alertId: "al-1", acknowledgedBy: "sec-1" },
  "alert.resolved": { alertId: "al-1", resolvedBy: "sec-1", resolution: "remediated" },
  "permission.approved": { grantId: "g-1", approvedBy: "admin-2" },
  "data.received": {
    provider: { kind: "organisation", id: "list-broker-1" },
    acquisition: "public-sources",
    fields: ["name"],
    purpose: "sales",
  },
  "access-review.completed": {
    reviewId: "rv-1",
    reviewedBy: "admin-2",
    findings: 0,
    outcome: "no-change",
  },
  "request.received": {
    requestId: "dsr-1",
    right: "gdpr.access",
    requestedBy: "c-1",
    channel: "web-form",
    dueBy: "2026-05-01T00:00:00.000Z",
  },
  "request.extended": { requestId: "dsr-1", dueBy: "2026-06-01T00:00:00.000Z" },
  "request.refused": { requestId: "dsr-1", ground: "manifestly-unfounded" },
  "incident.detected": {
    incidentId: "inc-1",
    awareAt: "2026-05-01T00:00:00.000Z",
    category: "unauthorised-access",
    regimes: ["gdpr", "appi"],
    improperPurpose: true,
  },
  "incident.described": { incidentId: "inc-1", details: {} },
  "incident.contained": { incidentId: "inc-1" },
  "incident.regulator-notified": { incidentId: "inc-1", to: "ppc", stage: "preliminary" },
  "incident.closed": { incidentId: "inc-1" },
  "device.lost": { deviceId: "pc-1", reportedBy: "sales-7" },
  "device.retired": { deviceId: "pc-1", retiredBy: "it-1" },
};

const NOTE_FIELDS = Object.entries(EVENT_PAYLOADS).flatMap(([type, codec]) =>
  notePaths(codec as t.Mixed, "", []).map((path) => ({ type: type as EventType, path })),
);

function inputWith(type: EventType, path: string, note: string): unknown {
  // A nested member (`details.summary`) is set inside a copy of its parent object.
  const [head, ...rest] = path.split(".") as [string, ...string[]];
  const sample = SAMPLES[type] ?? {};
  const member =
    rest.length === 0
      ? note
      : { ...(sample[head] as Record<string, unknown>), [rest.join(".")]: note };
  return {
    type,
    actor: { id: "admin-1" },
    subjects: ["c-1"],
    payload: { ...sample, [head]: member },
  };
}

const contactText = fc.oneof(
  fc.emailAddress(),
  fc.emailAddress().map((a) => `返信は ${a.replace("@", "＠")} まで`),
  fc
    .tuple(fc.constantFrom("090", "080", "03", "0466"), fc.integer({ min: 1000, max: 9999 }))
    .map(([p, n]) => `電話 ${p}-${n}-${String(n).padStart(4, "0")}`),
  fc
    .integer({ min: 10_000_000, max: 99_999_999 })
    .map((n) => `+81 90 ${String(n).replace(/(\d{4})/, "$1 ")}`),
  fc
    .integer({ min: 10_000_000, max: 99_999_999 })
    .map(
      (n) => `０９０${String(n).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))}`,
    ),
);

describe("Notes in every event type refuse contact data (issue 11 item 8)", () => {
  it("finds every Note member of the catalogue and has a sample for its type", () => {
    expect(NOTE_FIELDS.length).toBeGreaterThanOrEqual(12);
    for (const { type } of NOTE_FIELDS) expect(SAMPLES[type], type).toBeDefined();
  });

  it("accepts an ordinary Note in each of them", () => {
    for (const { type, path } of NOTE_FIELDS) {
      const decoded = decodeEventInput(inputWith(type, path, "litigation 2026-17 pending"));
      expect(E.isRight(decoded), `${type}.${path}`).toBe(true);
    }
  });

  it("refuses generated e-mail addresses and phone numbers in each of them with DECODE_ERROR at the member", () => {
    fc.assert(
      fc.property(fc.constantFrom(...NOTE_FIELDS), contactText, ({ type, path }, text) => {
        const decoded = decodeEventInput(inputWith(type, path, text));
        expect(E.isLeft(decoded), `${type}.${path}: ${text}`).toBe(true);
        if (E.isLeft(decoded)) {
          expect(decoded.left.code).toBe("DECODE_ERROR");
          expect(decoded.left.path).toBe(`$.payload.${path}`);
          expect(decoded.left.reason).toMatch(/seal the value as a personal field/);
          expect(JSON.stringify(decoded.left.toJSON())).not.toContain(text);
        }
      }),
      { numRuns: 600 },
    );
  });

  it("refuses contact data in a sealed field's `keep`, and a `keep` longer than the helpers make", async () => {
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "notes.test/keep",
      keys: { store: memoryKeyStore(), kek: { id: "k", key: new Uint8Array(32).fill(3) } },
    });
    const append = (keep: string) =>
      ledger.append({
        type: "record.created",
        actor: { id: "sales-1" },
        subjects: ["c-1"],
        payload: { resource: { type: "contact", id: "c-1" }, fields: ["email"] },
        personal: [{ subject: "c-1", field: "email", value: "hanako@example.jp", keep }],
      });
    for (const keep of ["h@ex.jp", "hanako@example.jp", "0312345678", "123456789"])
      await expect(append(keep), keep).rejects.toMatchObject({
        code: "DECODE_ERROR",
        path: "$.personal[0].keep",
      });
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 0 });
    await expect(append("5678")).resolves.toBeDefined();
  });
});

describe("v1 ledgers written before the screen", () => {
  it("still verify, read and answer with an old clear-text reason that the screen now refuses", async () => {
    const store = memoryStore();
    const ledgerId = "notes.test/v1";
    const reason = "reach me at hanako@example.jp or 090-1234-5678";
    const old = {
      type: "erasure.requested",
      actor: { id: "dsr-api" },
      subjects: ["c-1"],
      payload: {
        requestId: "er-old",
        requestedBy: "c-1",
        channel: "web-form",
        dueBy: "2026-05-01T00:00:00.000Z",
        reason,
      },
    } as EventInput<"erasure.requested">;
    // Written the way a v1 writer did, before the screen existed (no payload decoding here).
    const stored = sealBody(
      buildBody(old, {
        position: { seq: 0, prevHash: genesisHash(ledgerId) },
        id: "0190f5c2-0000-7000-8000-000000000001",
        recordedAt: "2026-04-01T00:00:00.000Z",
        subjectHeads: new Map(),
      }),
    );
    await store.append([stored], null);
    const ledger = await openLedger({
      store,
      ledgerId,
      keys: { store: memoryKeyStore(), kek: { id: "k", key: new Uint8Array(32).fill(4) } },
    });
    expect(E.isLeft(decodeEventInput(old))).toBe(true);
    expect(await ledger.verify()).toMatchObject({ ok: true });
    const signer = ed25519Signer("notes.test", new Uint8Array(32).fill(5));
    const erasure = erasureService({ ledger, signer, actor: { id: "dpo" } });
    expect((await erasure.status("er-old")).reason).toBe(reason);
    expect((await subjectAccess(ledger, "c-1")).erasureRequests).toHaveLength(1);
    await ledger.append({
      type: "legal-hold.placed",
      actor: { id: "legal" },
      subjects: ["c-1"],
      payload: { holdId: "h-1", reason: "tax audit" },
    });
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 2 });
  });
});
