import * as t from "io-ts";
import { MAX_TREE_SIZE } from "../merkle/bits";
import { MAX_PROOF_HASHES } from "../merkle/verify";

/**
 * The audit bundle file (docs/spec.md "Audit bundles"): one JSON document holding a run
 * of events, the checkpoint that covers them, a range proof tying them to it, and
 * consistency proofs from older checkpoints. Every member is decoded with these codecs
 * before anything is hashed; sizes and counts are bounded because the file is hostile.
 */
export const BUNDLE_FORMAT = "daicho-audit-bundle/v1" as const;

/** Most events one bundle may carry. */
export const MAX_BUNDLE_EVENTS = 5_000_000;
/** Largest event body inside a bundle, in UTF-16 code units. */
export const MAX_BODY_CHARS = 4 * 1024 * 1024;

const bounded = <C extends t.Mixed>(codec: C, max: number, name: string) =>
  t.refinement(t.array(codec), (xs) => xs.length <= max, name);

const Seq = t.refinement(
  t.number,
  (n) => Number.isSafeInteger(n) && n >= 0 && n <= MAX_TREE_SIZE,
  "Seq",
);
const Hex64 = t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), "Hex64");
const Base64Hash = t.refinement(t.string, (s) => /^[A-Za-z0-9+/]{43}=$/.test(s), "Base64Hash");
const Body = t.refinement(t.string, (s) => s.length > 0 && s.length <= MAX_BODY_CHARS, "EventBody");
const NoteText = t.refinement(t.string, (s) => s.length > 0 && s.length <= 1 << 20, "SignedNote");
const Proof = bounded(Base64Hash, MAX_PROOF_HASHES, "Proof");

export const BundleEvent = t.exact(t.type({ seq: Seq, hash: Hex64, body: Body }), "BundleEvent");
export type BundleEvent = t.TypeOf<typeof BundleEvent>;

export const ConsistencyEntry = t.exact(
  t.type({ checkpoint: NoteText, proof: Proof }),
  "ConsistencyEntry",
);
export type ConsistencyEntry = t.TypeOf<typeof ConsistencyEntry>;

export const Bundle = t.exact(
  t.intersection([
    t.type({
      format: t.literal(BUNDLE_FORMAT),
      ledgerId: t.string,
      checkpoint: NoteText,
      range: t.exact(t.type({ from: Seq, to: Seq })),
      events: bounded(BundleEvent, MAX_BUNDLE_EVENTS, "Events"),
      rangeProof: t.exact(t.type({ left: Proof, right: Proof })),
      consistency: bounded(ConsistencyEntry, 1000, "ConsistencyEntries"),
    }),
    t.partial({ anchor: Hex64 }),
  ]),
  "Bundle",
);
export type Bundle = t.TypeOf<typeof Bundle>;
