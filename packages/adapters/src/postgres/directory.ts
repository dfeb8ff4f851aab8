import { randomUUID } from "node:crypto";
import { type ChainHead, DaichoError } from "@daicho/core";
import type pg from "pg";
import { pgError } from "./errors";
import { quoteSchema } from "./schema";
import { assertTenant } from "./store";

/** Where one tenant's chain lives, as the directory records it. */
export interface Placement {
  readonly tenant: string;
  /** The server holding the tenant's only writable copy. */
  readonly server: string;
  /** `moving` while `moveTenant` copies it to `target`: writes are refused until it ends. */
  readonly state: "active" | "moving";
  readonly target: string | null;
  /** Grows by one on every change of the placement (start, end or abort of a move). */
  readonly epoch: number;
}

const SERVER_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** Check a server name: lower-case letters, digits and `-`, starting with a letter. */
export function assertServerName(name: string): void {
  if (typeof name !== "string" || !SERVER_PATTERN.test(name)) {
    throw new DaichoError("INVALID_ARGUMENT", "server name must match [a-z][a-z0-9-]{0,62}", {
      path: "server",
    });
  }
}

/**
 * The tenant directory: one small table of placements (tenant → server) and one of
 * servers, kept in a PostgreSQL database of its own choosing (schema `daicho_directory`
 * by default), apart from every ledger. Each registered server's database also holds its
 * name and a random token in the same schema, so a router can check that the URL it was
 * given for `eu-1` really reaches the database the directory knows as `eu-1`.
 * All changes are single transactions that lock the placement row.
 */
export class TenantDirectory {
  private readonly d: string;

  constructor(
    readonly pool: pg.Pool,
    readonly schema = "daicho_directory",
  ) {
    this.d = quoteSchema(schema);
  }

  /** Create the directory's tables (idempotent): operator work, like `migratePostgres`. */
  async migrate(): Promise<void> {
    await this.run("migrate", (c) =>
      c.query(`
        CREATE SCHEMA IF NOT EXISTS ${this.d};
        CREATE TABLE IF NOT EXISTS ${this.d}.servers (
          name   text PRIMARY KEY,
          token  text NOT NULL);
        CREATE TABLE IF NOT EXISTS ${this.d}.placements (
          tenant  text PRIMARY KEY,
          server  text NOT NULL REFERENCES ${this.d}.servers (name),
          state   text NOT NULL CHECK (state IN ('active', 'moving')),
          target  text REFERENCES ${this.d}.servers (name),
          epoch   bigint NOT NULL,
          moved_head_seq   bigint,
          moved_head_hash  text,
          CHECK ((state = 'moving') = (target IS NOT NULL)));
        CREATE INDEX IF NOT EXISTS placements_by_server ON ${this.d}.placements (server);`),
    );
  }

  /**
   * Register `name` for the database behind `serverPool`: writes the name and a fresh
   * token there (in this directory's schema) and in the directory. Refuses a database that
   * already carries another name, and a name already registered for another database.
   */
  async registerServer(name: string, serverPool: pg.Pool): Promise<void> {
    assertServerName(name);
    const token = randomUUID();
    await this.run(`server ${name}`, async (c) => {
      const existing = await this.identityOf(serverPool);
      if (existing !== null && existing.name !== name) {
        throw new DaichoError(
          "LEDGER_MISMATCH",
          `that database is already registered as server ${existing.name}`,
          { path: `server ${name}` },
        );
      }
      const known = await c.query<{ token: string }>(
        `SELECT token FROM ${this.d}.servers WHERE name = $1`,
        [name],
      );
      const knownToken = known.rows[0]?.token;
      if (knownToken !== undefined && knownToken !== existing?.token) {
        throw new DaichoError(
          "LEDGER_MISMATCH",
          "this server name is registered for another database",
          { path: `server ${name}` },
        );
      }
      if (existing === null) {
        await serverPool.query(`CREATE SCHEMA IF NOT EXISTS ${this.d}`);
        await serverPool.query(
          `CREATE TABLE IF NOT EXISTS ${this.d}.server_identity (name text PRIMARY KEY, token text NOT NULL)`,
        );
        await serverPool.query(
          `INSERT INTO ${this.d}.server_identity (name, token) VALUES ($1, $2)`,
          [name, token],
        );
      }
      await c.query(
        `INSERT INTO ${this.d}.servers (name, token) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
        [name, existing?.token ?? token],
      );
    });
  }

  /**
   * Check that `serverPool` reaches the database registered as `name` (its stored name and
   * token equal the directory's). LEDGER_MISMATCH otherwise, NOT_FOUND for an unknown name.
   */
  async checkServer(name: string, serverPool: pg.Pool): Promise<void> {
    assertServerName(name);
    const known = await this.run(`server ${name}`, (c) =>
      c.query<{ token: string }>(`SELECT token FROM ${this.d}.servers WHERE name = $1`, [name]),
    );
    const token = known.rows[0]?.token;
    if (token === undefined) {
      throw new DaichoError("NOT_FOUND", "no such server in the tenant directory", {
        path: `server ${name}`,
      });
    }
    const identity = await this.identityOf(serverPool).catch((e: unknown) => {
      throw pgError(e, `server ${name}`);
    });
    if (identity === null || identity.name !== name || identity.token !== token) {
      throw new DaichoError(
        "LEDGER_MISMATCH",
        `the connection given for server ${name} reaches ${identity === null ? "an unregistered database" : `the database registered as ${identity.name}`}; fix the server's URL`,
        { path: `server ${name}` },
      );
    }
  }

  /** The placement of `tenant`, or null when the directory does not know it. */
  async locate(tenant: string): Promise<Placement | null> {
    assertTenant(tenant);
    const r = await this.run(`tenant ${tenant}`, (c) =>
      c.query(
        `SELECT tenant, server, state, target, epoch FROM ${this.d}.placements WHERE tenant = $1`,
        [tenant],
      ),
    );
    return r.rows[0] === undefined ? null : toPlacement(r.rows[0]);
  }

  /** Every placement, ordered by tenant (keyset pages of `pageSize`). */
  async placements(after?: string, pageSize = 1000): Promise<Placement[]> {
    const r = await this.run("placements", (c) =>
      c.query(
        `SELECT tenant, server, state, target, epoch FROM ${this.d}.placements
         WHERE $1::text IS NULL OR tenant > $1 ORDER BY tenant LIMIT $2`,
        [after ?? null, pageSize],
      ),
    );
    return r.rows.map(toPlacement);
  }

  /** How many tenants each registered server holds (moving tenants count at their source). */
  async load(): Promise<Map<string, number>> {
    const r = await this.run("load", (c) =>
      c.query<{ name: string; n: string }>(
        `SELECT s.name, count(p.tenant) AS n FROM ${this.d}.servers s
         LEFT JOIN ${this.d}.placements p ON p.server = s.name GROUP BY s.name ORDER BY s.name`,
      ),
    );
    return new Map(r.rows.map((row) => [row.name, Number(row.n)]));
  }

  /**
   * Record that `tenant` lives on `server` (a new tenant). Placing it again on the same
   * server is a no-op; on another server it is refused (move it instead).
   */
  async place(tenant: string, server: string): Promise<Placement> {
    assertTenant(tenant);
    assertServerName(server);
    return this.run(`tenant ${tenant}`, async (c) => {
      await c.query(
        `INSERT INTO ${this.d}.placements (tenant, server, state, epoch) VALUES ($1, $2, 'active', 1)
         ON CONFLICT (tenant) DO NOTHING`,
        [tenant, server],
      );
      const placed = await this.locate(tenant);
      if (placed === null || placed.server !== server) {
        throw new DaichoError(
          "INVALID_ARGUMENT",
          `tenant is already placed on server ${placed?.server}; use moveTenant to move it`,
          { path: `tenant ${tenant}` },
        );
      }
      return placed;
    });
  }

  /**
   * Mark `tenant` as moving from its server to `target` (one transaction, row locked).
   * Refused when it is already moving, when `target` is its server, or is unknown.
   */
  async beginMove(tenant: string, target: string): Promise<Placement> {
    assertServerName(target);
    return this.change(tenant, (p) => {
      if (p.state !== "active")
        throw new DaichoError("CONCURRENCY_CONFLICT", "tenant is already moving", {
          path: `tenant ${tenant}`,
          retryable: true,
        });
      if (p.server === target)
        throw new DaichoError("INVALID_ARGUMENT", "tenant is already on that server", {
          path: `tenant ${tenant}`,
        });
      return { sql: "state = 'moving', target = $3", values: [target] };
    });
  }

  /** End a move begun at `epoch`: the tenant now lives on its target; the head it moved with is kept. */
  async finishMove(tenant: string, epoch: number, head: ChainHead | null): Promise<Placement> {
    return this.change(tenant, (p) => {
      expectMoving(p, epoch);
      return {
        sql: "server = target, state = 'active', target = NULL, moved_head_seq = $3, moved_head_hash = $4",
        values: [head?.seq ?? null, head?.hash ?? null],
      };
    });
  }

  /** Abandon a move begun at `epoch`: the tenant stays on its source. */
  async abortMove(tenant: string, epoch: number): Promise<Placement> {
    return this.change(tenant, (p) => {
      expectMoving(p, epoch);
      return { sql: "state = 'active', target = NULL", values: [] };
    });
  }

  private async change(
    tenant: string,
    decide: (p: Placement) => { sql: string; values: unknown[] },
  ): Promise<Placement> {
    assertTenant(tenant);
    return this.run(`tenant ${tenant}`, async (c) => {
      await c.query("BEGIN");
      try {
        const r = await c.query(
          `SELECT tenant, server, state, target, epoch FROM ${this.d}.placements WHERE tenant = $1 FOR UPDATE`,
          [tenant],
        );
        if (r.rows[0] === undefined)
          throw new DaichoError("NOT_FOUND", "tenant is not in the directory", {
            path: `tenant ${tenant}`,
          });
        const { sql, values } = decide(toPlacement(r.rows[0]));
        const u = await c.query(
          `UPDATE ${this.d}.placements SET ${sql}, epoch = epoch + 1 WHERE tenant = $1 AND epoch = $2
           RETURNING tenant, server, state, target, epoch`,
          [tenant, r.rows[0].epoch, ...values],
        );
        await c.query("COMMIT");
        return toPlacement(u.rows[0]);
      } catch (e) {
        await c.query("ROLLBACK").catch(() => {});
        throw e;
      }
    });
  }

  private async identityOf(serverPool: pg.Pool): Promise<{ name: string; token: string } | null> {
    const exists = await serverPool.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [
      `${this.d}.server_identity`,
    ]);
    if (exists.rows[0]?.t === null) return null;
    const r = await serverPool.query<{ name: string; token: string }>(
      `SELECT name, token FROM ${this.d}.server_identity`,
    );
    if (r.rows.length !== 1) return null;
    return r.rows[0] ?? null;
  }

  private async run<A>(what: string, f: (c: pg.PoolClient) => Promise<A>): Promise<A> {
    const client = await this.pool.connect().catch((e: unknown) => {
      throw pgError(e, `tenant directory (${what})`);
    });
    try {
      return await f(client);
    } catch (e) {
      throw pgError(e, `tenant directory (${what})`);
    } finally {
      client.release();
    }
  }
}

function expectMoving(p: Placement, epoch: number): void {
  if (p.state !== "moving" || p.epoch !== epoch) {
    throw new DaichoError(
      "CONCURRENCY_CONFLICT",
      "the tenant's placement changed since the move began",
      { path: `tenant ${p.tenant}`, details: { epoch: p.epoch } },
    );
  }
}

function toPlacement(row: {
  tenant: string;
  server: string;
  state: string;
  target: string | null;
  epoch: string | number;
}): Placement {
  return {
    tenant: row.tenant,
    server: row.server,
    state: row.state === "moving" ? "moving" : "active",
    target: row.target,
    epoch: Number(row.epoch),
  };
}
