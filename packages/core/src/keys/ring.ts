import { randomBytes } from "@noble/hashes/utils.js";
import * as E from "fp-ts/lib/Either.js";
import {
  assertKek,
  DATA_KEY_BYTES,
  type Kek,
  kekCheckValue,
  kekMatches,
  unwrapDataKey,
  wrapDataKey,
} from "../crypto/key-wrap";
import type { DataKeySource } from "../crypto/personal";
import { DaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import { bytesToHex } from "../hash";
import { KeyCache } from "./cache";
import {
  type CategoryDeclaration,
  categoryKeySubject,
  holderSubject,
  keyIdCategory,
  newCategoryKeyId,
} from "./categories";
import type { ErasureFence } from "./fence";
import { isTombstone, type KeyStore, type KeyTombstone, type WrappedKeyRecord } from "./key-store";

export interface KeyRingOptions {
  readonly store: KeyStore;
  readonly kek: Kek;
  readonly fence: ErasureFence;
  /** Most unwrapped keys kept in memory (default 10 000). */
  readonly cacheSize?: number;
  /** How long an unwrapped key may be served from memory, in ms (default 60 000). */
  readonly cacheTtlMs?: number;
  readonly clock?: () => Date;
}

/**
 * The provisional keys one batch sealed with, by key id (with their subject): created by
 * `KeyRing.lease`, filled by `writeKey`, ended by `settle`.
 */
export class KeyLease {
  readonly keys = new Map<string, string>();
}

/** Key ids are `dk1-` and 32 random hex digits: no relation to the subject or its data. */
export function newKeyId(): string {
  return `dk1-${bytesToHex(randomBytes(16))}`;
}

/**
 * Open a key ring over a key store with the host's KEK. Rejects with `WRONG_KEK` and
 * touches nothing when the store's KEK check value was made with another KEK; records
 * the check value when the store is new.
 */
export async function openKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  assertKek(options.kek);
  let check = await options.store.kekCheck();
  if (check === null)
    check = await options.store.initKekCheck({
      kekId: options.kek.id,
      check: kekCheckValue(options.kek),
    });
  if (check.kekId !== options.kek.id || !kekMatches(options.kek, check.check)) {
    throw new DaichoError("WRONG_KEK", "key store was not made with this KEK", {
      details: { storedKekId: check.kekId, givenKekId: options.kek.id },
    });
  }
  return new KeyRing(options);
}

/**
 * Per-subject data keys: created on first use, wrapped under the KEK in the key store,
 * unwrapped into a bounded cache, refused once the subject is fenced or tombstoned.
 * Implements the `DataKeySource` the sealing functions use.
 */
export class KeyRing implements DataKeySource {
  readonly store: KeyStore;
  private kek: Kek;
  private readonly fence: ErasureFence;
  private readonly cache: KeyCache;
  private readonly clock: () => Date;
  /** Provisional keys this process created, by key id, with how many pending batches use each. */
  private readonly provisional = new Map<string, { subject: string; users: number }>();

  constructor(options: KeyRingOptions) {
    this.store = options.store;
    this.kek = options.kek;
    this.fence = options.fence;
    this.cache = new KeyCache(options.cacheSize ?? 10_000, options.cacheTtlMs ?? 60_000);
    this.clock = options.clock ?? (() => new Date());
  }

  get kekId(): string {
    return this.kek.id;
  }

  /**
   * The data key for sealing `field` of `subject` (its category's key when the field is in
   * a declared category, spec §10.11; the subject's own otherwise); created and stored on
   * first use. Rejects `KEY_ERASED` once the subject or that category is erased. With a `lease` (one batch's), a key created here is stored
   * *provisional* and tracked in the lease, so that `settle` can discard it if the batch is
   * rejected; a provisional key some other writer created is confirmed in the key store
   * before it is used, so its creator can no longer discard it.
   */
  async writeKey(
    subject: string,
    field?: string,
    lease?: KeyLease,
  ): Promise<{ keyId: string; key: Uint8Array }> {
    await this.fence.refresh();
    return this.writeKeyRefreshed(subject, lease, field);
  }

  /**
   * Where the key for sealing `field` of `subject` lives: the subject's own key, or — when
   * the declaration in force puts `field` in a category (spec §10.11) — the key of that
   * (subject, category). Throws `KEY_ERASED` when the subject, the category, or a category
   * fence that covered `field` when it was recorded is known.
   */
  private sealingHolder(subject: string, field: string | undefined): string {
    if (this.knownFenced(subject)) throw erased(subject);
    if (field === undefined) return subject;
    const category = this.fence.categories.categoryOf(field)?.name;
    if (
      this.fence.knownErasedField(subject, field) ||
      (category !== undefined && this.fence.knownCategoryFenced(subject, category))
    ) {
      throw categoryErased(subject, category, field);
    }
    return category === undefined ? subject : categoryKeySubject(subject, category);
  }

  /** `writeKey` for a caller that refreshed the fence since it started (see `session`). */
  private async writeKeyRefreshed(
    subject: string,
    lease: KeyLease | undefined,
    field?: string,
  ): Promise<{ keyId: string; key: Uint8Array }> {
    const holder = this.sealingHolder(subject, field);
    const cached = this.cache.get(holder);
    if (cached !== undefined) {
      if (this.provisional.has(cached.keyId)) await this.join(lease, holder, cached.keyId);
      return cached;
    }
    if (await this.fence.isFenced(subject)) throw erased(subject);
    this.sealingHolder(subject, field); // the verified read may have found a category fence
    const category = holder === subject ? undefined : keyIdCategoryOf(holder);
    for (let attempt = 0; ; attempt++) {
      const existing = await this.store.forSubject(holder);
      if (isTombstone(existing)) throw erasedHolder(subject, category, field);
      let record = existing[existing.length - 1];
      let key: Uint8Array | undefined;
      if (record === undefined) {
        const keyId = category === undefined ? newKeyId() : newCategoryKeyId(category);
        key = randomBytes(DATA_KEY_BYTES);
        const fresh: WrappedKeyRecord = {
          keyId,
          subject: holder,
          kekId: this.kek.id,
          wrapped: wrapDataKey(this.kek, { keyId, subject: holder, kekId: this.kek.id }, key),
          createdAt: this.clock().toISOString(),
          ...(lease === undefined ? {} : { provisional: true }),
        };
        const stored = await this.store.putIfAbsent(fresh);
        if (isTombstone(stored)) throw erasedHolder(subject, category, field);
        if (stored.keyId !== keyId)
          key = undefined; // another writer won the race: use theirs
        else if (lease !== undefined) this.provisional.set(keyId, { subject: holder, users: 0 });
        record = stored;
      }
      if (record.provisional === true && !this.provisional.has(record.keyId)) {
        // Another writer's provisional key: make it permanent before sealing under it.
        if (!(await this.store.confirm(holder, record.keyId))) {
          if (attempt < 5) continue; // discarded meanwhile: create one afresh
          throw new DaichoError(
            "STORE_UNAVAILABLE",
            "the subject's key keeps being discarded; try again",
            {
              retryable: true,
            },
          );
        }
      }
      key ??= this.unwrap(record);
      this.cache.set(holder, record.keyId, key);
      await this.join(lease, holder, record.keyId);
      return { keyId: record.keyId, key };
    }
  }

  /** A lease for one batch's provisional keys (see `writeKey`, `settle`). */
  lease(): KeyLease {
    return new KeyLease();
  }

  /**
   * A batch sealed with the lease's keys has ended. `committed`: its events are durable,
   * so its keys stay. Otherwise each provisional key this process created and no other
   * batch of it still uses is discarded — unless `referenced` finds an event sealed under
   * it (a write whose acknowledgement was lost) or cannot tell (then the key is kept), and
   * unless another writer confirmed it meanwhile (the key store decides atomically).
   */
  async settle(
    lease: KeyLease,
    committed: boolean,
    referenced: (subject: string, keyId: string) => Promise<boolean>,
  ): Promise<void> {
    for (const [keyId, subject] of lease.keys) {
      const entry = this.provisional.get(keyId);
      if (entry === undefined) continue;
      entry.users--;
      if (!committed && entry.users > 0) continue; // another batch of this process uses it
      this.provisional.delete(keyId);
      if (committed) continue;
      this.cache.evict(subject, keyId);
      const used = await referenced(holderSubject(subject), keyId).catch(() => true);
      if (!used) await this.store.discardProvisional(subject, keyId).catch(() => false);
    }
    lease.keys.clear();
  }

  /** Count `lease` among the users of `keyId` while it is provisional (created here, batch pending). */
  private async join(lease: KeyLease | undefined, subject: string, keyId: string): Promise<void> {
    const entry = this.provisional.get(keyId);
    if (entry === undefined || lease?.keys.has(keyId) === true) return;
    if (lease === undefined) {
      // Sealed outside any batch this ring tracks: nobody may discard the key any more.
      this.provisional.delete(keyId);
      await this.store.confirm(subject, keyId);
      return;
    }
    entry.users++;
    lease.keys.set(keyId, subject);
  }

  /** The key `keyId` of `subject` for opening, or `erased` / `unavailable`. */
  async readKey(subject: string, keyId: string): Promise<Uint8Array | "erased" | "unavailable"> {
    await this.fence.refresh();
    return this.readKeyRefreshed(subject, keyId);
  }

  /**
   * The keys for one batch being sealed or one event being opened: the fence is refreshed
   * once, now (one `head()` read when the ledger did not move), rather than once per value.
   * A fence recorded by any process before this call is honoured by every key it serves.
   */
  async session(lease?: KeyLease): Promise<DataKeySource> {
    await this.fence.refresh();
    if (lease === undefined) return this.refreshed;
    return {
      writeKey: (subject, field) => this.writeKeyRefreshed(subject, lease, field),
      readKey: (subject, keyId) => this.readKeyRefreshed(subject, keyId),
    };
  }

  /** The key source `session()` hands out without a lease. */
  private readonly refreshed: DataKeySource = {
    writeKey: (subject, field) => this.writeKeyRefreshed(subject, undefined, field),
    readKey: (subject, keyId) => this.readKeyRefreshed(subject, keyId),
  };

  /** `readKey` for a caller that refreshed the fence since it started (see `session`). */
  private async readKeyRefreshed(
    subject: string,
    keyId: string,
  ): Promise<Uint8Array | "erased" | "unavailable"> {
    if (this.knownFenced(subject)) return "erased";
    // A category key's id names its category (hashed bytes), whatever is declared now.
    const category = keyIdCategory(keyId);
    const holder = category === undefined ? subject : categoryKeySubject(subject, category);
    if (category !== undefined && this.fence.knownCategoryFenced(subject, category)) {
      this.cache.evict(holder);
      return "erased";
    }
    const cached = this.cache.get(holder, keyId);
    if (cached !== undefined) return cached.key;
    if (await this.fence.isFenced(subject)) return "erased";
    if (category !== undefined && this.fence.knownCategoryFenced(subject, category))
      return "erased";
    const records = await this.store.forSubject(holder);
    if (isTombstone(records)) return "erased";
    const record = records.find((r) => r.keyId === keyId);
    if (record === undefined) return "unavailable";
    const key = this.unwrap(record);
    this.cache.set(holder, keyId, key);
    return key;
  }

  /** True when the subject is fenced in the ledger or tombstoned in the key store. */
  async isErased(subject: string): Promise<boolean> {
    if (await this.fence.isFenced(subject)) return true;
    return isTombstone(await this.store.forSubject(subject));
  }

  /**
   * Ids of the subject's keys (live, or named by the tombstone), with the keys of each of
   * its categories (spec §10.11): every category ever declared, and `categories` (those the
   * subject's sealed fields name).
   */
  async keyIds(subject: string, categories: Iterable<string> = []): Promise<string[]> {
    const out: string[] = [];
    for (const holder of this.holders(subject, categories)) {
      const records = await this.store.forSubject(holder);
      out.push(...(isTombstone(records) ? records.keyIds : records.map((r) => r.keyId)));
    }
    return out;
  }

  /**
   * Ids of the keys of one holder — the subject's own (`category` left out), or of its
   * `category` (spec §10.11) — live or named by the tombstone.
   */
  async holderKeyIds(subject: string, category?: string): Promise<string[]> {
    const holder = category === undefined ? subject : categoryKeySubject(subject, category);
    const records = await this.store.forSubject(holder);
    return isTombstone(records) ? [...records.keyIds] : records.map((r) => r.keyId);
  }

  /** The declaration of `category` in force, after catching up with the ledger (spec §10.11). */
  async declaredCategory(category: string): Promise<CategoryDeclaration | undefined> {
    await this.fence.refresh();
    return this.fence.categories.declared(category);
  }

  /**
   * Destroy the subject's keys: mark the fence in this process, evict the cache, then
   * have the store delete the records and leave a tombstone — first the keys of each of
   * its categories (as in `keyIds`), then its own. Idempotent: a second call resolves with
   * the tombstone.
   */
  async destroy(
    subject: string,
    categories: Iterable<string> = [],
  ): Promise<{ readonly destroyed: readonly string[] } | KeyTombstone> {
    this.fence.mark(subject);
    const destroyed: string[] = [];
    for (const holder of this.holders(subject, categories)) {
      if (holder === subject) continue;
      const r = await this.destroyHolder(holder);
      if (!isTombstone(r)) destroyed.push(...r.destroyed);
    }
    const result = await this.destroyHolder(subject);
    return isTombstone(result) ? result : { destroyed: [...destroyed, ...result.destroyed] };
  }

  /**
   * Destroy the keys of one category of a subject (spec §10.11) and leave a tombstone for
   * (subject, category): mark the category fence in this process (with the category's
   * `fields` when fenced), evict the cache, then have the store delete the records. The
   * subject's other keys are untouched. Idempotent.
   */
  async destroyCategory(
    subject: string,
    category: string,
    fields: readonly string[],
  ): Promise<{ readonly destroyed: readonly string[] } | KeyTombstone> {
    this.fence.markCategory(subject, category, fields);
    return this.destroyHolder(categoryKeySubject(subject, category));
  }

  /** Evict, destroy in the key store, evict again (a load racing the destroy). */
  private async destroyHolder(
    holder: string,
  ): Promise<{ readonly destroyed: readonly string[] } | KeyTombstone> {
    this.cache.evict(holder);
    const result = await this.store.destroy(holder, this.clock().toISOString());
    this.cache.evict(holder);
    return result;
  }

  /** The key-store subjects of a subject: its category holders (sorted, distinct), then itself. */
  private holders(subject: string, categories: Iterable<string>): string[] {
    const names = new Set([...this.fence.categories.names(), ...categories]);
    return [...[...names].sort().map((c) => categoryKeySubject(subject, c)), subject];
  }

  /** A fence about `subject` was appended or observed: refuse its key from now on. */
  observeFence(subject: string): void {
    this.fence.mark(subject);
    this.cache.evict(subject);
  }

  /** Events this process appended (in order): the fence follows them without reading them back. */
  observeAppended(events: readonly LedgerEvent[]): void {
    this.fence.observe(events);
  }

  /** Known fenced (by this process or any other, as of the last refresh): evict, refuse. */
  private knownFenced(subject: string): boolean {
    if (!this.fence.knownFenced(subject)) return false;
    this.cache.evict(subject);
    return true;
  }

  /**
   * Re-wrap every data key under `next` in one atomic key-store step and switch this
   * ring to it. Events are untouched: they hold ciphertexts under data keys, which do not
   * change. Rejects with `WRONG_KEK` (nothing changed) when a record does not unwrap
   * under the current KEK. Resolves with the number of keys re-wrapped.
   */
  async rotateKek(next: Kek): Promise<number> {
    assertKek(next);
    const current = this.kek;
    const n = await this.store.rewrapAll(
      current.id,
      (r) => {
        const key = this.unwrapWith(current, r);
        const out = {
          ...r,
          kekId: next.id,
          wrapped: wrapDataKey(next, { keyId: r.keyId, subject: r.subject, kekId: next.id }, key),
        };
        key.fill(0);
        return out;
      },
      { kekId: next.id, check: kekCheckValue(next) },
    );
    this.kek = next;
    this.cache.clear();
    return n;
  }

  private unwrap(record: WrappedKeyRecord): Uint8Array {
    return this.unwrapWith(this.kek, record);
  }

  private unwrapWith(kek: Kek, record: WrappedKeyRecord): Uint8Array {
    const key = unwrapDataKey(
      kek,
      { keyId: record.keyId, subject: record.subject, kekId: record.kekId },
      record.wrapped,
    );
    if (E.isLeft(key)) throw key.left;
    return key.right;
  }
}

/** The category of a holder `subject@category`. */
function keyIdCategoryOf(holder: string): string {
  return holder.slice(holder.indexOf("@") + 1);
}

function erasedHolder(subject: string, category: string | undefined, field?: string): DaichoError {
  return category === undefined ? erased(subject) : categoryErased(subject, category, field);
}

function categoryErased(
  subject: string,
  category: string | undefined,
  field?: string,
): DaichoError {
  return new DaichoError(
    "KEY_ERASED",
    "this category of the subject's data is erased: values of its fields are no longer recorded for the subject",
    {
      details: {
        subject,
        ...(category === undefined ? {} : { category }),
        ...(field ? { field } : {}),
      },
    },
  );
}

function erased(subject: string): DaichoError {
  return new DaichoError(
    "KEY_ERASED",
    "the subject's keys are erased; record a returning person under a new subject id",
    {
      details: { subject },
    },
  );
}
