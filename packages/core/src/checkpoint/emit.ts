import * as E from "fp-ts/lib/Either.js";
import { DaichoError, isDaichoError } from "../errors";
import { genesisHash } from "../hash";
import { mapLine } from "../map/checkpoint-line";
import { bytesEqual, eventLeafHash } from "../merkle/hash";
import { type LedgerTree, VerifiedTail } from "../merkle/ledger-tree";
import { CompactRange, decompose } from "../merkle/range";
import type { StoredCheckpoint } from "../merkle/tree-store";
import { verifyInclusion } from "../merkle/verify";
import { type Checkpoint, formatCheckpoint, parseCheckpoint } from "./checkpoint";
import { emitMap, type MapBase, type MapOptions, mapBaseOf, SubjectDeltas } from "./emit-map";
import { formatNote, parseNote, type SignedNote, signNote } from "./note";
import { mergeCheckpoints, verifyCheckpoint } from "./policy";
import type { LocalSigner, Signer } from "./signer";

/**
 * Sign a checkpoint of the tree as it stands (after catching up with the event store),
 * store it, and return it. The root it signs is recomputed here from verified bytes, not
 * read from stored tree nodes: the latest stored checkpoint is authenticated first (its
 * signature by this log's key when the signer exposes its verifier, as the key-file and
 * in-process signers do; otherwise its root is recomputed from every event), the stored
 * border of that tree must fold to its root, and the events since are hashed, checked
 * against their stored hashes and chained onto it. Refuses (CHECKPOINT_INVALID) to sign
 * anything inconsistent with the latest stored checkpoint — a smaller tree, a tree whose
 * root at that size differs, a stored checkpoint whose signature fails — since
 * tlog-checkpoint forbids a log to sign both, and refuses when the stored tree nodes
 * differ from the events (they would serve proofs that fail). Cost: the events since the
 * previous checkpoint.
 */
export async function emitCheckpoint(
  tree: LedgerTree,
  signer: Signer,
  origin: string,
  options: MapOptions = {},
): Promise<StoredCheckpoint> {
  const size = await tree.catchUp();
  const latest = await tree.store.latestCheckpoint();
  let base: Base | undefined;
  let mapBase: MapBase | undefined;
  if (latest !== undefined) {
    const note = parseNote(latest.note);
    if (E.isLeft(note)) throw note.left;
    const previous = parseCheckpoint(note.right.text);
    if (E.isLeft(previous)) throw previous.left;
    const prev = previous.right;
    if (prev.size > size) {
      throw new DaichoError(
        "CHECKPOINT_INVALID",
        `the tree (${size}) is smaller than the last checkpoint (${prev.size})`,
        {
          details: { treeSize: size, checkpointSize: prev.size },
        },
      );
    }
    base = await authenticatedBase(tree, signer, latest.note, note.right, prev);
    if (prev.size === size && prev.origin === origin) {
      // Nothing new: add this signer's signature to the stored checkpoint instead.
      return storeCosignatures(tree, formatNote(await signNote(note.right.text, [signer])));
    }
    mapBase = await mapBaseOf(tree, options, prev);
  }
  // The subject map continues from the previous checkpoint's signed map when the store
  // holds that version; otherwise (an older checkpoint, a new process on an in-memory map
  // store) it is rebuilt from every verified event.
  const deltas = new SubjectDeltas();
  const from = base ?? (await genesisBase(tree));
  const fromGenesis = base === undefined;
  const collect = mapBase !== undefined || fromGenesis;
  const extended = await extendVerified(tree, from, size, collect ? deltas : undefined);
  const root = extended.range.root();
  if (!bytesEqual(root, await tree.root(size))) {
    throw new DaichoError(
      "CHECKPOINT_INVALID",
      "the stored tree nodes differ from the events: refusing to sign; run `daicho verify` with the tree and rebuild it",
    );
  }
  if (!collect) await extendVerified(tree, await genesisBase(tree), size, deltas);
  const mapRoot = await emitMap(tree, options, mapBase, deltas, size);
  const text = formatCheckpoint({ origin, size, root, extensions: [mapLine(mapRoot)] });
  const note = await signNote(text, [signer]);
  const stored = { size, note: formatNote(note), createdAt: new Date().toISOString() };
  await tree.store.putCheckpoint(stored);
  return stored;
}

/**
 * The compact range of the tree at the latest stored checkpoint and the hash of its last
 * event, authenticated: by the checkpoint's signature under this log's key (the stored
 * border must fold to the signed root, and the last event's hash is checked with an
 * inclusion proof against it), or, when that signature cannot be checked (a signer that
 * does not expose its verifier, a rotated key), rebuilt from every verified event.
 */
async function authenticatedBase(
  tree: LedgerTree,
  signer: Signer,
  noteText: string,
  note: SignedNote,
  prev: Checkpoint,
): Promise<Base> {
  const verifier = (signer as Partial<LocalSigner>).verifier;
  const signedByUs =
    verifier !== undefined &&
    note.signatures.some((s) => s.name === verifier.name && bytesEqual(s.keyId, verifier.keyId));
  const mismatch = () =>
    new DaichoError(
      "CHECKPOINT_INVALID",
      `the tree no longer has the root of the checkpoint at size ${prev.size}`,
    );
  if (!signedByUs) {
    const base = await extendVerified(tree, await genesisBase(tree), prev.size);
    if (!bytesEqual(base.range.root(), prev.root)) throw mismatch();
    return base;
  }
  if (E.isLeft(verifyCheckpoint(noteText, { keys: [verifier], origin: prev.origin }))) {
    throw new DaichoError(
      "CHECKPOINT_INVALID",
      `the latest stored checkpoint (size ${prev.size}) does not carry a valid signature of this log's key: it was edited in storage; run \`daicho verify\` with the tree`,
    );
  }
  if (prev.size === 0) return genesisBase(tree);
  const range = new CompactRange(prev.size, await tree.store.readNodes(decompose(0, prev.size)));
  if (!bytesEqual(range.root(), prev.root)) throw mismatch();
  const last = await tree.events.get(prev.size - 1);
  const path = await tree.inclusionProof(prev.size - 1, prev.size);
  if (
    last === undefined ||
    E.isLeft(verifyInclusion(prev.size - 1, prev.size, eventLeafHash(last.hash), path, prev.root))
  ) {
    throw mismatch();
  }
  return { range, last: last.hash };
}

/** A tree under construction from verified events, and the hash its next event links to. */
interface Base {
  readonly range: CompactRange;
  readonly last: string;
}

async function genesisBase(tree: LedgerTree): Promise<Base> {
  const meta = await tree.events.meta();
  if (meta === null) throw new DaichoError("NOT_FOUND", "the event store holds no ledger");
  return { range: new CompactRange(), last: genesisHash(meta.ledgerId) };
}

/**
 * Extend `base` to `size` leaves over events that verify and chain onto it (STORE_CORRUPT
 * otherwise); `deltas`, when given, collects what those events did to each subject.
 */
async function extendVerified(
  tree: LedgerTree,
  base: Base,
  size: number,
  deltas?: SubjectDeltas,
): Promise<Base> {
  const { range } = base;
  const tail = new VerifiedTail({ seq: range.size - 1, hash: base.last });
  for await (const e of tree.events.read({ from: range.size, to: size })) {
    const body = tail.check(e);
    deltas?.addBody(body.subjects, e.seq, e.hash);
    range.appendLeaf(eventLeafHash(e.hash));
  }
  if (range.size !== size) {
    throw new DaichoError(
      "STORE_CORRUPT",
      `events before ${size} are missing from the event store`,
    );
  }
  return { range, last: tail.last };
}

/**
 * Store extra signature lines (co-signatures) on a checkpoint already kept: the note
 * must be over exactly the stored checkpoint text; its signatures are merged in. Does not
 * judge who signed; verifiers apply their own policy.
 */
export async function storeCosignatures(
  tree: LedgerTree,
  noteText: string,
): Promise<StoredCheckpoint> {
  const note = parseNote(noteText);
  if (E.isLeft(note)) throw note.left;
  const body = parseCheckpoint(note.right.text);
  if (E.isLeft(body)) throw body.left;
  const existing = await tree.store.getCheckpoint(body.right.size);
  if (existing === undefined) {
    throw new DaichoError("NOT_FOUND", `no checkpoint of size ${body.right.size} is stored`, {
      path: "size",
    });
  }
  const merged = { ...existing, note: mergeCheckpoints(existing.note, noteText) };
  await tree.store.putCheckpoint(merged);
  return merged;
}

/** When to emit checkpoints automatically (and where their subject map is kept). */
export interface CheckpointSchedule extends MapOptions {
  /** Emit once the tree has grown by this many events since the last checkpoint. */
  readonly everyEvents?: number;
  /** Emit every this many milliseconds when the tree has grown. */
  readonly everyMs?: number;
  readonly onCheckpoint?: (checkpoint: StoredCheckpoint) => void;
  /** Where signing or storage errors go (default: console.error with the code). */
  readonly onError?: (e: unknown) => void;
}

/**
 * Emit checkpoints on a policy: every N events and/or every T milliseconds, only when
 * the tree grew. Runs off the append path (after the tree update, one signing at a
 * time); the timer does not keep the process alive. Returns `stop()`.
 */
export function scheduleCheckpoints(
  tree: LedgerTree,
  signer: Signer,
  origin: string,
  schedule: CheckpointSchedule,
): { stop(): void; idle(): Promise<void> } {
  const onError =
    schedule.onError ??
    ((e: unknown) => console.error("daicho: checkpoint failed:", isDaichoError(e) ? e.code : e));
  let lastSize = -1;
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const emit = () => {
    if (busy || tree.size === lastSize) return;
    busy = true;
    running = emitCheckpoint(tree, signer, origin, schedule)
      .then((c) => {
        lastSize = c.size;
        schedule.onCheckpoint?.(c);
      })
      .catch(onError)
      .finally(() => {
        busy = false;
      });
  };
  void tree.store.latestCheckpoint().then((c) => {
    if (c !== undefined && lastSize < 0) lastSize = c.size;
  }, onError);
  const every = schedule.everyEvents;
  const unsubscribe =
    every === undefined
      ? () => undefined
      : tree.onGrow((size) => (size - Math.max(lastSize, 0) >= every ? emit() : undefined));
  const timer = schedule.everyMs === undefined ? undefined : setInterval(emit, schedule.everyMs);
  timer?.unref?.();
  return {
    stop: () => {
      unsubscribe();
      if (timer !== undefined) clearInterval(timer);
    },
    idle: () => running,
  };
}
