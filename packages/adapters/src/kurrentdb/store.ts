import {
  assertContiguousBatch,
  type ChainHead,
  concurrencyConflict,
  DaichoError,
  type LedgerMeta,
  type ReadRange,
  type Store,
  type StoredEvent,
  type SubjectHead,
  type SubjectIndexRow,
  sameHead,
} from "@daicho/core";
import type { KurrentDBClient } from "@kurrent/kurrentdb-client";
import {
  EVENT_TYPE,
  fromEventData,
  fromMetaData,
  kurrentError,
  kurrentEventId,
  META_TYPE,
  type StreamNames,
  streamNames,
  toEventData,
} from "./mapping";

export interface KurrentStoreOptions {
  /** A client you created (`KurrentDBClient.connectionString\`…\``); `close()` leaves it open. */
  readonly client?: KurrentDBClient;
  /** `kurrentdb://…` connection string; the store creates and disposes its own client. */
  readonly connectionString?: string;
  /** Which tenant's ledger (default `default`). */
  readonly tenant?: string;
  /** Stream name prefix (default `daicho`). */
  readonly prefix?: string;
}

type Client = KurrentDBClient;
type Kurrent = typeof import("@kurrent/kurrentdb-client");

/** Load the optional peer dependency, with a clear error when it is not installed. */
async function loadClient(): Promise<Kurrent> {
  try {
    return await import("@kurrent/kurrentdb-client");
  } catch (e) {
    throw new DaichoError(
      "STORE_UNAVAILABLE",
      "install @kurrent/kurrentdb-client to use the KurrentDB store",
      { cause: e },
    );
  }
}

/**
 * A `Store` on KurrentDB / EventStoreDB (`@kurrent/kurrentdb-client`, an optional peer
 * dependency). Each event is one KurrentDB event whose stream revision is its sequence
 * number; appends pass the expected head as `streamState`, so two writers with the same
 * expected head cannot both succeed. Per-subject heads and event-id uniqueness come from an
 * index each store instance keeps in memory and catches up from the stream before every
 * append (memory grows with the number of events and subjects; see docs/kurrentdb.md).
 * Not run against a server in this repository's CI: its conformance suite runs when
 * `DAICHO_KURRENTDB_URL` is set.
 */
export function kurrentdbStore(options: KurrentStoreOptions): Store {
  return new KurrentStore(options);
}

class KurrentStore implements Store {
  readonly kind = "kurrentdb";
  private readonly names: StreamNames;
  private clientPromise: Promise<{ client: Client; k: Kurrent }> | undefined;
  private closed = false;
  // The catch-up index: everything below `indexedTo` has been read.
  private indexedTo = 0;
  private indexHead: ChainHead | null = null;
  private readonly ids = new Set<string>();
  private readonly bySubject = new Map<string, number[]>();
  private readonly subjectHashes = new Map<string, string>();

  constructor(private readonly options: KurrentStoreOptions) {
    this.names = streamNames(options.prefix ?? "daicho", options.tenant ?? "default");
    if (options.client === undefined && options.connectionString === undefined) {
      throw new DaichoError("INVALID_ARGUMENT", "give a client or a connectionString", {
        path: "connectionString",
      });
    }
  }

  async init(meta: LedgerMeta): Promise<LedgerMeta> {
    const { client, k } = await this.connect();
    try {
      await client.appendToStream(
        this.names.meta,
        k.jsonEvent({ type: META_TYPE, data: { ...meta } }),
        { streamState: k.NO_STREAM },
      );
      return meta;
    } catch (e) {
      if ((e as { type?: string }).type !== "wrong-expected-version")
        throw kurrentError(e, this.names.meta);
    }
    const stored = (await this.meta()) as LedgerMeta;
    if (stored.ledgerId !== meta.ledgerId) {
      throw new DaichoError("LEDGER_MISMATCH", "store holds another ledger", {
        details: { stored: stored.ledgerId, requested: meta.ledgerId },
      });
    }
    return stored;
  }

  async meta(): Promise<LedgerMeta | null> {
    const { client, k } = await this.connect();
    try {
      for await (const resolved of client.readStream(this.names.meta, {
        fromRevision: k.START,
        maxCount: 1,
      })) {
        if (resolved.event !== undefined) return fromMetaData(resolved.event.data);
      }
      return null;
    } catch (e) {
      if (e instanceof k.StreamNotFoundError) return null;
      throw kurrentError(e, this.names.meta);
    }
  }

  async head(): Promise<ChainHead | null> {
    const { client, k } = await this.connect();
    try {
      for await (const resolved of client.readStream(this.names.events, {
        fromRevision: k.END,
        direction: k.BACKWARDS,
        maxCount: 1,
      })) {
        if (resolved.event !== undefined) {
          const e = fromEventData(resolved.event.data, resolved.event.revision);
          return { seq: e.seq, hash: e.hash };
        }
      }
      return null;
    } catch (e) {
      if (e instanceof k.StreamNotFoundError) return null;
      throw kurrentError(e, this.names.events);
    }
  }

  async append(events: readonly StoredEvent[], expected: ChainHead | null): Promise<void> {
    const { client, k } = await this.connect();
    if (events.length === 0) return;
    assertContiguousBatch(events, expected);
    await this.catchUp();
    if (!sameHead(this.indexHead, expected)) throw concurrencyConflict(expected, this.indexHead);
    events.forEach((e, i) => {
      if (this.ids.has(e.id)) {
        throw new DaichoError("DUPLICATE_EVENT", "event id is already recorded", {
          path: `events[${i}].id`,
        });
      }
    });
    try {
      await client.appendToStream(
        this.names.events,
        events.map((e) =>
          k.jsonEvent({ id: kurrentEventId(e.hash), type: EVENT_TYPE, data: toEventData(e) }),
        ),
        { streamState: expected === null ? k.NO_STREAM : BigInt(expected.seq) },
      );
    } catch (e) {
      throw kurrentError(e, this.names.events);
    }
    if (this.indexedTo === (expected === null ? 0 : expected.seq + 1))
      for (const e of events) this.index(e);
  }

  async *read(range: ReadRange = {}): AsyncIterable<StoredEvent> {
    const { client, k } = await this.connect();
    const from = Math.max(range.from ?? 0, 0);
    const to = range.to ?? Number.MAX_SAFE_INTEGER;
    if (from >= to) return;
    try {
      for await (const resolved of client.readStream(this.names.events, {
        fromRevision: BigInt(from),
        maxCount: BigInt(to - from),
      })) {
        if (resolved.event === undefined) continue;
        yield fromEventData(resolved.event.data, resolved.event.revision);
      }
    } catch (e) {
      if (e instanceof k.StreamNotFoundError) return;
      throw kurrentError(e, this.names.events);
    }
  }

  async get(seq: number): Promise<StoredEvent | undefined> {
    for await (const e of this.read({ from: seq, to: seq + 1 })) return e;
    return undefined;
  }

  async subjectHeads(subjects: readonly string[]): Promise<Map<string, SubjectHead>> {
    await this.catchUp();
    const heads = new Map<string, SubjectHead>();
    for (const s of subjects) {
      const seqs = this.bySubject.get(s);
      const last = seqs?.[seqs.length - 1];
      const hash = this.subjectHashes.get(s);
      if (last !== undefined && hash !== undefined) heads.set(s, { seq: last, hash });
    }
    return heads;
  }

  async *readSubject(subject: string): AsyncIterable<StoredEvent> {
    await this.catchUp();
    for (const seq of [...(this.bySubject.get(subject) ?? [])]) {
      const e = await this.get(seq);
      if (e !== undefined) yield e;
    }
  }

  async *readSubjectIndex(): AsyncIterable<SubjectIndexRow> {
    // The index is this process's own, built from the events it read (issue 17 moves it
    // to the server); verification still checks every row against the hashed bytes.
    await this.catchUp();
    for (const [subject, seqs] of [...this.bySubject]) {
      for (const seq of [...seqs]) {
        const e = await this.get(seq);
        yield { subject, seq, eventSubjects: e === undefined ? null : e.subjects };
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.options.client === undefined && this.clientPromise !== undefined) {
      const { client } = await this.clientPromise;
      await client.dispose();
    }
  }

  /** Read events this instance has not indexed yet (written by any process). */
  private async catchUp(): Promise<void> {
    for await (const e of this.read({ from: this.indexedTo })) this.index(e);
  }

  private index(e: StoredEvent): void {
    this.ids.add(e.id);
    for (const s of e.subjects) {
      const list = this.bySubject.get(s);
      if (list === undefined) this.bySubject.set(s, [e.seq]);
      else list.push(e.seq);
      this.subjectHashes.set(s, e.hash);
    }
    this.indexedTo = e.seq + 1;
    this.indexHead = { seq: e.seq, hash: e.hash };
  }

  private connect(): Promise<{ client: Client; k: Kurrent }> {
    if (this.closed) return Promise.reject(new DaichoError("STORE_CLOSED", "store is closed"));
    this.clientPromise ??= loadClient().then((k) => ({
      k,
      client:
        this.options.client ??
        k.KurrentDBClient.connectionString(this.options.connectionString as string),
    }));
    return this.clientPromise;
  }
}
