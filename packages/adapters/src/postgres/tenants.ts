import { DaichoError } from "@daicho/core";
import { pgError } from "./errors";
import { assertTenant, type PgContext } from "./store";

/** One tenant's ledger as the database sees it. */
export interface TenantInfo {
  readonly tenant: string;
  readonly ledgerId: string;
  /** Sequence number of the last event, or null for an empty ledger. */
  readonly headSeq: number | null;
  readonly headHash: string | null;
}

/** Every tenant in the schema, ordered by name. */
export async function listTenants(ctx: PgContext): Promise<TenantInfo[]> {
  try {
    const r = await ctx.pool.query<{
      tenant: string;
      ledger_id: string;
      head_seq: string;
      head_hash: string | null;
    }>(`SELECT tenant, ledger_id, head_seq, head_hash FROM ${ctx.s}.ledgers ORDER BY tenant`);
    return r.rows.map((row) => ({
      tenant: row.tenant,
      ledgerId: row.ledger_id,
      headSeq: row.head_hash === null ? null : Number(row.head_seq),
      headHash: row.head_hash,
    }));
  } catch (e) {
    throw pgError(e, "tenants");
  }
}

/**
 * Delete one tenant's ledger in one transaction: its head row is locked first, so no
 * append can slip in, then its subject index, events, Merkle tree, checkpoints, head row
 * and key-store rows go. Other tenants are
 * untouched. `confirmLedgerId` must equal the stored ledger id (`LEDGER_MISMATCH`
 * otherwise); an unknown tenant is `NOT_FOUND`. This is the "customer leaves" operation
 * of a SaaS deployment, not per-subject erasure (that is crypto-shredding).
 */
export async function eraseTenant(
  ctx: PgContext,
  tenant: string,
  confirmLedgerId: string,
): Promise<{ events: number }> {
  assertTenant(tenant);
  const client = await ctx.pool.connect().catch((e: unknown) => {
    throw pgError(e, `tenant ${tenant} (erase)`);
  });
  try {
    await client.query("BEGIN");
    const head = await client.query<{ ledger_key: string; ledger_id: string }>(
      `SELECT ledger_key, ledger_id FROM ${ctx.s}.ledgers WHERE tenant = $1 FOR UPDATE`,
      [tenant],
    );
    const row = head.rows[0];
    if (row === undefined)
      throw new DaichoError("NOT_FOUND", "no such tenant", { path: `tenant ${tenant}` });
    if (row.ledger_id !== confirmLedgerId) {
      throw new DaichoError(
        "LEDGER_MISMATCH",
        "confirmation does not match the tenant's ledger id",
        {
          path: `tenant ${tenant}`,
        },
      );
    }
    await client.query("SELECT set_config('daicho.erasing', 'on', true)");
    await client.query(`DELETE FROM ${ctx.s}.event_subjects WHERE ledger_key = $1`, [
      row.ledger_key,
    ]);
    const deleted = await client.query(`DELETE FROM ${ctx.s}.events WHERE ledger_key = $1`, [
      row.ledger_key,
    ]);
    // The tree and checkpoints are derived from the events and go with them.
    for (const table of ["tree_nodes", "tree_state", "checkpoints"]) {
      await client.query(`DELETE FROM ${ctx.s}.${table} WHERE ledger_key = $1`, [row.ledger_key]);
    }
    await client.query(`DELETE FROM ${ctx.s}.ledgers WHERE ledger_key = $1`, [row.ledger_key]);
    // The tenant's keys go with it: every personal field it ever sealed becomes unreadable.
    await client.query(`DELETE FROM ${ctx.s}.subject_keys WHERE tenant = $1`, [tenant]);
    await client.query(`DELETE FROM ${ctx.s}.key_tombstones WHERE tenant = $1`, [tenant]);
    await client.query(`DELETE FROM ${ctx.s}.kek_checks WHERE tenant = $1`, [tenant]);
    await client.query("COMMIT");
    return { events: deleted.rowCount ?? 0 };
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw pgError(e, `tenant ${tenant} (erase)`);
  } finally {
    client.release();
  }
}
