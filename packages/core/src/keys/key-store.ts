import { DaichoError } from "../errors";

/**
 * A data key as a key store keeps it: wrapped under the host's KEK, never in clear.
 * `subject` and `keyId` are opaque identifiers, never personal values.
 */
export interface WrappedKeyRecord {
  readonly keyId: string;
  readonly subject: string;
  /** Which KEK `wrapped` is sealed under. */
  readonly kekId: string;
  /** `0x01 ‖ nonce ‖ ciphertext ‖ tag` (docs/spec.md §10.5). */
  readonly wrapped: Uint8Array;
  readonly createdAt: string;
  /**
   * True while the key was created for a batch not yet known to be committed: the
   * creating process discards it if the batch is rejected (`discardProvisional`); any
   * other writer must `confirm` it before sealing with it. Absent means false.
   */
  readonly provisional?: boolean;
}

/** The KEK check value a key store holds (docs/spec.md §10.5). */
export interface KekCheck {
  readonly kekId: string;
  readonly check: Uint8Array;
}

/** Left behind when a subject's keys are destroyed: which keys, and when. */
export interface KeyTombstone {
  readonly subject: string;
  readonly keyIds: readonly string[];
  readonly erasedAt: string;
}

/**
 * The seam for key storage, kept apart from the event `Store` so a backup of the log
 * never carries keys (in-memory here, SQLite in `@daicho/adapters/sqlite-keys`, a
 * PostgreSQL one later). Like event stores, key stores do no cryptography: the
 * `KeyRing` wraps, unwraps and checks; a store only keeps what it is given and must
 * make destruction real (no copy of a destroyed record left in anything it wrote).
 * Every implementation passes `keyStoreConformance` from `@daicho/core/testing`.
 */
export interface KeyStore {
  readonly kind: string;
  /**
   * What a destroyed record may leave behind in what the store writes, so an erasure
   * certificate can say whether a copy could still unwrap (docs/erasure.md):
   * `"none"` — no file the store writes keeps a copy once `destroy` resolves;
   * `"log"` — the database may keep copies (write-ahead log, free pages, archives) until
   * they are overwritten, readable with the KEK they were wrapped under. Absent means
   * `"log"`: a store that promises nothing is assumed to leave copies.
   */
  readonly residue?: KeyResidue;
  /** The KEK check value, or null for a store never used. */
  kekCheck(): Promise<KekCheck | null>;
  /** Record the KEK check value of a new store; a no-op returning the stored one if already set. */
  initKekCheck(check: KekCheck): Promise<KekCheck>;
  /**
   * Store `record` as `subject`'s key unless the subject already has one or a tombstone;
   * resolves with the record that is stored (the winner when two writers race), or the
   * tombstone when the subject was erased. Rejects with `WRONG_KEK`, storing nothing, when
   * the store's KEK check names another KEK than `record.kekId` (another process rotated
   * the KEK): a store never mixes records of two KEKs. Atomic with `rewrapAll`.
   */
  putIfAbsent(record: WrappedKeyRecord): Promise<WrappedKeyRecord | KeyTombstone>;
  /**
   * Make a provisional key permanent (a writer is about to seal with it). Resolves true
   * when the key exists (now not provisional, or never was), false when it is gone
   * (discarded, or the subject erased): the writer must then create a key afresh.
   */
  confirm(subject: string, keyId: string): Promise<boolean>;
  /**
   * Delete `keyId` of `subject` if, and only if, it is still provisional, leaving no copy
   * in any file the store writes beyond what `residue` says and no tombstone (no data was
   * ever sealed under it). Resolves true when deleted; false when confirmed or gone.
   * Atomic with `confirm`: of the two, exactly the first takes effect.
   */
  discardProvisional(subject: string, keyId: string): Promise<boolean>;
  /** The subject's live keys (oldest first), or its tombstone. Empty when never seen. */
  forSubject(subject: string): Promise<readonly WrappedKeyRecord[] | KeyTombstone>;
  /**
   * Destroy every key of `subject` and leave a tombstone, atomically. Resolves with the
   * destroyed key ids, or with the existing tombstone when already destroyed.
   */
  destroy(
    subject: string,
    erasedAt: string,
  ): Promise<{ readonly destroyed: readonly string[] } | KeyTombstone>;
  /**
   * Replace every record and the KEK check in one atomic step: `rewrap` maps each record
   * to its re-wrapped form. Fails with `WRONG_KEK` and changes nothing when the stored
   * check does not name `fromKekId`. Resolves with the number of records rewritten.
   */
  rewrapAll(
    fromKekId: string,
    rewrap: (r: WrappedKeyRecord) => WrappedKeyRecord,
    check: KekCheck,
  ): Promise<number>;
  /** How many live keys the store holds. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** What a key store's destroyed records may leave behind (see `KeyStore.residue`). */
export type KeyResidue = "none" | "log";

/** Type guard: is this a tombstone rather than a live record? */
export function isTombstone(x: unknown): x is KeyTombstone {
  return typeof x === "object" && x !== null && "erasedAt" in x && "keyIds" in x;
}

/**
 * The check every `KeyStore.rewrapAll` makes before touching a record: the store's KEK
 * (`storedKekId`, undefined for a store with no KEK check yet) must be the one the caller
 * re-wraps from. Throws `WRONG_KEK` otherwise, so nothing is changed.
 */
export function assertRewrapFrom(storedKekId: string | undefined, fromKekId: string): void {
  assertSameKek(storedKekId, fromKekId);
}

/**
 * The check every `KeyStore.putIfAbsent` makes: a record joins the store only under the
 * KEK the store's check value names (undefined: no check yet). Throws `WRONG_KEK`.
 */
export function assertSameKek(storedKekId: string | undefined, kekId: string): void {
  if (storedKekId !== undefined && storedKekId !== kekId) {
    throw new DaichoError(
      "WRONG_KEK",
      "key store is wrapped under another KEK (rotated by another process?): reopen with the KEK it names",
      { details: { kekId: storedKekId } },
    );
  }
}
