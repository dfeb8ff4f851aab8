import { DaichoError } from "@daicho/core";
import {
  assertRewrapFrom,
  assertSameKek,
  type KekCheck,
  type KeyStore,
  type KeyTombstone,
  type WrappedKeyRecord,
} from "@daicho/core/keys";
import type pg from "pg";
import { pgError } from "./errors";
import { assertTenant, type PgContext } from "./store";

type KeyRow = {
  key_id: string;
  subject: string;
  kek_id: string;
  wrapped: Buffer;
  created_at: string;
  provisional: boolean;
};
type TombRow = { subject: string; key_ids: string[]; erased_at: string };

/**
 * The PostgreSQL `KeyStore` of one tenant: wrapped data keys, the KEK check value and
 * tombstones, in tables of their own (`subject_keys`, `kek_checks`, `key_tombstones`),
 * never in the event tables, so an event backup never carries keys. Operations on one
 * subject run in a transaction holding an advisory lock on (tenant, subject), so racing
 * writers agree on one key and a destroy cannot interleave with a put; puts and destroys
 * read the KEK check row under a share lock, so they are ordered against `rewrapAll`.
 * After a destroy the table is vacuumed (best effort). PostgreSQL still keeps copies of
 * a destroyed row — in `pg_wal`, in free space of heap pages, in WAL archives and base
 * backups — that unwrap with the KEK they were wrapped under (`residue: "log"`): close
 * that window by retiring the KEK after the destruction (`erasureService({ nextKek })`,
 * docs/erasure.md), and the erasure certificate says which KEK was retired.
 */
export class PostgresKeyStore implements KeyStore {
  readonly kind = "postgres";
  /** PostgreSQL keeps deleted rows in its WAL, free heap space and archives (see below). */
  readonly residue = "log";
  private closed = false;

  constructor(
    private readonly ctx: PgContext,
    readonly tenant: string,
    private readonly onClose?: () => Promise<void>,
  ) {
    assertTenant(tenant);
  }

  async kekCheck(): Promise<KekCheck | null> {
    return this.run("kekCheck", async (c) => {
      const r = await c.query<{ kek_id: string; check_value: Buffer }>(
        `SELECT kek_id, check_value FROM ${this.ctx.s}.kek_checks WHERE tenant = $1`,
        [this.tenant],
      );
      const row = r.rows[0];
      return row === undefined
        ? null
        : { kekId: row.kek_id, check: new Uint8Array(row.check_value) };
    });
  }

  async initKekCheck(check: KekCheck): Promise<KekCheck> {
    await this.run("initKekCheck", (c) =>
      c.query(
        `INSERT INTO ${this.ctx.s}.kek_checks (tenant, kek_id, check_value) VALUES ($1, $2, $3) ON CONFLICT (tenant) DO NOTHING`,
        [this.tenant, check.kekId, Buffer.from(check.check)],
      ),
    );
    return (await this.kekCheck()) as KekCheck;
  }

  async putIfAbsent(record: WrappedKeyRecord): Promise<WrappedKeyRecord | KeyTombstone> {
    return this.transaction("putIfAbsent", record.subject, async (c) => {
      const tomb = await this.tombstone(c, record.subject);
      if (tomb !== undefined) return tomb;
      assertSameKek(await this.sharedKekId(c), record.kekId);
      const existing = (await this.keys(c, record.subject))[0];
      if (existing !== undefined) return existing;
      await c.query(
        `INSERT INTO ${this.ctx.s}.subject_keys (tenant, subject, key_id, kek_id, wrapped, created_at, provisional) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          this.tenant,
          record.subject,
          record.keyId,
          record.kekId,
          Buffer.from(record.wrapped),
          record.createdAt,
          record.provisional === true,
        ],
      );
      return { ...record, wrapped: record.wrapped.slice() };
    });
  }

  async confirm(subject: string, keyId: string): Promise<boolean> {
    return this.transaction("confirm", subject, async (c) => {
      const r = await c.query(
        `UPDATE ${this.ctx.s}.subject_keys SET provisional = false WHERE tenant = $1 AND subject = $2 AND key_id = $3`,
        [this.tenant, subject, keyId],
      );
      return r.rowCount === 1;
    });
  }

  async discardProvisional(subject: string, keyId: string): Promise<boolean> {
    return this.transaction("discardProvisional", subject, async (c) => {
      const r = await c.query(
        `DELETE FROM ${this.ctx.s}.subject_keys WHERE tenant = $1 AND subject = $2 AND key_id = $3 AND provisional`,
        [this.tenant, subject, keyId],
      );
      return r.rowCount === 1;
    });
  }

  async forSubject(subject: string): Promise<readonly WrappedKeyRecord[] | KeyTombstone> {
    return this.run(
      "forSubject",
      async (c) => (await this.tombstone(c, subject)) ?? (await this.keys(c, subject)),
    );
  }

  async destroy(
    subject: string,
    erasedAt: string,
  ): Promise<{ readonly destroyed: readonly string[] } | KeyTombstone> {
    const result = await this.transaction("destroy", subject, async (c) => {
      const tomb = await this.tombstone(c, subject);
      if (tomb !== undefined) return tomb;
      await this.sharedKekId(c); // ordered against rewrapAll: never re-wrapped after this

      const keyIds = (await this.keys(c, subject)).map((k) => k.keyId);
      await c.query(`DELETE FROM ${this.ctx.s}.subject_keys WHERE tenant = $1 AND subject = $2`, [
        this.tenant,
        subject,
      ]);
      await c.query(
        `INSERT INTO ${this.ctx.s}.key_tombstones (tenant, subject, key_ids, erased_at) VALUES ($1, $2, $3, $4)`,
        [this.tenant, subject, keyIds, erasedAt],
      );
      return { destroyed: keyIds };
    });
    if ("destroyed" in result) {
      // Reclaim the deleted rows' space now rather than at the next autovacuum.
      await this.ctx.pool.query(`VACUUM ${this.ctx.s}.subject_keys`).catch(() => {});
    }
    return result;
  }

  async rewrapAll(
    fromKekId: string,
    rewrap: (r: WrappedKeyRecord) => WrappedKeyRecord,
    check: KekCheck,
  ): Promise<number> {
    return this.transaction("rewrapAll", "*kek*", async (c) => {
      const current = await c.query<{ kek_id: string }>(
        `SELECT kek_id FROM ${this.ctx.s}.kek_checks WHERE tenant = $1 FOR UPDATE`,
        [this.tenant],
      );
      assertRewrapFrom(current.rows[0]?.kek_id, fromKekId);
      const all = await c.query<KeyRow>(
        `SELECT key_id, subject, kek_id, wrapped, created_at, provisional FROM ${this.ctx.s}.subject_keys WHERE tenant = $1 ORDER BY ord`,
        [this.tenant],
      );
      const next = all.rows.map((row) => rewrap(toRecord(row)));
      if (next.length > 0) {
        await c.query(
          `UPDATE ${this.ctx.s}.subject_keys k SET kek_id = u.kek_id, wrapped = u.wrapped
           FROM unnest($2::text[], $3::text[], $4::text[], $5::bytea[]) AS u(subject, key_id, kek_id, wrapped)
           WHERE k.tenant = $1 AND k.subject = u.subject AND k.key_id = u.key_id`,
          [
            this.tenant,
            next.map((r) => r.subject),
            next.map((r) => r.keyId),
            next.map((r) => r.kekId),
            next.map((r) => Buffer.from(r.wrapped)),
          ],
        );
      }
      await c.query(
        `INSERT INTO ${this.ctx.s}.kek_checks (tenant, kek_id, check_value) VALUES ($1, $2, $3)
         ON CONFLICT (tenant) DO UPDATE SET kek_id = excluded.kek_id, check_value = excluded.check_value`,
        [this.tenant, check.kekId, Buffer.from(check.check)],
      );
      return next.length;
    });
  }

  async count(): Promise<number> {
    return this.run("count", async (c) => {
      const r = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${this.ctx.s}.subject_keys WHERE tenant = $1`,
        [this.tenant],
      );
      return Number(r.rows[0]?.n ?? 0);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose?.();
  }

  /**
   * The KEK id the check value names, read under a share lock on the check row: a
   * `rewrapAll` (which locks it for update) either committed before, or waits until this
   * transaction ends and then sees its rows.
   */
  private async sharedKekId(c: pg.ClientBase): Promise<string | undefined> {
    const r = await c.query<{ kek_id: string }>(
      `SELECT kek_id FROM ${this.ctx.s}.kek_checks WHERE tenant = $1 FOR SHARE`,
      [this.tenant],
    );
    return r.rows[0]?.kek_id;
  }

  private async tombstone(
    c: pg.ClientBase | pg.Pool,
    subject: string,
  ): Promise<KeyTombstone | undefined> {
    const r = await c.query<TombRow>(
      `SELECT subject, key_ids, erased_at FROM ${this.ctx.s}.key_tombstones WHERE tenant = $1 AND subject = $2`,
      [this.tenant, subject],
    );
    const row = r.rows[0];
    return row === undefined
      ? undefined
      : { subject: row.subject, keyIds: row.key_ids, erasedAt: row.erased_at };
  }

  private async keys(c: pg.ClientBase | pg.Pool, subject: string): Promise<WrappedKeyRecord[]> {
    const r = await c.query<KeyRow>(
      `SELECT key_id, subject, kek_id, wrapped, created_at, provisional FROM ${this.ctx.s}.subject_keys WHERE tenant = $1 AND subject = $2 ORDER BY ord`,
      [this.tenant, subject],
    );
    return r.rows.map(toRecord);
  }

  private async run<A>(what: string, f: (c: pg.Pool) => Promise<A>): Promise<A> {
    if (this.closed) throw new DaichoError("STORE_CLOSED", "key store is closed");
    try {
      await this.ctx.ready;
      return await f(this.ctx.pool);
    } catch (e) {
      throw pgError(e, `tenant ${this.tenant} keys (${what})`);
    }
  }

  /** Run `f` in a transaction holding the advisory lock of (tenant, lockName). */
  private async transaction<A>(
    what: string,
    lockName: string,
    f: (c: pg.PoolClient) => Promise<A>,
  ): Promise<A> {
    if (this.closed) throw new DaichoError("STORE_CLOSED", "key store is closed");
    let client: pg.PoolClient;
    try {
      await this.ctx.ready;
      client = await this.ctx.pool.connect();
    } catch (e) {
      throw pgError(e, `tenant ${this.tenant} keys (${what})`);
    }
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", [
        this.tenant,
        lockName,
      ]);
      const result = await f(client);
      await client.query("COMMIT");
      return result;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {});
      throw pgError(e, `tenant ${this.tenant} keys (${what})`);
    } finally {
      client.release();
    }
  }
}

function toRecord(row: KeyRow): WrappedKeyRecord {
  return {
    keyId: row.key_id,
    subject: row.subject,
    kekId: row.kek_id,
    wrapped: new Uint8Array(row.wrapped),
    createdAt: row.created_at,
    ...(row.provisional ? { provisional: true } : {}),
  };
}
