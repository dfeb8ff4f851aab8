import { DaichoError } from "@daicho/core";
import type { MapStore } from "@daicho/core/map";
import {
  HASH_SIZE,
  type Node,
  type NodeId,
  nodeEnd,
  type StoredCheckpoint,
  type TreeStore,
} from "@daicho/core/merkle";
import { pgError } from "./errors";
import { PostgresMapStore } from "./map-store";
import { assertTenant, type PgContext } from "./store";
import { postOrder } from "./tree-position";

type CheckpointRow = { size: string; note: string; created_at: string };

const CHECKPOINT_COLUMNS = "size, note, created_at";

/**
 * The PostgreSQL `TreeStore` of one tenant's ledger: perfect-subtree nodes in
 * `tree_nodes` (keyed by post-order number, see tree-position.ts), the size in
 * `tree_state`, signed checkpoints with their co-signatures in `checkpoints`, all keyed by
 * the tenant's `ledger_key` like its events. `append` is one call of the schema's
 * `append_tree`, which locks the tenant's size row, compares it with the size the writer
 * built on and stores nodes and size in one transaction, so any number of processes may
 * extend the same tree. The tenant's ledger must exist (open it with `openLedger` first).
 */
export class PostgresTreeStore implements TreeStore {
  readonly kind = "postgres";
  /** The tenant's durable subject map (migration 6), closed with this store. */
  readonly map: MapStore;
  private ledgerKey: string | undefined;
  private closed = false;
  private tables: Promise<boolean> | undefined;

  constructor(
    private readonly ctx: PgContext,
    readonly tenant: string,
    private readonly onClose?: () => Promise<void>,
  ) {
    assertTenant(tenant);
    this.map = new PostgresMapStore(ctx, tenant, (required) => this.key(required));
  }

  async size(): Promise<number> {
    const key = await this.key(false);
    if (key === undefined) return 0;
    return this.guard("size", async () => {
      const r = await this.ctx.pool.query<{ size: string }>({
        name: `daicho_tree_size_${this.ctx.schema}`,
        text: `SELECT size FROM ${this.ctx.s}.tree_state WHERE ledger_key = $1`,
        values: [key],
      });
      return r.rows[0] === undefined ? 0 : Number(r.rows[0].size);
    });
  }

  async append(nodes: readonly Node[], expectedSize: number, newSize: number): Promise<void> {
    this.checkOpen();
    if (!Number.isSafeInteger(expectedSize) || expectedSize < 0 || newSize < expectedSize)
      throw new DaichoError("INVALID_ARGUMENT", "a tree never shrinks", { path: "newSize" });
    if (this.ctx.readonly === true) throw this.readonlyError();
    const ords = new Array<number>(nodes.length);
    const hashes = new Array<Buffer>(nodes.length);
    nodes.forEach((n, i) => {
      // Only nodes completed by the new leaves: a stored node is never rewritten.
      const end = nodeEnd(n);
      if (end <= expectedSize || end > newSize || n.hash.length !== HASH_SIZE) {
        throw new DaichoError(
          "INVALID_ARGUMENT",
          `node ${n.level}/${n.index} is not a node of leaves ${expectedSize}..${newSize}`,
          { path: `nodes[${i}]` },
        );
      }
      ords[i] = postOrder(n);
      hashes[i] = Buffer.from(n.hash);
    });
    const key = (await this.key(true)) as string;
    await this.guard("append", async () => {
      await this.ctx.pool.query({
        name: `daicho_tree_append_${this.ctx.schema}`,
        text: `SELECT ${this.ctx.s}.append_tree($1, $2, $3, $4::bigint[], $5::bytea[])`,
        values: [key, expectedSize, newSize, ords, hashes],
      });
    });
  }

  async readNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]> {
    const key = await this.key(false);
    const found = new Map<number, Buffer>();
    let size = 0;
    if (key !== undefined && ids.length > 0) {
      // Size and nodes from one statement, i.e. one snapshot.
      const r = await this.guard("readNodes", () =>
        this.ctx.pool.query({
          name: `daicho_tree_nodes_${this.ctx.schema}`,
          text: `SELECT t.size, n.ord, n.hash FROM ${this.ctx.s}.tree_state t
                 LEFT JOIN ${this.ctx.s}.tree_nodes n ON n.ledger_key = t.ledger_key AND n.ord = ANY($2::bigint[])
                 WHERE t.ledger_key = $1`,
          values: [key, ids.map(postOrder)],
          rowMode: "array",
        }),
      );
      for (const [s, ord, hash] of r.rows as [string, string | null, Buffer | null][]) {
        size = Number(s);
        if (ord !== null && hash !== null) found.set(Number(ord), hash);
      }
    }
    return ids.map((id) => {
      if (nodeEnd(id) > size)
        throw new DaichoError(
          "NOT_FOUND",
          `node ${id.level}/${id.index} lies beyond tree size ${size}`,
        );
      const hash = found.get(postOrder(id));
      if (hash === undefined || hash.length !== HASH_SIZE) {
        throw new DaichoError(
          "STORE_CORRUPT",
          `tree node ${id.level}/${id.index} is missing or damaged`,
          { path: `tenant ${this.tenant}` },
        );
      }
      return new Uint8Array(hash);
    });
  }

  async putCheckpoint(c: StoredCheckpoint): Promise<void> {
    this.checkOpen();
    if (this.ctx.readonly === true) throw this.readonlyError();
    if (!Number.isSafeInteger(c.size) || c.size < 0)
      throw new DaichoError("INVALID_ARGUMENT", "checkpoint size must be a tree size", {
        path: "size",
      });
    const key = (await this.key(true)) as string;
    await this.guard("putCheckpoint", () =>
      this.ctx.pool.query(
        `INSERT INTO ${this.ctx.s}.checkpoints (ledger_key, size, note, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (ledger_key, size) DO UPDATE SET note = excluded.note`,
        [key, c.size, c.note, c.createdAt],
      ),
    );
  }

  async getCheckpoint(size: number): Promise<StoredCheckpoint | undefined> {
    const rows = await this.checkpointRows("WHERE ledger_key = $1 AND size = $2", [size]);
    return rows[0];
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const rows = await this.checkpointRows("WHERE ledger_key = $1 ORDER BY size DESC LIMIT 1", []);
    return rows[0];
  }

  async nodeCount(): Promise<number> {
    const key = await this.key(false);
    if (key === undefined) return 0;
    return this.guard("nodeCount", async () => {
      const r = await this.ctx.pool.query<{ n: string }>({
        text: `SELECT count(*) AS n FROM ${this.ctx.s}.tree_nodes WHERE ledger_key = $1`,
        values: [key],
      });
      return Number(r.rows[0]?.n ?? 0);
    });
  }

  async listCheckpoints(
    range: { from?: number; to?: number; limit?: number } = {},
  ): Promise<StoredCheckpoint[]> {
    return this.checkpointRows(
      "WHERE ledger_key = $1 AND size >= $2 AND size < $3 ORDER BY size LIMIT $4",
      [range.from ?? 0, range.to ?? Number.MAX_SAFE_INTEGER, range.limit ?? 1000],
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.map.close();
    await this.onClose?.();
  }

  private async checkpointRows(where: string, values: unknown[]): Promise<StoredCheckpoint[]> {
    const key = await this.key(false);
    if (key === undefined) return [];
    const r = await this.guard("checkpoints", () =>
      this.ctx.pool.query<CheckpointRow>(
        `SELECT ${CHECKPOINT_COLUMNS} FROM ${this.ctx.s}.checkpoints ${where}`,
        [key, ...values],
      ),
    );
    return r.rows.map((row) => ({
      size: Number(row.size),
      note: row.note,
      createdAt: row.created_at,
    }));
  }

  /**
   * The tenant's ledger key, looked up once. Undefined when the tenant has no ledger (or,
   * opened read-only, when the schema predates the tree tables) unless `required`, which
   * makes that NOT_FOUND.
   */
  private async key(required: boolean): Promise<string | undefined> {
    this.checkOpen();
    try {
      await this.ctx.ready;
    } catch (e) {
      throw pgError(e, "migrations");
    }
    if (this.ledgerKey === undefined && (await this.hasTables())) {
      const r = await this.guard("ledger", () =>
        this.ctx.pool.query<{ ledger_key: string }>(
          `SELECT ledger_key FROM ${this.ctx.s}.ledgers WHERE tenant = $1`,
          [this.tenant],
        ),
      );
      this.ledgerKey = r.rows[0]?.ledger_key;
    }
    if (this.ledgerKey === undefined && required) {
      throw new DaichoError("NOT_FOUND", "ledger is not initialised in this database", {
        path: `tenant ${this.tenant}`,
      });
    }
    return this.ledgerKey;
  }

  /** Migrated databases always have the tree tables; a read-only open may meet an older schema. */
  private hasTables(): Promise<boolean> {
    if (this.ctx.readonly !== true) return Promise.resolve(true);
    this.tables ??= this.guard("schema", async () => {
      const r = await this.ctx.pool.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [
        `${this.ctx.s}.tree_state`,
      ]);
      return r.rows[0]?.t !== null && r.rows[0]?.t !== undefined;
    });
    return this.tables;
  }

  private checkOpen(): void {
    if (this.closed)
      throw new DaichoError("STORE_CLOSED", "tree store is closed", {
        path: `tenant ${this.tenant}`,
      });
  }

  private readonlyError(): DaichoError {
    return new DaichoError("STORE_UNAVAILABLE", "the tree store is read-only", {
      path: `tenant ${this.tenant}`,
    });
  }

  private async guard<A>(what: string, f: () => Promise<A>): Promise<A> {
    try {
      return await f();
    } catch (e) {
      throw pgError(e, `tenant ${this.tenant} (tree ${what})`);
    }
  }
}
