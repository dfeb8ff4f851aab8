import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { bytesToHex } from "../hash";
import { throwing } from "../plain";
import { fromBase64, toBase64 } from "./base64";
import { COSIGNATURE_V1_TYPE, splitCosignatureV1 } from "./cosignature";
import { isValidKeyName, isWellFormed, type NoteVerifier } from "./keys";
import type { Signer } from "./signer";

/**
 * C2SP signed-note v1.0.0: a text ending in a newline, a blank line, then one or more
 * signature lines `— <key name> base64(key ID ‖ signature)`. Parsing is strict and
 * bounded because notes arrive from other parties: well-formed Unicode, no control
 * characters but newline, at most {@link MAX_NOTE_BYTES} and {@link MAX_SIGNATURES}.
 */
export const MAX_NOTE_BYTES = 1 << 20;
/** signed-note requires accepting at least 16 signatures; we accept up to 100. */
export const MAX_SIGNATURES = 100;

const EM_DASH_PREFIX = "\u2014 ";

/** One signature line. */
export interface NoteSignature {
  readonly name: string;
  /** 4 bytes. */
  readonly keyId: Uint8Array;
  /** The signature proper (after the key ID). */
  readonly signature: Uint8Array;
}

/** A parsed (not yet verified) signed note. */
export interface SignedNote {
  /** The signed text, including its final newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

const invalid = (reason: string, path?: string) =>
  E.left(new DaichoError("CHECKPOINT_INVALID", reason, path === undefined ? {} : { path }));

/** Parse a signed note. Left(CHECKPOINT_INVALID) naming the first problem. */
export function parseNote(input: string | Uint8Array): E.Either<DaichoError, SignedNote> {
  let msg: string;
  if (input instanceof Uint8Array) {
    if (input.length > MAX_NOTE_BYTES) return invalid(`a note is at most ${MAX_NOTE_BYTES} bytes`);
    try {
      msg = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(input);
    } catch {
      return invalid("a note must be valid UTF-8");
    }
  } else {
    if (typeof input !== "string") return invalid("a note must be text");
    if (input.length > MAX_NOTE_BYTES) return invalid(`a note is at most ${MAX_NOTE_BYTES} bytes`);
    if (!isWellFormed(input)) return invalid("a note must be valid UTF-8");
    msg = input;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the format forbids them
  const control = /[\u0000-\u0009\u000b-\u001f]/.exec(msg);
  if (control !== null) return invalid(`control character at offset ${control.index}`);
  const split = msg.lastIndexOf("\n\n");
  if (split < 0) return invalid("no blank line separates the text from the signatures");
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block === "" || !block.endsWith("\n"))
    return invalid("the signature block must end with a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) return invalid(`more than ${MAX_SIGNATURES} signatures`);
  const signatures: NoteSignature[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const path = `signature line ${i + 1}`;
    if (!line.startsWith(EM_DASH_PREFIX))
      return invalid("a signature line starts with an em dash and a space", path);
    const rest = line.slice(EM_DASH_PREFIX.length);
    const space = rest.indexOf(" ");
    if (space < 0) return invalid("a signature line is '— <name> <base64>'", path);
    const name = rest.slice(0, space);
    if (!isValidKeyName(name)) return invalid("invalid key name", path);
    const raw = fromBase64(rest.slice(space + 1));
    if (raw === undefined) return invalid("the signature is not canonical base64", path);
    if (raw.length < 5)
      return invalid("a signature is a 4-byte key ID and at least one byte", path);
    signatures.push({ name, keyId: raw.slice(0, 4), signature: raw.slice(4) });
  }
  return E.right({ text, signatures });
}

/** The text form of a signed note: text, blank line, one line per signature. */
export function formatNote(note: SignedNote): string {
  const lines = note.signatures.map(
    (s) => `${EM_DASH_PREFIX}${s.name} ${toBase64(Uint8Array.of(...s.keyId, ...s.signature))}\n`,
  );
  return `${note.text}\n${lines.join("")}`;
}

/**
 * Sign `text` (which must end in a newline and contain no control characters) with each
 * signer, appending to any signatures already present. The signature covers the UTF-8
 * bytes of the text exactly.
 */
export async function signNote(
  text: string,
  signers: readonly Signer[],
  existing: readonly NoteSignature[] = [],
): Promise<SignedNote> {
  if (!text.endsWith("\n") || !isWellFormed(text)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "note text must be well-formed and end with a newline",
    );
  }
  const bytes = new TextEncoder().encode(text);
  const signatures = [...existing];
  for (const s of signers) {
    if (!isValidKeyName(s.name) || s.keyId.length !== 4) {
      throw new DaichoError("INVALID_ARGUMENT", "signer has an invalid name or key ID", {
        path: "signer",
      });
    }
    const sig = await s.sign(bytes);
    signatures.push({
      name: s.name,
      keyId: Uint8Array.from(s.keyId),
      signature: Uint8Array.from(sig),
    });
  }
  return { text, signatures: dedupe(signatures) };
}

const sameKey = (a: { name: string; keyId: Uint8Array }, b: { name: string; keyId: Uint8Array }) =>
  a.name === b.name && a.keyId.every((x, i) => x === b.keyId[i]);
const sameSig = (a: NoteSignature, b: NoteSignature) =>
  sameKey(a, b) &&
  a.signature.length === b.signature.length &&
  a.signature.every((x, i) => x === b.signature[i]);

function dedupe(signatures: readonly NoteSignature[]): NoteSignature[] {
  const out: NoteSignature[] = [];
  for (const s of signatures) if (!out.some((o) => sameSig(o, s))) out.push(s);
  return out;
}

/**
 * Merge the signature lines of two notes over the same text (adding co-signatures).
 * Left(CHECKPOINT_INVALID) when the texts differ: a signature is only about its text.
 */
export function mergeNotes(a: SignedNote, b: SignedNote): E.Either<DaichoError, SignedNote> {
  if (a.text !== b.text) return invalid("the notes sign different texts");
  return E.right({ text: a.text, signatures: dedupe([...a.signatures, ...b.signatures]) });
}

/** The outcome of checking a note against known keys. */
export interface NoteVerification {
  /** Names of the known keys whose signatures verified (each key once). */
  readonly verifiedBy: readonly string[];
  /** Signature lines from keys we do not know, ignored as signed-note requires. */
  readonly unknown: readonly { name: string; keyId: string }[];
  /** The verified cosignature/v1 (type 0x04) lines with their witness timestamps (POSIX seconds). */
  readonly cosignatures: readonly WitnessCosignature[];
}

/** A verified C2SP tlog-cosignature v1 line: who cosigned, and when by the witness's clock. */
export interface WitnessCosignature {
  readonly name: string;
  /** The key ID as 8 lower-case hex digits. */
  readonly keyId: string;
  /** The signed timestamp, POSIX seconds. It is the witness's statement, not a fact. */
  readonly timestamp: number;
}

/**
 * Check every signature by a known key (matched on name and key ID together, per
 * signed-note v1.0.0). A known key's signature that fails makes the whole note invalid
 * (SIGNATURE_INVALID); unknown keys are ignored but reported. Cosignature/v1 keys (type
 * 0x04) are checked the same way, and their signed timestamps are reported. Does not
 * apply a threshold.
 */
export function checkSignatures(
  note: SignedNote,
  verifiers: readonly NoteVerifier[],
): E.Either<DaichoError, NoteVerification> {
  const bytes = new TextEncoder().encode(note.text);
  const verified = new Set<NoteVerifier>();
  const unknown: { name: string; keyId: string }[] = [];
  const cosignatures: WitnessCosignature[] = [];
  for (const s of note.signatures) {
    const key = verifiers.find((v) => sameKey(v, s));
    if (key === undefined) {
      unknown.push({ name: s.name, keyId: bytesToHex(s.keyId) });
      continue;
    }
    if (!key.verify(bytes, s.signature)) {
      return E.left(
        new DaichoError(
          "SIGNATURE_INVALID",
          `the signature by known key ${key.name} does not verify`,
          {
            path: key.name,
          },
        ),
      );
    }
    if (key.type === COSIGNATURE_V1_TYPE) {
      const split = splitCosignatureV1(s.signature);
      if (split !== undefined)
        cosignatures.push({
          name: key.name,
          keyId: bytesToHex(s.keyId),
          timestamp: split.timestamp,
        });
    }
    verified.add(key);
  }
  return E.right({ verifiedBy: [...verified].map((v) => v.name), unknown, cosignatures });
}

/**
 * Plain form of {@link parseNote} (no fp-ts needed): returns the signed note, or throws
 * `CHECKPOINT_INVALID`.
 */
export const parseNoteOrThrow = throwing(parseNote);

/**
 * Plain form of {@link mergeNotes} (no fp-ts needed): returns the merged note, or
 * throws `CHECKPOINT_INVALID` when the two notes sign different texts.
 */
export const mergeNotesOrThrow = throwing(mergeNotes);

/**
 * Plain form of {@link checkSignatures} (no fp-ts needed): returns which known keys
 * signed, or throws `SIGNATURE_INVALID` when a known key's signature fails.
 */
export const checkSignaturesOrThrow = throwing(checkSignatures);
