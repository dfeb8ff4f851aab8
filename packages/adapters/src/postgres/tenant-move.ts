import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChainHead, DaichoError } from "@daicho/core";
import type { PostgresDatabase } from "./database";
import { pgError } from "./errors";
import type { TenantRouter } from "./router";

export interface MoveOptions {
  /** Where the backup file is written while moving (default: a fresh temporary directory). */
  readonly workDir?: string;
  /**
   * Erase the retired copy on the source once the directory points at the target. Default
   * false: the old copy stays, fenced (it refuses every write), for the operator to keep
   * or erase (`eraseTenant`) by their retention rules.
   */
  readonly eraseSource?: boolean;
}

export interface MoveResult {
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
  /** The head the chain had when the source was fenced, and has on the target. */
  readonly head: ChainHead | null;
  readonly events: number;
  readonly keys: number;
}

/**
 * Move one tenant's chain to server `to`, never losing or forking a write:
 * 1. the directory marks it moving (routers refuse its writes, retryably);
 * 2. its copy on the source is **fenced** in one transaction that queues behind any append
 *    in flight (same head-row lock), after which the source refuses appends and key writes;
 * 3. a consistent backup is taken and restored on `to` with `expectHead` = the fenced
 *    head, which re-verifies every hash and link there before it commits (`restoreTenant`);
 * 4. its key-store rows (wrapped data keys, tombstones, KEK check) are copied as they are;
 * 5. the target's head is read back and must equal the fenced head;
 * 6. the directory points at `to`; routers retry a fenced append there once.
 * If anything fails before step 6 the target copy is erased, the source unfenced and the
 * directory left where it was, and the error is rethrown: the tenant stays writable on its
 * source. The retired copy stays fenced unless `eraseSource`.
 */
export async function moveTenant(
  router: TenantRouter,
  tenant: string,
  to: string,
  options: MoveOptions = {},
): Promise<MoveResult> {
  const target = router.servers[to];
  if (target === undefined)
    throw new DaichoError("INVALID_ARGUMENT", "the router has no such server", {
      path: `server ${to}`,
    });
  const moving = await router.directory.beginMove(tenant, to);
  const source = router.servers[moving.server] as PostgresDatabase;
  const dir = options.workDir ?? mkdtempSync(join(tmpdir(), "daicho-move-"));
  let fenced: { head: ChainHead | null; ledgerId: string } | undefined;
  let restored = false;
  try {
    fenced = await fence(source, tenant, true);
    const file = join(dir, `${tenant.replace(/[^A-Za-z0-9._-]/g, "_")}.daicho-backup`);
    const backup = await source.backup(tenant, file);
    const restoredCopy = await target.restore(tenant, file, {
      ...(fenced.head === null ? {} : { expectHead: fenced.head }),
    });
    restored = true;
    const keys = await copyKeys(source, target, tenant);
    const head = await target.store(tenant).head();
    if (!sameHead(head, fenced.head) || !sameHead(restoredCopy.head, fenced.head)) {
      throw new DaichoError(
        "BACKUP_INVALID",
        "the moved chain's head differs from the fenced head",
        {
          path: `tenant ${tenant}`,
        },
      );
    }
    await router.directory.finishMove(tenant, moving.epoch, head);
    if (options.eraseSource === true) await source.eraseTenant(tenant, fenced.ledgerId);
    return { tenant, from: moving.server, to, head, events: backup.count, keys };
  } catch (e) {
    if (restored && fenced !== undefined) {
      await target.eraseTenant(tenant, fenced.ledgerId).catch(() => {});
    }
    if (fenced !== undefined) await fence(source, tenant, false).catch(() => {});
    await router.directory.abortMove(tenant, moving.epoch).catch(() => {});
    throw e;
  } finally {
    if (options.workDir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** Set (or lift) the fence on `tenant`'s copy in `db`; returns its head and ledger id. */
async function fence(
  db: PostgresDatabase,
  tenant: string,
  on: boolean,
): Promise<{ head: ChainHead | null; ledgerId: string }> {
  const { s } = db.context;
  try {
    await db.context.ready;
    const r = await db.pool.query<{
      head_seq: string;
      head_hash: string | null;
      ledger_id: string;
    }>(
      `UPDATE ${s}.ledgers SET fenced_at = $2 WHERE tenant = $1 RETURNING head_seq, head_hash, ledger_id`,
      [tenant, on ? new Date().toISOString() : null],
    );
    const row = r.rows[0];
    if (row === undefined)
      throw new DaichoError("NOT_FOUND", "tenant has no ledger on its source server", {
        path: `tenant ${tenant}`,
      });
    return {
      head: row.head_hash === null ? null : { seq: Number(row.head_seq), hash: row.head_hash },
      ledgerId: row.ledger_id,
    };
  } catch (e) {
    throw pgError(e, `tenant ${tenant} (fence)`);
  }
}

const KEY_TABLES = [
  { table: "kek_checks", columns: "tenant, kek_id, check_value", order: "tenant" },
  {
    table: "subject_keys",
    columns: "tenant, subject, key_id, kek_id, wrapped, created_at, provisional",
    order: "ord",
  },
  { table: "key_tombstones", columns: "tenant, subject, key_ids, erased_at", order: "subject" },
] as const;

/**
 * Copy `tenant`'s key-store rows from `source` (fenced: they cannot change) to `target`
 * in one transaction, in their original order; returns the number of rows.
 */
async function copyKeys(
  source: PostgresDatabase,
  target: PostgresDatabase,
  tenant: string,
): Promise<number> {
  const client = await target.pool.connect();
  let n = 0;
  try {
    await client.query("BEGIN");
    for (const { table, columns, order } of KEY_TABLES) {
      const rows = await source.pool.query({
        text: `SELECT ${columns} FROM ${source.context.s}.${table} WHERE tenant = $1 ORDER BY ${order}`,
        values: [tenant],
        rowMode: "array",
      });
      const width = columns.split(",").length;
      for (const row of rows.rows as unknown[][]) {
        const params = Array.from({ length: width }, (_, i) => `$${i + 1}`).join(", ");
        await client.query(
          `INSERT INTO ${target.context.s}.${table} (${columns}) VALUES (${params})`,
          row,
        );
        n++;
      }
    }
    await client.query("COMMIT");
    return n;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw pgError(e, `tenant ${tenant} (copy keys)`);
  } finally {
    client.release();
  }
}

function sameHead(a: ChainHead | null, b: ChainHead | null): boolean {
  return a === null || b === null ? a === b : a.seq === b.seq && a.hash === b.hash;
}
