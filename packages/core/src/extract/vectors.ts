import { sha256 } from "@noble/hashes/sha2.js";
import * as E from "fp-ts/lib/Either.js";
import { emitCheckpoint } from "../checkpoint/emit";
import { ed25519Signer } from "../checkpoint/signer";
import type { EventInput } from "../events/input";
import { bytesToHex } from "../hash";
import { openLedger } from "../ledger";
import { type MapState, mapKey, mapLeaf, mapValueHash } from "../map/hash";
import { memoryMapStore } from "../map/memory-store";
import type { MapProof } from "../map/proof";
import { SubjectMap } from "../map/subject-map";
import { eventLeafHash } from "../merkle/hash";
import { catchUp } from "../merkle/ledger-tree";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import { multiProof } from "../merkle/multiproof";
import { CompactRange, type Node } from "../merkle/range";
import { memoryStore } from "../store/memory";
import { accessInput } from "../testing/fixtures";
import { exportExtract } from "./build";
import type { SubjectExtract } from "./format";
import { verifyExtract } from "./verify";

/**
 * The vectors of docs/spec.md §12 (docs/vectors/map-v1.json and extract-v1.json), built
 * deterministically: synthetic subject states for the map, and a fixed-clock, fixed-id
 * ledger signed with the public test key of checkpoint-v1.json for the extracts.
 * TEST KEYS ONLY: the private key is public.
 */
export const EXTRACT_VECTOR_ORIGIN = "vectors.daicho.example/ledger";
const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const synthetic = (i: number) =>
  bytesToHex(sha256(new TextEncoder().encode(`daicho/vector/leaf/${i}`)));
const hex = (xs: readonly Uint8Array[]) => xs.map(bytesToHex);

/** A map proof as JSON: siblings hex, top-down, and its end. */
function proofJson(proof: MapProof) {
  const end =
    proof.end.kind === "member"
      ? { state: proof.end.state }
      : proof.end.kind === "empty"
        ? "empty"
        : { key: bytesToHex(proof.end.key), valueHash: bytesToHex(proof.end.valueHash) };
  return { siblings: hex(proof.siblings), end };
}

function mapVectors() {
  const subjects = Array.from({ length: 8 }, (_, i) => ({
    id: `subject-${i}`,
    state: { count: i + 1, lastSeq: 10 * i + 3, lastHash: synthetic(i) } as MapState,
  }));
  const map = new SubjectMap();
  const roots = [{ subjects: 0, root: bytesToHex(map.root()) }];
  for (const [i, s] of subjects.entries()) {
    map.set(mapKey(s.id), s.state);
    roots.push({ subjects: i + 1, root: bytesToHex(map.root()) });
  }
  // Ids the map does not hold, one ending at an empty subtree and one at another key's leaf.
  const strangers = Array.from({ length: 64 }, (_, i) => `stranger-${i}`);
  const empty = strangers.find((id) => map.prove(mapKey(id)).end.kind === "empty") as string;
  const other = strangers.find((id) => map.prove(mapKey(id)).end.kind === "other") as string;
  const member = (id: string) => ({
    id,
    key: bytesToHex(mapKey(id)),
    proof: proofJson(map.prove(mapKey(id))),
  });
  const good = [member("subject-0"), member("subject-5"), member(empty), member(other)];
  const m0 = good[0]?.proof as ReturnType<typeof proofJson>;
  const state0 = (subjects[0] as { state: MapState }).state;
  const zero = "00".repeat(32);
  return {
    description:
      "Subject map (docs/spec.md §12.2, §12.4): a compressed sparse Merkle tree. key = H('daicho/map-key/v1', UTF-8 id); valueHash = H('daicho/map-value/v1', u64be(count) ‖ u64be(lastSeq) ‖ lastHash); leaf = H('daicho/map-leaf/v1', key ‖ valueHash); node = H('daicho/map-node/v1', left ‖ right); EMPTY = 32 zero bytes; H(tag, m) = SHA-256(UTF-8 tag ‖ 0x00 ‖ m). States here are synthetic (lastHash = SHA-256('daicho/vector/leaf/' + i)). Proof siblings are top-down. All values hex (extract files use base64).",
    subjects: subjects.map((s) => ({
      ...s,
      key: bytesToHex(mapKey(s.id)),
      valueHash: bytesToHex(mapValueHash(s.state)),
      leaf: bytesToHex(mapLeaf(mapKey(s.id), mapValueHash(s.state))),
    })),
    roots,
    root: bytesToHex(map.root()),
    proofs: good,
    invalid: [
      {
        name: "the state's count changed",
        id: "subject-0",
        proof: { ...m0, end: { state: { ...state0, count: state0.count + 1 } } },
      },
      {
        name: "a sibling dropped",
        id: "subject-0",
        proof: { ...m0, siblings: m0.siblings.slice(1) },
      },
      {
        name: "an EMPTY sibling added at the end (a leaf pushed down)",
        id: "subject-0",
        proof: { ...m0, siblings: [...m0.siblings, zero] },
      },
      { name: "subject-0's proof for another id", id: "subject-1", proof: m0 },
      {
        name: "non-membership claimed for a member (empty)",
        id: "subject-0",
        proof: { ...m0, end: "empty" },
      },
      {
        name: "non-membership ending at the key's own leaf",
        id: "subject-0",
        proof: {
          ...m0,
          end: {
            key: bytesToHex(mapKey("subject-0")),
            valueHash: bytesToHex(mapValueHash(state0)),
          },
        },
      },
    ],
    expect:
      "Each of `proofs` verifies against `root` for its id (a `state` end: membership with that state; `empty` or another key: non-membership); each of `invalid` fails (PROOF_INVALID).",
  };
}

async function multiProofVectors() {
  const n = 16;
  const hashes = Array.from({ length: n }, (_, i) => synthetic(i));
  const range = new CompactRange();
  const nodes: Node[] = [];
  for (const h of hashes) range.appendLeaf(eventLeafHash(h), (x) => nodes.push(x));
  const store = memoryTreeStore();
  await store.append(nodes, 0, n);
  const sets: [number[], number][] = [
    [[], 16],
    [[0], 1],
    [[5], 16],
    [[0, 15], 16],
    [[1, 2, 3], 16],
    [[0, 4, 8, 12], 13],
    [[2, 6, 9, 10, 14], 15],
  ];
  return {
    description:
      "Inclusion multi-proofs (docs/spec.md §12.5) over the 16 synthetic event hashes of merkle-v1.json (roots there). Leaf hash = SHA-256(0x00 ‖ event hash bytes). Hex.",
    proofs: await Promise.all(
      sets.map(async ([indices, size]) => ({
        indices,
        size,
        proof: hex(await multiProof(store, indices, size)),
      })),
    ),
  };
}

/** The ledger of the extract vectors: alice, bob and carol (shared), and others. */
async function vectorLedger() {
  const log = ed25519Signer(EXTRACT_VECTOR_ORIGIN, seed);
  const inputs = Array.from(
    { length: 24 },
    (_, n) =>
      ({
        ...(n % 5 === 0
          ? accessInput(n, "alice")
          : n % 7 === 0
            ? accessInput(n, "bob", "carol")
            : accessInput(n, `other-${n % 4}`)),
        id: `evt-${n}`,
      }) as EventInput,
  );
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: EXTRACT_VECTOR_ORIGIN,
    clock: () => new Date("2026-01-01T00:00:00.000Z"),
  });
  const map = memoryMapStore();
  await ledger.appendBatch(inputs.slice(0, 12));
  const tree = await catchUp(memoryTreeStore(), ledger.store);
  const older = (await emitCheckpoint(tree, log, EXTRACT_VECTOR_ORIGIN, { map })).note;
  await ledger.appendBatch(inputs.slice(12));
  const note = (await emitCheckpoint(tree, log, EXTRACT_VECTOR_ORIGIN, { map })).note;
  return { log, tree, map, older, note };
}

type Loose = Record<string, unknown> & {
  events: { seq: number; hash: string; body: string }[];
  subjects: (Record<string, unknown> & { id: string; events: number[]; mapProof: string[] })[];
  inclusion: string[];
};

async function extractVectors() {
  const { log, tree, map, older, note } = await vectorLedger();
  const policy = { keys: [log.verifier] };
  const make = (subjects: string[], more: object = {}) =>
    exportExtract(tree, EXTRACT_VECTOR_ORIGIN, { subjects, policy, map, ...more });
  const alice = await make(["alice", "nobody"], { checkpoint: note, older: [older] });
  const shared = await make(["bob"], { checkpoint: note, shared: "reveal" });
  const old = await make(["alice"], { checkpoint: older });
  const other = await make(["other-1"], { checkpoint: note });
  const edit = (x: SubjectExtract, f: (x: Loose) => void): string => {
    const copy = JSON.parse(JSON.stringify(x)) as Loose;
    f(copy);
    return JSON.stringify(copy);
  };
  const a = (x: Loose) => x.subjects[0] as Loose["subjects"][number];
  const negatives: { name: string; extract: string; held?: string; expectSubjects?: string[] }[] = [
    {
      name: "an event dropped",
      extract: edit(alice, (x) => {
        const seq = a(x).events.splice(1, 1)[0];
        x.events = x.events.filter((e) => e.seq !== seq);
      }),
    },
    {
      name: "an extra event about none of the subjects",
      extract: edit(alice, (x) => {
        x.events.push(other.events[0] as Loose["events"][number]);
        x.events.sort((p, q) => p.seq - q.seq);
      }),
    },
    {
      name: "an event of another subject in place of one of alice's",
      extract: edit(alice, (x) => {
        x.events[1] = {
          ...(other.events[0] as Loose["events"][number]),
          seq: x.events[1]?.seq as number,
        };
      }),
    },
    {
      name: "a forged map entry (count one less)",
      extract: edit(alice, (x) => {
        const e = a(x).entry as { count: number };
        e.count -= 1;
      }),
    },
    {
      name: "a map proof for another key",
      extract: edit(alice, (x) => {
        a(x).id = "alicf";
      }),
    },
    { name: "an older checkpoint than the one held", extract: JSON.stringify(old), held: note },
    {
      name: "a body byte edited",
      extract: edit(alice, (x) => {
        const e = x.events[0] as Loose["events"][number];
        e.body = e.body.replace("sales-follow-up", "sales-follow-uq");
      }),
    },
    { name: "an inclusion hash dropped", extract: edit(alice, (x) => void x.inclusion.pop()) },
    {
      name: "the same event twice",
      extract: edit(alice, (x) => void x.events.unshift(x.events[0] as never)),
    },
    {
      name: "an expected subject left out",
      extract: JSON.stringify(alice),
      expectSubjects: ["alice", "nobody", "dave"],
    },
  ];
  const malformed = [
    { name: "not JSON", extract: "{" },
    {
      name: "an unknown member",
      extract: edit(alice, (x) => {
        x.note = 1;
      }),
    },
    {
      name: "a member twice",
      extract: JSON.stringify(alice).replace('"format":', '"format":"x","format":'),
    },
    {
      name: "a map proof of 257 hashes",
      extract: edit(
        alice,
        (x) => void a(x).mapProof.push(...Array(257).fill(`${"A".repeat(43)}=`)),
      ),
    },
    {
      name: "a count that is a string",
      extract: edit(alice, (x) => {
        (a(x).entry as { count: unknown }).count = "5";
      }),
    },
    {
      name: "no subjects",
      extract: edit(alice, (x) => {
        x.subjects = [];
      }),
    },
  ];
  const outcome = (c: { extract: string; held?: string; expectSubjects?: string[] }) => {
    const r = verifyExtract(c.extract, {
      policy,
      ...(c.held === undefined ? {} : { held: c.held }),
      ...(c.expectSubjects === undefined ? {} : { expectSubjects: c.expectSubjects }),
    });
    if (E.isRight(r)) throw new Error("a negative extract vector verified");
    const code = r.left.code;
    return { code, exit: code === "DECODE_ERROR" ? 2 : 1 };
  };
  const reportOf = (x: SubjectExtract, held?: string) => {
    const r = verifyExtract(JSON.stringify(x), { policy, ...(held === undefined ? {} : { held }) });
    if (E.isLeft(r)) throw r.left;
    return r.right;
  };
  return {
    description:
      "Extract files (docs/spec.md §12.6) of a 24-event ledger (fixed clock and ids) signed with the log key of checkpoint-v1.json. `valid`: each verifies with `verifierKey` (and `held` when given) to `report`, exit 0. `invalid`: each fails with `code`, exit `exit` (1 evidence fails, 2 malformed).",
    verifierKey: log.verifierKey,
    checkpoint: note,
    olderCheckpoint: older,
    valid: [
      {
        name: "alice (member) and nobody (non-member), with a consistency proof from the older checkpoint",
        extract: JSON.stringify(alice),
        held: older,
        report: reportOf(alice, older),
      },
      {
        name: "bob, whose events also name carol (revealed: spec §12.7)",
        extract: JSON.stringify(shared),
        report: reportOf(shared),
      },
      {
        name: "alice as of the older checkpoint",
        extract: JSON.stringify(old),
        report: reportOf(old),
      },
    ],
    invalid: [...negatives, ...malformed].map((c) => ({ ...c, ...outcome(c) })),
  };
}

/** map-v1.json (with the multi-proofs) and extract-v1.json. */
export async function buildExtractVectors() {
  return {
    "map-v1.json": { ...mapVectors(), multiProofs: await multiProofVectors() },
    "extract-v1.json": await extractVectors(),
  };
}
