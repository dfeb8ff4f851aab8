import * as E from "fp-ts/lib/Either.js";
import { DaichoError, isDaichoError } from "../errors";
import { bytesEqual } from "../merkle/hash";
import type { LedgerTree } from "../merkle/ledger-tree";
import type { StoredCheckpoint } from "../merkle/tree-store";
import { formatCheckpoint, parseCheckpoint } from "./checkpoint";
import { formatNote, parseNote, signNote } from "./note";
import { mergeCheckpoints } from "./policy";
import type { Signer } from "./signer";

/**
 * Sign a checkpoint of the tree as it stands (after catching up with the event store),
 * store it, and return it. Refuses (CHECKPOINT_INVALID) to sign anything inconsistent
 * with the latest stored checkpoint: a smaller tree, or a tree whose root at that
 * checkpoint's size differs — tlog-checkpoint forbids a log to sign both.
 */
export async function emitCheckpoint(
  tree: LedgerTree,
  signer: Signer,
  origin: string,
): Promise<StoredCheckpoint> {
  const size = await tree.catchUp();
  const latest = await tree.store.latestCheckpoint();
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
    if (!bytesEqual(await tree.root(prev.size), prev.root)) {
      throw new DaichoError(
        "CHECKPOINT_INVALID",
        `the tree no longer has the root of the checkpoint at size ${prev.size}`,
      );
    }
    if (prev.size === size && prev.origin === origin) {
      // Nothing new: add this signer's signature to the stored checkpoint instead.
      return storeCosignatures(tree, formatNote(await signNote(note.right.text, [signer])));
    }
  }
  const text = formatCheckpoint({ origin, size, root: await tree.root(size) });
  const note = await signNote(text, [signer]);
  const stored = { size, note: formatNote(note), createdAt: new Date().toISOString() };
  await tree.store.putCheckpoint(stored);
  return stored;
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

/** When to emit checkpoints automatically. */
export interface CheckpointSchedule {
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
    running = emitCheckpoint(tree, signer, origin)
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
