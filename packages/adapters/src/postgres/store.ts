import {
  assertContiguousBatch,
  assertTypeQuery,
  type ChainHead,
  DaichoError,
  type LedgerMeta,
  ledgerMismatch,
  type ReadRange,
  type Store,
  type StoredEvent,
  type StrayIndexRow,
  type SubjectHead,
  type SubjectIndexCount,
  type TypeIndexCount,
} from "@daicho/core";
import type pg from "pg";
import { appendByCopy, COPY_THRESHOLD } from "./copy-append";
import { pgError } from "./errors";
import { EVENT_COLUMNS, type EventRow, eventsInRange, pagedBySeq, toStored } from "./read";

/** What a store needs from its database: a pool, the schema, and its version checked (`ready`). */
export interface PgContext {
  readonly pool: pg.Pool;
  /** The quoted schema name, safe to splice into SQL. */
  readonly s: string;
  readonly schema: string;
  readonly ready: Promise<void>;
  /** Opened read-only: the connections refuse writes. */
  readonly readonly?: boolean;
}

export interface TenantStoreOptions {
  /** Rows per page when reading (default 1000). */
  readonly pageSize?: number;
  /** Called by `close()` (the convenience `postgresStore` ends its own pool there). */
  readonly onClose?: () => Promise<void>;
  /**
   * Batches of at least this many events are written by binary `COPY` in one transaction
   * instead of one `append_events` call (default `COPY_THRESHOLD`, 256). Both paths are
   * all-or-nothing and take the same head lock; tests set 1 to run every append through COPY.
   */
  readonly copyThreshold?: number;
}

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$/;

/** Check a tenant name: an opaque token like an event id (letters, digits, `._:/#-`). */
export function assertTenant(tenant: string): void {
  if (typeof tenant !== "string" || !TENANT_PATTERN.test(tenant)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "tenant must match [A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}",
      {
        path: "tenant",
      },
    );
  }
}

/**
 * The PostgreSQL `Store` for one tenant's ledger. Appends are one call of the schema's
 * `append_events` function (one round trip, one transaction): the tenant's head row is
 * locked, compared with the expected head, the batch inserted and the head moved, so any
 * number of processes and connections can append and the chain never forks. An append
 * resolves only after PostgreSQL acknowledged the commit (synchronous commit is forced on).
 */
export class PostgresStore implements Store {
  readonly kind = "postgres";
  private ledgerKey: string | undefined;
  private closed = false;
  private readonly pageSize: number;

  constructor(
    private readonly ctx: PgContext,
    readonly tenant: string,
    private readonly options: TenantStoreOptions = {},
  ) {
    assertTenant(tenant);
    this.pageSize = options.pageSize ?? 1000;
  }

  async init(meta: LedgerMeta): Promise<LedgerMeta> {
    const { s } = await this.open();
    return this.guard("init", async () => {
      await this.ctx.pool.query(
        `INSERT INTO ${s}.ledgers (tenant, ledger_id, created_at, envelope_version) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant) DO NOTHING`,
        [this.tenant, meta.ledgerId, meta.createdAt, meta.envelopeVersion],
      );
      const stored = (await this.meta()) as LedgerMeta;
      if (stored.ledgerId !== meta.ledgerId) {
        throw ledgerMismatch("store", stored.ledgerId, meta.ledgerId);
      }
      return stored;
    });
  }

  async meta(): Promise<LedgerMeta | null> {
    const { s } = await this.open();
    return this.guard("meta", async () => {
      const r = await this.ctx.pool.query<{
        ledger_id: string;
        created_at: string;
        envelope_version: number;
        ledger_key: string;
      }>(
        `SELECT ledger_id, created_at, envelope_version, ledger_key FROM ${s}.ledgers WHERE tenant = $1`,
        [this.tenant],
      );
      const row = r.rows[0];
      if (row === undefined) return null;
      this.ledgerKey = row.ledger_key;
      return {
        ledgerId: row.ledger_id,
        createdAt: row.created_at,
        envelopeVersion: row.envelope_version,
      };
    });
  }

  async head(): Promise<ChainHead | null> {
    const { s } = await this.open();
    return this.guard("head", async () => {
      const r = await this.ctx.pool.query({
        name: `daicho_head_${this.ctx.schema}`,
        text: `SELECT head_seq, head_hash FROM ${s}.ledgers WHERE tenant = $1`,
        values: [this.tenant],
        rowMode: "array",
      });
      const row = r.rows[0] as [string, string | null] | undefined;
      if (row === undefined || row[1] === null) return null;
      return { seq: Number(row[0]), hash: row[1] };
    });
  }

  async append(events: readonly StoredEvent[], expected: ChainHead | null): Promise<void> {
    const { s } = await this.open();
    if (events.length === 0) return;
    assertContiguousBatch(events, expected);
    events.forEach((e, i) => {
      if (e.subjects.some((x) => x === "" || /\s/.test(x))) {
        throw new DaichoError(
          "INVALID_ARGUMENT",
          "subject ids cannot be empty or contain white space",
          {
            path: `events[${i}].subjects`,
          },
        );
      }
    });
    const key = await this.key();
    if (events.length >= (this.options.copyThreshold ?? COPY_THRESHOLD)) {
      try {
        await appendByCopy(this.ctx.pool, s, key, events, expected);
      } catch (e) {
        throw pgError(e, `tenant ${this.tenant}`, true);
      }
      return;
    }
    const n = events.length;
    const cols = {
      seq: new Array<number>(n),
      id: new Array<string>(n),
      type: new Array<string>(n),
    };
    const recordedAt = new Array<string>(n);
    const subjects = new Array<string>(n);
    const prev = new Array<string>(n);
    const hash = new Array<string>(n);
    const body = new Array<string>(n);
    events.forEach((e, i) => {
      cols.seq[i] = e.seq;
      cols.id[i] = e.id;
      cols.type[i] = e.type;
      recordedAt[i] = e.recordedAt;
      subjects[i] = e.subjects.join(" ");
      prev[i] = e.prevHash;
      hash[i] = e.hash;
      body[i] = e.body;
    });
    try {
      await this.ctx.pool.query({
        name: `daicho_append_${this.ctx.schema}`,
        text: `SELECT ${s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        values: [
          key,
          expected === null ? -1 : expected.seq,
          expected === null ? null : expected.hash,
          cols.seq,
          cols.id,
          cols.type,
          recordedAt,
          subjects,
          prev,
          hash,
          body,
        ],
      });
    } catch (e) {
      throw pgError(e, `tenant ${this.tenant}`, true);
    }
  }

  async *read(range: ReadRange = {}): AsyncIterable<StoredEvent> {
    const { s } = await this.open();
    const key = await this.key();
    yield* eventsInRange(
      (q) => this.rows(q),
      s,
      key,
      range,
      this.pageSize,
      `daicho_page_${this.ctx.schema}`,
    );
  }

  async get(seq: number): Promise<StoredEvent | undefined> {
    const { s } = await this.open();
    const key = await this.key();
    const rows = await this.rows({
      text: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE ledger_key = $1 AND seq = $2`,
      values: [key, seq],
    });
    return rows[0] === undefined ? undefined : toStored(rows[0]);
  }

  async subjectHeads(subjects: readonly string[]): Promise<Map<string, SubjectHead>> {
    const { s } = await this.open();
    const key = await this.key();
    return this.guard("subjectHeads", async () => {
      const r = await this.ctx.pool.query({
        name: `daicho_subject_heads_${this.ctx.schema}`,
        text: `SELECT u.subject, x.seq, x.hash FROM unnest($2::text[]) AS u(subject)
               CROSS JOIN LATERAL (
                 SELECT e.seq, e.hash FROM ${s}.event_subjects es
                 JOIN ${s}.events e ON e.ledger_key = es.ledger_key AND e.seq = es.seq
                 WHERE es.ledger_key = $1 AND es.subject = u.subject
                 ORDER BY es.seq DESC LIMIT 1) AS x`,
        values: [key, [...new Set(subjects)]],
        rowMode: "array",
      });
      const heads = new Map<string, SubjectHead>();
      for (const [subject, seq, hash] of r.rows as [string, string, string][]) {
        heads.set(subject, { seq: Number(seq), hash });
      }
      return heads;
    });
  }

  async *readSubject(subject: string): AsyncIterable<StoredEvent> {
    const { s } = await this.open();
    const key = await this.key();
    const cols = EVENT_COLUMNS.split(", ")
      .map((c) => `e.${c}`)
      .join(", ");
    const page = (from: number) =>
      this.rows({
        name: `daicho_subject_page_${this.ctx.schema}`,
        text: `SELECT ${cols} FROM ${s}.event_subjects es JOIN ${s}.events e ON e.ledger_key = es.ledger_key AND e.seq = es.seq
               WHERE es.ledger_key = $1 AND es.subject = $2 AND es.seq >= $3 ORDER BY es.seq LIMIT $4`,
        values: [key, subject, from, this.pageSize],
      });
    yield* pagedBySeq(page, 0, this.pageSize);
  }

  async *subjectIndexCounts(through: number): AsyncIterable<SubjectIndexCount> {
    const { s } = await this.open();
    const key = await this.key();
    // Keyset pages by subject, in the primary key's order and collation.
    let after: string | undefined;
    for (;;) {
      const r = await this.guard("subjectIndexCounts", () =>
        this.ctx.pool.query({
          text: `SELECT subject, count(*) AS rows FROM ${s}.event_subjects
                 WHERE ledger_key = $1 AND seq <= $2 ${after === undefined ? "" : "AND subject > $4"}
                 GROUP BY subject ORDER BY subject LIMIT $3`,
          values:
            after === undefined
              ? [key, through, this.pageSize]
              : [key, through, this.pageSize, after],
          rowMode: "array",
        }),
      );
      const rows = r.rows as [string, string][];
      for (const [subject, n] of rows) yield { subject, rows: Number(n) };
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < this.pageSize) return;
      after = last[0];
    }
  }

  async strayIndexRows(through: number, limit: number): Promise<readonly StrayIndexRow[]> {
    const { s } = await this.open();
    const key = await this.key();
    const r = await this.guard("strayIndexRows", () =>
      this.ctx.pool.query({
        text: `SELECT es.subject, es.seq FROM ${s}.event_subjects es
               LEFT JOIN ${s}.events e ON e.ledger_key = es.ledger_key AND e.seq = es.seq
               WHERE es.ledger_key = $1
                 AND (e.seq IS NULL OR (es.seq <= $2 AND NOT (es.subject = ANY (e.subjects))))
               LIMIT $3`,
        values: [key, through, limit],
        rowMode: "array",
      }),
    );
    return (r.rows as [string, string][]).map(([subject, seq]) => ({ subject, seq: Number(seq) }));
  }

  async readByType(
    types: readonly string[],
    fromSeq: number,
    limit: number,
  ): Promise<readonly StoredEvent[]> {
    assertTypeQuery(types, fromSeq, limit);
    const { s } = await this.open();
    const key = await this.key();
    // One index range per type on (ledger_key, type, seq), merged by seq in one statement
    // (one snapshot); PostgreSQL 15 cannot merge `type = ANY(…)` ranges in seq order itself.
    const rows = await this.rows({
      name: `daicho_by_type_${this.ctx.schema}`,
      text: `SELECT x.* FROM unnest($2::text[]) AS u(t) CROSS JOIN LATERAL (
               SELECT ${EVENT_COLUMNS} FROM ${s}.events
               WHERE ledger_key = $1 AND type = u.t AND seq >= $3 ORDER BY seq LIMIT $4) AS x
             ORDER BY x.seq LIMIT $4`,
      values: [key, [...new Set(types)], fromSeq, limit],
    });
    return rows.map(toStored);
  }

  async *typeIndexCounts(through: number): AsyncIterable<TypeIndexCount> {
    const { s } = await this.open();
    const key = await this.key();
    const r = await this.guard("typeIndexCounts", () =>
      this.ctx.pool.query({
        text: `SELECT type, count(*) AS rows FROM ${s}.events
               WHERE ledger_key = $1 AND seq <= $2 GROUP BY type ORDER BY type`,
        values: [key, through],
        rowMode: "array",
      }),
    );
    for (const [type, n] of r.rows as [string, string][]) yield { type, rows: Number(n) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.options.onClose?.();
  }

  private async rows(query: pg.QueryConfig): Promise<EventRow[]> {
    return this.guard("read", async () => {
      const r = await this.ctx.pool.query({ ...query, rowMode: "array" });
      return r.rows as EventRow[];
    });
  }

  /** The tenant's integer key, looked up once. NOT_FOUND when the ledger was never initialised. */
  private async key(): Promise<string> {
    if (this.ledgerKey !== undefined) return this.ledgerKey;
    await this.meta();
    if (this.ledgerKey === undefined) {
      throw new DaichoError("NOT_FOUND", "ledger is not initialised in this database", {
        path: `tenant ${this.tenant}`,
      });
    }
    return this.ledgerKey;
  }

  private async open(): Promise<PgContext> {
    if (this.closed)
      throw new DaichoError("STORE_CLOSED", "store is closed", { path: `tenant ${this.tenant}` });
    try {
      await this.ctx.ready;
    } catch (e) {
      throw pgError(e, "migrations");
    }
    return this.ctx;
  }

  private async guard<A>(what: string, f: () => Promise<A>): Promise<A> {
    try {
      return await f();
    } catch (e) {
      throw pgError(e, `tenant ${this.tenant} (${what})`);
    }
  }
}
