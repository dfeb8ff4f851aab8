import { sha256 } from "@noble/hashes/sha2.js";
import { formatCheckpoint } from "../checkpoint/checkpoint";
import { emitCheckpoint } from "../checkpoint/emit";
import { formatPrivateKey } from "../checkpoint/keys";
import { formatNote, signNote } from "../checkpoint/note";
import { cosignCheckpoint } from "../checkpoint/policy";
import { ed25519Signer } from "../checkpoint/signer";
import type { EventInput } from "../events/input";
import { bytesToHex } from "../hash";
import { openLedger } from "../ledger";
import { eventLeafData, eventLeafHash } from "../merkle/hash";
import { catchUp } from "../merkle/ledger-tree";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import { consistencyProof, inclusionProof, rangeProof, rootAt } from "../merkle/proofs";
import { CompactRange, type Node } from "../merkle/range";
import { memoryStore } from "../store/memory";
import { sampleInputs } from "../testing/fixtures";
import { exportBundle } from "./export";
import { verifyBundle } from "./verify";

/**
 * The auditor test vectors committed under docs/vectors/ (merkle-v1, checkpoint-v1,
 * bundle-v1), built deterministically from fixed keys, a fixed clock and fixed ids.
 * `generate-auditor-vectors.ts` writes them; the vector test rebuilds and compares.
 * TEST KEYS ONLY: the private keys here are public.
 */
export const VECTOR_ORIGIN = "vectors.daicho.example/ledger";
const seed = (start: number) => Uint8Array.from({ length: 32 }, (_, i) => start + i);

/** Synthetic event hashes for the Merkle vectors: SHA-256("daicho/vector/leaf/" ‖ i), hex. */
const syntheticEventHash = (i: number) =>
  bytesToHex(sha256(new TextEncoder().encode(`daicho/vector/leaf/${i}`)));

async function merkleVectors() {
  const n = 16;
  const hashes = Array.from({ length: n }, (_, i) => syntheticEventHash(i));
  const range = new CompactRange();
  const nodes: Node[] = [];
  for (const h of hashes) range.appendLeaf(eventLeafHash(h), (x) => nodes.push(x));
  const store = memoryTreeStore();
  await store.append(nodes, 0, n);
  const hex = (xs: readonly Uint8Array[]) => xs.map(bytesToHex);
  return {
    description:
      "Merkle tree over events (docs/spec.md 'Merkle tree'): leaf i = 32 raw bytes of event i's hash; leaf hash = SHA-256(0x00 ‖ leaf); node = SHA-256(0x01 ‖ left ‖ right); RFC 9162 split. Event hashes here are synthetic: SHA-256(UTF-8('daicho/vector/leaf/' + i)). All values hex.",
    eventHashes: hashes,
    leafHashes: hashes.map((h) => bytesToHex(eventLeafHash(h))),
    emptyRoot: bytesToHex(await rootAt(store, 0)),
    roots: await Promise.all(
      Array.from({ length: n }, async (_, i) => ({
        size: i + 1,
        root: bytesToHex(await rootAt(store, i + 1)),
      })),
    ),
    inclusion: await Promise.all(
      [
        [0, 1],
        [0, 8],
        [5, 8],
        [2, 3],
        [6, 7],
        [13, 16],
        [9, 11],
      ].map(async ([index, size]) => ({
        index,
        size,
        proof: hex(await inclusionProof(store, index as number, size as number)),
      })),
    ),
    consistency: await Promise.all(
      [
        [1, 8],
        [6, 8],
        [2, 5],
        [6, 7],
        [3, 16],
        [7, 13],
      ].map(async ([size1, size2]) => ({
        size1,
        size2,
        proof: hex(await consistencyProof(store, size1 as number, size2 as number)),
      })),
    ),
    range: await Promise.all(
      [
        [0, 3, 16],
        [4, 9, 13],
        [5, 6, 7],
      ].map(async ([from, to, size]) => {
        const p = await rangeProof(store, from as number, to as number, size as number);
        return { from, to, size, left: hex(p.left), right: hex(p.right) };
      }),
    ),
    leafBytesExample: {
      eventHash: hashes[0],
      leafData: bytesToHex(eventLeafData(hashes[0] as string)),
    },
  };
}

async function checkpointVectors(root16: string) {
  const log = ed25519Signer(VECTOR_ORIGIN, seed(0));
  const witness = ed25519Signer("witness.vectors.daicho.example", seed(32));
  const text = formatCheckpoint({
    origin: VECTOR_ORIGIN,
    size: 16,
    root: Uint8Array.from(Buffer.from(root16, "hex")),
  });
  const note = formatNote(await signNote(text, [log]));
  return {
    description:
      "C2SP tlog-checkpoint v1.0.0 in a signed-note v1.0.0 with Ed25519 (docs/spec.md 'Checkpoints'). Test keys: seeds are the bytes 0x00..0x1f (log) and 0x20..0x3f (witness). The private keys are public: never use them.",
    log: {
      name: VECTOR_ORIGIN,
      seedHex: bytesToHex(seed(0)),
      privateKey: formatPrivateKey(VECTOR_ORIGIN, seed(0)),
      verifierKey: log.verifierKey,
      keyId: bytesToHex(log.keyId),
    },
    witness: {
      name: witness.name,
      seedHex: bytesToHex(seed(32)),
      privateKey: formatPrivateKey(witness.name, seed(32)),
      verifierKey: witness.verifierKey,
      keyId: bytesToHex(witness.keyId),
    },
    checkpointText: text,
    signedNote: note,
    cosignedNote: await cosignCheckpoint(note, witness, { keys: [log.verifier] }),
    expect:
      "signedNote verifies with {log} at threshold 1; cosignedNote verifies with {log, witness} at threshold 2; signedNote fails threshold 2.",
  };
}

async function bundleVectors() {
  const log = ed25519Signer(VECTOR_ORIGIN, seed(0));
  const inputs = sampleInputs(8).map((input, i) => ({ ...input, id: `evt-${i}` }) as EventInput);
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: VECTOR_ORIGIN,
    clock: () => new Date("2026-01-01T00:00:00.000Z"),
  });
  await ledger.appendBatch(inputs.slice(0, 5));
  const tree = await catchUp(memoryTreeStore(), ledger.store);
  const older = (await emitCheckpoint(tree, log, VECTOR_ORIGIN)).note;
  await ledger.appendBatch(inputs.slice(5));
  const note = (await emitCheckpoint(tree, log, VECTOR_ORIGIN)).note;
  const bundle = await exportBundle(tree, VECTOR_ORIGIN, {
    from: 2,
    to: 7,
    checkpoint: note,
    older: [older],
    policy: { keys: [log.verifier] },
  });
  const text = JSON.stringify(bundle);
  const report = verifyBundle(text, { policy: { keys: [log.verifier] }, held: older });
  if (report._tag === "Left") throw report.left;
  return {
    description:
      "An audit bundle (docs/spec.md 'Audit bundles') of events [2, 7) of an 8-event ledger, with the checkpoint of size 8 and a consistency proof from the checkpoint of size 5. Verify with the log verifier key of checkpoint-v1.json; holding the size-5 checkpoint, the report is `report`.",
    verifierKey: log.verifierKey,
    heldCheckpoint: older,
    bundle: text,
    report: report.right,
  };
}

/** Build all three vector documents. */
export async function buildAuditorVectors() {
  const merkle = await merkleVectors();
  const root16 = merkle.roots[15]?.root as string;
  return {
    "merkle-v1.json": merkle,
    "checkpoint-v1.json": await checkpointVectors(root16),
    "bundle-v1.json": await bundleVectors(),
  };
}
