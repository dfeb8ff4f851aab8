import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { fromBase64 } from "../checkpoint/base64";
import { isValidOrigin } from "../checkpoint/checkpoint";
import { decodeWith } from "../decode";
import { DaichoError } from "../errors";
import { isTreeSize } from "../merkle/bits";
import { HASH_SIZE } from "../merkle/hash";
import { MAX_PROOF_HASHES } from "../merkle/verify";
import { throwing } from "../plain";

/**
 * Proof files (docs/spec.md §7.6): what `daicho prove --json` (inclusion) and
 * `daicho consistency --json` (consistency) write, and `verifyProofFile` checks offline.
 * One JSON object each, UTF-8, at most {@link MAX_PROOF_FILE_BYTES}; every member is
 * decoded and bounded here before anything is hashed, because the file is hostile.
 */
export const INCLUSION_PROOF_FORMAT = "daicho-inclusion-proof/v1" as const;
export const CONSISTENCY_PROOF_FORMAT = "daicho-consistency-proof/v1" as const;
/** The largest proof file accepted, in bytes (a real one is under 10 KiB). */
export const MAX_PROOF_FILE_BYTES = 65_536;

const TreeSize = t.refinement(t.number, isTreeSize, "TreeSize (integer 0..2^52)");
const Hex64 = t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), "Hex64");
/** Canonical padded base64 of exactly 32 bytes (one text form per hash). */
const Base64Hash = t.refinement(
  t.string,
  (s) => s.length === 44 && fromBase64(s)?.length === HASH_SIZE,
  "Base64Hash (canonical base64 of 32 bytes)",
);
const Origin = t.refinement(t.string, isValidOrigin, "Origin");
const Proof = t.refinement(
  t.array(Base64Hash),
  (xs) => xs.length <= MAX_PROOF_HASHES,
  `Proof (at most ${MAX_PROOF_HASHES} hashes)`,
);
/** Informative prose a prover may add; bounded, never interpreted. */
const Prose = t.refinement(t.string, (s) => s.length <= 4096, "Prose");

export const InclusionProofFile = t.intersection([
  t.type({
    format: t.literal(INCLUSION_PROOF_FORMAT),
    ledgerId: Origin,
    seq: TreeSize,
    treeSize: TreeSize,
    eventHash: Hex64,
    leafHash: Base64Hash,
    root: Base64Hash,
    proof: Proof,
  }),
  t.partial({ ok: t.boolean }),
]);
export type InclusionProofFile = t.TypeOf<typeof InclusionProofFile>;

export const ConsistencyProofFile = t.intersection([
  t.type({
    format: t.literal(CONSISTENCY_PROOF_FORMAT),
    ledgerId: Origin,
    oldSize: TreeSize,
    oldRoot: Base64Hash,
    newSize: TreeSize,
    newRoot: Base64Hash,
    proof: Proof,
  }),
  t.partial({ ok: t.boolean, verdict: Prose, reason: Prose }),
]);
export type ConsistencyProofFile = t.TypeOf<typeof ConsistencyProofFile>;

export type ProofFile = InclusionProofFile | ConsistencyProofFile;

/** Member order of the written file; also the complete list of members allowed. */
const INCLUSION_MEMBERS = [
  "format",
  "ok",
  "ledgerId",
  "seq",
  "treeSize",
  "eventHash",
  "leafHash",
  "root",
  "proof",
] as const;
const CONSISTENCY_MEMBERS = [
  "format",
  "ok",
  "verdict",
  "reason",
  "ledgerId",
  "oldSize",
  "oldRoot",
  "newSize",
  "newRoot",
  "proof",
] as const;

/**
 * The exact bytes of a proof file: the members in the order of spec §7.6, two-space
 * indented JSON (ECMAScript `JSON.stringify(value, null, 2)`), one final line feed.
 */
export function formatProofFile(file: ProofFile): string {
  const order = file.format === INCLUSION_PROOF_FORMAT ? INCLUSION_MEMBERS : CONSISTENCY_MEMBERS;
  const record = file as unknown as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const name of order) if (record[name] !== undefined) ordered[name] = record[name];
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

const malformed = (reason: string, path = "$") =>
  E.left(new DaichoError("DECODE_ERROR", `proof file: ${reason}`, { path }));

/**
 * Parse a proof file strictly: at most {@link MAX_PROOF_FILE_BYTES} of well-formed UTF-8,
 * one JSON object, no member name twice (at any depth), only the members of its format,
 * each of its type and bounds. Left(DECODE_ERROR) naming the path otherwise. The file is
 * only decoded here: nothing in it is trusted until `verifyProofFile` has checked it.
 */
export function parseProofFile(input: string | Uint8Array): E.Either<DaichoError, ProofFile> {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  if (bytes.length > MAX_PROOF_FILE_BYTES)
    return malformed(`larger than ${MAX_PROOF_FILE_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return malformed("not UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed("not JSON (truncated or damaged?)");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    return malformed("not a JSON object");
  if (repeatsMemberName(text)) return malformed("a member name appears twice in one object");
  const format = (json as { format?: unknown }).format;
  const [codec, members] =
    format === INCLUSION_PROOF_FORMAT
      ? [InclusionProofFile as t.Type<ProofFile, unknown, unknown>, INCLUSION_MEMBERS]
      : format === CONSISTENCY_PROOF_FORMAT
        ? [ConsistencyProofFile as t.Type<ProofFile, unknown, unknown>, CONSISTENCY_MEMBERS]
        : [undefined, []];
  if (codec === undefined)
    return malformed(
      `format must be ${INCLUSION_PROOF_FORMAT} or ${CONSISTENCY_PROOF_FORMAT}`,
      "$.format",
    );
  const allowed = new Set<string>(members);
  // The member name itself is not echoed: it is the file's text, not ours.
  if (Object.keys(json).some((k) => !allowed.has(k)))
    return malformed(`an unknown member (allowed: ${members.join(", ")})`);
  const decoded = decodeWith(codec, json, "$");
  if (E.isLeft(decoded)) return malformed(decoded.left.reason, decoded.left.path);
  return decoded;
}

/**
 * True when some object in the JSON `text` (already known to parse) names a member twice.
 * `JSON.parse` keeps the last one silently, and two readers could then see two files.
 *
 * One pass over the text that jumps from quote to quote with `indexOf` (an extract is
 * mostly event bodies inside JSON strings: stepping through them one character at a time
 * was a tenth of `verifyExtract`); a name with no backslash is its own text, so only an
 * escaped one is decoded. `proof-file.test.ts` holds it equal to the plain one-character
 * loop by property test.
 */
export function repeatsMemberName(text: string): boolean {
  const objects: (Set<string> | undefined)[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const j = closingQuote(text, i);
      const names = objects[objects.length - 1];
      if (expectName && names !== undefined) {
        const raw = text.slice(i + 1, j);
        const name = raw.includes("\\") ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (names.has(name)) return true;
        names.add(name);
      }
      expectName = false;
      i = j;
    } else if (c === OPEN_BRACE) {
      objects.push(new Set());
      expectName = true;
    } else if (c === OPEN_BRACKET) objects.push(undefined);
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) objects.pop();
    else if (c === COMMA) expectName = objects[objects.length - 1] !== undefined;
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** The index of the quote that closes the JSON string opening at `open` (the text parses). */
function closingQuote(text: string, open: number): number {
  let j = text.indexOf('"', open + 1);
  for (;;) {
    // A quote preceded by an odd run of backslashes is escaped.
    let k = j - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
}

/**
 * Plain form of {@link parseProofFile} (no fp-ts needed): returns the parsed proof file,
 * or throws `DECODE_ERROR`.
 */
export const parseProofFileOrThrow = throwing(parseProofFile);
