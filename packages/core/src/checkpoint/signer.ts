import { ed25519 } from "@noble/curves/ed25519.js";
import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import {
  ed25519KeyId,
  ed25519Verifier,
  formatPrivateKey,
  formatVerifierKey,
  isValidKeyName,
  type NoteVerifier,
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
  /** The 4-byte key ID: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. */
  readonly keyId: Uint8Array;
  /** The Ed25519 signature (64 bytes) of `message`. */
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

/** A signer from a `PRIVATE+KEY+…` text (see `parsePrivateKey`). */
export function signerFromKeyText(text: string): E.Either<DaichoError, LocalSigner> {
  return E.map((k: { name: string; seed: Uint8Array }) => ed25519Signer(k.name, k.seed))(
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
