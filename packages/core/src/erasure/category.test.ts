import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { isRedacted } from "../crypto/redacted";
import { isDaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import { categoryKeySubject } from "../keys/categories";
import { isTombstone, type KeyStore } from "../keys/key-store";
import { memoryKeyStore } from "../keys/memory";
import { type Ledger, openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import type { Store } from "../store/store";
import { verifyErasureCertificate } from "./category-certificate";
import { verifyCertificate } from "./certificate";
import { erasureService } from "./service";
import { ed25519Signer } from "./signer";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(3) };
const signer = ed25519Signer("category.test", new Uint8Array(32).fill(4));
const dpo = { id: "dpo-1", role: "dpo" };
const T0 = new Date("2026-03-02T10:00:00.000Z");
const clock = () => T0;
const MARKETING = { name: "marketing", fields: ["interests", "newsletterOptIn"] };
const PROFILE = { name: "profile", fields: ["jobTitle"] };

/** A record about `subject` with one value per given field. */
function values(subject: string, fields: Record<string, string>): EventInput {
  return {
    type: "record.updated",
    actor: { id: "crm" },
    subjects: [subject],
    payload: { resource: { type: "contact", id: "c-1" }, fields: Object.keys(fields) },
    personal: Object.entries(fields).map(([field, value]) => ({ subject, field, value })),
  } as EventInput;
}

async function open(store: Store = memoryStore(), keys: KeyStore = memoryKeyStore()) {
  const ledger = await openLedger({
    store,
    ledgerId: "category.test/l",
    keys: { store: keys, kek },
    clock,
  });
  return { ledger, store, keys, erasure: erasureService({ ledger, signer, actor: dpo, clock }) };
}

/** The subject's values in `event`, opened: plaintext, or "erased" / "unavailable". */
async function opened(ledger: Ledger, event: LedgerEvent): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await ledger.openPersonal(event)) {
    out[`${f.subject}.${f.field}`] = isRedacted(f.value) ? f.value.reason : f.value;
  }
  return out;
}

async function erase(
  erasure: ReturnType<typeof erasureService>,
  subject: string,
  category?: string,
) {
  const r = await erasure.request(subject, {
    requestedBy: subject,
    channel: "web-form",
    ...(category === undefined ? {} : { category }),
  });
  return erasure.execute(r.requestId);
}

describe("erasure by category", () => {
  it("shreds the category's values and only those: the subject's other fields and other subjects still open", async () => {
    const { ledger, erasure } = await open();
    await erasure.declareCategories([MARKETING, PROFILE]);
    const a = await ledger.append(
      values("c-1", { email: "hanako@example.jp", interests: "golf", jobTitle: "CTO" }),
    );
    const b = await ledger.append(values("c-2", { interests: "tennis" }));
    const keyIds = Object.fromEntries((a.personal ?? []).map((f) => [f.field, f.keyId]));
    expect(keyIds.email).toMatch(/^dk1-/);
    expect(keyIds.interests).toMatch(/^dkc1-marketing-[0-9a-f]{32}$/);
    expect(keyIds.jobTitle).toMatch(/^dkc1-profile-/);

    const out = await erase(erasure, "c-1", "marketing");
    expect(out.outcome).toBe("erased");
    expect(await opened(ledger, a)).toEqual({
      "c-1.email": "hanako@example.jp",
      "c-1.interests": "erased",
      "c-1.jobTitle": "CTO",
    });
    expect(await opened(ledger, b)).toEqual({ "c-2.interests": "tennis" });
    // The subject can still receive values outside the category.
    await ledger.append(values("c-1", { email: "new@example.jp" }));

    const cert = verifyErasureCertificate(out.certificate, signer.publicKey);
    if (E.isLeft(cert) || cert.right.kind !== "category") throw new Error("no category cert");
    expect(cert.right.body).toMatchObject({
      subject: "c-1",
      category: "marketing",
      fields: ["interests", "newsletterOptIn"],
      keyIds: [keyIds.interests],
      subjectKeyIds: [keyIds.email],
      eventsAffected: 1,
      keyCopies: "none",
    });
  });

  it("refuses a category the ledger does not declare, recording nothing", async () => {
    const { ledger, erasure } = await open();
    await erasure.declareCategories([MARKETING]);
    await ledger.append(values("c-1", { interests: "golf" }));
    const before = await ledger.store.head();
    const err = await erasure
      .request("c-1", { requestedBy: "c-1", channel: "web-form", category: "profile" })
      .catch((e: unknown) => e);
    expect(isDaichoError(err, "INVALID_ARGUMENT")).toBe(true);
    const bad = await erasure
      .request("c-1", { requestedBy: "c-1", channel: "web-form", category: "Bad Name" })
      .catch((e: unknown) => e);
    expect(isDaichoError(bad, "DECODE_ERROR")).toBe(true);
    expect(await ledger.store.head()).toEqual(before);
  });

  it("refuses a declaration that puts a field in two categories", async () => {
    const { erasure } = await open();
    const err = await erasure
      .declareCategories([MARKETING, { name: "sales", fields: ["interests.sport"] }])
      .catch((e: unknown) => e);
    expect(isDaichoError(err, "DECODE_ERROR")).toBe(true);
  });

  it("refuses new values of the category after the fence, in this process and in another that cached the key", async () => {
    const store = memoryStore();
    const keys = memoryKeyStore();
    const one = await open(store, keys);
    await one.erasure.declareCategories([MARKETING]);
    const other = await open(store, keys); // a second process on the same stores
    await other.ledger.append(values("c-1", { interests: "golf" })); // caches the category key
    await erase(one.erasure, "c-1", "marketing");
    for (const l of [one.ledger, other.ledger]) {
      const err = await l
        .append(values("c-1", { newsletterOptIn: "yes" }))
        .catch((e: unknown) => e);
      expect(isDaichoError(err, "KEY_ERASED")).toBe(true);
    }
    await other.ledger.append(values("c-1", { email: "still@example.jp" }));
  });

  it("a field moved to another category (or none) after the erasure stays erased and is refused for the subject", async () => {
    const { ledger, erasure } = await open();
    await erasure.declareCategories([MARKETING, PROFILE]);
    const old = await ledger.append(values("c-1", { interests: "golf" }));
    await ledger.append(values("c-2", { interests: "chess" }));
    await erase(erasure, "c-1", "marketing");
    await erasure.declareCategories([{ name: "profile", fields: ["jobTitle", "interests"] }]);
    expect(await opened(ledger, old)).toEqual({ "c-1.interests": "erased" });
    const moved = await ledger
      .append(values("c-1", { interests: "golf" }))
      .catch((e: unknown) => e);
    expect(isDaichoError(moved, "KEY_ERASED")).toBe(true);
    await erasure.declareCategories([PROFILE]); // no category at all: the subject key
    const bare = await ledger.append(values("c-1", { interests: "golf" })).catch((e: unknown) => e);
    expect(isDaichoError(bare, "KEY_ERASED")).toBe(true);
    // Another subject is not affected by c-1's erasure.
    const c2 = await ledger.append(values("c-2", { interests: "go" }));
    expect(await opened(ledger, c2)).toEqual({ "c-2.interests": "go" });
  });

  it("a key store restored from a backup taken before the category erasure cannot serve the category's key", async () => {
    const store = memoryStore();
    const keys = memoryKeyStore();
    const { ledger, erasure } = await open(store, keys);
    await erasure.declareCategories([MARKETING]);
    const e = await ledger.append(values("c-1", { email: "hanako@example.jp", interests: "golf" }));
    // The backup: every record, and the KEK check, as they were before the erasure.
    const backup = memoryKeyStore();
    await backup.initKekCheck(
      (await keys.kekCheck()) as NonNullable<Awaited<ReturnType<KeyStore["kekCheck"]>>>,
    );
    for (const holder of ["c-1", categoryKeySubject("c-1", "marketing")]) {
      const records = await keys.forSubject(holder);
      if (isTombstone(records)) throw new Error("tombstone");
      for (const r of records) await backup.putIfAbsent(r);
    }
    await erase(erasure, "c-1", "marketing");
    expect(isTombstone(await keys.forSubject(categoryKeySubject("c-1", "marketing")))).toBe(true);
    const restored = await open(store, backup);
    // The backup still holds the category key: only the fence keeps it from being served.
    const held = await backup.forSubject(categoryKeySubject("c-1", "marketing"));
    expect(isTombstone(held) ? 0 : held.length).toBe(1);
    expect(await opened(restored.ledger, e)).toEqual({
      "c-1.email": "hanako@example.jp",
      "c-1.interests": "erased",
    });
  });

  it("racing appends of the category with its erasure never leaves a readable value of it", async () => {
    const store = memoryStore();
    const keys = memoryKeyStore();
    const one = await open(store, keys);
    await one.erasure.declareCategories([MARKETING]);
    const other = await open(store, keys);
    for (let i = 0; i < 8; i++) {
      const subject = `race-${i}`;
      await other.ledger.append(values(subject, { interests: "golf", email: "x@example.jp" }));
      const request = await one.erasure.request(subject, {
        requestedBy: subject,
        channel: "web-form",
        category: "marketing",
      });
      const [done, appended] = await Promise.allSettled([
        one.erasure.execute(request.requestId),
        other.ledger.append(values(subject, { newsletterOptIn: `yes-${i}` })),
      ]);
      expect(done.status).toBe("fulfilled");
      if (appended.status === "rejected") {
        expect(isDaichoError(appended.reason, "KEY_ERASED")).toBe(true);
      }
      for await (const e of store.readSubject(subject)) {
        const event = JSON.parse(e.body) as LedgerEvent;
        for (const [field, v] of Object.entries(await opened(one.ledger, event)))
          if (!field.endsWith(".email")) expect(v).toBe("erased");
      }
    }
  });

  it("a certificate edited to another category, or passed off as a subject certificate, does not verify", async () => {
    const { ledger, erasure } = await open();
    await erasure.declareCategories([MARKETING, PROFILE]);
    await ledger.append(values("c-1", { interests: "golf" }));
    const { certificate } = await erase(erasure, "c-1", "marketing");
    expect(E.isRight(verifyErasureCertificate(certificate, signer.publicKey))).toBe(true);
    const edited = JSON.parse(JSON.stringify(certificate));
    edited.certificate.category = "profile";
    const r = verifyErasureCertificate(edited, signer.publicKey);
    expect(E.isLeft(r) && r.left.code).toBe("SIGNATURE_INVALID");
    const stripped = JSON.parse(JSON.stringify(certificate));
    delete stripped.certificate.category;
    expect(E.isLeft(verifyCertificate(stripped, signer.publicKey))).toBe(true);
    expect(E.isLeft(verifyErasureCertificate(stripped, signer.publicKey))).toBe(true);
  });

  it("is idempotent, and refused while a legal hold or an obligation on the category's values applies", async () => {
    const { ledger } = await open();
    const erasure = erasureService({
      ledger,
      signer,
      actor: dpo,
      clock,
      obligations: [
        {
          id: "sales-records",
          eventTypes: ["data.shared"],
          keepFor: "P3Y",
          ground: "legal-obligation",
          basis: "kept 3 years",
        },
      ],
    });
    await erasure.declareCategories([MARKETING, PROFILE]);
    await ledger.append(values("c-1", { interests: "golf", jobTitle: "CTO" }));
    await erasure.placeHold(["c-1"], { holdId: "h-1", reason: "litigation" });
    const held = await erase(erasure, "c-1", "marketing").catch((e: unknown) => e);
    expect(isDaichoError(held, "LEGAL_HOLD")).toBe(true);
    await erasure.releaseHold(["c-1"], "h-1");
    // A provision record holding a profile value binds the profile category, not marketing.
    await ledger.append({
      type: "data.shared",
      actor: { id: "crm" },
      subjects: ["c-1"],
      payload: {
        recipient: { kind: "organisation", id: "partner-1" },
        relationship: "third-party",
        legalBasis: "consent",
        fields: ["jobTitle"],
        purpose: "referral",
      },
      personal: [{ subject: "c-1", field: "jobTitle", value: "CTO" }],
    } as EventInput);
    const exempt = await erase(erasure, "c-1", "profile").catch((e: unknown) => e);
    expect(isDaichoError(exempt, "ERASURE_EXEMPT")).toBe(true);
    const r = await erasure.request("c-1", {
      requestedBy: "c-1",
      channel: "web-form",
      category: "marketing",
    });
    const first = await erasure.execute(r.requestId);
    const again = await erasure.execute(r.requestId);
    expect(again.outcome).toBe("already-erased");
    expect(again.certificate).toEqual(first.certificate);
    expect(await erasure.certificate(r.requestId)).toEqual(first.certificate);
    expect((await erasure.status(r.requestId)).status).toBe("completed");
  });

  it("erasing the whole subject after a category destroys every key, and its certificate names them all", async () => {
    const { ledger, erasure, keys } = await open();
    await erasure.declareCategories([MARKETING, PROFILE]);
    const e = await ledger.append(
      values("c-1", { email: "hanako@example.jp", interests: "golf", jobTitle: "CTO" }),
    );
    await erase(erasure, "c-1", "marketing");
    const whole = await erase(erasure, "c-1");
    const body = verifyCertificate(whole.certificate, signer.publicKey);
    if (E.isLeft(body)) throw body.left;
    expect([...body.right.keyIds].sort()).toEqual((e.personal ?? []).map((f) => f.keyId).sort());
    for (const holder of [
      "c-1",
      categoryKeySubject("c-1", "marketing"),
      categoryKeySubject("c-1", "profile"),
    ])
      expect(isTombstone(await keys.forSubject(holder))).toBe(true);
    expect(Object.values(await opened(ledger, e))).toEqual(["erased", "erased", "erased"]);
  });

  it("a ledger that declares no category seals every field under the subject key", async () => {
    const { ledger } = await open();
    const e = await ledger.append(values("c-1", { interests: "golf", email: "a@example.jp" }));
    for (const f of e.personal ?? []) expect(f.keyId).toMatch(/^dk1-[0-9a-f]{32}$/);
  });

  it("property: erasing (subject, category) pairs leaves every other pair and every subject field readable", async () => {
    const fields = {
      interests: "marketing",
      newsletterOptIn: "marketing",
      jobTitle: "profile",
      email: undefined,
    } as const;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 }),
            fc.constantFrom(...Object.keys(fields)),
            fc.string({ minLength: 1, maxLength: 12 }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom("marketing", "profile")),
          { maxLength: 4 },
        ),
        async (writes, erasures) => {
          const { ledger, erasure } = await open();
          await erasure.declareCategories([MARKETING, PROFILE]);
          const written: {
            event: LedgerEvent;
            subject: string;
            field: keyof typeof fields;
            value: string;
          }[] = [];
          for (const [s, field, value] of writes) {
            const subject = `p-${s}`;
            const event = await ledger.append(values(subject, { [field]: value }));
            written.push({ event, subject, field: field as keyof typeof fields, value });
          }
          const erased = new Set<string>();
          for (const [s, category] of erasures) {
            const subject = `p-${s}`;
            if (erased.has(`${subject}/${category}`) || !written.some((w) => w.subject === subject))
              continue;
            await erase(erasure, subject, category);
            erased.add(`${subject}/${category}`);
          }
          for (const w of written) {
            const got = (await opened(ledger, w.event))[`${w.subject}.${w.field}`];
            const category = fields[w.field];
            const gone = category !== undefined && erased.has(`${w.subject}/${category}`);
            expect(got).toBe(gone ? "erased" : w.value);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
