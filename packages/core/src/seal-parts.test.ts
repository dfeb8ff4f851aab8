import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { prepareSlice } from "./append-worker";
import { buildBody, eventHash, type SubjectHead, sealEvent } from "./chain";
import { contactDataIn } from "./events/contact-screen";
import type { SealedField } from "./events/envelope";
import { phoneLikeId } from "./events/id-screen";
import { decodeEventInput, type EventInput } from "./events/input";
import { sealParts, spliceParts } from "./seal-parts";

/** Text as CRM users write it: Japanese, astral characters (emoji, rare kanji), escapes. */
const text = (max: number) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          "山田",
          "花子",
          "様",
          "〒",
          "ｶﾅ",
          "㈱",
          "𠮷",
          "🙇",
          "👨‍👩‍👧",
          "é",
          "\u00a0",
        ),
        fc.constantFrom('"', "\\", "\n", "\t", "\u2028", "\u0001", "</script>"),
        fc.string({ unit: "grapheme", maxLength: 4 }),
      ),
      { minLength: 1, maxLength: max },
    )
    .map((parts) => parts.join("").slice(0, 480))
    // The append path refuses free text that looks like contact data (after NFKC, so `﹫`
    // reads as `@`); screen with the real check so every generated input is valid.
    .filter((s) => s.trim().length > 0 && contactDataIn(s) === undefined);

// Ids pass the phone screen too (`a-0312345678` matches the pattern but reads as a phone number).
const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((s) => !phoneLikeId(s));
const hash = fc.stringMatching(/^[0-9a-f]{64}$/);

/** Valid inputs of several shapes, small and large (1024 resource ids), with free text. */
const input: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({
    type: fc.constant("data.exported"),
    actor: fc.record({ id }, { requiredKeys: ["id"] }),
    subjects: fc.uniqueArray(id, { maxLength: 6 }),
    payload: fc.record(
      {
        format: fc.constant("csv"),
        destination: fc.record({ kind: fc.constant("download"), id }),
        recordCount: fc.nat(),
        fields: fc.uniqueArray(fc.constantFrom("name", "email", "company"), { maxLength: 3 }),
        purpose: fc.constant("sales-follow-up"),
        query: text(40),
      },
      { requiredKeys: ["format", "destination", "recordCount", "fields", "purpose"] },
    ),
    occurredAt: fc.constantFrom("2026-01-02T03:04:05.678Z", undefined),
    id: fc.option(fc.uuid({ version: 7 }), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant("actor.offboarded"),
    actor: fc.record({ id, role: id }, { requiredKeys: ["id"] }),
    payload: fc.record({ actorId: id, reason: text(80) }, { requiredKeys: ["actorId"] }),
  }),
  fc.record({
    type: fc.constant("permission.granted"),
    actor: fc.record({ id }),
    subjects: fc.uniqueArray(id, { maxLength: 3 }),
    payload: fc.record({
      grantId: id,
      purposes: fc.constant(["sales-follow-up"]),
      grantedBy: id,
      grantee: fc.record({ actor: id }),
      actions: fc.constant(["read"]),
      scope: fc.record({
        resourceType: fc.constant("contact"),
        resourceIds: fc.uniqueArray(id, { minLength: 1, maxLength: 1024 }),
      }),
    }),
  }),
);

/** Sealed values naming subjects drawn from `subject`, at most `max` of them. */
const sealedOf = (subject: fc.Arbitrary<string>, max: number): fc.Arbitrary<SealedField[]> =>
  fc.array(
    fc.record(
      {
        subject,
        field: fc.constantFrom("name", "email"),
        alg: fc.constant("xchacha20poly1305"),
        keyId: id,
        nonce: fc.base64String(),
        ct: fc.base64String(),
        keep: fc.constantFrom("1990", "…5678", "山田"),
      },
      { requiredKeys: ["subject", "field", "alg", "keyId", "nonce", "ct"] },
    ) as fc.Arbitrary<SealedField>,
    { maxLength: max },
  );

const sealed = sealedOf(id, 3);

/** Drop `undefined` members the record arbitraries produce, as a JSON caller would. */
const plain = (u: unknown): unknown => JSON.parse(JSON.stringify(u));

const decode = (u: unknown): EventInput => {
  const r = decodeEventInput(u);
  if (E.isLeft(r)) throw new Error(`arbitrary produced an invalid input: ${r.left.message}`);
  return r.right;
};

describe("sealParts + spliceParts (the pooled append path)", () => {
  it("writes the bytes, hash, record and event of the single-threaded sealer (property)", () => {
    fc.assert(
      fc.property(
        input.map(plain),
        fc.nat({ max: 2 ** 40 }),
        hash,
        fc.uuid({ version: 7 }),
        fc.dictionary(id, fc.record({ seq: fc.nat(), hash })),
        sealed,
        (raw, seq, prevHash, eventId, heads, personal) => {
          const decoded = decode(raw);
          const subjectHeads = new Map<string, SubjectHead>(Object.entries(heads));
          // Heads for the input's own subjects too, so links with prevSeq/prevHash occur.
          for (const s of decoded.subjects ?? []) {
            if (s.length % 2 === 0) subjectHeads.set(s, { seq: s.length, hash: prevHash });
          }
          const recordedAt = "2026-12-02T05:00:00.000Z";
          const want = sealEvent(
            buildBody(decoded, {
              position: { seq, prevHash },
              id: decoded.id ?? eventId,
              recordedAt,
              subjectHeads,
              personal,
            }),
          );
          const got = spliceParts(sealParts(decoded), {
            seq,
            prevHash,
            id: decoded.id ?? eventId,
            recordedAt,
            subjectHeads,
            personal,
          });
          expect(got.stored.body).toBe(want.stored.body);
          expect(got.stored).toStrictEqual(want.stored);
          expect(got.event).toStrictEqual(want.event);
          expect(JSON.stringify(got.event)).toBe(JSON.stringify(want.event));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("the worker's slice accepts exactly what the single-threaded decode and sealer accept (property)", () => {
    // Hostile edits of valid inputs: wrong types, unknown members, lone surrogates, NaN.
    const edit = fc.constantFrom<(u: Record<string, unknown>) => unknown>(
      (u) => ({ ...u, bogus: 1 }),
      (u) => ({ ...u, type: "no.such.type" }),
      (u) => ({ ...u, actor: { id: "x", role: "\ud800" } }),
      (u) => ({ ...u, subjects: ["ok", "\udfff"] }),
      (u) => ({ ...u, payload: { ...(u.payload as object), recordCount: Number.NaN } }),
      (u) => ({ ...u, payload: { ...(u.payload as object), query: "lone \ud83d here" } }),
      (u) => ({ ...u, payload: { ...(u.payload as object), reason: "理由\udc00" } }),
      (u) => ({ ...u, occurredAt: "yesterday" }),
      (u) => ({ ...u, actor: "sales" }),
      (u) => u,
    );
    fc.assert(
      fc.property(input.map(plain), edit, (raw, change) => {
        const hostile = change(raw as Record<string, unknown>);
        const single = (() => {
          const r = decodeEventInput(hostile);
          if (E.isLeft(r)) return "refused";
          try {
            sealEvent(
              buildBody(r.right, {
                position: { seq: 0, prevHash: "0".repeat(64) },
                id: r.right.id ?? "0193a4c2-8f1e-7abc-9def-0123456789ab",
                recordedAt: "2026-12-02T05:00:00.000Z",
                subjectHeads: new Map(),
              }),
            );
            return "accepted";
          } catch {
            return "refused";
          }
        })();
        expect(prepareSlice([hostile], false) === undefined ? "refused" : "accepted").toBe(single);
      }),
      { numRuns: 400 },
    );
  });
});

describe("sealParts + spliceParts for envelope version 2 (§13)", () => {
  /** Sealed values naming the input's own subjects, as the decoder guarantees they do. */
  const ownSealed = (subjects: readonly string[]) => sealedOf(fc.constantFrom(...subjects), 4);

  it("writes the bytes, hash, record and event of the single-threaded v2 sealer (property)", () => {
    fc.assert(
      fc.property(
        input.map(plain).chain((raw) => {
          const subjects = decode(raw).subjects ?? [];
          return fc.tuple(
            fc.constant(raw),
            subjects.length === 0 ? fc.constant([]) : ownSealed(subjects),
            fc.array(hash, { minLength: 8, maxLength: 8 }),
          );
        }),
        fc.nat({ max: 2 ** 40 }),
        hash,
        fc.uuid({ version: 7 }),
        ([raw, personal, saltPool], seq, prevHash, eventId) => {
          const decoded = decode(raw);
          // The same salt per subject on both paths (the ledger draws fresh ones).
          const salt = (s: string) => saltPool[s.length % saltPool.length] as string;
          const subjectHeads = new Map<string, SubjectHead>();
          for (const s of decoded.subjects ?? []) {
            if (s.length % 2 === 0) subjectHeads.set(s, { seq: s.length, hash: prevHash });
          }
          const recordedAt = "2026-12-02T05:00:00.000Z";
          const ctx = { id: decoded.id ?? eventId, recordedAt, subjectHeads, personal };
          const want = sealEvent(
            buildBody(decoded, { ...ctx, position: { seq, prevHash }, salts: salt }),
          );
          const got = spliceParts(sealParts(decoded, { envelope: 2, salt }), {
            ...ctx,
            seq,
            prevHash,
          });
          expect(got.stored.body).toBe(want.stored.body);
          expect(got.stored.hash).toBe(eventHash(want.stored.body));
          expect(got.stored).toStrictEqual(want.stored);
          expect(got.event).toStrictEqual(want.event);
          expect(JSON.stringify(got.event)).toBe(JSON.stringify(want.event));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("gives the sealer's hash even for values naming no subject, or subjects sharing a salt", () => {
    const decoded = decode({
      type: "data.exported",
      actor: { id: "a" },
      subjects: ["s1", "s2"],
      payload: {
        format: "csv",
        destination: { kind: "download", id: "d" },
        recordCount: 1,
        fields: [],
        purpose: "sales-follow-up",
      },
    });
    const stray = [
      { subject: "elsewhere", field: "name", alg: "x", keyId: "k", nonce: "n", ct: "c" },
    ] as SealedField[];
    for (const personal of [stray, undefined]) {
      const salt = () => "ab".repeat(32);
      const ctx = { id: "e1", recordedAt: "2026-12-02T05:00:00.000Z", personal };
      const heads = new Map<string, SubjectHead>();
      const want = sealEvent(
        buildBody(decoded, {
          ...ctx,
          position: { seq: 3, prevHash: "0".repeat(64) },
          subjectHeads: heads,
          salts: salt,
        }),
      );
      const got = spliceParts(sealParts(decoded, { envelope: 2, salt }), {
        ...ctx,
        seq: 3,
        prevHash: "0".repeat(64),
        subjectHeads: heads,
      });
      expect(got.stored).toStrictEqual(want.stored);
    }
  });
});
