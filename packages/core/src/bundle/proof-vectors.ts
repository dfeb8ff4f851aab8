import { sha256 } from "@noble/hashes/sha2.js";
import * as E from "fp-ts/lib/Either.js";
import { fromBase64, toBase64 } from "../checkpoint/base64";
import { formatCheckpoint } from "../checkpoint/checkpoint";
import { formatNote, signNote } from "../checkpoint/note";
import { ed25519Signer } from "../checkpoint/signer";
import { bytesToHex } from "../hash";
import { eventLeafHash } from "../merkle/hash";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import { consistencyProof, inclusionProof, rootAt } from "../merkle/proofs";
import { CompactRange, type Node } from "../merkle/range";
import {
  CONSISTENCY_PROOF_FORMAT,
  type ConsistencyProofFile,
  formatProofFile,
  INCLUSION_PROOF_FORMAT,
  type InclusionProofFile,
} from "./proof-file";
import { verifyProofFile } from "./verify-proof";

/**
 * The proof-file vectors (docs/vectors/proof-v1.json): a 16-leaf log signed at sizes 7
 * and 16 with the test key of checkpoint-v1.json, one valid inclusion and consistency
 * proof file, and single defects of each, with the outcome `verifyProofFile` must reach
 * and the exit code of `daicho verify-proof`. TEST KEYS ONLY.
 */
const ORIGIN = "vectors.daicho.example/ledger";
const OTHER = "other.vectors.daicho.example/ledger";
const seed = (start: number) => Uint8Array.from({ length: 32 }, (_, i) => start + i);
const eventHashOf = (i: number) =>
  bytesToHex(sha256(new TextEncoder().encode(`daicho/vector/leaf/${i}`)));

type Expect = { ok: true; kind: string } | { ok: false; code: string; exit: 1 | 2 };
interface Case {
  name: string;
  proof: string;
  checkpoints: string[];
  eventHash?: string;
  expect: Expect;
}

const fails = (code: string): Expect => ({
  ok: false,
  code,
  exit: code === "DECODE_ERROR" || code === "INVALID_ARGUMENT" ? 2 : 1,
});

/** Change the last base64 digit before the padding so the unused bits are not zero. */
const nonCanonical = (b64: string) => {
  const c = b64[42] as string;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return `${b64.slice(0, 42)}${alphabet[alphabet.indexOf(c) ^ 1]}=`;
};

export async function buildProofVectors() {
  const log = ed25519Signer(ORIGIN, seed(0));
  const other = ed25519Signer(OTHER, seed(64));
  const hashes = Array.from({ length: 16 }, (_, i) => eventHashOf(i));
  const range = new CompactRange();
  const nodes: Node[] = [];
  for (const h of hashes) range.appendLeaf(eventLeafHash(h), (x) => nodes.push(x));
  const store = memoryTreeStore();
  await store.append(nodes, 0, 16);
  const root = async (n: number) => rootAt(store, n);
  const sign = async (origin: string, size: number, r: Uint8Array, signer = log) =>
    formatNote(await signNote(formatCheckpoint({ origin, size, root: r }), [signer]));
  const cp16 = await sign(ORIGIN, 16, await root(16));
  const cp7 = await sign(ORIGIN, 7, await root(7));
  const forked16 = await sign(ORIGIN, 16, sha256(new TextEncoder().encode("another history")));
  const otherOrigin = await sign(OTHER, 16, await root(16), other);
  const sigLine = cp16.split("\n").findIndex((l) => l.startsWith("\u2014 "));
  const badSig = cp16
    .split("\n")
    .map((l, i) => {
      if (i !== sigLine) return l;
      const [dash, name, b64] = l.split(" ");
      const raw = fromBase64(b64 as string) as Uint8Array;
      raw[10] = (raw[10] as number) ^ 1;
      return `${dash} ${name} ${toBase64(raw)}`;
    })
    .join("\n");

  const inclusion: InclusionProofFile = {
    format: INCLUSION_PROOF_FORMAT,
    ok: true,
    ledgerId: ORIGIN,
    seq: 5,
    treeSize: 16,
    eventHash: hashes[5] as string,
    leafHash: toBase64(eventLeafHash(hashes[5] as string)),
    root: toBase64(await root(16)),
    proof: (await inclusionProof(store, 5, 16)).map(toBase64),
  };
  const consistency: ConsistencyProofFile = {
    format: CONSISTENCY_PROOF_FORMAT,
    ok: true,
    verdict: "consistent",
    reason: "the ledger (size 16) extends your checkpoint of size 7",
    ledgerId: ORIGIN,
    oldSize: 7,
    oldRoot: toBase64(await root(7)),
    newSize: 16,
    newRoot: toBase64(await root(16)),
    proof: (await consistencyProof(store, 7, 16)).map(toBase64),
  };
  const inc = (patch: Record<string, unknown>) =>
    formatProofFile({ ...inclusion, ...patch } as InclusionProofFile);
  const con = (patch: Record<string, unknown>) =>
    formatProofFile({ ...consistency, ...patch } as ConsistencyProofFile);
  const good = formatProofFile(inclusion);
  const goodConsistency = formatProofFile(consistency);
  const p = inclusion.proof;
  const cases: Case[] = [
    {
      name: "inclusion: valid",
      proof: good,
      checkpoints: [cp16],
      expect: { ok: true, kind: "inclusion" },
    },
    {
      name: "inclusion: valid, about the event the auditor holds",
      proof: good,
      checkpoints: [cp16],
      eventHash: hashes[5] as string,
      expect: { ok: true, kind: "inclusion" },
    },
    {
      name: "inclusion: the prover's ok:false and any white space change nothing",
      proof: JSON.stringify(JSON.parse(inc({ ok: false }))),
      checkpoints: [cp16],
      expect: { ok: true, kind: "inclusion" },
    },
    {
      name: "consistency: valid (sizes 7 and 16)",
      proof: goodConsistency,
      checkpoints: [cp7, cp16],
      expect: { ok: true, kind: "consistency" },
    },
    {
      name: "inclusion: wrong index",
      proof: inc({ seq: 4 }),
      checkpoints: [cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: index beyond the tree",
      proof: inc({ seq: 16 }),
      checkpoints: [cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: wrong size (file says 15, checkpoint 16)",
      proof: inc({ treeSize: 15 }),
      checkpoints: [cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: checked against a checkpoint of another size",
      proof: good,
      checkpoints: [cp7],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: truncated path",
      proof: inc({ proof: p.slice(0, -1) }),
      checkpoints: [cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: extra element",
      proof: inc({ proof: [...p, p[0]] }),
      checkpoints: [cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: path elements swapped",
      proof: inc({ proof: [p[1], p[0], ...p.slice(2)] }),
      checkpoints: [cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: wrong root in the file",
      proof: inc({ root: consistency.oldRoot }),
      checkpoints: [cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: a signed checkpoint of another history (wrong root)",
      proof: inc({ root: toBase64(sha256(new TextEncoder().encode("another history"))) }),
      checkpoints: [forked16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: another event than the one the auditor holds",
      proof: good,
      checkpoints: [cp16],
      eventHash: hashes[6] as string,
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: leafHash does not match eventHash",
      proof: inc({ leafHash: toBase64(eventLeafHash(hashes[6] as string)) }),
      checkpoints: [cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "inclusion: checkpoint of another origin",
      proof: good,
      checkpoints: [otherOrigin],
      expect: fails("CHECKPOINT_INVALID"),
    },
    {
      name: "inclusion: bad signature on the checkpoint",
      proof: good,
      checkpoints: [badSig],
      expect: fails("SIGNATURE_INVALID"),
    },
    {
      name: "inclusion: two checkpoints given",
      proof: good,
      checkpoints: [cp16, cp7],
      expect: fails("INVALID_ARGUMENT"),
    },
    {
      name: "malformed: non-canonical base64 in the path",
      proof: inc({ proof: [nonCanonical(p[0] as string), ...p.slice(1)] }),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: non-canonical base64 root",
      proof: inc({ root: nonCanonical(inclusion.root) }),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: hostile size 2^53",
      proof: inc({ treeSize: 2 ** 53 }),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: hostile size 1e400",
      proof: good.replace('"treeSize": 16', '"treeSize": 1e400'),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: negative index",
      proof: inc({ seq: -1 }),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: fractional index",
      proof: inc({ seq: 4.5 }),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: a path of 129 hashes",
      proof: inc({ proof: Array.from({ length: 129 }, () => p[0]) }),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: a member twice",
      proof: good.replace('"seq": 5,', '"seq": 4,\n  "seq": 5,'),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: an unknown member",
      proof: good.replace('"ok": true,', '"ok": true,\n  "note": "x",'),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: truncated file",
      proof: good.slice(0, good.length / 2),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "malformed: unknown format",
      proof: inc({ format: "daicho-inclusion-proof/v2" }),
      checkpoints: [cp16],
      expect: fails("DECODE_ERROR"),
    },
    {
      name: "consistency: old and new sizes swapped (rollback)",
      proof: con({
        oldSize: 16,
        oldRoot: consistency.newRoot,
        newSize: 7,
        newRoot: consistency.oldRoot,
      }),
      checkpoints: [cp7, cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "consistency: truncated proof",
      proof: con({ proof: consistency.proof.slice(0, -1) }),
      checkpoints: [cp7, cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "consistency: extra element",
      proof: con({ proof: [...consistency.proof, consistency.proof[0]] }),
      checkpoints: [cp7, cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "consistency: the new checkpoint is of another history",
      proof: con({ newRoot: toBase64(sha256(new TextEncoder().encode("another history"))) }),
      checkpoints: [cp7, forked16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "consistency: wrong old root in the file",
      proof: con({ oldRoot: consistency.newRoot }),
      checkpoints: [cp7, cp16],
      expect: fails("PROOF_INVALID"),
    },
    {
      name: "consistency: only one of the two checkpoints",
      proof: goodConsistency,
      checkpoints: [cp16],
      expect: fails("INVALID_ARGUMENT"),
    },
  ];
  for (const c of cases) {
    const r = verifyProofFile(c.proof, {
      policy: { keys: [log.verifier] },
      checkpoints: c.checkpoints,
      ...(c.eventHash === undefined ? {} : { eventHash: c.eventHash }),
    });
    const got = E.isRight(r) ? r.right.kind : r.left.code;
    const want = c.expect.ok ? c.expect.kind : c.expect.code;
    if (got !== want) throw new Error(`proof vector "${c.name}": got ${got}, want ${want}`);
  }
  return {
    description:
      "Proof files (docs/spec.md §7.6). Check each `proof` with verifyProofFile against the log verifier key `verifierKey` (the test key of checkpoint-v1.json), the signed `checkpoints` and, when present, the `eventHash` the auditor holds. `expect` is the outcome: ok with the kind, or the error code and the exit code of `daicho verify-proof` (1 does not verify, 2 malformed input). Leaves are the synthetic event hashes of merkle-v1.json.",
    verifierKey: log.verifierKey,
    eventHashes: hashes,
    cases,
  };
}
