/**
 * Test support for views and policy tests (not exported): real events built from inputs
 * without a store, and a fast-check generator of random histories over small id pools so
 * that grants, revocations, offboardings, consents and restrictions collide often.
 */

import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { buildBody, type SubjectHead, sealBody } from "../chain";
import type { LedgerEvent } from "../events/envelope";
import { decodeEventInput, type EventInput } from "../events/input";
import { genesisHash } from "../hash";
import { toLedgerEvent } from "../ledger";

export const T0 = Date.parse("2026-04-01T00:00:00.000Z");
export const HOUR = 3_600_000;
export const iso = (ms: number) => new Date(ms).toISOString();

/** Seal inputs into a chain as the ledger would (recordedAt = T0 + seq minutes unless given). */
export function chainEvents(
  inputs: readonly EventInput[],
  ledgerId = "views.test/ledger",
): LedgerEvent[] {
  const heads = new Map<string, SubjectHead>();
  let prevHash = genesisHash(ledgerId);
  return inputs.map((raw, seq) => {
    const decoded = decodeEventInput(raw);
    if (E.isLeft(decoded)) throw decoded.left;
    const body = buildBody(decoded.right, {
      position: { seq, prevHash },
      id: `ev-${seq}`,
      recordedAt: iso(T0 + seq * 60_000),
      subjectHeads: heads,
    });
    const stored = sealBody(body);
    for (const s of stored.subjects) heads.set(s, { seq: stored.seq, hash: stored.hash });
    prevHash = stored.hash;
    return toLedgerEvent(stored);
  });
}

export const ACTORS = ["a1", "a2", "a3", "a4"];
export const ROLES = ["sales", "support"];
export const TEAMS = ["t-east", "t-west"];
export const SUBJECTS = ["s1", "s2", "s3"];
export const PURPOSES = ["marketing", "support"];
export const GRANT_IDS = ["g1", "g2", "g3", "g4", "g5"];
export const FIELDS = ["email", "phone", "salary"];
export const LEVELS = ["public", "internal", "confidential", "strictly-confidential"] as const;
const who = { id: "admin" };

const time = fc.integer({ min: 0, max: 72 }).map((h) => iso(T0 + h * HOUR));

const onboard = fc
  .record({
    a: fc.constantFrom(...ACTORS),
    roles: fc.subarray(ROLES),
    teams: fc.subarray(TEAMS),
    clearance: fc.constantFrom(...LEVELS),
    at: time,
  })
  .map(
    ({ a, roles, teams, clearance, at }): EventInput => ({
      type: "actor.onboarded",
      actor: who,
      occurredAt: at,
      payload: { actorId: a, roles, teams, clearance },
    }),
  );
const offboard = fc.record({ a: fc.constantFrom(...ACTORS), at: time }).map(
  ({ a, at }): EventInput => ({
    type: "actor.offboarded",
    actor: who,
    occurredAt: at,
    payload: { actorId: a },
  }),
);
const grant = fc
  .record({
    g: fc.constantFrom(...GRANT_IDS),
    grantee: fc.oneof(
      fc.constantFrom(...ACTORS).map((actor) => ({ actor })),
      fc.constantFrom(...ROLES).map((role) => ({ role })),
    ),
    actions: fc.subarray(["read", "update", "export", "share"] as const, { minLength: 1 }),
    purposes: fc.subarray(PURPOSES, { minLength: 1 }),
    fields: fc.option(fc.subarray(FIELDS, { minLength: 1 }), { nil: undefined }),
    expires: fc.option(fc.integer({ min: 1, max: 48 }), { nil: undefined }),
    at: fc.integer({ min: 0, max: 72 }),
  })
  .map(
    ({ g, grantee, actions, purposes, fields, expires, at }): EventInput => ({
      type: "permission.granted",
      actor: who,
      occurredAt: iso(T0 + at * HOUR),
      payload: {
        grantId: g,
        grantee,
        scope: { resourceType: "contact" },
        actions,
        purposes,
        grantedBy: "admin",
        ...(fields ? { fields } : {}),
        ...(expires ? { expiresAt: iso(T0 + (at + expires) * HOUR) } : {}),
      },
    }),
  );
const revoke = fc.record({ g: fc.constantFrom(...GRANT_IDS), at: time }).map(
  ({ g, at }): EventInput => ({
    type: "permission.revoked",
    actor: who,
    occurredAt: at,
    payload: { grantId: g, revokedBy: "admin" },
  }),
);
const evidence = { channel: "web", wordingVersion: "v1", capturedBy: "form-1" };
const consent = fc
  .record({
    s: fc.constantFrom(...SUBJECTS),
    p: fc.constantFrom(...PURPOSES),
    kind: fc.constantFrom("granted", "withdrawn", "expired"),
    expires: fc.option(fc.integer({ min: 1, max: 48 }), { nil: undefined }),
    at: fc.integer({ min: 0, max: 72 }),
  })
  .map(({ s, p, kind, expires, at }): EventInput => {
    const occurredAt = iso(T0 + at * HOUR);
    if (kind === "granted") {
      return {
        type: "consent.granted",
        actor: who,
        subjects: [s],
        occurredAt,
        payload: {
          purpose: p,
          lawfulBasis: "consent",
          evidence,
          ...(expires ? { expiresAt: iso(T0 + (at + expires) * HOUR) } : {}),
        },
      };
    }
    if (kind === "withdrawn") {
      return {
        type: "consent.withdrawn",
        actor: who,
        subjects: [s],
        occurredAt,
        payload: { purpose: p, evidence },
      };
    }
    return {
      type: "consent.expired",
      actor: who,
      subjects: [s],
      occurredAt,
      payload: { purpose: p },
    };
  });
const classify = fc
  .record({
    s: fc.constantFrom(...SUBJECTS),
    field: fc.option(fc.constantFrom(...FIELDS), { nil: undefined }),
    level: fc.constantFrom(...LEVELS),
    scope: fc.option(
      fc.record({
        actors: fc.subarray(ACTORS, { minLength: 1 }),
        teams: fc.subarray(TEAMS, { minLength: 1 }),
      }),
      { nil: undefined },
    ),
    at: time,
  })
  .map(
    ({ s, field, level, scope, at }): EventInput => ({
      type: "classification.changed",
      actor: { id: "dpo" },
      occurredAt: at,
      payload: {
        resource: { type: "contact", id: s },
        level,
        ...(field ? { field } : {}),
        ...(scope ? { scope } : {}),
      },
    }),
  );
const provenance = fc
  .record({
    s: fc.constantFrom(...SUBJECTS),
    source: fc.constantFrom("web-form", "card-scan"),
    at: time,
  })
  .map(
    ({ s, source, at }): EventInput => ({
      type: "provenance.recorded",
      actor: who,
      subjects: [s],
      occurredAt: at,
      payload: { source, fields: ["email"] },
    }),
  );
const restrict = fc
  .record({
    s: fc.constantFrom(...SUBJECTS),
    r: fc.constantFrom("r1", "r2"),
    lift: fc.boolean(),
    at: time,
  })
  .map(
    ({ s, r, lift, at }): EventInput =>
      lift
        ? {
            type: "processing.restriction-lifted",
            actor: who,
            subjects: [s],
            occurredAt: at,
            payload: { restrictionId: r },
          }
        : {
            type: "processing.restricted",
            actor: who,
            subjects: [s],
            occurredAt: at,
            payload: { restrictionId: r, ground: "accuracy-contested" },
          },
  );
const record = fc.record({ s: fc.constantFrom(...SUBJECTS), at: time }).map(
  ({ s, at }): EventInput => ({
    type: "record.created",
    actor: { id: "a1" },
    subjects: [s],
    occurredAt: at,
    payload: { resource: { type: "contact", id: s }, fields: FIELDS },
  }),
);
const access = fc
  .record({ s: fc.constantFrom(...SUBJECTS), a: fc.constantFrom(...ACTORS), at: time })
  .map(
    ({ s, a, at }): EventInput => ({
      type: "data.accessed",
      actor: { id: a },
      subjects: [s],
      occurredAt: at,
      payload: {
        resource: { type: "contact", id: s },
        fields: ["email"],
        purpose: "support",
        outcome: "allowed",
      },
    }),
  );

/** A random history: every view-relevant type, times spread over three days, backdating allowed. */
export const historyArb = fc.array(
  fc.oneof(
    onboard,
    offboard,
    grant,
    grant,
    revoke,
    consent,
    consent,
    classify,
    provenance,
    restrict,
    record,
    access,
  ),
  { minLength: 0, maxLength: 60 },
);

/** A fixed 32-byte snapshot key for tests. */
export const TEST_SNAPSHOT_KEY = new Uint8Array(32).fill(7);

/**
 * Re-tag a parsed (and possibly edited) snapshot as a writer of the file would: an
 * independent implementation of §5 with node:crypto, HMAC under `key`, or the plain
 * SHA-256 an unkeyed snapshot carries. Simulates a well-formed but wrong file.
 */
export function resealSnapshot(
  parsed: Record<string, unknown> & { views: unknown },
  key?: Uint8Array,
): string {
  const { views, tag: _tag, ...header } = parsed;
  const h = { ...header, auth: key === undefined ? "sha256" : "hmac-sha256" } as Record<
    string,
    unknown
  >;
  const fields = JSON.stringify([h.format, h.ledgerId, h.seq, h.hash, h.createdAt, h.auth]);
  const viewsJson = JSON.stringify(views);
  const message = Buffer.concat([
    Buffer.from("daicho/views-snapshot/v2"),
    Buffer.from([0]),
    Buffer.from(fields),
    Buffer.from([0]),
    Buffer.from(viewsJson),
  ]);
  const tag =
    key === undefined
      ? createHash("sha256").update(message).digest("hex")
      : createHmac("sha256", key).update(message).digest("hex");
  const head = JSON.stringify({ ...h, tag });
  return `${head.slice(0, -1)},"views":${viewsJson}}`;
}
