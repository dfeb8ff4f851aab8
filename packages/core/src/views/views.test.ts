import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { buildBody, sealBody } from "../chain";
import type { SealedField } from "../events/envelope";
import { decodeEventInput, type EventInput } from "../events/input";
import { genesisHash } from "../hash";
import { openLedger, toLedgerEvent } from "../ledger";
import { memoryStore } from "../store/memory";
import { Projector } from "./projector";
import { decodeSnapshot, encodeSnapshot, snapshotHeader } from "./snapshot";
import { chainEvents, iso, resealSnapshot, T0, TEST_SNAPSHOT_KEY } from "./test-history";
import { Views } from "./view-set";

const DAY = 86_400_000;
const evidence = { channel: "web", wordingVersion: "v3", capturedBy: "form-7" };
const admin = { id: "admin" };

describe("point-in-time questions", () => {
  const history: EventInput[] = [
    {
      type: "consent.granted",
      actor: admin,
      subjects: ["c-1"],
      occurredAt: "2026-03-01T09:00:00Z",
      payload: { purpose: "newsletter", lawfulBasis: "consent", evidence },
    },
    {
      type: "consent.withdrawn",
      actor: admin,
      subjects: ["c-1"],
      occurredAt: "2026-04-05T09:00:00Z",
      payload: { purpose: "newsletter", evidence: { ...evidence, channel: "email" } },
    },
    // Backdated: a paper form signed on 20 March, entered in the ledger much later.
    {
      type: "consent.granted",
      actor: admin,
      subjects: ["c-2"],
      occurredAt: "2026-03-20T09:00:00Z",
      payload: { purpose: "newsletter", lawfulBasis: "consent", evidence },
    },
    {
      type: "processing.restricted",
      actor: admin,
      subjects: ["c-1"],
      occurredAt: "2026-04-02T00:00:00Z",
      payload: { restrictionId: "r-1", ground: "accuracy-contested" },
    },
    {
      type: "processing.restriction-lifted",
      actor: admin,
      subjects: ["c-1"],
      occurredAt: "2026-04-03T00:00:00Z",
      payload: { restrictionId: "r-1" },
    },
    {
      type: "provenance.recorded",
      actor: admin,
      subjects: ["c-1"],
      occurredAt: "2026-02-01T00:00:00Z",
      payload: { source: "card-scan", fields: ["name", "email"], obtainedFrom: "expo-2026" },
    },
  ];
  const events = chainEvents(history);
  const views = new Views().applyAll(events);
  const apr1 = Date.parse("2026-04-01T12:00:00Z");

  it("answers what consent looked like on 1 April, with its evidence", () => {
    const answer = views.consent.answerAt("c-1", "newsletter", apr1);
    expect(answer.status).toBe("granted");
    expect(answer.entry?.basis).toBe("consent");
    expect(answer.entry?.evidence).toEqual(evidence);
    expect(views.consent.statusAt("c-1", "newsletter", Date.parse("2026-04-06T00:00:00Z"))).toBe(
      "withdrawn",
    );
    expect(views.consent.statusAt("c-1", "newsletter", Date.parse("2026-02-01T00:00:00Z"))).toBe(
      "never-asked",
    );
    expect(views.consent.historyUntil("c-1", "newsletter", Number.POSITIVE_INFINITY)).toHaveLength(
      2,
    );
  });

  it("separates what was true from what the ledger knew at the time (knownAt)", () => {
    // Event 2 was recorded at T0 + 2 min; before that the ledger did not know of c-2's consent.
    expect(views.consent.answerAt("c-2", "newsletter", apr1).status).toBe("granted");
    expect(views.consent.answerAt("c-2", "newsletter", apr1, T0 + 60_000).status).toBe(
      "never-asked",
    );
  });

  it("knows when a subject was restricted and when the restriction was lifted", () => {
    expect(views.restriction.isRestrictedAt("c-1", Date.parse("2026-04-02T12:00:00Z"))).toBe(true);
    expect(views.restriction.activeAt("c-1", Date.parse("2026-04-02T12:00:00Z"))).toEqual(["r-1"]);
    expect(views.restriction.isRestrictedAt("c-1", Date.parse("2026-04-03T12:00:00Z"))).toBe(false);
    expect(views.restriction.isRestrictedAt("c-1", apr1)).toBe(false);
  });

  it("lists where a subject's data came from", () => {
    const sources = views.provenance.sourcesOf("c-1");
    expect(sources.map((s) => [s.source, s.obtainedFrom])).toEqual([["card-scan", "expo-2026"]]);
    expect(views.provenance.sourcesOfField("c-1", "phone")).toEqual([]);
    expect(views.provenance.sourcesOf("c-1", Date.parse("2026-01-01T00:00:00Z"))).toEqual([]);
  });

  it("tracks actors' lifecycles, and re-onboarding after offboarding", () => {
    const v = new Views().applyAll(
      chainEvents([
        {
          type: "actor.onboarded",
          actor: admin,
          occurredAt: iso(T0),
          payload: { actorId: "u-1", roles: ["sales"], clearance: "confidential" },
        },
        {
          type: "actor.offboarded",
          actor: admin,
          occurredAt: iso(T0 + DAY),
          payload: { actorId: "u-1" },
        },
        {
          type: "actor.onboarded",
          actor: admin,
          occurredAt: iso(T0 + 2 * DAY),
          payload: { actorId: "u-1", roles: ["support"] },
        },
      ]),
    );
    expect(v.actors.statusAt("u-1", T0 + 1000)).toMatchObject({
      status: "active",
      roles: ["sales"],
      clearance: "confidential",
    });
    expect(v.actors.statusAt("u-1", T0 + DAY)).toMatchObject({ status: "offboarded", roles: [] });
    expect(v.actors.statusAt("u-1", T0 + 3 * DAY)).toMatchObject({
      status: "active",
      roles: ["support"],
    });
    expect(v.actors.statusAt("u-9", T0).status).toBe("unknown");
    expect(v.actors.offboardings("u-1")).toEqual([T0 + DAY]);
  });

  it("keeps the country an actor works from, through a re-onboarding and a snapshot", () => {
    const v = new Views().applyAll(
      chainEvents([
        {
          type: "actor.onboarded",
          actor: admin,
          occurredAt: iso(T0),
          payload: { actorId: "u-1", organisation: "agency-1", country: "VN" },
        },
        {
          type: "actor.onboarded",
          actor: admin,
          occurredAt: iso(T0 + DAY),
          payload: { actorId: "u-1", organisation: "agency-1" },
        },
      ]),
    );
    expect(v.actors.statusAt("u-1", T0 + 1000)).toMatchObject({ status: "active", country: "VN" });
    // A new profile replaces the old one: a country left out is not carried over.
    expect(v.actors.statusAt("u-1", T0 + 2 * DAY).country).toBeUndefined();
    const restored = decodeSnapshot(
      encodeSnapshot(v, "views.test/ledger", undefined, KEY),
      undefined,
      {
        key: KEY,
      },
    );
    if (E.isLeft(restored)) throw restored.left;
    expect(restored.right.views.actors.statusAt("u-1", T0 + 1000).country).toBe("VN");
    // A snapshot cannot smuggle in a country the event catalogue would refuse.
    const parsed = JSON.parse(encodeSnapshot(v, "views.test/ledger", undefined, KEY));
    parsed.views.actors[0][1][0].country = "Vietnam";
    expect(decodeSnapshot(encodeLike(parsed), undefined, { key: KEY })).toMatchObject({
      left: { code: "DECODE_ERROR", path: expect.stringContaining("$.views.actors") },
    });
  });

  it("refuses events out of sequence instead of silently skipping them", () => {
    const v = new Views();
    expect(() => v.apply(events[1] as (typeof events)[number])).toThrow(/out of sequence/);
  });
});

describe("snapshots", () => {
  it("never contain the sealed personal values of the events they fold", () => {
    const secret = Buffer.from("alice@example.com").toString("base64");
    const input = decodeEventInput({
      type: "record.created",
      actor: admin,
      subjects: ["c-9"],
      payload: { resource: { type: "contact", id: "c-9" }, fields: ["email"] },
    });
    if (E.isLeft(input)) throw input.left;
    const body = buildBody(input.right, {
      position: { seq: 0, prevHash: genesisHash("views.test/ledger") },
      id: "ev-0",
      recordedAt: iso(T0),
      subjectHeads: new Map(),
      personal: [
        {
          subject: "c-9",
          field: "email",
          alg: "aes-256-gcm",
          keyId: "k-c-9",
          nonce: "bm9uY2Vub25jZQ",
          ct: secret,
        },
      ] as unknown as SealedField[],
    });
    const event = toLedgerEvent(sealBody(body));
    const views = new Views().applyAll([event]);
    const text = encodeSnapshot(views, "views.test/ledger");
    expect(text).not.toContain(secret);
    expect(text).not.toContain("bm9uY2Vub25jZQ");
    expect(text).not.toContain("k-c-9");
    expect(text).toContain("c-9"); // identifiers are kept: they are what views are about
  });

  it("reject a tampered digest, another ledger's snapshot, and malformed sections", () => {
    const views = new Views().applyAll(
      chainEvents([{ type: "actor.onboarded", actor: admin, payload: { actorId: "u-1" } }]),
    );
    const text = encodeSnapshot(views, "views.test/ledger", undefined, KEY);
    const trust = { key: KEY };
    expect(E.isRight(decodeSnapshot(text, "views.test/ledger", trust))).toBe(true);
    const tampered = text.replace('"u-1"', '"u-2"');
    expect(decodeSnapshot(tampered, "views.test/ledger", trust)).toMatchObject({
      left: { code: "STORE_CORRUPT" },
    });
    expect(decodeSnapshot(text, "other/ledger", trust)).toMatchObject({
      left: {
        code: "LEDGER_MISMATCH",
        message: expect.stringMatching(/holds ledger "views.test\/ledger", not "other\/ledger"/),
      },
    });
    expect(decodeSnapshot("{nope", undefined)).toMatchObject({ left: { code: "DECODE_ERROR" } });
    const header = snapshotHeader(text);
    expect(header).toMatchObject({ right: { seq: 0, ledgerId: "views.test/ledger" } });
    // A structurally wrong section with a recomputed digest is still refused by its codec.
    const parsed = JSON.parse(text);
    parsed.views.actors = [["u-1", [{ at: "yesterday" }]]];
    const rebuilt = encodeLike(parsed);
    expect(decodeSnapshot(rebuilt, undefined, trust)).toMatchObject({
      left: { code: "DECODE_ERROR", path: expect.stringContaining("$.views.actors") },
    });
  });

  it("the projector refuses a snapshot whose last event is not in the ledger, and rebuilds", async () => {
    const a = await openLedger({ store: memoryStore(), ledgerId: "views.test/ledger" });
    await a.append({ type: "actor.onboarded", actor: admin, payload: { actorId: "u-1" } });
    const p = await Projector.start({ ledger: a, snapshotKey: KEY });
    const snap = p.snapshot();
    const b = await openLedger({ store: memoryStore(), ledgerId: "views.test/ledger" });
    await b.append({ type: "actor.onboarded", actor: admin, payload: { actorId: "u-2" } });
    const errors: unknown[] = [];
    const q = await Projector.start({
      ledger: b,
      snapshot: snap,
      snapshotKey: KEY,
      onError: (e) => errors.push(e),
    });
    expect(q.restore).toMatchObject({ status: "rebuilt", reason: { code: "LEDGER_MISMATCH" } });
    expect(errors).toMatchObject([{ code: "LEDGER_MISMATCH" }]);
    expect(q.views.actors.statusAt("u-1", Date.now()).status).not.toBe("active");
    expect(q.views.actors.statusAt("u-2", Date.now()).status).toBe("active");
  });

  it("the projector picks up appends made by another writer on catchUp", async () => {
    const store = memoryStore();
    const a = await openLedger({ store, ledgerId: "views.test/ledger" });
    const p = await Projector.start({ ledger: a });
    const other = await openLedger({ store, ledgerId: "views.test/ledger" });
    await other.append({ type: "actor.onboarded", actor: admin, payload: { actorId: "u-7" } });
    expect(p.views.at.seq).toBe(-1);
    // The next local append reveals the gap; the projector reads the missing range.
    await a.append({ type: "actor.onboarded", actor: admin, payload: { actorId: "u-8" } });
    await p.catchUp();
    expect(p.views.at.seq).toBe(1);
    expect(p.views.actors.statusAt("u-7", Date.now()).status).toBe("active");
    expect(p.views.actors.statusAt("u-8", Date.now()).status).toBe("active");
  });
});

const KEY = TEST_SNAPSHOT_KEY;
/** Re-tag a parsed snapshot under the test key (simulates a well-formed but wrong file). */
const encodeLike = (parsed: Record<string, unknown> & { views: unknown }) =>
  resealSnapshot(parsed, KEY);
