/**
 * @daicho/core/checkpoint — C2SP signed-note v1.0.0 and tlog-checkpoint v1.0.0 with
 * Ed25519: checkpoint text, signing, co-signatures, k-of-n verification, key texts.
 *
 * @module @daicho/core/checkpoint
 */
export { fromBase64, toBase64 } from "./base64";
export {
  type Checkpoint,
  formatCheckpoint,
  isValidOrigin,
  MAX_ORIGIN_LENGTH,
  parseCheckpoint,
} from "./checkpoint";
export {
  type CheckpointSchedule,
  emitCheckpoint,
  scheduleCheckpoints,
  storeCosignatures,
} from "./emit";
export { loadSigner, SIGNING_KEY_ENV } from "./key-source";
export {
  ED25519_TYPE,
  ed25519KeyId,
  ed25519Verifier,
  formatPrivateKey,
  formatVerifierKey,
  isValidKeyName,
  type NoteVerifier,
  type PrivateKey,
  parsePrivateKey,
  parseVerifierKey,
  parseVerifierKeys,
} from "./keys";
export {
  checkSignatures,
  formatNote,
  MAX_NOTE_BYTES,
  MAX_SIGNATURES,
  mergeNotes,
  type NoteSignature,
  type NoteVerification,
  parseNote,
  type SignedNote,
  signNote,
} from "./note";
export {
  cosignCheckpoint,
  mergeCheckpoints,
  type TrustPolicy,
  type VerifiedCheckpoint,
  verifyCheckpoint,
} from "./policy";
export {
  ed25519Signer,
  generateKey,
  type LocalSigner,
  type Signer,
  signerFromKeyText,
} from "./signer";
