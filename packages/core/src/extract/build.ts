import * as E from "fp-ts/lib/Either.js";
import { checkpointOf, consistencyEntries } from "../bundle/export";
import { eventHash, type SubjectHead } from "../chain";
import { toBase64 } from "../checkpoint/base64";
import { mapStoreFor } from "../checkpoint/emit-map";
import type { TrustPolicy } from "../checkpoint/policy";
import { decodeWith } from "../decode";
import { redactV2 } from "../envelope/v2-body";
import { V2_SUFFIX } from "../envelope/v2-hash";
import { DaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import { Id } from "../events/primitives";
import { bytesToHex } from "../hash";
import { mapRootOf } from "../map/checkpoint-line";
import { mapKey } from "../map/hash";
import type { MapProof } from "../map/proof";
import type { MapStore } from "../map/store";
import { storedMapProofs } from "../map/stored";
import { SubjectMap } from "../map/subject-map";
import { bytesEqual } from "../merkle/hash";
import type { LedgerTree } from "../merkle/ledger-tree";
import { multiProof } from "../merkle/multiproof";
import type { Store } from "../store/store";
import { verifySubjectEvent } from "../subject-events";
import {
  EXTRACT_FORMAT,
  type ExtractEvent,
  type ExtractSubject,
  MAX_EXTRACT_EVENTS,
  MAX_EXTRACT_SUBJECTS,
  type SubjectExtract,
} from "./format";
import { verifyDecodedExtract } from "./verify";

export interface ExtractOptions {
  /** The subject ids to prove complete (a person, or a client's customers); 1 … 10,000. */
  readonly subjects: readonly string[];
  /** The signed checkpoint to anchor to (default: the latest stored one). */
  readonly checkpoint?: string;
  /** Older signed checkpoints (e.g. the one the recipient holds) to prove it extends. */
  readonly older?: readonly string[];
  /** The keys the checkpoint(s) must verify under: nothing is handed out before it does. */
  readonly policy: TrustPolicy;
  /**
   * The ledger's map store (default: the tree store's durable one on SQLite and
   * PostgreSQL, else the in-memory one checkpoint emission keeps for this tree in this
   * process). When it holds the checkpoint's map version, map proofs are read
   * from it (authenticated against the signed root); otherwise the map is rebuilt in memory
   * from the hash-verified events before the checkpoint (O(events): pass the store the
   * checkpoints were emitted with where extracts are served).
   */
  readonly map?: MapStore;
  /**
   * What to do with events that also name a subject not in `subjects` (spec §12.7): a v1
   * extract can show such an event only in full, with the other person's id (a version 2
   * ledger's extracts redact the others instead, spec §13.6, and need no option). Default
   * `"refuse"` (INVALID_ARGUMENT with `details.sharedEvents`); `"reveal"` writes them.
   */
  readonly shared?: "refuse" | "reveal";
}

/**
 * Build an extract (docs/spec.md §12.6) for `options.subjects` anchored to a signed
 * checkpoint, and verify it exactly as a recipient would (`verifyDecodedExtract` with
 * `options.policy`, expecting every requested subject) before returning it, so an edited
 * event, tree node, map record or checkpoint is refused here (STORE_CORRUPT, PROOF_INVALID,
 * SIGNATURE_INVALID… naming what failed) instead of being handed out. Rejects with
 * INVALID_ARGUMENT for bad ids or a checkpoint of another ledger, with CHECKPOINT_INVALID
 * when the checkpoint signs no subject map (emit a new one), and — unless `shared` is
 * `"reveal"` — with INVALID_ARGUMENT when an event also names another subject.
 */
export async function exportExtract(
  tree: LedgerTree,
  ledgerId: string,
  options: ExtractOptions,
): Promise<SubjectExtract> {
  const extract = await buildExtract(tree, ledgerId, options);
  const check = verifyDecodedExtract(extract, {
    policy: options.policy,
    expectSubjects: options.subjects,
  });
  if (E.isLeft(check)) {
    throw new DaichoError(
      check.left.code,
      `refusing to hand out an extract that does not verify (${check.left.reason}); run \`daicho verify\`: a stored checkpoint, tree node, map record or event may have been edited`,
      check.left.path === undefined ? {} : { path: check.left.path },
    );
  }
  return extract;
}

/**
 * The extract as the stores give it, unchecked: for tests and vectors that must build what
 * a dishonest operator would hand out. Not exported from the package.
 */
export async function buildExtract(
  tree: LedgerTree,
  ledgerId: string,
  options: ExtractOptions,
): Promise<SubjectExtract> {
  const ids = subjectIds(options.subjects);
  await tree.catchUp();
  const note = options.checkpoint ?? (await tree.store.latestCheckpoint())?.note;
  if (note === undefined)
    throw new DaichoError(
      "NOT_FOUND",
      "no checkpoint is stored: emit one first (daicho checkpoint)",
    );
  const cp = checkpointOf(note);
  if (cp.origin !== ledgerId)
    throw new DaichoError("INVALID_ARGUMENT", "the checkpoint is from another ledger", {
      path: "checkpoint",
    });
  if (cp.size > tree.size)
    throw new DaichoError("INVALID_ARGUMENT", "the checkpoint is larger than the ledger's tree", {
      path: "checkpoint",
    });
  const line = mapRootOf(cp);
  if (E.isLeft(line)) throw line.left;
  if (line.right === undefined)
    throw new DaichoError(
      "CHECKPOINT_INVALID",
      "the checkpoint signs no subject map (it predates spec §12): emit a new checkpoint and extract against it",
      { path: "checkpoint" },
    );
  // Without a store, the tree store's own, else the one emission keeps for this tree.
  const store = mapStoreFor(tree, options.map === undefined ? {} : { map: options.map });
  const proofs = await mapProofs(tree.events, store, cp.size, line.right, ids);
  const events = new Map<number, ExtractEvent>();
  const subjects: ExtractSubject[] = [];
  const wanted = new Set<string>(ids);
  let shared = 0;
  for (const [i, id] of ids.entries()) {
    const proof = proofs[i] as MapProof;
    const mapProof = proof.siblings.map(toBase64);
    if (proof.end.kind !== "member") {
      const end =
        proof.end.kind === "empty"
          ? ("empty" as const)
          : { key: bytesToHex(proof.end.key), valueHash: bytesToHex(proof.end.valueHash) };
      subjects.push({ id, events: [], mapProof, end });
      continue;
    }
    const state = proof.end.state;
    const mine = await subjectEventsBefore(tree.events, id, cp.size);
    const last = mine[mine.length - 1];
    if (mine.length !== state.count || last?.seq !== state.lastSeq || last.hash !== state.lastHash)
      throw new DaichoError(
        "STORE_CORRUPT",
        "the subject index does not give the events the signed subject map counts: run `daicho verify`",
        { details: { seq: last?.seq ?? null } },
      );
    for (const { stored, others } of mine) {
      if (!events.has(stored.seq)) {
        // Version 2 (spec §13.6): other subjects' parts are redacted to their hashes.
        const v2 = stored.body.endsWith(V2_SUFFIX);
        if (!v2 && others.some((o) => !wanted.has(o))) shared++;
        const body = v2 ? redactV2(stored.body, wanted) : stored.body;
        events.set(stored.seq, { seq: stored.seq, hash: stored.hash, body });
      }
    }
    if (events.size > MAX_EXTRACT_EVENTS)
      throw new DaichoError(
        "INVALID_ARGUMENT",
        `an extract holds at most ${MAX_EXTRACT_EVENTS} events: split the subjects`,
      );
    subjects.push({ id, events: mine.map((m) => m.seq), mapProof, entry: state });
  }
  if (shared > 0 && options.shared !== "reveal")
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `${shared} of the events also name another subject, whose id an extract would reveal (spec §12.7): pass shared: "reveal" (--reveal-shared) only when the recipient may see them`,
      { path: "shared", details: { sharedEvents: shared } },
    );
  const sorted = [...events.values()].sort((a, b) => a.seq - b.seq);
  const inclusion = await multiProof(
    tree.store,
    sorted.map((e) => e.seq),
    cp.size,
  );
  const consistency = await consistencyEntries(tree, options.older ?? [], cp.size, "extract");
  return {
    format: EXTRACT_FORMAT,
    ledgerId,
    checkpoint: note,
    subjects,
    events: sorted,
    inclusion: inclusion.map(toBase64),
    ...(consistency.length === 0 ? {} : { consistency }),
  };
}

/** Valid, distinct ids sorted by UTF-16 code units (spec §12.6). */
function subjectIds(subjects: readonly string[]): Id[] {
  if (!Array.isArray(subjects) || subjects.length === 0 || subjects.length > MAX_EXTRACT_SUBJECTS)
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `an extract is about 1 to ${MAX_EXTRACT_SUBJECTS} subjects`,
      { path: "subjects" },
    );
  const ids = subjects.map((s, i) => {
    const ok = decodeWith(Id, s, `subjects[${i}]`);
    if (E.isLeft(ok)) throw ok.left;
    return ok.right;
  });
  return [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

interface Mine {
  readonly seq: number;
  readonly hash: string;
  readonly stored: StoredEvent;
  /** The other subject ids the event names. */
  readonly others: readonly string[];
}

/** The subject's events before `size`, each verified (hash, subject, back-link) from the index. */
async function subjectEventsBefore(store: Store, id: string, size: number): Promise<Mine[]> {
  const out: Mine[] = [];
  let previous: SubjectHead | undefined;
  for await (const stored of store.readSubject(id)) {
    if (stored.seq >= size) break;
    const event = verifySubjectEvent(stored, id, previous);
    previous = { seq: event.seq, hash: event.hash };
    const others = (event.subjects ?? []).map((l) => l.id).filter((o) => o !== id);
    out.push({ seq: stored.seq, hash: stored.hash, stored, others });
  }
  return out;
}

/**
 * The map proofs for `ids` at `size` against the signed `root`: from the map store when it
 * holds that version (every record authenticated), else from the map rebuilt from the
 * hash-verified events [0, size), which must give the signed root.
 */
async function mapProofs(
  events: Store,
  map: MapStore | undefined,
  size: number,
  root: Uint8Array,
  ids: readonly string[],
): Promise<MapProof[]> {
  if (map !== undefined && (await map.hasVersion(size)))
    return storedMapProofs(map, { version: size, root }, ids);
  const rebuilt = await mapFromEvents(events, size);
  if (!bytesEqual(rebuilt.root(), root))
    throw new DaichoError(
      "STORE_CORRUPT",
      `the checkpoint of size ${size} signs a subject-map root the events do not give: run \`daicho verify\``,
    );
  return ids.map((id) => rebuilt.prove(mapKey(id)));
}

/** The subject map of events [0, size), each checked against its hash (spec §12.2). */
export async function mapFromEvents(events: Store, size: number): Promise<SubjectMap> {
  const map = new SubjectMap();
  let expect = 0;
  for await (const e of events.read({ from: 0, to: size })) {
    if (e.seq !== expect || eventHash(e.body) !== e.hash)
      throw new DaichoError(
        "STORE_CORRUPT",
        `event ${e.seq} does not hash to its stored hash, or is out of place: run \`daicho verify\``,
      );
    expect++;
    const body = JSON.parse(e.body) as { subjects?: unknown };
    if (!Array.isArray(body.subjects)) continue;
    for (const s of body.subjects as { id?: unknown }[]) {
      if (typeof s?.id !== "string") continue;
      const key = mapKey(s.id);
      map.set(key, { count: (map.get(key)?.count ?? 0) + 1, lastSeq: e.seq, lastHash: e.hash });
    }
  }
  if (expect !== size)
    throw new DaichoError("STORE_CORRUPT", `the event store holds fewer than ${size} events`);
  return map;
}
