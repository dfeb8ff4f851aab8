import { ed25519 } from "@noble/curves/ed25519.js";
import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { throwing } from "../plain";
import { parseCheckpoint } from "./checkpoint";
import {
  COSIGNATURE_V1_TYPE,
  cosignatureV1Message,
  isCosignatureTimestamp,
  joinCosignatureV1,
} from "./cosignature";
import {
  cosignatureV1KeyId,
  cosignatureV1Verifier,
  ed25519KeyId,
  ed25519Verifier,
  formatPrivateKey,
  formatVerifierKey,
  isValidKeyName,
  type NoteVerifier,
  type PrivateKey,
  parsePrivateKey,
} from "./keys";

/**
 * The seam through which the host supplies signing keys: an HSM, a cloud KMS or a key
 * file all fit. A signer signs note text bytes with Ed25519 and names itself; Daichō never
 * needs the private key. Signing happens only when a checkpoint is emitted, never per event.
 */
export interface Signer {
  /** The key name written on the signature line (by default the ledger's origin). */
  readonly name: string;
  /** The 4-byte key ID: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] (type 0x01 or 0x04). */
  readonly keyId: Uint8Array;
  /**
   * The signature bytes (after the key ID) for the note text `message`: for a plain key
   * its 64-byte Ed25519 signature; for a cosignature/v1 key the 72-byte timestamped blob.
   */
  sign(message: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

/** A signer together with its public half, as the default key-file signer provides. */
export interface LocalSigner extends Signer {
  readonly verifier: NoteVerifier;
  /** The verifier-key text to hand to auditors. */
  readonly verifierKey: string;
}

/** An in-process Ed25519 signer for a 32-byte seed under `name`. */
export function ed25519Signer(name: string, seed: Uint8Array): LocalSigner {
  if (!isValidKeyName(name))
    throw new DaichoError("INVALID_ARGUMENT", "invalid key name", { path: "name" });
  if (seed.length !== 32)
    throw new DaichoError("INVALID_ARGUMENT", "an Ed25519 seed is 32 bytes", { path: "seed" });
  const secret = Uint8Array.from(seed);
  const publicKey = ed25519.getPublicKey(secret);
  const verifier = ed25519Verifier(name, publicKey);
  return {
    name,
    keyId: ed25519KeyId(name, publicKey),
    sign: (message) => ed25519.sign(message, secret),
    verifier,
    verifierKey: formatVerifierKey(verifier),
  };
}

/** Options of {@link cosignatureV1Signer}. */
export interface CosignerOptions {
  /** The clock, in POSIX seconds (default: the system clock, rounded down). */
  readonly now?: () => number;
}

/**
 * A C2SP tlog-cosignature v1.0.0 witness signer (Ed25519, type 0x04) for a 32-byte seed
 * under `name`: its key ID is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], and `sign`
 * returns timestamp (8 bytes, big-endian) ‖ Ed25519 signature of "cosignature/v1\n" ‖
 * "time <t>\n" ‖ note text. It refuses (CHECKPOINT_INVALID) to sign a text that is not a
 * checkpoint, since a cosignature states that a checkpoint was seen. The same seed must
 * not serve two witness names: the signed message does not commit to the name.
 */
export function cosignatureV1Signer(
  name: string,
  seed: Uint8Array,
  options: CosignerOptions = {},
): LocalSigner {
  if (!isValidKeyName(name))
    throw new DaichoError("INVALID_ARGUMENT", "invalid key name", { path: "name" });
  if (seed.length !== 32)
    throw new DaichoError("INVALID_ARGUMENT", "an Ed25519 seed is 32 bytes", { path: "seed" });
  const secret = Uint8Array.from(seed);
  const publicKey = ed25519.getPublicKey(secret);
  const verifier = cosignatureV1Verifier(name, publicKey);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    name,
    keyId: cosignatureV1KeyId(name, publicKey),
    sign: (message) => {
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(message);
      } catch {
        throw new DaichoError("CHECKPOINT_INVALID", "a cosignature signs a checkpoint text");
      }
      const body = parseCheckpoint(text);
      if (E.isLeft(body)) throw body.left;
      const t = now();
      if (!isCosignatureTimestamp(t))
        throw new DaichoError("INVALID_ARGUMENT", "the witness clock gave an invalid time", {
          path: "now",
        });
      return joinCosignatureV1(t, ed25519.sign(cosignatureV1Message(t, message), secret));
    },
    verifier,
    verifierKey: formatVerifierKey(verifier),
  };
}

/**
 * A signer from a `PRIVATE+KEY+…` text (see `parsePrivateKey`): a plain note signer for
 * a type-0x01 key, a cosignature/v1 witness signer for a type-0x04 key.
 */
export function signerFromKeyText(text: string): E.Either<DaichoError, LocalSigner> {
  return E.map((k: PrivateKey) =>
    k.type === COSIGNATURE_V1_TYPE
      ? cosignatureV1Signer(k.name, k.seed)
      : ed25519Signer(k.name, k.seed),
  )(parsePrivateKey(text));
}

/**
 * A cosignature/v1 witness signer from a `PRIVATE+KEY+…` text of either type: a 0x01
 * key (as `daicho keygen` writes) is used as the witness's Ed25519 key, as Go's
 * transparency-dev/formats `NewSignerForCosignatureV1` does. Left(INVALID_ARGUMENT) for
 * a malformed key.
 */
export function cosignerFromKeyText(
  text: string,
  options: CosignerOptions = {},
): E.Either<DaichoError, LocalSigner> {
  return E.map((k: PrivateKey) => cosignatureV1Signer(k.name, k.seed, options))(
    parsePrivateKey(text),
  );
}

/** A fresh random key under `name`: its private-key text (secret) and verifier-key text (public). */
export function generateKey(name: string): { privateKey: string; verifierKey: string } {
  if (!isValidKeyName(name))
    throw new DaichoError("INVALID_ARGUMENT", "invalid key name", { path: "name" });
  const seed = ed25519.utils.randomSecretKey();
  return {
    privateKey: formatPrivateKey(name, seed),
    verifierKey: ed25519Signer(name, seed).verifierKey,
  };
}

/**
 * Plain form of {@link signerFromKeyText} (no fp-ts needed): returns the signer, or
 * throws `INVALID_ARGUMENT` naming what is malformed.
 */
export const signerFromKeyTextOrThrow = throwing(signerFromKeyText);

/**
 * Plain form of {@link cosignerFromKeyText} (no fp-ts needed): returns the witness
 * cosigner, or throws `INVALID_ARGUMENT` naming what is malformed.
 */
export const cosignerFromKeyTextOrThrow = throwing(cosignerFromKeyText);
