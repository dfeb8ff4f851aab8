import { createHash } from "node:crypto";
import { DaichoError, type StoredEvent } from "@daicho/core";
import {
  checkSignatures,
  type NoteVerifier,
  parseCheckpoint,
  parseNote,
  parseVerifierKeys,
  toBase64,
  verifyCheckpoint,
} from "@daicho/core/checkpoint";
import {
  bytesEqual,
  CompactRange,
  EMPTY_ROOT,
  eventLeafHash,
  type Node,
  type StoredCheckpoint,
} from "@daicho/core/merkle";
import * as E from "fp-ts/lib/Either.js";
import type { BackupHeader } from "./backup-file";

/** What the operator trusts when restoring: keys, and/or a checkpoint held from elsewhere. */
export interface RestoreTrust {
  /**
   * Verifier keys in the C2SP vkey text form (`<name>+<key id>+<base64 key>`), one per
   * line (blank lines and `#` comments ignored), or already parsed. With keys, the
   * restore checks the signature of the checkpoint it trusts (the held one, else the
   * backup's latest) and every signature by a known key on the backup's checkpoints.
   */
  readonly verifierKeys?: string | readonly NoteVerifier[];
  /** How many distinct keys of `verifierKeys` must have signed the trusted checkpoint (default 1). */
  readonly threshold?: number;
  /**
   * A signed checkpoint (C2SP tlog-checkpoint in a signed note) the operator holds: the
   * copy must have exactly its root at its size. Without `verifierKeys` it is trusted
   * because the operator holds it, and its signatures are not checked.
   */
  readonly checkpoint?: string;
}

/** One root the restored events must reproduce. */
interface RootCheck {
  readonly size: number;
  readonly root: Uint8Array;
  readonly what: string;
}

/** The checks a restore must pass beyond the hash chain, worked out before reading events. */
export interface TrustPlan {
  /** The checkpoint the copy is verified against, if any. */
  readonly anchor: { readonly size: number; readonly root: string; readonly source: string } | null;
  /** Every tree size whose root is needed. */
  readonly sizes: ReadonlySet<number>;
  readonly checks: readonly RootCheck[];
}

function refused(reason: string, cause?: DaichoError): DaichoError {
  return new DaichoError("BACKUP_INVALID", reason, {
    ...(cause === undefined ? {} : { cause, details: { cause: cause.code } }),
  });
}

function keysOf(trust: RestoreTrust): readonly NoteVerifier[] | undefined {
  const given = trust.verifierKeys;
  if (given === undefined) return undefined;
  const keys = typeof given === "string" ? parseVerifierKeys(given) : E.right(given);
  if (E.isLeft(keys))
    throw new DaichoError("INVALID_ARGUMENT", keys.left.reason, { path: "verifierKeys" });
  if (keys.right.length === 0)
    throw new DaichoError("INVALID_ARGUMENT", "no verifier keys given", { path: "verifierKeys" });
  return keys.right;
}

/** Parse a checkpoint note of this ledger without judging its signatures. */
function readCheckpoint(text: string, ledgerId: string, what: string) {
  const note = parseNote(text);
  if (E.isLeft(note)) throw refused(`${what} is malformed`, note.left);
  const body = parseCheckpoint(note.right.text);
  if (E.isLeft(body)) throw refused(`${what} is malformed`, body.left);
  if (body.right.origin !== ledgerId) throw refused(`${what} is from another ledger`);
  return { note: note.right, checkpoint: body.right };
}

/**
 * Decide what the copy must prove. The trusted checkpoint (the anchor) is the one the
 * operator holds, or — when only keys are given — the backup's latest checkpoint, which
 * must then exist and satisfy "`threshold` of these keys". Every checkpoint stored in the
 * backup must be of this ledger, record its own size, and carry no bad signature by a
 * known key; all of their roots are checked too, so no forged checkpoint is restored.
 * Throws BACKUP_INVALID (INVALID_ARGUMENT for unusable keys) before anything is read.
 */
export function planTrust(
  header: BackupHeader,
  stored: readonly StoredCheckpoint[],
  trust: RestoreTrust,
): TrustPlan {
  const keys = keysOf(trust);
  const policy = (k: readonly NoteVerifier[]) => ({
    keys: k,
    threshold: trust.threshold ?? 1,
    origin: header.ledgerId,
  });
  const checks: RootCheck[] = [];
  for (const c of stored) {
    const what = `the backup's checkpoint of size ${c.size}`;
    const { note, checkpoint } = readCheckpoint(c.note, header.ledgerId, what);
    if (checkpoint.size !== c.size) throw refused(`${what} records size ${checkpoint.size}`);
    if (keys !== undefined) {
      const signed = checkSignatures(note, keys);
      if (E.isLeft(signed)) throw refused(`${what} carries a bad signature`, signed.left);
    }
    checks.push({ size: c.size, root: checkpoint.root, what });
  }
  let anchor: RootCheck | undefined;
  if (trust.checkpoint !== undefined) {
    const what = "the checkpoint you hold";
    if (keys === undefined) {
      anchor = { ...readCheckpoint(trust.checkpoint, header.ledgerId, what).checkpoint, what };
    } else {
      const v = verifyCheckpoint(trust.checkpoint, policy(keys));
      if (E.isLeft(v)) throw refused(`${what} does not verify: ${v.left.reason}`, v.left);
      anchor = { size: v.right.checkpoint.size, root: v.right.checkpoint.root, what };
    }
  } else if (keys !== undefined) {
    const latest = stored[stored.length - 1];
    if (latest === undefined)
      throw refused("the backup holds no signed checkpoint to verify it against");
    const what = `the backup's latest checkpoint (size ${latest.size})`;
    const v = verifyCheckpoint(latest.note, policy(keys));
    if (E.isLeft(v)) throw refused(`${what} does not verify: ${v.left.reason}`, v.left);
    anchor = { size: v.right.checkpoint.size, root: v.right.checkpoint.root, what };
  }
  if (anchor !== undefined) checks.push(anchor);
  for (const c of checks) {
    if (c.size > header.count)
      throw refused(`${c.what} covers ${c.size} events; the copy holds ${header.count}`);
  }
  return {
    anchor:
      anchor === undefined
        ? null
        : { size: anchor.size, root: toBase64(anchor.root), source: anchor.what },
    sizes: new Set(checks.map((c) => c.size)),
    checks,
  };
}

/**
 * The Merkle tree recomputed from a stream of events (leaf i = event i's hash, docs/spec.md),
 * independent of any stored node: roots at the sizes a plan needs, and a digest of the
 * nodes of the first `treeSize` leaves in post-order, to compare with a stored tree.
 */
export class TreeRecompute {
  private readonly range = new CompactRange();
  private readonly roots = new Map<number, Uint8Array>([[0, EMPTY_ROOT]]);
  private readonly computed = createHash("sha256");
  private readonly given = createHash("sha256");
  private digests: { computed: string; given: string } | undefined;

  constructor(
    private readonly sizes: ReadonlySet<number>,
    private readonly treeSize: number,
    private readonly onNode?: (node: Node) => void,
  ) {}

  /** Add the next event (already chain-verified) as the next leaf. */
  leaf(e: Pick<StoredEvent, "seq" | "hash">): void {
    if (e.seq !== this.range.size)
      throw refused(`event ${e.seq} is out of place (expected ${this.range.size})`);
    const inTree = this.range.size < this.treeSize;
    this.range.appendLeaf(eventLeafHash(e.hash), (n) => {
      if (!inTree) return;
      this.computed.update(n.hash);
      this.onNode?.(n);
    });
    if (this.sizes.has(this.range.size)) this.roots.set(this.range.size, this.range.root());
  }

  /** A node as the backup stores it (in post-order); compared through `nodesMatch`. */
  storedNode(n: Node): void {
    this.given.update(n.hash);
  }

  /** True when the stored nodes fed in are exactly the recomputed ones (at the end). */
  nodesMatch(): boolean {
    const d = this.finish();
    return d.computed === d.given;
  }

  /** Digest of the recomputed nodes (at the end). */
  nodeDigest(): string {
    return this.finish().computed;
  }

  private finish(): { computed: string; given: string } {
    this.digests ??= { computed: this.computed.digest("hex"), given: this.given.digest("hex") };
    return this.digests;
  }

  /** Refuse unless every root the plan needs was reproduced. */
  accept(plan: TrustPlan, what: string): void {
    for (const c of plan.checks) {
      const root = this.roots.get(c.size);
      if (root === undefined || !bytesEqual(root, c.root)) {
        throw refused(`${what}: the events do not produce the root of ${c.what} at size ${c.size}`);
      }
    }
  }
}
