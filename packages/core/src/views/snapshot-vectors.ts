import * as E from "fp-ts/lib/Either.js";
import type { EventInput } from "../events/input";
import { decodeSnapshot, deriveSnapshotKey, encodeSnapshot } from "./snapshot";
import { chainEvents } from "./test-history";
import { Views } from "./view-set";

/** The vectors' host secret and ledger (never use these). */
export const SNAPSHOT_VECTOR_SECRET = Uint8Array.from({ length: 32 }, (_, i) => i);
export const SNAPSHOT_VECTOR_LEDGER = "vectors.example/ledger";
const CREATED = new Date("2026-04-01T09:00:00.000Z");

const HISTORY: EventInput[] = [
  { type: "actor.onboarded", actor: { id: "hr" }, payload: { actorId: "alice" } },
  { type: "actor.offboarded", actor: { id: "hr" }, payload: { actorId: "alice" } },
];

/** One snapshot text and what `decodeSnapshot` must answer for it under the vectors' key. */
export interface SnapshotVector {
  readonly name: string;
  readonly text: string;
  /** "ok", or the error code a restore must fail with. */
  readonly expect: string;
  /** Restore without a key and with `trustUnkeyedSnapshot: true`. */
  readonly unkeyedTrusted?: boolean;
}

/**
 * docs/vectors/snapshot-v2.json: the derived key, a genuine keyed and unkeyed snapshot, and
 * negatives an attacker who can write the file would try (docs/views-and-decisions.md §5).
 */
export function buildSnapshotVectors() {
  const key = deriveSnapshotKey(SNAPSHOT_VECTOR_SECRET, SNAPSHOT_VECTOR_LEDGER);
  const events = chainEvents(HISTORY, SNAPSHOT_VECTOR_LEDGER);
  const early = new Views().applyAll(events.slice(0, 1));
  const all = new Views().applyAll(events);
  const good = encodeSnapshot(early, SNAPSHOT_VECTOR_LEDGER, CREATED, key);
  const last = events[events.length - 1];
  const vectors: SnapshotVector[] = [
    { name: "genuine, keyed", text: good, expect: "ok" },
    {
      name: "genuine, unkeyed, restored with trustUnkeyedSnapshot",
      text: encodeSnapshot(all, SNAPSHOT_VECTOR_LEDGER, CREATED),
      expect: "ok",
      unkeyedTrusted: true,
    },
    {
      name: "unkeyed where a key is expected (downgrade)",
      text: encodeSnapshot(all, SNAPSHOT_VECTOR_LEDGER, CREATED),
      expect: "STORE_CORRUPT",
    },
    {
      name: "header moved to a later real event (skips the offboarding)",
      text: good
        .replace('"seq":0', `"seq":${last?.seq}`)
        .replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${last?.hash}"`),
      expect: "STORE_CORRUPT",
    },
    {
      name: "one view byte edited",
      text: good.replace('"alice"', '"alicf"'),
      expect: "STORE_CORRUPT",
    },
    {
      name: "createdAt edited",
      text: good.replace("09:00:00.000Z", "10:00:00.000Z"),
      expect: "STORE_CORRUPT",
    },
    {
      name: "MACed under another ledger's key",
      text: encodeSnapshot(
        early,
        SNAPSHOT_VECTOR_LEDGER,
        CREATED,
        deriveSnapshotKey(SNAPSHOT_VECTOR_SECRET, "other.example/ledger"),
      ),
      expect: "STORE_CORRUPT",
    },
    { name: "truncated", text: good.slice(0, -2), expect: "DECODE_ERROR" },
    {
      name: "format v1 (digest of the views only)",
      text: good.replace("views-snapshot/v2", "views-snapshot/v1"),
      expect: "DECODE_ERROR",
    },
  ];
  return {
    description:
      "Views snapshot v2 (docs/views-and-decisions.md §5): tag = HMAC-SHA256(K, M); K = HKDF-SHA256(secret, salt 'daicho/views-snapshot/v2', info ledgerId, 32).",
    ledgerId: SNAPSHOT_VECTOR_LEDGER,
    secretHex: Buffer.from(SNAPSHOT_VECTOR_SECRET).toString("hex"),
    keyHex: Buffer.from(key).toString("hex"),
    vectors,
  };
}

/** What `decodeSnapshot` answers for one vector: "ok" or the error code. */
export function snapshotVectorOutcome(v: SnapshotVector, key: Uint8Array): string {
  const trust = v.unkeyedTrusted === true ? { trustUnkeyedSnapshot: true } : { key };
  const r = decodeSnapshot(v.text, SNAPSHOT_VECTOR_LEDGER, trust);
  return E.isRight(r) ? "ok" : r.left.code;
}
