/**
 * @daicho/core/checkpoint — C2SP signed-note v1.0.0 and tlog-checkpoint v1.0.0 with
 * Ed25519, and C2SP tlog-cosignature v1.0.0 (Ed25519 cosignature/v1 witness signatures):
 * checkpoint text, signing, co-signatures, k-of-n verification, key texts.
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
  parseCheckpointOrThrow,
} from "./checkpoint";
export {
  COSIGNATURE_V1_HEADER,
  COSIGNATURE_V1_SIZE,
  COSIGNATURE_V1_TYPE,
  cosignatureV1Message,
  isCosignatureTimestamp,
  joinCosignatureV1,
  MAX_COSIGNATURE_TIMESTAMP,
  splitCosignatureV1,
} from "./cosignature";
export {
  type CheckpointSchedule,
  emitCheckpoint,
  scheduleCheckpoints,
  storeCosignatures,
} from "./emit";
export { type MapOptions, preloadMap } from "./emit-map";
export { loadSigner, SIGNING_KEY_ENV } from "./key-source";
export {
  cosignatureV1KeyId,
  cosignatureV1Verifier,
  ED25519_TYPE,
  ed25519KeyId,
  ed25519Verifier,
  formatPrivateKey,
  formatVerifierKey,
  isValidKeyName,
  type KeyType,
  type NoteVerifier,
  noteKeyId,
  type PrivateKey,
  parsePrivateKey,
  parsePrivateKeyOrThrow,
  parseVerifierKey,
  parseVerifierKeyOrThrow,
  parseVerifierKeys,
  parseVerifierKeysOrThrow,
} from "./keys";
export {
  checkSignatures,
  checkSignaturesOrThrow,
  formatNote,
  MAX_NOTE_BYTES,
  MAX_SIGNATURES,
  mergeNotes,
  mergeNotesOrThrow,
  type NoteSignature,
  type NoteVerification,
  parseNote,
  parseNoteOrThrow,
  type SignedNote,
  signNote,
  type WitnessCosignature,
} from "./note";
export {
  cosignCheckpoint,
  mergeCheckpoints,
  type TrustPolicy,
  type VerifiedCheckpoint,
  verifyCheckpoint,
  verifyCheckpointOrThrow,
} from "./policy";
export {
  type CosignerOptions,
  cosignatureV1Signer,
  cosignerFromKeyText,
  cosignerFromKeyTextOrThrow,
  ed25519Signer,
  generateKey,
  type LocalSigner,
  type Signer,
  signerFromKeyText,
  signerFromKeyTextOrThrow,
} from "./signer";
export { type MapCheckOptions, mapCheck } from "./verify-map";
export { type TreeCheckOptions, treeCheck } from "./verify-tree";
