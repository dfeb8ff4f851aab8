import { canonicalizeOrThrow } from "../canonical";
import { buildBody, type SubjectHead, sealBody } from "../chain";
import type { StoredEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import { genesisHash } from "../hash";

/**
 * Builds the committed test vectors (docs/vectors/*.json) from fixed inputs: canonical
 * JSON cases, a small chain of events with their canonical bytes and hashes, and tampered
 * ledgers with the verdict a verifier must reach. Deterministic: no clock, no randomness.
 */
export function buildVectors(): Record<string, unknown> {
  return {
    "canonical.json": canonicalVectors(),
    "events.json": eventVectors(),
    "verify.json": verifyVectors(),
  };
}

const CANONICAL_CASES: readonly { name: string; inputText: string }[] = [
  {
    name: "member order by UTF-16 code units (RFC 8785 §3.2.3 example keys)",
    inputText:
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
  },
  {
    name: "string escaping",
    inputText:
      '{"s":"quote \\" backslash \\\\ tab \\t nl \\n ctl \\u0001 del \\u007f slash / e-acute \\u00e9 kanji 台帳"}',
  },
  {
    name: "integers and literals",
    inputText: '{"a":0,"b":-0,"c":9007199254740991,"d":1e3,"e":true,"f":false,"g":null}',
  },
  {
    name: "nested arrays and objects, white space removed",
    inputText: '{ "z" : [ 3 , { "b" : 2 , "a" : 1 } , [ ] , { } ] , "y" : "" }',
  },
];

function canonicalVectors() {
  return {
    description:
      "RFC 8785 canonical form of JSON texts: parse inputText, canonicalize, compare with canonical (UTF-8).",
    cases: CANONICAL_CASES.map((c) => ({
      ...c,
      canonical: canonicalizeOrThrow(JSON.parse(c.inputText)),
    })),
  };
}

export const VECTOR_LEDGER_ID = "vectors.daicho.example/ledger";

const INPUTS: readonly EventInput[] = [
  {
    type: "actor.onboarded",
    actor: { id: "admin-1" },
    payload: { actorId: "sales-7", roles: ["sales"], teams: ["tokyo-east"], clearance: "internal" },
  },
  {
    type: "provenance.recorded",
    actor: { id: "sales-7", context: { ip: "192.0.2.10", device: "phone-22", session: "s-9" } },
    subjects: ["contact-a1"],
    occurredAt: "2026-04-01T09:00:00+09:00",
    payload: { source: "card-scan", fields: ["name", "email", "company"], reference: "scan-77" },
  },
  {
    type: "consent.granted",
    actor: { id: "web-form" },
    subjects: ["contact-a1"],
    payload: {
      purpose: "newsletter",
      lawfulBasis: "consent",
      evidence: { channel: "web", wordingVersion: "2026-03", capturedBy: "web-form" },
    },
  },
  {
    type: "data.accessed",
    actor: { id: "sales-7", role: "sales" },
    subjects: ["contact-a1"],
    payload: {
      resource: { type: "contact", id: "contact-a1" },
      fields: ["name", "email"],
      purpose: "sales-follow-up",
      outcome: "allowed",
    },
  },
  {
    type: "data.exported",
    actor: { id: "sales-7" },
    subjects: ["contact-b2", "contact-a1"],
    payload: {
      format: "csv",
      destination: { kind: "download", id: "browser" },
      recordCount: 2,
      fields: ["name", "company"],
      purpose: "sales-follow-up",
    },
  },
  {
    type: "classification.changed",
    actor: { id: "dpo-1" },
    subjects: ["contact-b2"],
    payload: {
      resource: { type: "contact", id: "contact-b2" },
      field: "notes",
      level: "strictly-confidential",
      scope: { actors: ["sales-7"], until: "2026-12-31T00:00:00Z" },
    },
  },
];

/** The fixed chain used by the vectors. */
export function vectorChain(): StoredEvent[] {
  const heads = new Map<string, SubjectHead>();
  let prevHash = genesisHash(VECTOR_LEDGER_ID);
  return INPUTS.map((input, seq) => {
    const normalized =
      input.occurredAt === undefined
        ? input
        : { ...input, occurredAt: new Date(input.occurredAt).toISOString() };
    const stored = sealBody(
      buildBody(normalized, {
        position: { seq, prevHash },
        id: `0190f5c2-0000-7000-8000-00000000000${seq}`,
        recordedAt: `2026-04-01T00:00:0${seq}.000Z`,
        subjectHeads: heads,
      }),
    );
    for (const s of stored.subjects) heads.set(s, { seq: stored.seq, hash: stored.hash });
    prevHash = stored.hash;
    return stored;
  });
}

function eventVectors() {
  return {
    description:
      'A ledger of six events. For each: body (JSON), canonical (the exact UTF-8 text hashed), hash = hex(SHA-256("daicho/event/v1" || 0x00 || canonical)).',
    ledgerId: VECTOR_LEDGER_ID,
    genesisHash: genesisHash(VECTOR_LEDGER_ID),
    events: vectorChain().map((e) => ({
      body: JSON.parse(e.body),
      canonical: e.body,
      hash: e.hash,
    })),
  };
}

type Stored = { body: string; hash: string };

function verifyVectors() {
  const chain = vectorChain().map((e) => ({ body: e.body, hash: e.hash }));
  const rehash = (e: Stored, mutate: (b: Record<string, unknown>) => void): Stored => {
    const body = JSON.parse(e.body) as Record<string, unknown>;
    mutate(body);
    const sealed = sealBody(body as never);
    return { body: sealed.body, hash: sealed.hash };
  };
  const at = (i: number) => chain[i] as Stored;
  const head = at(chain.length - 1);
  const cases: { name: string; events: Stored[]; expect: Record<string, unknown> }[] = [
    {
      name: "intact ledger",
      events: chain,
      expect: { ok: true, count: 6, headSeq: 5, headHash: head.hash },
    },
    {
      name: "a byte of event 2's body changed",
      events: chain.map((e, i) =>
        i === 2 ? { ...e, body: e.body.replace("newsletter", "newsletteR") } : e,
      ),
      expect: { ok: false, seq: 2, kind: "content-changed" },
    },
    {
      name: "event 3 rewritten and re-hashed",
      events: chain.map((e, i) =>
        i === 3
          ? rehash(e, (b) => {
              (b.payload as Record<string, unknown>).purpose = "marketing";
            })
          : e,
      ),
      expect: { ok: false, seq: 3, kind: "content-changed" },
    },
    {
      name: "event 4 deleted",
      events: chain.filter((_, i) => i !== 4),
      expect: { ok: false, seq: 4, kind: "event-missing" },
    },
    {
      name: "events 1 and 3 swapped",
      events: [at(0), at(3), at(2), at(1), at(4), at(5)],
      expect: { ok: false, seq: 1, kind: "order-changed" },
    },
    {
      name: "a forged event claiming seq 3 inserted after event 2",
      events: [
        at(0),
        at(1),
        at(2),
        rehash(at(3), (b) => {
          b.id = "forged-event";
        }),
        at(3),
        at(4),
        at(5),
      ],
      expect: { ok: false, seq: 3, kind: "chain-forked" },
    },
    {
      name: "event 0 from another ledger's genesis",
      events: [
        rehash(at(0), (b) => {
          b.prevHash = genesisHash("other.example/ledger");
        }),
        ...chain.slice(1),
      ],
      expect: { ok: false, seq: 0, kind: "chain-forked" },
    },
  ];
  return {
    description:
      "Stored ledgers (body text + stored hash, in storage order) for ledger id `ledgerId`, with the verdict of docs/spec.md §5: ok with count/head, or the first broken seq and its kind. A case with `expectHead` is verified against that held head (seq, hash); `expect.error` means the held head itself must be refused with that code before anything is read.",
    ledgerId: VECTOR_LEDGER_ID,
    cases: [...cases, ...heldHeadCases(chain, rehash)],
  };
}

/** Held-head cases (spec §5): the hash at the held seq decides, not only the length. */
function heldHeadCases(
  chain: Stored[],
  rehash: (e: Stored, m: (b: Record<string, unknown>) => void) => Stored,
) {
  const at = (i: number) => chain[i] as Stored;
  const head = at(chain.length - 1);
  // Rolled back to event 3, re-extended with two other events to the same length.
  const e4 = rehash(at(4), (b) => {
    (b.payload as Record<string, unknown>).purpose = "marketing";
  });
  const e5 = rehash(at(5), (b) => {
    b.prevHash = e4.hash;
    for (const s of b.subjects as { prevSeq?: number; prevHash?: string }[])
      if (s.prevSeq === 4) s.prevHash = e4.hash;
  });
  const held = (seq: number, hash: string) => ({ seq, hash });
  return [
    {
      name: "held head: the head the verifier holds is there",
      events: chain,
      expectHead: held(5, head.hash),
      expect: { ok: true, count: 6, headSeq: 5, headHash: head.hash },
    },
    {
      name: "held head: an earlier head is still there",
      events: chain,
      expectHead: held(2, at(2).hash),
      expect: { ok: true, count: 6, headSeq: 5, headHash: head.hash },
    },
    {
      name: "held head: rolled back to event 3 and re-extended with two other events",
      events: [...chain.slice(0, 4), e4, e5],
      expectHead: held(5, head.hash),
      expect: { ok: false, seq: 5, kind: "head-mismatch" },
    },
    {
      name: "held head: another hash at the held seq",
      events: chain,
      expectHead: held(5, at(4).hash),
      expect: { ok: false, seq: 5, kind: "head-mismatch" },
    },
    {
      name: "held head: the all-zero hash",
      events: chain,
      expectHead: held(3, "0".repeat(64)),
      expect: { ok: false, seq: 3, kind: "head-mismatch" },
    },
    {
      name: "held head: the ledger ends before it (tail cut)",
      events: chain.slice(0, 4),
      expectHead: held(5, head.hash),
      expect: { ok: false, seq: 4, kind: "truncated" },
    },
    ...[
      ["a negative seq", held(-1, head.hash)],
      ["a fractional seq", held(2.5, head.hash)],
      ["a seq beyond 2^53 − 1", held(2 ** 53, head.hash)],
      ["an upper-case hash", held(5, head.hash.toUpperCase())],
      ["a hash of 63 digits", held(5, head.hash.slice(1))],
      ["a non-hex hash", held(5, "g".repeat(64))],
    ].map(([what, expectHead]) => ({
      name: `held head refused: ${what as string}`,
      events: chain,
      expectHead: expectHead as { seq: number; hash: string },
      expect: { error: "INVALID_ARGUMENT" },
    })),
  ];
}
