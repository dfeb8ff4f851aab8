import * as E from "fp-ts/lib/Either.js";
import { AppendPool } from "./append-pool";
import type { PreparedParts } from "./append-worker";
import { buildBody, type SubjectHead, sealEvent } from "./chain";
import type { Kek } from "./crypto/key-wrap";
import { type DataKeySource, openPersonal, sealPersonal } from "./crypto/personal";
import type { PersonalField } from "./crypto/redacted";
import type { EnvelopeVersion } from "./envelope/v2-body";
import { DaichoError, isDaichoError, ledgerMismatch } from "./errors";
import type { EventType } from "./events/catalogue";
import type { LedgerEvent, SealedField, StoredEvent } from "./events/envelope";
import { type DecodeInputOptions, decodeEventInput, type EventInput } from "./events/input";
import { genesisHash } from "./hash";
import { uuidv7 } from "./ids";
import { FENCE_EVENT_TYPES, ledgerFence } from "./keys/fence";
import type { KeyStore } from "./keys/key-store";
import { type KeyLease, type KeyRing, openKeyRing } from "./keys/ring";
import { type SealParts, sealParts, spliceParts } from "./seal-parts";
import type { AppendLimit, ChainHead, LedgerMeta, ReadRange, Store } from "./store/store";
import { readSubjectVerified } from "./subject-events";
import type { VerifyReport } from "./verify";
import {
  type IncrementalVerifyOptions,
  type IncrementalVerifyResult,
  type VerifiedHead,
  verifyFrom,
} from "./verify-from";
import { type StoreVerifyOptions, verifyStore } from "./verify-store";

export interface LedgerOptions {
  /** Where events live: `memoryStore()`, `sqliteStore(path)`, a PostgreSQL store, … */
  readonly store: Store;
  /**
   * Names this ledger (e.g. `crm.example.com/ledger`). Required when the store is new;
   * checked against the stored id otherwise. Binds the genesis hash.
   */
  readonly ledgerId?: string;
  /** Clock for `recordedAt`; defaults to the system clock. */
  readonly clock?: () => Date;
  /** Largest canonical event in bytes (default 256 KiB); larger inputs are rejected. */
  readonly maxEventBytes?: number;
  /** How often an append retries after another writer moved the head (default 20). */
  readonly maxConflictRetries?: number;
  /** Most events one group commit writes in one store transaction (default 2000). */
  readonly maxGroupEvents?: number;
  /** Where errors thrown by `onAppend` listeners go (default: console.error with the code). */
  readonly onListenerError?: (e: unknown) => void;
  /**
   * Per-subject data keys for personal values (issue 4): a key store kept apart from
   * `store`, and the host's key-encryption key. Without it, inputs with `personal` are
   * refused with `KEY_UNAVAILABLE`. Opening rejects with `WRONG_KEK` for the wrong KEK.
   */
  readonly keys?: LedgerKeysOptions;
  /**
   * Accept ids that look like phone numbers (`090-1234-5678`, `09012345678`) in appended
   * events. Default false: they are refused with DECODE_ERROR, because ids stay in clear
   * after erasure; derive subject ids with `pseudonymId` from `@daicho/core/pseudonym`
   * instead. Opt out only for ids that are not personal data, or to keep appending to a
   * ledger that already holds such ids (docs/spec.md §2.3).
   */
  readonly allowPhoneLikeIds?: boolean;
  /**
   * The envelope version of a new ledger (docs/spec.md §13.8): `2` hashes each subject's
   * share of an event separately, so an extract can show a shared event to one subject
   * without the others. Default 1. Fixed at creation: opening an existing ledger with
   * another version is `INVALID_ARGUMENT`; left out, the stored version is used.
   */
  readonly envelope?: EnvelopeVersion;
  /**
   * Worker threads that decode and canonicalize large batches off the main thread, which
   * then only splices in each event's chain position and links and hashes it (the bytes
   * are the same as on one thread), and group commits of small appends that pile up
   * behind a write. Default 0: every append on the calling thread — on the shared 2-core
   * machine the pool cut main-thread CPU per event by about 40 % but cost more CPU in all
   * and lowered throughput (docs/benchmarks.md, "append pool"); use it where the calling
   * thread is the bottleneck and cores are idle. Threads start on the first large batch,
   * never hold the process open while idle, and end with `close()`. Inputs must be structured-cloneable plain data (what `EventInput` describes);
   * any other input is appended on the calling thread, with that path's errors. Works for
   * both envelope versions (on v2 the threads also draw each subject's salt and hash its
   * commitment).
   */
  readonly workers?: number;
  /** Smallest batch handed to the workers (default 256 inputs); smaller ones stay on the calling thread. */
  readonly workerThreshold?: number;
}

/** The key store, KEK and cache settings a ledger seals personal values with. */
export interface LedgerKeysOptions {
  readonly store: KeyStore;
  readonly kek: Kek;
  /** Most unwrapped data keys held in memory (default 10 000). */
  readonly cacheSize?: number;
  /** How long an unwrapped key is served from memory, in ms (default 60 000). */
  readonly cacheTtlMs?: number;
}

/** Conditions an append must meet at the moment it is sealed onto the store's head. */
export interface AppendOptions {
  /**
   * The latest event about each named subject that the caller decided on (`null`: no
   * event about it). The batch is sealed only if, on the store's current head, each
   * subject's latest event is still that one; otherwise it rejects with
   * `CONCURRENCY_CONFLICT` (`details.subject`), nothing is written, and the caller
   * re-reads and decides again. The heads are read from the store for the check, never
   * from this ledger's cache, and an event appended meanwhile by another process moves the
   * store's head, so the store's own head check makes the condition hold across processes.
   */
  readonly expectSubjectHeads?: ReadonlyMap<string, SubjectHead | null>;
}

/** A decoded input whose id is fixed and whose personal values are sealed (no plaintext left). */
type PreparedInput = EventInput & { readonly id: string; readonly sealed?: readonly SealedField[] };

/** An input the pool decoded into parts (`seal-parts.ts`), with its id fixed and values sealed. */
interface PooledInput {
  readonly parts: SealParts;
  readonly subjects: readonly string[];
  readonly id: string;
  readonly sealed?: readonly SealedField[];
}

/** What the commit queue holds for each input. */
type QueuedInput = PreparedInput | PooledInput;

/** An event with its personal fields opened: plaintext, or a `Redacted` marker. */
export type OpenedEvent = LedgerEvent & { readonly fields: readonly PersonalField[] };

/** An event sealed for the store, with its caller-facing form. */
type Sealed = ReturnType<typeof sealEvent>;

interface PendingBatch {
  readonly inputs: readonly QueuedInput[];
  /** How error paths name an input: `$` for `append`, `$[i]` for `appendBatch`. */
  readonly at: InputPath;
  readonly expect?: ReadonlyMap<string, SubjectHead | null>;
  readonly resolve: (events: LedgerEvent[]) => void;
  readonly reject: (e: unknown) => void;
}

/** Called after events are durably appended, in sequence order. */
export type AppendListener = (events: readonly LedgerEvent[]) => void;

const DEFAULT_MAX_EVENT_BYTES = 256 * 1024;
/** Batches from this size go to the append pool (measured: docs/benchmarks.md, "append pool"). */
const DEFAULT_WORKER_THRESHOLD = 256;
/** Subject heads remembered between commits; past this the cache starts afresh. */
const MAX_CACHED_SUBJECTS = 50_000;
/** Printable ASCII without space or '+': usable as a C2SP checkpoint origin and note name. */
const LEDGER_ID = /^[\x21-\x2A\x2C-\x7E]{1,255}$/;

/**
 * Open a ledger on a store, creating its metadata if the store is new. The returned
 * ledger serialises its own appends and retries transparently when another process
 * appended first; the chain can never fork because the store refuses stale heads.
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  const { store } = options;
  let meta = await store.meta();
  if (options.ledgerId !== undefined && !LEDGER_ID.test(options.ledgerId)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "ledgerId must be 1–255 printable ASCII characters without spaces or '+' (docs/spec.md §1)",
      { path: "ledgerId" },
    );
  }
  if (meta === null) {
    if (options.ledgerId === undefined) {
      throw new DaichoError("INVALID_ARGUMENT", "a new ledger needs a ledgerId", {
        path: "ledgerId",
      });
    }
    meta = await store.init({
      ledgerId: options.ledgerId,
      createdAt: new Date().toISOString(),
      envelopeVersion: envelopeOption(options.envelope),
    });
  }
  if (options.envelope !== undefined && meta.envelopeVersion !== options.envelope) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `this ledger was created with envelope version ${meta.envelopeVersion}; a ledger never changes or mixes versions (leave \`envelope\` out to use the stored one)`,
      { path: "envelope" },
    );
  }
  if (options.ledgerId !== undefined && meta.ledgerId !== options.ledgerId) {
    throw ledgerMismatch("store", meta.ledgerId, options.ledgerId);
  }
  const keys =
    options.keys === undefined
      ? undefined
      : await openKeyRing({
          store: options.keys.store,
          kek: options.keys.kek,
          fence: ledgerFence(store),
          cacheSize: options.keys.cacheSize,
          cacheTtlMs: options.keys.cacheTtlMs,
          clock: options.clock,
        });
  return new Ledger(store, meta, options, keys);
}

export class Ledger {
  readonly genesis: string;
  private readonly clock: () => Date;
  private readonly maxEventBytes: number;
  private readonly maxRetries: number;
  private readonly listeners = new Set<AppendListener>();
  private readonly maxGroupEvents: number;
  private readonly pending: PendingBatch[] = [];
  private writing = false;
  private prepareTail: Promise<void> | undefined;
  private readonly onListenerError: (e: unknown) => void;
  private readonly decodeOptions: DecodeInputOptions;
  private readonly pool: AppendPool | undefined;
  private readonly workerThreshold: number;
  /** Small batches arriving while a write is in flight, decoded together on the pool. */
  private collecting: Collected | undefined;
  /** The head and subject heads after this ledger's last successful append (see `knownPosition`). */
  private position: { head: ChainHead | null; subjects: Map<string, SubjectHead> } | undefined;

  constructor(
    readonly store: Store,
    readonly meta: LedgerMeta,
    options: LedgerOptions,
    /** The data-key ring personal values are sealed with, when the ledger was opened with `keys`. */
    readonly keys?: KeyRing,
  ) {
    if (keys !== undefined) {
      // The erasure fence: a fence event appended through this ledger evicts at once, and
      // the fence follows this ledger's own appends without reading them back.
      this.listeners.add((events) => {
        keys.observeAppended(events);
        for (const e of events) {
          if (!FENCE_EVENT_TYPES.has(e.type)) continue;
          for (const s of e.subjects ?? []) keys.observeFence(s.id);
        }
      });
    }
    this.genesis = genesisHash(meta.ledgerId);
    this.clock = options.clock ?? (() => new Date());
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.maxRetries = options.maxConflictRetries ?? 20;
    this.maxGroupEvents = options.maxGroupEvents ?? 2000;
    this.decodeOptions = { allowPhoneLikeIds: options.allowPhoneLikeIds === true };
    const workers = workerCount(options.workers);
    // The pool's splice (seal-parts.ts) writes both envelope versions' bodies.
    this.pool =
      workers > 0 ? new AppendPool(workers, meta.envelopeVersion === 2 ? 2 : 1) : undefined;
    this.workerThreshold = positiveInteger(
      options.workerThreshold ?? DEFAULT_WORKER_THRESHOLD,
      "workerThreshold",
    );
    this.onListenerError =
      options.onListenerError ??
      ((e) => console.error("daicho: append listener failed:", isDaichoError(e) ? e.code : e));
  }

  get ledgerId(): string {
    return this.meta.ledgerId;
  }

  /**
   * Decode, hash, link and durably append one event. Rejects with a `DaichoError`
   * (`DECODE_ERROR` naming the path, `PAYLOAD_TOO_LARGE`, …) and appends nothing when the
   * input is invalid.
   */
  async append<T extends EventType>(
    input: EventInput<T>,
    options?: AppendOptions,
  ): Promise<LedgerEvent<T>> {
    const [event] = await this.submit([input], options, singlePath);
    return event as LedgerEvent<T>;
  }

  /**
   * Append a batch atomically: every input is decoded first, and one invalid input
   * rejects the whole batch with nothing written. Batches submitted while a write is in
   * flight are committed together in the next store transaction (group commit); each
   * caller's batch stays contiguous and all-or-nothing. `options.expectSubjectHeads`
   * makes the batch conditional on the subjects' latest events (see `AppendOptions`).
   * Error paths name the input by its index (`$[2].payload.fields[0]`).
   *
   * Inputs are typed ({@link EventInput}); input that arrives untyped (a request body, a
   * file) is checked first with `decodeEventInputOrThrow`, which names what is wrong.
   */
  async appendBatch<T extends EventType>(
    inputs: readonly EventInput<T>[],
    options?: AppendOptions,
  ): Promise<LedgerEvent<T>[]> {
    return (await this.submit(inputs, options, batchPath)) as LedgerEvent<T>[];
  }

  private async submit(
    inputs: readonly unknown[],
    options: AppendOptions | undefined,
    at: InputPath,
  ): Promise<LedgerEvent[]> {
    // Keys created for this batch are provisional until it commits; a rejected batch
    // (bad input, too large, duplicate id, store failure) leaves none behind.
    const lease = this.keys?.lease();
    let committed = false;
    try {
      const decoded = await this.prepare(inputs, lease, at);
      if (decoded.length === 0) return [];
      const expect = options?.expectSubjectHeads;
      const events = await new Promise<LedgerEvent[]>((resolve, reject) => {
        this.pending.push({ inputs: decoded, at, ...(expect ? { expect } : {}), resolve, reject });
        void this.drain();
      });
      committed = true;
      return events;
    } finally {
      if (lease !== undefined && lease.keys.size > 0) {
        await this.keys?.settle(lease, committed, (s, k) => this.sealsUnder(s, k));
      }
    }
  }

  /** True when a (hash-verified) event about `subject` holds a value sealed under `keyId`. */
  private async sealsUnder(subject: string, keyId: string): Promise<boolean> {
    for await (const e of readSubjectVerified(this.store, subject)) {
      if (e.personal?.some((f) => f.subject === subject && f.keyId === keyId)) return true;
    }
    return false;
  }

  /**
   * Open an event's personal fields with the subjects' data keys: plaintext where the key
   * is live, a typed `Redacted` marker where it is erased or absent. Rejects with
   * `CIPHERTEXT_TAMPERED` when a ciphertext fails authentication under a live key (moved
   * between events, subjects or fields, or altered) — tampering is never shown as erasure.
   */
  async openPersonal(event: LedgerEvent): Promise<PersonalField[]> {
    if (event.personal === undefined || event.personal.length === 0) return [];
    if (this.keys === undefined) {
      throw new DaichoError("KEY_UNAVAILABLE", "ledger was opened without a key store", {
        path: "keys",
      });
    }
    // One fence refresh per event: a fence any process recorded before this call is honoured.
    return openPersonal(await this.keys.session(), this.ledgerId, event);
  }

  /** Events in sequence order with their personal fields opened (see `openPersonal`). */
  async *readOpened(range?: ReadRange): AsyncIterable<OpenedEvent> {
    for await (const event of this.read(range)) {
      yield { ...event, fields: await this.openPersonal(event) };
    }
  }

  /** Register a listener for appended events; returns a function that removes it. */
  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last event's sequence number and hash, or null for an empty ledger. */
  head(): Promise<ChainHead | null> {
    return this.store.head();
  }

  /** Events in sequence order, parsed. */
  async *read(range?: ReadRange): AsyncIterable<LedgerEvent> {
    for await (const stored of this.store.read(range)) yield toLedgerEvent(stored);
  }

  /**
   * Recompute every hash and link from the stored bytes and check every copy the store
   * answers from (columns, head, subject index) against them; see `verifyStore`. Pass
   * `also: [await treeCheck(…)]` from `@daicho/core/checkpoint` to check the stored Merkle
   * tree and checkpoints in the same pass.
   */
  verify(options?: StoreVerifyOptions): Promise<VerifyReport> {
    return verifyStore(this.store, this.genesis, options);
  }

  /**
   * Verify only what was appended since `held` (from an earlier call; null: everything),
   * with `verify`'s checks; keep the returned `head` for the next call. See `verifyFrom`.
   */
  verifyFrom(
    held: VerifiedHead | null,
    options?: IncrementalVerifyOptions,
  ): Promise<IncrementalVerifyResult> {
    return verifyFrom(this.store, this.genesis, held, options);
  }

  /**
   * Close the event store, the append pool's worker threads and, when the ledger was
   * opened with `keys`, the key store.
   */
  async close(): Promise<void> {
    await this.pool?.close();
    await this.store.close();
    await this.keys?.store.close();
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const group: PendingBatch[] = [];
        let size = 0;
        while (this.pending.length > 0 && (group.length === 0 || size < this.maxGroupEvents)) {
          const next = this.pending.shift() as PendingBatch;
          group.push(next);
          size += next.inputs.length;
        }
        await this.commitGroup(group);
      }
    } finally {
      this.writing = false;
    }
  }

  /** Seal every batch of the group onto the current head and write them in one append. */
  private async commitGroup(group: readonly PendingBatch[]): Promise<void> {
    const limit = this.store.appendLimit;
    for (let attempt = 0; ; attempt++) {
      let sealed: { batch: PendingBatch; events: Sealed[] }[];
      const deferred: PendingBatch[] = [];
      let head: ChainHead | null;
      try {
        const known = await this.knownPosition(group);
        head = known.head;
        const subjectHeads = known.subjects;
        sealed = [];
        let tip = head;
        let bytes = 0;
        for (const batch of group) {
          if (deferred.length > 0) {
            deferred.push(batch); // keep call order behind the first batch that did not fit
            continue;
          }
          try {
            if (batch.expect !== undefined) assertSubjectHeads(batch.expect, subjectHeads);
            // An overlay, so a batch that fails half-way leaves the shared map untouched.
            const events = this.seal(batch, tip, overlay(subjectHeads));
            if (limit !== undefined) {
              const need = appendBytes(limit, events);
              if (need > limit.maxBytes) throw tooLargeForOneAppend(this.store.kind, need, limit);
              if (sealed.length > 0 && bytes + need > limit.maxBytes) {
                deferred.push(batch); // the next append takes it, re-sealed on the new head
                continue;
              }
              bytes += need;
            }
            const last = (events[events.length - 1] as Sealed).stored;
            for (const { stored: e } of events)
              for (const s of e.subjects) subjectHeads.set(s, { seq: e.seq, hash: e.hash });
            tip = { seq: last.seq, hash: last.hash };
            sealed.push({ batch, events });
          } catch (e) {
            batch.reject(e); // only this caller's input was bad; the others go on
          }
        }
        if (sealed.length === 0) return;
        await this.store.append(
          sealed.flatMap((s) => s.events.map((e) => e.stored)),
          head,
        );
        this.position = { head: tip, subjects: subjectHeads };
      } catch (e) {
        // Whatever failed, the head may have moved (another writer, or a commit whose
        // acknowledgement was lost): read it again before the next attempt.
        this.position = undefined;
        if (isDaichoError(e, "CONCURRENCY_CONFLICT") && attempt < this.maxRetries) {
          await backoff(attempt);
          continue;
        }
        for (const batch of group) batch.reject(e);
        return;
      }
      this.pending.unshift(...deferred);
      const all = sealed.flatMap((s) => s.events.map((e) => e.event));
      this.notify(all);
      let offset = 0;
      for (const s of sealed) {
        s.batch.resolve(all.slice(offset, offset + s.events.length));
        offset += s.events.length;
      }
      return;
    }
  }

  /**
   * The head a group extends and the latest event about each of its subjects. After a
   * successful append the ledger knows both without asking the store: if another writer
   * appended meanwhile, the store refuses the stale head (CONCURRENCY_CONFLICT), the
   * cache is dropped and the next attempt reads the store. This saves two round trips per
   * commit for the common single-writer case.
   */
  private async knownPosition(
    group: readonly PendingBatch[],
  ): Promise<{ head: ChainHead | null; subjects: Map<string, SubjectHead> }> {
    let position = this.position;
    if (position === undefined || position.subjects.size > MAX_CACHED_SUBJECTS) {
      position = { head: await this.store.head(), subjects: new Map() };
    }
    const missing = new Set<string>();
    for (const batch of group) {
      for (const input of batch.inputs) {
        for (const s of input.subjects ?? []) if (!position.subjects.has(s)) missing.add(s);
      }
      // A condition is checked against the store, never against this ledger's cache.
      for (const s of batch.expect?.keys() ?? []) missing.add(s);
    }
    // Mutated in place: on failure the whole cache is dropped, on success it is current.
    const subjects = position.subjects;
    if (missing.size > 0) {
      const found = await this.store.subjectHeads([...missing]);
      for (const s of missing) {
        const h = found.get(s);
        if (h === undefined) subjects.delete(s);
        else subjects.set(s, h);
      }
    }
    return { head: position.head, subjects };
  }

  /** Listeners run after the events are durable; a throwing listener cannot undo or fail the append. */
  private notify(events: readonly LedgerEvent[]): void {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  /**
   * Decode the inputs, fix ids and seal personal values, keeping call order. Large batches
   * are decoded on the append pool (the main thread goes on meanwhile) and continue in
   * call order behind `prepareTail`; a batch the pool refuses is decoded here, so its
   * error is this thread's. Small batches without personal values take a synchronous path
   * when nothing is being prepared, so plain appends queue exactly as before.
   */
  private async prepare(
    inputs: readonly unknown[],
    lease: KeyLease | undefined,
    at: InputPath,
  ): Promise<QueuedInput[]> {
    const pooled =
      this.pool === undefined || !Array.isArray(inputs)
        ? undefined
        : inputs.length >= this.workerThreshold
          ? this.pool.prepare(inputs, this.decodeOptions.allowPhoneLikeIds === true)
          : this.writing
            ? this.collect(inputs)
            : undefined;
    pooled?.catch(() => {}); // awaited in call order below
    let run: Promise<QueuedInput[]>;
    if (pooled === undefined) {
      const decoded = decodeBatch(inputs, at, this.decodeOptions);
      const sealing = decoded.some((i) => (i.personal?.length ?? 0) > 0);
      if (!sealing && this.prepareTail === undefined) {
        return decoded.map((i) => ({ ...i, id: i.id ?? uuidv7() }) as PreparedInput);
      }
      run = (this.prepareTail ?? Promise.resolve()).then(() =>
        prepareInputs(this, decoded, lease, at),
      );
    } else {
      run = (this.prepareTail ?? Promise.resolve()).then(async () => {
        const prepared = await pooled;
        if (prepared !== undefined) return preparePooled(this, prepared, lease, at);
        return prepareInputs(this, decodeBatch(inputs, at, this.decodeOptions), lease, at);
      });
    }
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.prepareTail = tail;
    try {
      return await run;
    } finally {
      if (this.prepareTail === tail) this.prepareTail = undefined;
    }
  }

  /**
   * Group commit on the pool: a small batch submitted while a write is in flight joins the
   * others submitted before the event loop turns; together they go to the pool when they
   * reach `workerThreshold` inputs. Resolves this batch's parts, or `undefined` when the
   * group stayed small or one of its inputs was refused: then each batch is decoded on
   * this thread, so only the batch with the bad input fails, with this thread's error.
   */
  private collect(inputs: readonly unknown[]): Promise<PreparedParts[] | undefined> {
    let group = this.collecting;
    if (group === undefined) {
      const created: Collected = { inputs: [], waiters: [] };
      group = created;
      this.collecting = created;
      later(() => this.flush(created));
    }
    const from = group.inputs.length;
    for (const input of inputs) group.inputs.push(input);
    const to = group.inputs.length;
    return new Promise((resolve, reject) => group.waiters.push({ from, to, resolve, reject }));
  }

  private flush(group: Collected): void {
    if (this.collecting === group) this.collecting = undefined;
    const pool = this.pool;
    if (pool === undefined || group.inputs.length < this.workerThreshold) {
      for (const w of group.waiters) w.resolve(undefined);
      return;
    }
    pool.prepare(group.inputs, this.decodeOptions.allowPhoneLikeIds === true).then(
      (prepared) => {
        for (const w of group.waiters) w.resolve(prepared?.slice(w.from, w.to));
      },
      (e: unknown) => {
        for (const w of group.waiters) w.reject(e);
      },
    );
  }

  private seal(
    { inputs, at }: PendingBatch,
    head: ChainHead | null,
    subjectHeads: Pick<Map<string, SubjectHead>, "get" | "set">,
  ): Sealed[] {
    const recordedAt = this.clock().toISOString();
    let seq = head === null ? 0 : head.seq + 1;
    let prevHash = head === null ? this.genesis : head.hash;
    return inputs.map((input, i) => {
      const sealed =
        "parts" in input
          ? spliceParts(input.parts, {
              seq,
              prevHash,
              id: input.id,
              recordedAt,
              subjectHeads,
              personal: input.sealed,
            })
          : this.meta.envelopeVersion === 2
            ? // v2 on this thread through the same splice as the pool (seal-parts.ts): the
              // body is canonicalized once, in pieces, and its parts hashed from those
              // strings (the property test holds it equal to `sealEvent(buildBody(…))`).
              spliceParts(sealParts(input, { envelope: 2 }), {
                seq,
                prevHash,
                id: input.id,
                recordedAt,
                subjectHeads,
                personal: input.sealed,
              })
            : sealEvent(
                buildBody(input, {
                  position: { seq, prevHash },
                  id: input.id,
                  recordedAt,
                  subjectHeads,
                  personal: input.sealed,
                }),
              );
      const { stored } = sealed;
      if (
        stored.body.length > this.maxEventBytes / 3 &&
        Buffer.byteLength(stored.body, "utf8") > this.maxEventBytes
      ) {
        throw new DaichoError("PAYLOAD_TOO_LARGE", `event exceeds ${this.maxEventBytes} bytes`, {
          path: at(i),
        });
      }
      for (const s of stored.subjects) subjectHeads.set(s, { seq: stored.seq, hash: stored.hash });
      seq++;
      prevHash = stored.hash;
      return sealed;
    });
  }
}

/**
 * Fix each input's event id and seal its personal values under the subjects' data keys,
 * before the inputs join the commit queue: the ids are part of the sealed values'
 * associated data, and sealing needs key-store I/O the synchronous sealer must not do.
 * The plaintext `personal` member is dropped from what is queued.
 */
function prepareInputs(
  ledger: Ledger,
  inputs: readonly EventInput[],
  lease: KeyLease | undefined,
  at: InputPath,
): Promise<PreparedInput[]> {
  return fixIdsAndSeal(ledger, inputs, lease, at, (input) => {
    const { personal, ...rest } = input;
    return {
      id: rest.id,
      personal,
      queue: (id, sealed) => ({ ...rest, id, ...(sealed ? { sealed } : {}) }) as PreparedInput,
    };
  });
}

/** {@link prepareInputs} for inputs the append pool decoded into parts. */
function preparePooled(
  ledger: Ledger,
  prepared: readonly PreparedParts[],
  lease: KeyLease | undefined,
  at: InputPath,
): Promise<PooledInput[]> {
  return fixIdsAndSeal(ledger, prepared, lease, at, ({ parts, personal }) => ({
    id: parts.id,
    personal,
    queue: (id, sealed) => ({
      parts,
      subjects: parts.subjects,
      id,
      ...(sealed ? { sealed } : {}),
    }),
  }));
}

async function fixIdsAndSeal<I, Q>(
  ledger: Ledger,
  items: readonly I[],
  lease: KeyLease | undefined,
  at: InputPath,
  split: (item: I) => {
    readonly id: string | undefined;
    readonly personal: EventInput["personal"];
    readonly queue: (id: string, sealed?: readonly SealedField[]) => Q;
  },
): Promise<Q[]> {
  const out: Q[] = [];
  let keys: DataKeySource | undefined;
  for (let i = 0; i < items.length; i++) {
    const { id: given, personal, queue } = split(items[i] as I);
    const id = given ?? uuidv7();
    if (personal === undefined || personal.length === 0) {
      out.push(queue(id));
      continue;
    }
    if (ledger.keys === undefined) {
      throw new DaichoError("KEY_UNAVAILABLE", "personal values need a ledger opened with `keys`", {
        path: `${at(i)}.personal`,
      });
    }
    // One fence refresh for the whole batch (a fence recorded before it began is honoured).
    keys ??= await ledger.keys.session(lease);
    out.push(queue(id, await sealPersonal(keys, ledger.ledgerId, id, personal)));
  }
  return out;
}

/**
 * The condition of `AppendOptions.expectSubjectHeads`, checked on the heads the batch is
 * about to be sealed on (the store's, plus the batches sealed before it in this group).
 */
function assertSubjectHeads(
  expected: ReadonlyMap<string, SubjectHead | null>,
  heads: ReadonlyMap<string, SubjectHead>,
): void {
  for (const [subject, want] of expected) {
    const found = heads.get(subject);
    if (want === null ? found === undefined : found?.seq === want.seq && found.hash === want.hash)
      continue;
    throw new DaichoError(
      "CONCURRENCY_CONFLICT",
      "an event about the subject was recorded after the caller decided; read again and decide again",
      {
        retryable: true,
        details: { subject, expected: want, found: found ?? null },
      },
    );
  }
}

/** A map view that reads through to `base` and keeps its own writes to itself. */
/** Bytes `events` take in one append of a store with an `AppendLimit`. */
function appendBytes(limit: AppendLimit, events: readonly Sealed[]): number {
  let n = 0;
  for (const e of events) n += limit.eventBytes(e.stored);
  return n;
}

function tooLargeForOneAppend(kind: string, need: number, limit: AppendLimit): DaichoError {
  return new DaichoError(
    "PAYLOAD_TOO_LARGE",
    `the batch needs ${need} bytes in one ${kind} append, which takes at most ${limit.maxBytes}: append it in smaller batches`,
    { path: "$", details: { bytes: need, maxBytes: limit.maxBytes } },
  );
}

function overlay(
  base: ReadonlyMap<string, SubjectHead>,
): Pick<Map<string, SubjectHead>, "get" | "set"> {
  const own = new Map<string, SubjectHead>();
  return {
    get: (key) => own.get(key) ?? base.get(key),
    set(key, value) {
      own.set(key, value);
      return this as Map<string, SubjectHead>;
    },
  };
}

/** Small batches gathered for one trip to the pool (see `Ledger.collect`). */
interface Collected {
  readonly inputs: unknown[];
  readonly waiters: {
    readonly from: number;
    readonly to: number;
    readonly resolve: (parts: PreparedParts[] | undefined) => void;
    readonly reject: (e: unknown) => void;
  }[];
}

/** Run `f` once the event loop has turned (after the I/O callbacks of this turn). */
function later(f: () => void): void {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  if (immediate !== undefined) immediate(f);
  else setTimeout(f, 0);
}

/** The JSON path error messages give the `i`-th input of a call. */
type InputPath = (i: number) => string;
/** `append` takes one input: its paths start at `$` (`$.payload.fields[2]`), never `$[0]`. */
const singlePath: InputPath = () => "$";
const batchPath: InputPath = (i) => `$[${i}]`;

function decodeBatch(
  inputs: readonly unknown[],
  at: InputPath,
  options: DecodeInputOptions,
): EventInput[] {
  if (!Array.isArray(inputs)) {
    throw new DaichoError("DECODE_ERROR", "expected an array of events", { path: "$" });
  }
  return inputs.map((input, i) => {
    const result = decodeEventInput(input, at(i), options);
    if (E.isLeft(result)) throw result.left;
    return result.right;
  });
}

function workerCount(workers: number | undefined): number {
  if (workers === undefined) return 0;
  if (!Number.isSafeInteger(workers) || workers < 0 || workers > 64) {
    throw new DaichoError("INVALID_ARGUMENT", "workers is an integer from 0 to 64", {
      path: "workers",
    });
  }
  return workers;
}

function positiveInteger(n: number, path: string): number {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new DaichoError("INVALID_ARGUMENT", `${path} is a positive integer`, { path });
  }
  return n;
}

/** Parse a stored event into the typed form handed to callers. */
export function toLedgerEvent(stored: StoredEvent): LedgerEvent {
  const body = JSON.parse(stored.body) as Omit<LedgerEvent, "hash">;
  return { ...body, hash: stored.hash } as LedgerEvent;
}

/** The envelope version a new ledger is created with; anything but 1 or 2 is refused. */
function envelopeOption(envelope: unknown): EnvelopeVersion {
  if (envelope === undefined || envelope === 1 || envelope === 2) return envelope ?? 1;
  throw new DaichoError("INVALID_ARGUMENT", "envelope must be 1 or 2 (docs/spec.md §13.8)", {
    path: "envelope",
  });
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(50, 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
