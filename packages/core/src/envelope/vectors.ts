import { canonicalizeOrThrow } from "../canonical";
import { buildBody, eventHash, type SubjectHead, sealBody } from "../chain";
import type { SealedField, StoredEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import { bytesToHex, genesisHash, HASH_TAGS, sha256Bytes, utf8ToBytes } from "../hash";
import { verifyEvents } from "../verify";
import { redactV2 } from "./v2-body";
import { partHashHex, subjectCommitHex, subjectPart } from "./v2-hash";

/**
 * Vectors for envelope version 2 (docs/spec.md §13), written to
 * docs/vectors/envelope-v2.json by `pnpm vectors`: a three-event v2 chain with every
 * commitment, part and hashed form spelled out, shown forms for each subject, and bodies a
 * verifier must refuse. Salts are fixed (a writer draws them at random); the sealed entries
 * are placeholders of the right shape, not ciphertexts that open (hashing does not open them).
 */

export const V2_VECTOR_LEDGER_ID = "crm.example.com/ledger-v2";

/** A fixed salt per (event, subject): SHA-256 of a label, so the vectors need no randomness. */
function fixedSalt(seq: number, subject: string): string {
  return bytesToHex(sha256Bytes(utf8ToBytes(`vector salt ${seq} ${subject}`)));
}

/** A placeholder sealed entry of the right shape (fixed nonce and ciphertext; it opens nothing). */
function sealed(subject: string, field: string, n: number): SealedField {
  return {
    subject,
    field,
    alg: "xchacha20poly1305",
    keyId: `dk1-${n.toString(16).padStart(32, "0")}`,
    nonce: "A".repeat(32),
    ct: "B".repeat(64),
  } as SealedField;
}

const MEETING = (seq: number, subjects: string[]): EventInput =>
  ({
    type: "data.accessed",
    actor: { id: "agent-7" },
    subjects,
    payload: {
      resource: { type: "meeting", id: `meeting-${seq}` },
      fields: ["notes"],
      purpose: "sales-follow-up",
      outcome: "allowed",
    },
  }) as EventInput;

const EVENTS: { subjects: string[]; personal: SealedField[] }[] = [
  {
    subjects: ["contact-a1", "contact-b2"],
    personal: [sealed("contact-b2", "notes", 2), sealed("contact-a1", "notes", 1)],
  },
  { subjects: ["contact-b2"], personal: [] },
  {
    subjects: ["contact-a1", "contact-b2", "contact-c3"],
    personal: [sealed("contact-c3", "phone", 3)],
  },
];

/** The fixed v2 chain of the vectors. */
export function v2VectorChain(): StoredEvent[] {
  const heads = new Map<string, SubjectHead>();
  let prevHash = genesisHash(V2_VECTOR_LEDGER_ID);
  return EVENTS.map(({ subjects, personal }, seq) => {
    const stored = sealBody(
      buildBody(MEETING(seq, subjects), {
        position: { seq, prevHash },
        id: `0193a1b2-0000-7000-8000-00000000000${seq}`,
        recordedAt: `2026-12-01T00:00:0${seq}.000Z`,
        subjectHeads: heads,
        ...(personal.length > 0 ? { personal } : {}),
        salts: (s) => fixedSalt(seq, s),
      }),
    );
    for (const s of stored.subjects) heads.set(s, { seq: stored.seq, hash: stored.hash });
    prevHash = stored.hash;
    return stored;
  });
}

type Json = Record<string, unknown>;

/** Every intermediate value of §13.2–§13.3 for one stored event. */
function explain(e: StoredEvent): Json {
  const body = JSON.parse(e.body) as Json;
  const personal = (body.personal ?? []) as Json[];
  const parts = ((body.subjects ?? []) as Json[]).map((s) => {
    const part = subjectPart(s, personal);
    return {
      id: s.id,
      salt: s.salt,
      commitment: subjectCommitHex(s.salt as string, s.id as string),
      part,
      partHash: partHashHex(part),
    };
  });
  const { subjects: _s, personal: _p, ...common } = body;
  return {
    seq: e.seq,
    body: e.body,
    parts,
    hashedForm: { ...common, parts: parts.map((p) => p.partHash).sort() },
    hash: e.hash,
  };
}

/** Bodies that must not hash to the event's hash, or must be refused (§13.3, §13.6). */
function invalidForms(chain: readonly StoredEvent[]): Json[] {
  const full = (i: number) => JSON.parse((chain[i] as StoredEvent).body) as Json;
  const text = (x: Json) => canonicalizeOrThrow(x);
  const e0 = full(0);
  const e2 = full(2);
  const shownA0 = JSON.parse(
    redactV2((chain[0] as StoredEvent).body, new Set(["contact-a1"])),
  ) as Json;
  const shownA2 = JSON.parse(
    redactV2((chain[2] as StoredEvent).body, new Set(["contact-a1"])),
  ) as Json;
  const subjects = (b: Json) => b.subjects as Json[];
  const personal = (b: Json) => (b.personal ?? []) as Json[];
  return [
    {
      name: "swapped part hash: event 0 shown for contact-a1 with event 2's redacted hashes",
      seq: 0,
      body: text({ ...shownA0, redacted: shownA2.redacted }),
      hash: chain[0]?.hash,
      expect: "hash-mismatch",
    },
    {
      name: "another subject's part shown as own: contact-b2's entry and sealed value under contact-a1",
      seq: 0,
      body: text({
        ...shownA0,
        subjects: [{ ...subjects(e0)[1], id: "contact-a1" }],
        personal: personal(e0)
          .filter((p) => p.subject === "contact-b2")
          .map((p) => ({ ...p, subject: "contact-a1" })),
      }),
      hash: chain[0]?.hash,
      expect: "hash-mismatch",
    },
    {
      name: "wrong salt: contact-a1 shown with another event's salt",
      seq: 2,
      body: text({
        ...shownA2,
        subjects: [{ ...subjects(shownA2)[0], salt: subjects(e0)[0]?.salt }],
      }),
      hash: chain[2]?.hash,
      expect: "hash-mismatch",
    },
    {
      name: "sealed values not grouped by subject (no event hash)",
      seq: 0,
      body: text({ ...e0, personal: [...personal(e0)].reverse() }),
      hash: chain[0]?.hash,
      expect: "no-hash",
    },
    {
      name: "subjects not sorted by id (no event hash)",
      seq: 2,
      body: text({ ...e2, subjects: [...subjects(e2)].reverse() }),
      hash: chain[2]?.hash,
      expect: "no-hash",
    },
    {
      name: "a body carrying `parts` (no event hash)",
      seq: 1,
      body: text({ ...full(1), parts: [] }),
      hash: chain[1]?.hash,
      expect: "no-hash",
    },
  ];
}

/** Ledgers `verify` must refuse (§13.4), with the verdict it gives. */
async function verifyCases(chain: StoredEvent[]): Promise<Json[]> {
  const v1 = sealBody(
    buildBody(MEETING(1, ["contact-b2"]), {
      position: { seq: 1, prevHash: (chain[0] as StoredEvent).hash },
      id: "0193a1b2-0000-7000-8000-000000000001",
      recordedAt: "2026-12-01T00:00:01.000Z",
      subjectHeads: new Map([["contact-b2", { seq: 0, hash: (chain[0] as StoredEvent).hash }]]),
    }),
  );
  const hidden = redactV2((chain[2] as StoredEvent).body, new Set(["contact-a1", "contact-b2"]));
  const cases: { name: string; envelopeVersion: number; events: StoredEvent[] }[] = [
    { name: "the v2 chain", envelopeVersion: 2, events: chain },
    {
      name: "mixed versions: a v1 event after a v2 event",
      envelopeVersion: 2,
      events: [chain[0] as StoredEvent, v1],
    },
    { name: "metadata says version 1, events are version 2", envelopeVersion: 1, events: chain },
    {
      name: "a stored body in shown form (contact-c3 hidden behind `redacted`, hash unchanged)",
      envelopeVersion: 2,
      events: [
        chain[0] as StoredEvent,
        chain[1] as StoredEvent,
        { ...(chain[2] as StoredEvent), body: hidden },
      ],
    },
  ];
  const out: Json[] = [];
  for (const c of cases) {
    const r = await verifyEvents(
      (async function* () {
        yield* c.events;
      })(),
      genesisHash(V2_VECTOR_LEDGER_ID),
      { envelopeVersion: c.envelopeVersion },
    );
    out.push({
      name: c.name,
      envelopeVersion: c.envelopeVersion,
      events: c.events.map((e) => ({ seq: e.seq, body: e.body, hash: e.hash })),
      expect: r.ok
        ? { ok: true, count: r.count }
        : { ok: false, seq: r.failure.seq, kind: r.failure.kind },
    });
  }
  return out;
}

/** The content of docs/vectors/envelope-v2.json. */
export async function buildEnvelopeV2Vectors(): Promise<Json> {
  const chain = v2VectorChain();
  const shown = chain.flatMap((e) => {
    const ids = (JSON.parse(e.body) as { subjects: { id: string }[] }).subjects.map((s) => s.id);
    return ids.map((id) => {
      const body = redactV2(e.body, new Set([id]));
      return { seq: e.seq, shownFor: [id], body, hash: eventHash(body) };
    });
  });
  return {
    description:
      "Envelope version 2 (docs/spec.md §13): per event, the stored full form, each subject's commitment, part and part hash, the hashed form and the event hash; shown forms for one subject each (same hash); bodies that must not give the event hash; ledgers verify must refuse. Salts are fixed here, random in a writer; sealed entries are placeholders.",
    ledgerId: V2_VECTOR_LEDGER_ID,
    genesisHash: genesisHash(V2_VECTOR_LEDGER_ID),
    tags: {
      event: HASH_TAGS.eventV2,
      subjectCommit: HASH_TAGS.subjectCommit,
      subjectPart: HASH_TAGS.subjectPart,
    },
    events: chain.map(explain),
    shown,
    invalid: invalidForms(chain),
    verify: await verifyCases(chain),
  };
}
