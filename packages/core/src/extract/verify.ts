import * as E from "fp-ts/lib/Either.js";
import { checkExtends } from "../bundle/extends";
import { eventHash } from "../chain";
import { fromBase64, toBase64 } from "../checkpoint/base64";
import type { Checkpoint } from "../checkpoint/checkpoint";
import { type TrustPolicy, verifyCheckpoint } from "../checkpoint/policy";
import { DaichoError } from "../errors";
import { hexToBytes } from "../hash";
import { mapRootOf } from "../map/checkpoint-line";
import { mapKey } from "../map/hash";
import { type MapProof, verifyMapProof } from "../map/proof";
import { eventLeafHash } from "../merkle/hash";
import { verifyMultiProof } from "../merkle/multiproof";
import { throwing } from "../plain";
import { type ExtractSubject, parseExtract, type SubjectExtract } from "./format";

/** What a verified extract established (spec §12.6). */
export interface ExtractReport {
  readonly ledgerId: string;
  readonly checkpoint: {
    readonly size: number;
    readonly root: string;
    readonly mapRoot: string;
    readonly verifiedBy: readonly string[];
  };
  /** Per subject: whether the ledger held anything about it, and exactly which events. */
  readonly subjects: readonly {
    readonly id: string;
    readonly member: boolean;
    readonly count: number;
    readonly events: readonly number[];
  }[];
  /** Events in the extract (each once, however many of its subjects it is about). */
  readonly events: number;
  /** Older checkpoints the extract proved its checkpoint extends. */
  readonly extends: readonly { readonly size: number; readonly verifiedBy: readonly string[] }[];
  /** Set when the verifier held a checkpoint and the extract proved it is extended. */
  readonly held?: { readonly size: number };
}

export interface ExtractVerifyOptions {
  /** The keys and threshold the extract's checkpoint (and every older one in it) must satisfy. */
  readonly policy: TrustPolicy;
  /**
   * A signed checkpoint the verifier holds: the extract must be anchored to it or prove
   * that its checkpoint extends it, so an extract of an older state is refused.
   */
  readonly held?: string;
  /**
   * Subject ids the extract must cover (a client's customers): each must have an entry,
   * as a member or a non-member, so none can be left out.
   */
  readonly expectSubjects?: readonly string[];
}

const invalid = (reason: string, path: string) =>
  E.left(new DaichoError("PROOF_INVALID", reason, { path }));

/**
 * Verify an extract file offline with public keys only (spec §12.6): parse it strictly
 * (DECODE_ERROR), check its checkpoint against the policy (CHECKPOINT_INVALID,
 * SIGNATURE_INVALID), then every event's hash and position, the inclusion multi-proof,
 * each subject's map proof against the checkpoint's map root, the walk of each member's
 * back-links from its signed latest event through exactly `count` events, that nothing
 * else is in the file, the consistency entries, the held checkpoint and the expected
 * subjects (PROOF_INVALID naming the part). Never throws.
 */
export function verifyExtract(
  input: string | Uint8Array,
  options: ExtractVerifyOptions,
): E.Either<DaichoError, ExtractReport> {
  const parsed = parseExtract(input);
  if (E.isLeft(parsed)) return parsed;
  return verifyDecodedExtract(parsed.right, options);
}

/** `verifyExtract` for an extract already decoded with `parseExtract` or `decodeExtract`. */
export function verifyDecodedExtract(
  x: SubjectExtract,
  options: ExtractVerifyOptions,
): E.Either<DaichoError, ExtractReport> {
  const policy = { ...options.policy, origin: x.ledgerId };
  const main = verifyCheckpoint(x.checkpoint, policy);
  if (E.isLeft(main)) return main;
  const cp = main.right.checkpoint;
  const contents = checkContents(x, cp);
  if (E.isLeft(contents)) return contents;
  const ext = checkExtends(x.consistency ?? [], policy, cp, options.held, "extract");
  if (E.isLeft(ext)) return ext;
  const covered = new Set<string>(x.subjects.map((s) => s.id));
  const missing = (options.expectSubjects ?? []).findIndex((s) => !covered.has(s));
  if (missing >= 0)
    return invalid(
      "the extract leaves out a subject you expect it to cover",
      `expectSubjects[${missing}]`,
    );
  const { mapRoot, subjects } = contents.right;
  return E.right({
    ledgerId: x.ledgerId,
    checkpoint: {
      size: cp.size,
      root: toBase64(cp.root),
      mapRoot: toBase64(mapRoot),
      verifiedBy: main.right.verifiedBy,
    },
    subjects,
    events: x.events.length,
    extends: ext.right.extended.map(({ size, verifiedBy }) => ({ size, verifiedBy })),
    ...(ext.right.held === undefined ? {} : { held: ext.right.held }),
  });
}

interface Link {
  readonly id?: unknown;
  readonly prevSeq?: unknown;
  readonly prevHash?: unknown;
}
interface Checked {
  readonly hash: string;
  readonly links: readonly Link[];
}

/**
 * Steps 3–6 of spec §12.6 against a checkpoint already trusted (its signature checked by
 * the caller): events, multi-proof, map proofs, walks, nothing else. Also used by the
 * extract builder to check what it is about to hand out.
 */
export function checkContents(
  x: SubjectExtract,
  cp: Checkpoint,
): E.Either<DaichoError, { mapRoot: Uint8Array; subjects: ExtractReport["subjects"] }> {
  const line = mapRootOf(cp);
  if (E.isLeft(line)) return line;
  const mapRoot = line.right;
  if (mapRoot === undefined)
    return invalid("the checkpoint carries no subject map (signed before spec §12)", "checkpoint");
  const bySeq = new Map<number, Checked>();
  const about = new Set<unknown>(x.subjects.map((s) => s.id));
  let version: unknown;
  for (let i = 0; i < x.events.length; i++) {
    const e = x.events[i] as SubjectExtract["events"][number];
    const path = `events[${i}]`;
    if (i > 0 && e.seq <= (x.events[i - 1] as { seq: number }).seq)
      return invalid("events must be in strictly ascending seq order, each once", path);
    if (e.seq >= cp.size)
      return invalid(`event ${e.seq} is beyond the checkpoint's size ${cp.size}`, path);
    if (eventHash(e.body) !== e.hash)
      return invalid(`event ${e.seq}: its bytes do not hash to its hash`, path);
    let body: { v?: unknown; seq?: unknown; subjects?: unknown };
    try {
      body = JSON.parse(e.body) as typeof body;
    } catch {
      return invalid(`event ${e.seq}: its body is not JSON`, path);
    }
    if (typeof body !== "object" || body === null || body.seq !== e.seq)
      return invalid(`event ${e.seq}: its body is not an event at this seq`, path);
    version ??= body.v;
    if ((body.v !== 1 && body.v !== 2) || body.v !== version)
      return invalid(
        `event ${e.seq}: envelope version ${String(body.v)}; an extract's events are all version 1 or all version 2`,
        path,
      );
    const links = Array.isArray(body.subjects)
      ? body.subjects.filter((l): l is Link => typeof l === "object" && l !== null)
      : [];
    // Version 2 (spec §13.6): only the extract's own subjects are shown; others are redacted.
    if (body.v === 2 && links.some((l) => !about.has(l.id)))
      return invalid(`event ${e.seq}: it shows a subject the extract is not about`, path);
    bySeq.set(e.seq, { hash: e.hash, links });
  }
  const inTree = verifyMultiProof(
    x.events.map((e) => e.seq),
    x.events.map((e) => eventLeafHash(e.hash)),
    cp.size,
    x.inclusion.map((h) => fromBase64(h) as Uint8Array),
    cp.root,
  );
  if (E.isLeft(inTree)) return inTree;
  const visited = new Set<number>();
  const subjects: ExtractReport["subjects"][number][] = [];
  for (let i = 0; i < x.subjects.length; i++) {
    const s = x.subjects[i] as ExtractSubject;
    const path = `subjects[${i}]`;
    if (i > 0 && !((x.subjects[i - 1] as ExtractSubject).id < s.id))
      return invalid("subjects must be sorted by id, each once", path);
    const proof = mapProofOf(s);
    const checked = verifyMapProof(mapRoot, mapKey(s.id), proof);
    if (E.isLeft(checked))
      return E.left(
        new DaichoError("PROOF_INVALID", checked.left.reason, { path: `${path}.mapProof` }),
      );
    const walk = "entry" in s ? walkBack(s, bySeq, path) : E.right([] as number[]);
    if (E.isLeft(walk)) return walk;
    const seqs = walk.right;
    if (seqs.length !== s.events.length || seqs.some((q, j) => q !== s.events[j]))
      return invalid(
        "the subject's event list is not the events its back-links reach",
        `${path}.events`,
      );
    for (const q of seqs) visited.add(q);
    subjects.push({ id: s.id, member: "entry" in s, count: seqs.length, events: seqs });
  }
  const extra = x.events.findIndex((e) => !visited.has(e.seq));
  if (extra >= 0)
    return invalid(
      "the extract holds an event that is about none of its subjects' walks",
      `events[${extra}]`,
    );
  return E.right({ mapRoot, subjects });
}

function mapProofOf(s: ExtractSubject): MapProof {
  const siblings = s.mapProof.map((h) => fromBase64(h) as Uint8Array);
  if ("entry" in s) return { siblings, end: { kind: "member", state: s.entry } };
  if (s.end === "empty") return { siblings, end: { kind: "empty" } };
  return {
    siblings,
    end: { kind: "other", key: hexToBytes(s.end.key), valueHash: hexToBytes(s.end.valueHash) },
  };
}

/**
 * Walk a member's back-links from its signed latest event: exactly `count` events, each in
 * the extract with the hash the previous step names, each about the subject, the last one
 * without a back-link. Returns the visited seqs, ascending.
 */
function walkBack(
  s: Extract<ExtractSubject, { entry: unknown }>,
  bySeq: ReadonlyMap<number, Checked>,
  path: string,
): E.Either<DaichoError, number[]> {
  const { count, lastSeq, lastHash } = s.entry;
  // A hostile count is bounded by what the file holds before any walking.
  if (count > bySeq.size)
    return invalid(`the map says ${count} events; the extract holds fewer`, `${path}.entry`);
  const out: number[] = [];
  let seq = lastSeq;
  let hash = lastHash;
  for (let step = count - 1; step >= 0; step--) {
    const e = bySeq.get(seq);
    if (e === undefined)
      return invalid(`event ${seq} of the subject is missing from the extract`, path);
    if (e.hash !== hash)
      return invalid(`event ${seq} is not the event the subject's chain names`, path);
    const link = e.links.find((l) => l.id === s.id);
    if (link === undefined) return invalid(`event ${seq} is not about the subject`, path);
    out.push(seq);
    if (step === 0) {
      if (link.prevSeq !== undefined || link.prevHash !== undefined)
        return invalid(`event ${seq} links to an earlier event the map does not count`, path);
      break;
    }
    const prev = link.prevSeq;
    if (typeof prev !== "number" || !Number.isSafeInteger(prev) || prev < 0 || prev >= seq)
      return invalid(
        `event ${seq} has no back-link to an earlier event, yet the map counts more`,
        path,
      );
    if (typeof link.prevHash !== "string")
      return invalid(`event ${seq}'s back-link has no hash`, path);
    seq = prev;
    hash = link.prevHash;
  }
  return E.right(out.reverse());
}

/** `verifyExtract` that returns the report or throws its `DaichoError`. */
export function verifyExtractOrThrow(
  input: string | Uint8Array,
  options: ExtractVerifyOptions,
): ExtractReport {
  const r = verifyExtract(input, options);
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

/** Plain form of {@link verifyDecodedExtract} (no fp-ts needed): the result, or throws its `DaichoError`. */
export const verifyDecodedExtractOrThrow = throwing(verifyDecodedExtract);
