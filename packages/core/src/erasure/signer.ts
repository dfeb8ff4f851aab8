import { ed25519 } from "@noble/curves/ed25519.js";

/**
 * Signs erasure certificates. Structurally the same seam as the checkpoint signer
 * (`{ name, publicKey, sign }`), so one host key object serves both; keys may live in
 * an HSM or KMS behind `sign`.
 */
export interface Signer {
  /** The key name written beside the signature (like a C2SP note key name). */
  readonly name: string;
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

/** An in-process Ed25519 signer from a 32-byte secret key (tests, demos, small hosts). */
export function ed25519Signer(name: string, secretKey: Uint8Array): Signer {
  const publicKey = ed25519.getPublicKey(secretKey);
  return { name, publicKey, sign: (message) => ed25519.sign(message, secretKey) };
}

/** Verify an Ed25519 signature; false (never a throw) for malformed inputs. */
export function ed25519Verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
