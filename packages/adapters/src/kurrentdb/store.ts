import {
  type AppendLimit,
  assertContiguousBatch,
  type ChainHead,
  concurrencyConflict,
  DaichoError,
  decodeWith,
  type LedgerMeta,
  type ReadRange,
  type Store,
  type StoredEvent,
  type StrayIndexRow,
  type SubjectHead,
  type SubjectIndexCount,
  sameHead,
} from "@daicho/core";
import * as E from "fp-ts/lib/Either.js";
import { appendRequests, eventBytes, sendAppend } from "./append";
import { type KurrentClient, loadClientModule } from "./client";
import { failureKind, kurrentError } from "./errors";
import { writeMeta } from "./init";
import { fromMetaData, type StreamNames, SubjectData, streamNames, subjectLinkOf } from "./mapping";
import {
  assertKeepsEverything,
  type Ctx,
  leader,
  mapLimited,
  pull,
  readEvents,
  readHead,
  readLinks,
  subjectState,
} from "./reads";

export interface KurrentStoreOptions {
  /**
   * A client you created (`KurrentDBClient.connectionString\`…\``); `close()` leaves it
   * open. Anything with the same methods works (the tests pass an in-process fake).
   */
  readonly client?: KurrentClient;
  /** `kurrentdb://…` connection string; the store creates and disposes its own client. */
  readonly connectionString?: string;
  /** Which tenant's ledger (default `default`). */
  readonly tenant?: string;
  /** Stream name prefix (default `daicho`). */
  readonly prefix?: string;
  /**
   * The server's `MaxAppendSize` in bytes (default 1048576, KurrentDB's default). One
   * append carries a batch and its index; the ledger splits group commits below it.
   */
  readonly maxAppendBytes?: number;
  /** gRPC deadline of each call in milliseconds (default 10000). */
  readonly deadlineMs?: number;
  /** Re-sends of an append whose outcome KurrentDB left open (default 3). */
  readonly retries?: number;
  /** First pause between re-sends in milliseconds, doubled each time (default 100). */
  readonly backoffMs?: number;
}

/** Subject streams read at once by `append` and `subjectHeads`. */
const SUBJECT_READS = 32;

/**
 * A `Store` on KurrentDB (`@kurrent/kurrentdb-client`, an optional peer dependency; the
 * server must be 25.1 or later for multi-stream appends). Each event is one KurrentDB
 * event whose stream revision is its sequence number; its subject links and id record are
 * written in the same atomic multi-stream append, so the subject index and id uniqueness
 * live on the server, not in this process. Every read that decides anything goes to the
 * leader, every returned revision is checked, and ledger streams whose metadata would let
 * KurrentDB hide events (soft delete, `$tb`, `$maxCount`, `$maxAge`) are refused with
 * `STORE_CORRUPT` before any write. See docs/kurrentdb.md for what was and was not run
 * against a real server.
 */
export function kurrentdbStore(options: KurrentStoreOptions): Store {
  return new KurrentStore(options);
}

class KurrentStore implements Store {
  readonly kind = "kurrentdb";
  readonly appendLimit: AppendLimit;
  private readonly names: StreamNames;
  private readonly inflight = new Set<Promise<unknown>>();
  private connecting: Promise<KurrentClient> | undefined;
  private closed = false;

  constructor(private readonly options: KurrentStoreOptions) {
    this.names = streamNames(options.prefix ?? "daicho", options.tenant ?? "default");
    if (options.client === undefined && options.connectionString === undefined) {
      throw new DaichoError("INVALID_ARGUMENT", "give a client or a connectionString", {
        path: "connectionString",
      });
    }
    const maxBytes = options.maxAppendBytes ?? 1024 * 1024;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 4096) {
      throw new DaichoError("INVALID_ARGUMENT", "maxAppendBytes must be an integer ≥ 4096", {
        path: "maxAppendBytes",
      });
    }
    const events = this.names.events;
    this.appendLimit = { maxBytes, eventBytes: (e) => eventBytes(e, events) };
  }

  async init(meta: LedgerMeta): Promise<LedgerMeta> {
    const ctx = await this.ctx();
    await Promise.all([
      assertKeepsEverything(ctx, this.names.meta, "meta"),
      assertKeepsEverything(ctx, this.names.events, "events"),
    ]);
    const stored = await this.meta();
    if (stored !== null) return sameLedger(stored, meta);
    if ((await readHead(ctx)) !== null) {
      throw new DaichoError(
        "STORE_CORRUPT",
        "the events stream holds events but the meta stream has no ledger metadata",
        { path: "meta" },
      );
    }
    const written = await writeMeta(ctx, meta, () => this.meta(), this.sendOptions());
    return sameLedger(written, meta);
  }

  async meta(): Promise<LedgerMeta | null> {
    const ctx = await this.ctx();
    try {
      const it = ctx.client.readStream(this.names.meta, { maxCount: 1n, ...leader(ctx) });
      for await (const resolved of pull(ctx, it)) {
        if (resolved.event !== undefined) return fromMetaData(resolved.event.data);
      }
    } catch (e) {
      if (failureKind(e) !== "not-found") throw kurrentError(e, "meta");
      await assertKeepsEverything(ctx, this.names.meta, "meta");
    }
    return null;
  }

  async head(): Promise<ChainHead | null> {
    return readHead(await this.ctx());
  }

  async append(events: readonly StoredEvent[], expected: ChainHead | null): Promise<void> {
    const ctx = await this.ctx();
    if (events.length === 0) return;
    assertContiguousBatch(events, expected);
    let bytes = 0;
    for (const e of events) bytes += this.appendLimit.eventBytes(e);
    if (bytes > this.appendLimit.maxBytes) {
      throw new DaichoError(
        "PAYLOAD_TOO_LARGE",
        `the batch and its index need up to ${bytes} bytes in one KurrentDB append; the server takes ${this.appendLimit.maxBytes} (MaxAppendSize): append smaller batches`,
        { path: "events", details: { bytes, maxBytes: this.appendLimit.maxBytes } },
      );
    }
    const subjects = [...new Set(events.flatMap((e) => e.subjects))].sort();
    const [head, states] = await Promise.all([
      readHead(ctx),
      mapLimited(subjects, SUBJECT_READS, (s) => subjectState(ctx, s)),
      assertKeepsEverything(ctx, this.names.events, "events"),
      assertKeepsEverything(ctx, this.names.subjects, "subject registry"),
    ]);
    if (!sameHead(head, expected)) throw concurrencyConflict(expected, head);
    const revisions = new Map(subjects.map((s, i) => [s, states[i]?.revision ?? null]));
    const requests = appendRequests(this.names, events, expected, revisions);
    await sendAppend(ctx, events, expected, requests, this.sendOptions());
  }

  async *read(range: ReadRange = {}): AsyncIterable<StoredEvent> {
    const from = Math.max(range.from ?? 0, 0);
    const to = Math.min(range.to ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (from >= to) return;
    yield* readEvents(await this.ctx(), from, to);
  }

  async get(seq: number): Promise<StoredEvent | undefined> {
    if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
    for await (const e of this.read({ from: seq, to: seq + 1 })) return e;
    return undefined;
  }

  async subjectHeads(subjects: readonly string[]): Promise<Map<string, SubjectHead>> {
    const ctx = await this.ctx();
    const unique = [...new Set(subjects)];
    const states = await mapLimited(unique, SUBJECT_READS, (s) => subjectState(ctx, s));
    const heads = new Map<string, SubjectHead>();
    unique.forEach((s, i) => {
      const state = states[i];
      if (state !== null && state !== undefined) heads.set(s, state.head);
    });
    return heads;
  }

  /**
   * One read of the subject's link stream, links resolved by the server. Each event must
   * name the subject and carry, in its body, the back-link to the one before it: a link
   * stream that was truncated, re-ordered or given a duplicate is `STORE_CORRUPT`, never a
   * shorter or reordered answer (subject access and the erasure fence read this).
   */
  async *readSubject(subject: string): AsyncIterable<StoredEvent> {
    const ctx = await this.ctx();
    let prev: StoredEvent | undefined;
    for await (const link of readLinks(ctx, subject)) {
      const e = link.target;
      const back = e === undefined ? undefined : subjectLinkOf(e.body, subject);
      const follows =
        prev === undefined
          ? back === null
          : back !== null &&
            back !== undefined &&
            back.prevSeq === prev.seq &&
            back.prevHash === prev.hash;
      if (e === undefined || !e.subjects.includes(subject) || !follows) {
        throw new DaichoError(
          "STORE_CORRUPT",
          "the subject index skips, repeats or reorders this subject's events (its link stream disagrees with the events' back-links); run verify",
          { path: link.seq === undefined ? "subject index" : `seq ${link.seq}` },
        );
      }
      prev = e;
      yield e;
    }
  }

  async *subjectIndexCounts(through: number): AsyncIterable<SubjectIndexCount> {
    for await (const { subject, links } of this.indexLinks()) {
      const rows = links.filter((l) => l.seq <= through).length;
      if (rows > 0) yield { subject, rows };
    }
  }

  async strayIndexRows(through: number, limit: number): Promise<readonly StrayIndexRow[]> {
    const out: StrayIndexRow[] = [];
    for await (const { subject, links } of this.indexLinks()) {
      for (const l of links) {
        const stray = l.subjects === null || (l.seq <= through && !l.subjects.includes(subject));
        if (stray) out.push({ subject, seq: l.seq });
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** Every subject of the registry with its link stream resolved (the server-side index). */
  private async *indexLinks(): AsyncIterable<{
    subject: string;
    links: { seq: number; subjects: readonly string[] | null }[];
  }> {
    const ctx = await this.ctx();
    const seen = new Set<string>();
    for await (const resolved of readRegistry(ctx)) {
      if (seen.has(resolved)) continue;
      seen.add(resolved);
      const links: { seq: number; subjects: readonly string[] | null }[] = [];
      for await (const link of readLinks(ctx, resolved)) {
        links.push({
          seq: link.seq ?? -1,
          subjects: link.target === undefined ? null : link.target.subjects,
        });
      }
      yield { subject: resolved, links };
    }
  }

  /** Waits for every call in flight (reads included), then disposes a client it created. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    if (this.options.client === undefined && this.connecting !== undefined) {
      const client = await this.connecting.catch(() => undefined);
      await client?.dispose();
    }
  }

  private sendOptions() {
    return { retries: this.options.retries ?? 3, backoffMs: this.options.backoffMs ?? 100 };
  }

  private async ctx(): Promise<Ctx> {
    this.open();
    const client = await this.track(this.connect());
    return {
      client,
      names: this.names,
      deadline: this.options.deadlineMs ?? 10_000,
      track: (p) => this.track(p),
      open: () => this.open(),
    };
  }

  private open(): void {
    if (this.closed) throw new DaichoError("STORE_CLOSED", "store is closed");
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /** The client; a failed attempt to create one is forgotten, so the next call tries again. */
  private connect(): Promise<KurrentClient> {
    if (this.options.client !== undefined) return Promise.resolve(this.options.client);
    if (this.connecting === undefined) {
      const attempt = createClient(this.options.connectionString as string);
      this.connecting = attempt;
      attempt.catch(() => {
        if (this.connecting === attempt) this.connecting = undefined;
      });
    }
    return this.connecting;
  }
}

async function createClient(connectionString: string): Promise<KurrentClient> {
  let k: Awaited<ReturnType<typeof loadClientModule>>;
  try {
    k = await loadClientModule();
  } catch (e) {
    throw new DaichoError(
      "STORE_UNAVAILABLE",
      "install @kurrent/kurrentdb-client to use the KurrentDB store",
      { cause: e, retryable: true },
    );
  }
  try {
    return k.KurrentDBClient.connectionString(connectionString);
  } catch (e) {
    // The message may quote the string, which can hold a password: keep only the cause.
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "the KurrentDB client did not accept the connection string",
      { path: "connectionString", cause: e },
    );
  }
}

function sameLedger(stored: LedgerMeta, meta: LedgerMeta): LedgerMeta {
  if (stored.ledgerId !== meta.ledgerId) {
    throw new DaichoError("LEDGER_MISMATCH", "store holds another ledger", {
      details: { stored: stored.ledgerId, requested: meta.ledgerId },
    });
  }
  return stored;
}

/** The registry's subjects, in the order they were first mentioned. */
async function* readRegistry(ctx: Ctx): AsyncGenerator<string> {
  for await (const record of readStreamData(ctx, ctx.names.subjects, "subject registry")) {
    const decoded = decodeWith(SubjectData, record, "subject registry");
    if (E.isLeft(decoded)) {
      throw new DaichoError("STORE_CORRUPT", "the subject registry holds a foreign event", {
        path: "subject registry",
      });
    }
    yield decoded.right.subject;
  }
}

/** The data of every event of a stream, read forwards from the leader. */
async function* readStreamData(ctx: Ctx, stream: string, role: string): AsyncGenerator<unknown> {
  try {
    for await (const resolved of pull(ctx, ctx.client.readStream(stream, leader(ctx)))) {
      yield resolved.event?.data;
    }
  } catch (e) {
    if (failureKind(e) !== "not-found") throw kurrentError(e, role);
    await assertKeepsEverything(ctx, stream, role);
  }
}
