/**
 * fakeKurrentClient — an in-process stand-in for `@kurrent/kurrentdb-client`'s
 * `KurrentDBClient`, for testing the KurrentDB store's own logic where no server can run.
 *
 * It models the server behaviours the store depends on AS DOCUMENTED (docs/kurrentdb.md,
 * "Sources"), not KurrentDB itself: passing against it proves the store handles those
 * behaviours as we understand them, never that the server behaves so. Modelled:
 * - expected-revision checks (`NO_STREAM`, `ANY`, `STREAM_EXISTS`, a revision), with the
 *   server's idempotent re-append of the same event ids at an earlier revision
 *   (IndexWriter.CheckCommit) on single-stream appends;
 * - soft delete (`$tb` = Int64.MaxValue: reads answer "stream not found"; an append with
 *   `NO_STREAM` or the last revision re-creates the stream after the old last revision and
 *   moves `$tb` there), hard delete (tombstone: reads and appends fail "stream deleted");
 * - truncation and retention on reads (`$tb`, `$maxCount`, `$maxAge`);
 * - `MaxAppendSize` (default 1 MiB) over the sum of a request's event sizes, single- and
 *   multi-stream; multi-stream append is atomic, absent on servers before 25.1;
 * - link events (`$>`) resolved by `resolveLinkTos`;
 * - `throwOnAppendFailure=false` (a lost race resolves `{ success: false }`, with the
 *   client's `nextExpectedRevision` of 1n, as its batch-append path reports it);
 * - faults: outage, a dropped acknowledgement (the write lands, the call times out), a
 *   write that lands after its call timed out, a leader change, and a follower that lags
 *   behind the leader for reads made without `requiresLeader`.
 * The error objects are the client's own classes, so the store's error mapping is tested
 * on what the client really throws.
 */
import {
  type AppendStreamRequest,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
  UnsupportedError,
  WrongExpectedVersionError,
} from "@kurrent/kurrentdb-client";
import type { KurrentClient } from "../client";

/** `$tb` of a soft-deleted stream: Int64.MaxValue, as a JS number the client would parse. */
export const SOFT_DELETED = Number(2n ** 63n - 1n); // what the client parses from the JSON

interface Rec {
  readonly streamId: string;
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly isJson: boolean;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly created: Date;
}

interface StreamState {
  records: Rec[];
  tombstoned: boolean;
}

export interface StreamMetadataLike {
  truncateBefore?: number;
  maxCount?: number;
  maxAge?: number;
  [key: string]: unknown;
}

type WriteFault = "unavailable" | "drop-ack" | "land-late" | "not-leader";
type ReadFault = "unavailable" | "not-leader";

export interface FakeKurrentOptions {
  /** The server's MaxAppendSize (default 1048576). */
  readonly maxAppendBytes?: number;
  /** False models a server before 25.1: `multiStreamAppend` is unsupported. */
  readonly multiStreamAppend?: boolean;
  /** The client's connection option (default true). */
  readonly throwOnAppendFailure?: boolean;
  /** Milliseconds since the epoch, for `$maxAge` (default Date.now). */
  readonly now?: () => number;
}

type Input = {
  id: string;
  type: string;
  contentType: string;
  data: unknown;
  metadata?: unknown;
};

/** The fake server and the client facing it. */
export class FakeKurrent {
  readonly client: KurrentClient;
  /** readStream calls per stream, and append calls, for asserting what the store asked. */
  readonly calls = { reads: new Map<string, number>(), appends: 0, multiAppends: 0 };
  private streams = new Map<string, StreamState>();
  private follower: Map<string, StreamState> | undefined;
  private readonly writeFaults: WriteFault[] = [];
  private readonly readFaults: ReadFault[] = [];
  private late: (() => void) | undefined;
  private down = false;
  private readonly maxAppendBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: FakeKurrentOptions = {}) {
    this.maxAppendBytes = options.maxAppendBytes ?? 1024 * 1024;
    this.now = options.now ?? Date.now;
    this.client = this.clientWith({});
  }

  /** Another client on the same server, e.g. one made with `throwOnAppendFailure=false`. */
  clientWith(options: { readonly throwOnAppendFailure?: boolean }): KurrentClient {
    const throwOnFailure =
      options.throwOnAppendFailure ?? this.options.throwOnAppendFailure ?? true;
    return {
      appendToStream: ((
        name: string,
        events: Input | Input[],
        opts: { streamState?: unknown } = {},
      ) =>
        this.appendToStream(
          name,
          Array.isArray(events) ? events : [events],
          opts.streamState ?? "any",
          throwOnFailure,
        )) as never,
      multiStreamAppend: ((requests: AppendStreamRequest[]) =>
        this.multiStreamAppend(requests)) as never,
      readStream: ((name: string, opts: ReadOptions = {}) => this.readStream(name, opts)) as never,
      getStreamMetadata: ((name: string, opts: { requiresLeader?: boolean } = {}) =>
        this.getStreamMetadata(name, opts)) as never,
      dispose: async () => {},
    };
  }

  // --- what an operator can do with another client -------------------------------------

  /** Soft delete (client `deleteStream`): `$tb` becomes Int64.MaxValue. */
  softDelete(name: string): void {
    this.setStreamMetadata(name, { ...this.metadataOf(name), truncateBefore: SOFT_DELETED });
  }

  /** Hard delete (client `tombstoneStream`). */
  tombstone(name: string): void {
    this.state(name).tombstoned = true;
  }

  /** Client `setStreamMetadata`: a new `$metadata` event in `$$name`. */
  setStreamMetadata(name: string, metadata: StreamMetadataLike): void {
    this.write(`$$${name}`, [
      {
        id: crypto.randomUUID(),
        type: "$metadata",
        contentType: "application/json",
        data: metadata,
      },
    ]);
  }

  /** Rewrite a stored event's data in place (a byte edit no API allows, for tamper tests). */
  tamper(name: string, revision: number, data: unknown): void {
    const s = this.state(name);
    const rec = s.records[revision] as Rec;
    s.records[revision] = { ...rec, data };
  }

  // --- faults ---------------------------------------------------------------------------

  /** The next write call fails this way (queued; one fault per call). */
  failNextWrite(fault: WriteFault, times = 1): void {
    for (let i = 0; i < times; i++) this.writeFaults.push(fault);
  }

  /** The next readStream/getStreamMetadata call fails this way. */
  failNextRead(fault: ReadFault, times = 1): void {
    for (let i = 0; i < times; i++) this.readFaults.push(fault);
  }

  /** Every call fails as unavailable until `setDown(false)`. */
  setDown(down: boolean): void {
    this.down = down;
  }

  /** From now on, reads without `requiresLeader` see the state as it is now (a lagging follower). */
  lagFollower(lag: boolean): void {
    this.follower = lag ? cloneStreams(this.streams) : undefined;
  }

  /** Names of every stream that holds records. */
  streamNames(): string[] {
    return [...this.streams.keys()].filter((n) => (this.streams.get(n)?.records.length ?? 0) > 0);
  }

  // --- the server -----------------------------------------------------------------------

  private state(name: string, from = this.streams): StreamState {
    let s = from.get(name);
    if (s === undefined) {
      s = { records: [], tombstoned: false };
      from.set(name, s);
    }
    return s;
  }

  private metadataOf(name: string, from = this.streams): StreamMetadataLike | undefined {
    const records = from.get(`$$${name}`)?.records ?? [];
    return records[records.length - 1]?.data as StreamMetadataLike | undefined;
  }

  private gate(): void {
    if (this.down) throw new UnavailableError();
  }

  private async appendToStream(
    name: string,
    events: Input[],
    expected: unknown,
    throwOnFailure: boolean,
  ) {
    this.calls.appends++;
    this.landLate();
    this.gate();
    const fault = this.writeFaults.shift();
    if (fault === "unavailable") throw new UnavailableError();
    if (fault === "not-leader") throw notLeader();
    this.checkSize(events);
    const check = this.check(name, events, expected);
    if (check !== "ok" && check !== "idempotent") {
      if (check instanceof WrongExpectedVersionError && !throwOnFailure) {
        return { success: false, nextExpectedRevision: 1n, position: undefined };
      }
      throw check;
    }
    const apply = () => (check === "ok" ? this.write(name, events) : undefined);
    if (fault === "land-late") {
      this.late = apply;
      throw new DeadlineExceededError();
    }
    apply();
    if (fault === "drop-ack") throw new DeadlineExceededError();
    const last = BigInt(this.state(name).records.length - 1);
    return { success: true, nextExpectedRevision: last, position: { commit: 0n, prepare: 0n } };
  }

  private async multiStreamAppend(requests: AppendStreamRequest[]) {
    this.calls.multiAppends++;
    this.landLate();
    this.gate();
    if (this.options.multiStreamAppend === false)
      throw new UnsupportedError("multiStreamAppend", "25.1");
    const fault = this.writeFaults.shift();
    if (fault === "unavailable") throw new UnavailableError();
    if (fault === "not-leader") throw notLeader();
    const names = new Set(requests.map((r) => r.streamName));
    if (names.size !== requests.length) throw new Error("each stream can only appear once");
    this.checkSize(requests.flatMap((r) => r.events as Input[]));
    for (const r of requests) {
      // Multi-stream appends are not assumed idempotent: a re-sent copy is a conflict.
      const check = this.check(r.streamName, r.events as Input[], r.expectedState, false);
      if (check !== "ok") throw check;
    }
    const apply = () => {
      for (const r of requests) this.write(r.streamName, r.events as Input[]);
    };
    if (fault === "land-late") {
      this.late = apply;
      throw new DeadlineExceededError();
    }
    apply();
    if (fault === "drop-ack") throw new DeadlineExceededError();
    return {
      position: 0n,
      responses: requests.map((r) => ({
        streamName: r.streamName,
        revision: BigInt(this.state(r.streamName).records.length - 1),
      })),
    };
  }

  private landLate(): void {
    const late = this.late;
    this.late = undefined;
    late?.();
  }

  /** KurrentDB sizes an event as its type, data and metadata (Event.SizeOnDisk) against MaxAppendSize. */
  private checkSize(events: Input[]): void {
    let size = 0;
    for (const e of events) {
      size +=
        Buffer.byteLength(e.type) +
        bytesOf(e.data) +
        (e.metadata === undefined ? 0 : bytesOf(e.metadata));
    }
    if (size > this.maxAppendBytes)
      throw MaxAppendSizeExceededError.fromMaxAppendSize(this.maxAppendBytes);
  }

  /** The server's commit check (IndexWriter.CheckCommit), reduced to what the store meets. */
  private check(
    name: string,
    events: Input[],
    expected: unknown,
    idempotent = true,
  ): "ok" | "idempotent" | Error {
    const s = this.state(name);
    if (s.tombstoned) return StreamDeletedError.fromStreamName(name);
    const cur = s.records.length - 1;
    const softDeleted = (this.metadataOf(name)?.truncateBefore ?? 0) >= Number.MAX_SAFE_INTEGER;
    const wrong = () =>
      new WrongExpectedVersionError(undefined, {
        streamName: name,
        expected: expected as bigint,
        current: cur < 0 ? "no_stream" : BigInt(cur),
      });
    const sameIdsFrom = (start: number) =>
      idempotent &&
      events.every((e, i) => s.records[start + i]?.id === e.id) &&
      start + events.length <= cur + 1;
    if (expected === "any")
      return sameIdsFrom(cur + 1 - events.length) && cur >= 0 ? "idempotent" : "ok";
    if (expected === "stream_exists") return cur < 0 || softDeleted ? wrong() : "ok";
    if (expected === "no_stream") {
      if (cur < 0 || softDeleted) return "ok";
      return sameIdsFrom(0) ? "idempotent" : wrong();
    }
    const r = Number(expected as bigint);
    if (r === cur) return "ok";
    if (r < cur && sameIdsFrom(r + 1)) return "idempotent";
    return wrong();
  }

  private write(name: string, events: Input[]): void {
    const s = this.state(name);
    const softDeleted = (this.metadataOf(name)?.truncateBefore ?? 0) >= Number.MAX_SAFE_INTEGER;
    const first = s.records.length;
    for (const e of events) {
      const isJson = e.contentType === "application/json";
      s.records.push({
        streamId: name,
        id: e.id,
        revision: BigInt(s.records.length),
        type: e.type,
        isJson,
        data: isJson ? JSON.parse(JSON.stringify(e.data)) : Uint8Array.from(e.data as Uint8Array),
        metadata: e.metadata,
        created: new Date(this.now()),
      });
    }
    // Re-creating a soft-deleted stream: only the new events stay visible.
    if (softDeleted && !name.startsWith("$$")) {
      this.setStreamMetadata(name, { ...this.metadataOf(name), truncateBefore: first });
    }
  }

  private async getStreamMetadata(name: string, opts: { requiresLeader?: boolean }) {
    this.readGate();
    const from =
      opts.requiresLeader === true || this.follower === undefined ? this.streams : this.follower;
    const metadata = this.metadataOf(name, from);
    return metadata === undefined
      ? { streamName: name }
      : { streamName: name, metadata, metastreamRevision: 0n };
  }

  private readGate(): void {
    this.gate();
    const fault = this.readFaults.shift();
    if (fault === "unavailable") throw new UnavailableError();
    if (fault === "not-leader") throw notLeader();
  }

  private async *readStream(name: string, opts: ReadOptions) {
    this.calls.reads.set(name, (this.calls.reads.get(name) ?? 0) + 1);
    this.readGate();
    const from =
      opts.requiresLeader === true || this.follower === undefined ? this.streams : this.follower;
    const s = from.get(name);
    if (s?.tombstoned === true) throw StreamDeletedError.fromStreamName(name);
    const visible = this.visible(name, from);
    if (visible === undefined) throw new StreamNotFoundError(undefined, name);
    const backwards = opts.direction === "backwards";
    let list = backwards ? [...visible].reverse() : visible;
    const start = opts.fromRevision;
    if (typeof start === "bigint") {
      list = list.filter((r) => (backwards ? r.revision <= start : r.revision >= start));
    }
    const max = Number(opts.maxCount ?? Number.MAX_SAFE_INTEGER);
    for (const rec of list.slice(0, max)) {
      yield opts.resolveLinkTos === true && rec.type === "$>"
        ? this.resolve(rec, from)
        : { event: view(rec) };
    }
  }

  /** The records a stream read returns, or undefined when the server answers "not found". */
  private visible(name: string, from: Map<string, StreamState>): Rec[] | undefined {
    const s = from.get(name);
    if (s === undefined || s.records.length === 0) return undefined;
    const meta = this.metadataOf(name, from) ?? {};
    if ((meta.truncateBefore ?? 0) >= Number.MAX_SAFE_INTEGER) return undefined;
    const last = s.records.length - 1;
    return s.records.filter(
      (r) =>
        Number(r.revision) >= (meta.truncateBefore ?? 0) &&
        (meta.maxCount === undefined || Number(r.revision) > last - meta.maxCount) &&
        (meta.maxAge === undefined || r.created.getTime() >= this.now() - meta.maxAge * 1000),
    );
  }

  private resolve(link: Rec, from: Map<string, StreamState>) {
    const text = Buffer.from(link.data as Uint8Array).toString("utf8");
    const at = text.indexOf("@");
    const target = this.visible(text.slice(at + 1), from)?.find(
      (r) => r.revision === BigInt(text.slice(0, at)),
    );
    return target === undefined ? { link: view(link) } : { event: view(target), link: view(link) };
  }
}

interface ReadOptions {
  fromRevision?: unknown;
  direction?: string;
  maxCount?: number | bigint;
  resolveLinkTos?: boolean;
  requiresLeader?: boolean;
}

/** A fresh copy of a record, as the client would decode it from the wire. */
function view(r: Rec) {
  return {
    ...r,
    data: r.isJson ? JSON.parse(JSON.stringify(r.data)) : Uint8Array.from(r.data as Uint8Array),
  };
}

function bytesOf(data: unknown): number {
  return data instanceof Uint8Array ? data.length : Buffer.byteLength(JSON.stringify(data), "utf8");
}

function cloneStreams(streams: Map<string, StreamState>): Map<string, StreamState> {
  return new Map(
    [...streams].map(([k, v]) => [k, { records: [...v.records], tombstoned: v.tombstoned }]),
  );
}

function notLeader(): NotLeaderError {
  const metadata = { "leader-endpoint-host": "127.0.0.1", "leader-endpoint-port": "2113" };
  return new NotLeaderError({ metadata } as never);
}

/** A fake server and its client; see the module header for what it does and does not prove. */
export function fakeKurrentClient(options: FakeKurrentOptions = {}): FakeKurrent {
  return new FakeKurrent(options);
}
