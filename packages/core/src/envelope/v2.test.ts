import { randomBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { buildBody, eventHash, sealBody } from "../chain";
import { emitCheckpoint } from "../checkpoint/emit";
import { ed25519Signer } from "../checkpoint/signer";
import type { StoredEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import { exportExtract } from "../extract/build";
import { verifyExtract } from "../extract/verify";
import {
  bytesToHex,
  genesisHash,
  HASH_TAGS,
  taggedHash,
  taggedHashHexOfText,
  utf8ToBytes,
} from "../hash";
import { memoryKeyStore } from "../keys/memory";
import { openLedger, toLedgerEvent } from "../ledger";
import { catchUp } from "../merkle/ledger-tree";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import { memoryStore } from "../store/memory";
import { verifyEvents } from "../verify";
import { freshSalt, redactV2, SALT_POOL_BYTES, saltPool } from "./v2-body";
import { partHashHex, subjectPart } from "./v2-hash";

const ledgerId = "crm.example.com/v2";
const log = ed25519Signer(ledgerId, new Uint8Array(32).fill(7));
const policy = { keys: [log.verifier] };
const kek = { id: "kek-1", key: new Uint8Array(32).fill(6) };

// biome-ignore lint/suspicious/noExplicitAny: bodies and extracts are edited loosely in tests
type Loose = any;
const code = (r: E.Either<{ code: string }, unknown>) => (E.isLeft(r) ? r.left.code : "OK");

/** A meeting note about `subjects`, naming none of them in its payload. */
function meeting(n: number, subjects: string[], sealed = false): EventInput {
  return {
    type: "data.accessed",
    actor: { id: `agent-${n % 3}` },
    subjects,
    payload: {
      resource: { type: "meeting", id: `meeting-${n}` },
      fields: ["notes"],
      purpose: "sales-follow-up",
      outcome: "allowed",
    },
    ...(sealed
      ? { personal: subjects.map((s) => ({ subject: s, field: "notes", value: `said ${n}` })) }
      : {}),
  } as EventInput;
}

/** 30 events: alice alone every 3rd, alice with bob every 5th, bob alone otherwise. */
function history(): EventInput[] {
  return Array.from({ length: 30 }, (_, n) =>
    n % 5 === 0
      ? meeting(n, ["alice", "bob"], n % 10 === 0)
      : n % 3 === 0
        ? meeting(n, ["alice"])
        : meeting(n, ["bob"]),
  );
}

async function v2Ledger(inputs = history()) {
  const store = memoryStore();
  const ledger = await openLedger({
    store,
    ledgerId,
    envelope: 2,
    keys: { store: memoryKeyStore(), kek },
  });
  await ledger.appendBatch(inputs);
  return { store, ledger };
}

async function storedOf(store: ReturnType<typeof memoryStore>): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of store.read()) out.push(e);
  return out;
}

async function* each(events: readonly StoredEvent[]): AsyncIterable<StoredEvent> {
  yield* events;
}

const verifyV2 = (events: readonly StoredEvent[], version = 2) =>
  verifyEvents(each(events), genesisHash(ledgerId), { envelopeVersion: version });

describe("envelope version 2: writing and verifying (spec §13)", () => {
  it("writes salted subjects, grouped sealed values and v 2; verify and the sealed values open", async () => {
    const { store, ledger } = await v2Ledger();
    expect((await store.meta())?.envelopeVersion).toBe(2);
    const events = await storedOf(store);
    const first = JSON.parse(events[0]?.body as string) as Loose;
    expect(first.v).toBe(2);
    expect(first.subjects.map((s: Loose) => s.id)).toEqual(["alice", "bob"]);
    for (const s of first.subjects) expect(s.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(first.subjects[0].salt).not.toBe(first.subjects[1].salt);
    expect(first.personal.map((p: Loose) => p.subject)).toEqual(["alice", "bob"]);
    expect(events[0]?.hash).not.toBe(
      taggedHashHexOfText(HASH_TAGS.event, events[0]?.body as string),
    );
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 30 });
    const opened = await ledger.openPersonal(toLedgerEvent(events[0] as StoredEvent));
    expect(opened.map((f: Loose) => f.value)).toEqual(["said 0", "said 0"]);
  });

  it("reports an edited salt, id or back-link as content-changed", async () => {
    const events = await storedOf((await v2Ledger()).store);
    expect(await verifyV2(events)).toMatchObject({ ok: true, count: 30 });
    const edits: [string, (b: Loose) => void][] = [
      [
        "salt",
        (b) => {
          b.subjects[0].salt = `${"0".repeat(63)}1`;
        },
      ],
      [
        "id",
        (b) => {
          b.subjects[1].id = "bobby";
        },
      ],
      [
        "back-link",
        (b) => {
          b.subjects[0].prevSeq = 0;
        },
      ],
      [
        "sealed value moved to the other subject",
        (b) => {
          b.personal[0].subject = "bob";
          b.personal.reverse();
        },
      ],
    ];
    for (const [what, change] of edits) {
      const body = JSON.parse(events[10]?.body as string) as Loose;
      change(body);
      const tampered = events.map((e) => (e.seq === 10 ? { ...e, body: canonical(body) } : e));
      const r = await verifyV2(tampered);
      expect(r, what).toMatchObject({ ok: false, failure: { seq: 10, kind: "content-changed" } });
    }
  });

  it("refuses a stored body that hides a subject behind `redacted`, even with a matching hash", async () => {
    const events = await storedOf((await v2Ledger()).store);
    // The last event about both: hiding bob keeps its hash (that is the point of v2) …
    const last = events[25] as StoredEvent;
    const hidden = redactV2(last.body, new Set(["alice"]));
    expect(eventHash(hidden)).toBe(last.hash);
    // … so a store that kept that form would drop bob from verify, the index and the map.
    const r = await verifyV2(events.map((e) => (e.seq === 25 ? { ...e, body: hidden } : e)));
    expect(r).toMatchObject({ ok: false, failure: { seq: 25, kind: "malformed" } });
  });

  it("never mixes versions: a v1 event in a v2 ledger, a v2 event in a v1 ledger, metadata swapped", async () => {
    const v2 = await storedOf((await v2Ledger()).store);
    const v1Store = memoryStore();
    const v1 = await openLedger({ store: v1Store, ledgerId });
    await v1.appendBatch(history().map((i) => ({ ...i, personal: undefined }) as EventInput));
    const v1Events = await storedOf(v1Store);
    // The v2 ledger's metadata edited to 1 (or the v1 ledger's to 2): event 0's hashed v disagrees.
    expect(await verifyV2(v2, 1)).toMatchObject({
      ok: false,
      failure: { seq: 0, kind: "column-mismatch" },
    });
    expect(await verifyV2(v1Events, 2)).toMatchObject({
      ok: false,
      failure: { seq: 0, kind: "column-mismatch" },
    });
    // A v1 event spliced after a v2 event (its prevHash relinked and re-hashed): malformed at 1.
    const v1Body = JSON.parse(v1Events[1]?.body as string) as Loose;
    v1Body.prevHash = v2[0]?.hash;
    const mixed = [
      v2[0] as StoredEvent,
      {
        ...(v1Events[1] as StoredEvent),
        body: canonical(v1Body),
        hash: eventHash(canonical(v1Body)),
      },
    ];
    expect(await verifyEvents(each(mixed), genesisHash(ledgerId))).toMatchObject({
      ok: false,
      failure: { seq: 1, kind: "malformed" },
    });
    expect(await verifyV2(v1Events, 1)).toMatchObject({ ok: true });
  });

  it("verifies the same with worker threads, which hash and parse v2 bodies too", async () => {
    const { ledger } = await v2Ledger();
    expect(await ledger.verify({ workers: 2 })).toMatchObject({ ok: true, count: 30 });
  });

  it("refuses to reopen a ledger with another envelope version, and unknown versions", async () => {
    const { store } = await v2Ledger();
    await expect(openLedger({ store, ledgerId, envelope: 1 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      path: "envelope",
    });
    await expect(
      openLedger({ store: memoryStore(), ledgerId, envelope: 3 as never }),
    ).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    const reopened = await openLedger({ store, ledgerId });
    const [e] = await reopened.appendBatch([meeting(99, ["carol"])]);
    expect(e?.v).toBe(2);
  });

  it("refuses malleable forms: regrouped sealed values, unsorted subjects, non-canonical text", async () => {
    const events = await storedOf((await v2Ledger()).store);
    const text = events[0]?.body as string;
    const body = JSON.parse(text) as Loose;
    const regrouped = { ...body, personal: [...body.personal].reverse() };
    const unsorted = { ...body, subjects: [...body.subjects].reverse() };
    expect(eventHash(canonical(body))).toBe(events[0]?.hash);
    expect(eventHash(canonical(regrouped))).toBe("");
    expect(eventHash(canonical(unsorted))).toBe("");
    expect(eventHash(`{ ${text.slice(1)}`)).toBe("");
    expect(eventHash(`{"parts":[],${text.slice(1)}`)).toBe("");
  });
});

describe("envelope version 2: properties", () => {
  const idArb = fc.constantFrom("alice", "bob", "carol", "dave", "erin", "c-81f3");
  const saltArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);
  const bodyArb = fc
    .record({
      ids: fc.uniqueArray(idArb, { minLength: 0, maxLength: 5 }),
      salts: fc.array(saltArb, { minLength: 5, maxLength: 5 }),
      seq: fc.nat({ max: 1000 }),
      sealed: fc.boolean(),
    })
    .map(({ ids, salts, seq, sealed }) => {
      const sorted = [...ids].sort();
      const salt = new Map<string, string>(sorted.map((id, i) => [id, salts[i] as string]));
      return buildBody(meeting(seq, sorted) as never, {
        position: { seq, prevHash: "ab".repeat(32) },
        id: `event-${seq}`,
        recordedAt: "2026-12-01T00:00:00.000Z",
        subjectHeads: new Map(
          sorted.slice(0, 1).map((id) => [id, { seq: 0, hash: "cd".repeat(32) }]),
        ),
        ...(sealed
          ? {
              personal: [...sorted].reverse().map((s) => ({
                subject: s,
                field: "notes",
                alg: "xchacha20poly1305",
                keyId: `dk1-${"0".repeat(32)}`,
                nonce: "AAAA",
                ct: "BBBB",
              })) as never,
            }
          : {}),
        salts: (id) => salt.get(id) as string,
      });
    });

  it("seal → verify round trip: a v2 body's stored hash is its recomputed event hash", () => {
    fc.assert(
      fc.property(bodyArb, (body) => {
        const stored = sealBody(body);
        expect(stored.body.endsWith(',"v":2}')).toBe(true);
        expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(eventHash(stored.body)).toBe(stored.hash);
      }),
    );
  });

  it("redaction never changes the event hash, and reveals no redacted id", () => {
    fc.assert(
      fc.property(bodyArb, fc.array(idArb), (body, keep) => {
        const stored = sealBody(body);
        const shown = redactV2(stored.body, new Set(keep));
        expect(eventHash(shown)).toBe(stored.hash);
        for (const s of (body.subjects ?? []) as Loose[]) {
          if (keep.includes(s.id)) continue;
          expect(shown).not.toContain(`"${s.id}"`);
          expect(shown).not.toContain(s.salt);
        }
      }),
    );
  });

  it("v1 bytes are unchanged: without salts the body is v 1 and hashed by §3.2", () => {
    fc.assert(
      fc.property(bodyArb, (body) => {
        const v1 = JSON.parse(JSON.stringify(body)) as Loose;
        v1.v = 1;
        for (const s of v1.subjects ?? []) delete s.salt;
        const stored = sealBody(v1);
        expect(stored.hash).toBe(taggedHashHexOfText(HASH_TAGS.event, stored.body));
      }),
    );
  });
});

describe("envelope version 2: extracts (spec §13.6)", () => {
  async function setup() {
    const { store, ledger } = await v2Ledger();
    const tree = await catchUp(memoryTreeStore(), ledger.store);
    await emitCheckpoint(tree, log, ledgerId);
    const x = await exportExtract(tree, ledgerId, { subjects: ["alice"], policy });
    return { store, ledger, tree, x };
  }
  const sharedSeqs = [0, 5, 10, 15, 20, 25];
  const aliceSeqs = Array.from({ length: 30 }, (_, n) => n).filter(
    (n) => n % 5 === 0 || n % 3 === 0,
  );

  it('includes shared events without `shared: "reveal"`, with the other subject redacted to a hash', async () => {
    const { x, ledger } = await setup();
    const r = verifyExtract(JSON.stringify(x), { policy, expectSubjects: ["alice"] });
    expect(code(r)).toBe("OK");
    expect(x.events.map((e) => e.seq)).toEqual(aliceSeqs);
    const text = JSON.stringify(x);
    expect(text).not.toContain("bob");
    for (const seq of sharedSeqs) {
      const body = JSON.parse(x.events.find((e) => e.seq === seq)?.body as string) as Loose;
      expect(body.redacted).toHaveLength(1);
      expect(body.subjects.map((s: Loose) => s.id)).toEqual(["alice"]);
    }
    expect(await ledger.verify()).toMatchObject({ ok: true });
  });

  const attacks: [string, (x: Loose) => void][] = [
    [
      "hides one of alice's own parts as another subject's",
      (x) => {
        const e = x.events.find((q: Loose) => q.seq === 10);
        const body = JSON.parse(e.body);
        const own = partHashHex(subjectPart(body.subjects[0], body.personal));
        e.body = canonical({ ...withoutSubjects(body), redacted: [...body.redacted, own].sort() });
        expect(eventHash(e.body)).toBe(e.hash); // the hash alone cannot tell
      },
    ],
    [
      "drops a shared event",
      (x) => {
        const i = x.events.findIndex((q: Loose) => q.seq === 15);
        x.events.splice(i, 1);
        x.subjects[0].events = x.subjects[0].events.filter((s: number) => s !== 15);
      },
    ],
    [
      "shows alice's entry with a wrong salt",
      (x) => {
        const e = x.events.find((q: Loose) => q.seq === 5);
        const body = JSON.parse(e.body);
        body.subjects[0].salt = "00".repeat(32);
        e.body = canonical(body);
      },
    ],
    [
      "swaps the redacted part hash for another",
      (x) => {
        const a = x.events.find((q: Loose) => q.seq === 5);
        const b = x.events.find((q: Loose) => q.seq === 20);
        const ba = JSON.parse(a.body);
        ba.redacted = JSON.parse(b.body).redacted;
        a.body = canonical(ba);
      },
    ],
  ];
  for (const [name, attack] of attacks) {
    it(`refuses an extract that ${name}`, async () => {
      const { x } = await setup();
      const tampered = JSON.parse(JSON.stringify(x)) as Loose;
      attack(tampered);
      expect(code(verifyExtract(JSON.stringify(tampered), { policy }))).toBe("PROOF_INVALID");
    });
  }

  it("refuses another subject's part shown as alice's, and a shown subject the extract is not about", async () => {
    const { store, x } = await setup();
    const full = JSON.parse((await storedOf(store))[10]?.body as string) as Loose;
    const bobAsAlice = JSON.parse(JSON.stringify(x)) as Loose;
    const e = bobAsAlice.events.find((q: Loose) => q.seq === 10);
    const shown = JSON.parse(e.body);
    // Bob's back-link and sealed value under alice's id: the commitment no longer matches.
    shown.subjects = [{ ...full.subjects[1], id: "alice" }];
    shown.personal = [{ ...full.personal[1], subject: "alice" }];
    e.body = canonical(shown);
    expect(code(verifyExtract(JSON.stringify(bobAsAlice), { policy }))).toBe("PROOF_INVALID");
    const unredacted = JSON.parse(JSON.stringify(x)) as Loose;
    unredacted.events.find((q: Loose) => q.seq === 10).body = canonical(full);
    expect(code(verifyExtract(JSON.stringify(unredacted), { policy }))).toBe("PROOF_INVALID");
  });

  it("a dictionary attack cannot confirm a guessed id from a redacted part", async () => {
    const { store, x } = await setup();
    const full = JSON.parse((await storedOf(store))[20]?.body as string) as Loose;
    const shown = JSON.parse(x.events.find((q: Loose) => q.seq === 20)?.body as string) as Loose;
    const target = shown.redacted[0] as string;
    const bobEntry = full.subjects[1];
    // The holder guesses the right id, and is even handed bob's exact back-link and sealed
    // values: only the salt is missing. It tries every salt it could know (its own, zeros,
    // an unkeyed hash of the guess): nothing matches.
    const guesses = [
      "bob",
      "bobby",
      "alice",
      "carol",
      ...Array.from({ length: 200 }, (_, i) => `contact-${i}`),
    ];
    const ownSalt = shown.subjects[0].salt as string;
    for (const id of guesses) {
      const unkeyed = bytesToHex(taggedHash(HASH_TAGS.subjectCommit, utf8ToBytes(id)));
      for (const salt of [ownSalt, "00".repeat(32), unkeyed]) {
        const guess = subjectPart({ ...bobEntry, id, salt }, full.personal ?? []);
        expect(partHashHex(guess)).not.toBe(target);
      }
    }
    // Sanity: with the salt only the operator holds, the part hash is reproduced.
    expect(partHashHex(subjectPart(bobEntry, full.personal ?? []))).toBe(target);
  });
});

function withoutSubjects(body: Loose): Loose {
  const { subjects: _s, personal: _p, ...rest } = body;
  return rest;
}

/** The canonical text of a test-edited body (members sorted, as the store keeps them). */
function canonical(value: Loose): string {
  const sort = (v: Loose): Loose =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort(v[k])]),
          )
        : v;
  return JSON.stringify(sort(value));
}

describe("fresh salts from the pool", () => {
  it("gives distinct 32-byte hex salts across many pool refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const s = freshSalt();
      expect(s).toMatch(/^[0-9a-f]{64}$/);
      seen.add(s);
    }
    expect(seen.size).toBe(1000);
  });

  it("refills once per 128 salts and never hands out a byte twice", () => {
    let calls = 0;
    // Each 32-byte chunk names its refill and its place in it, so a reused chunk shows.
    const random = (n: number) => {
      calls++;
      const b = new Uint8Array(n);
      for (let j = 0; j < n / 32; j++) b.set([calls, j], j * 32);
      return b;
    };
    const next = saltPool(random);
    const salts = Array.from({ length: 300 }, next);
    expect(calls).toBe(Math.ceil((300 * 32) / SALT_POOL_BYTES));
    expect(new Set(salts).size).toBe(300);
    expect(salts.every((s) => s.length === 64)).toBe(true);
  });

  it("zeroes the bytes of an issued salt in the pool", () => {
    let last: Uint8Array = new Uint8Array(0);
    const next = saltPool((n) => {
      last = randomBytes(n);
      return last;
    });
    next();
    next();
    expect(last.subarray(0, 64).every((b) => b === 0)).toBe(true);
    expect(last.subarray(64).some((b) => b !== 0)).toBe(true);
  });
});
