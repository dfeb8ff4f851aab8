import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { type ChainHead, DaichoError } from "@daicho/core";
import type { StoredCheckpoint } from "@daicho/core/merkle";
import type pg from "pg";
import {
  BACKUP_FORMAT,
  BackupDigest,
  type BackupHeader,
  checkpointLine,
  eventLine,
  nodeLine,
} from "./backup-file";
import { pgError } from "./errors";
import { type EventRow, eventsInRange } from "./read";
import { assertTenant, type PgContext } from "./store";
import { nodeCount, nodesInPostOrder, postOrder } from "./tree-position";

/** Rows per page when reading, and events per insert when restoring. */
export const PAGE = 2000;

export interface BackupResult {
  readonly file: string;
  /** The backed-up tenant's ledger id (the file's header has it too). */
  readonly ledgerId: string;
  readonly count: number;
  readonly head: ChainHead | null;
  /** Leaves covered by the Merkle tree in the backup (the stored tree may lag the events). */
  readonly treeSize: number;
  /** Signed checkpoints (with their co-signatures) in the backup. */
  readonly checkpoints: number;
}

type LedgerRow = {
  ledger_key: string;
  ledger_id: string;
  created_at: string;
  envelope_version: number;
  head_seq: string;
  head_hash: string | null;
};

/**
 * Online, consistent backup of one tenant's ledger to `file` while writers keep
 * appending. Everything is read in one `REPEATABLE READ, READ ONLY` transaction, so the
 * file holds exactly the ledger as of one instant — metadata, head, every event up to it,
 * the Merkle tree as stored and every signed checkpoint with its co-signatures — and
 * nothing half-written. The file is written to `file.partial`, fsynced, then renamed
 * into place. Keys are not included: they are backed up separately, under the
 * erasure-fence rules.
 */
export async function backupTenant(
  ctx: PgContext,
  tenant: string,
  file: string,
): Promise<BackupResult> {
  assertTenant(tenant);
  await ctx.ready;
  const client = await ctx.pool.connect().catch((e: unknown) => {
    throw pgError(e, `tenant ${tenant} (backup)`);
  });
  const partial = `${file}.partial`;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const r = await client.query<LedgerRow>(
      `SELECT ledger_key, ledger_id, created_at, envelope_version, head_seq, head_hash FROM ${ctx.s}.ledgers WHERE tenant = $1`,
      [tenant],
    );
    const row = r.rows[0];
    if (row === undefined)
      throw new DaichoError("NOT_FOUND", "no such tenant", { path: `tenant ${tenant}` });
    const key = row.ledger_key;
    const head = row.head_hash === null ? null : { seq: Number(row.head_seq), hash: row.head_hash };
    const count = head === null ? 0 : head.seq + 1;
    const state = await client.query<{ size: string }>(
      `SELECT size FROM ${ctx.s}.tree_state WHERE ledger_key = $1`,
      [key],
    );
    const treeSize = Number(state.rows[0]?.size ?? 0);
    if (treeSize > count) {
      throw new DaichoError("STORE_CORRUPT", "the tree covers more events than the ledger holds", {
        path: `tenant ${tenant}`,
      });
    }
    const cps = await client.query<{ size: string; note: string; created_at: string }>(
      `SELECT size, note, created_at FROM ${ctx.s}.checkpoints WHERE ledger_key = $1 ORDER BY size`,
      [key],
    );
    const checkpoints: StoredCheckpoint[] = cps.rows.map((c) => ({
      size: Number(c.size),
      note: c.note,
      createdAt: c.created_at,
    }));
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      tenant,
      ledgerId: row.ledger_id,
      createdAt: row.created_at,
      envelopeVersion: row.envelope_version,
      head,
      count,
      takenAt: new Date().toISOString(),
      treeSize,
      checkpoints: checkpoints.length,
    };
    const out = createWriteStream(partial, { encoding: "utf8" });
    const digest = new BackupDigest();
    const write = async (line: string) => {
      digest.update(line);
      if (!out.write(line)) await once(out, "drain");
    };
    await write(`${JSON.stringify(header)}\n`);
    for (const c of checkpoints) await write(checkpointLine(c));
    const fetch = async (q: pg.QueryConfig) =>
      (await client.query({ ...q, rowMode: "array" })).rows as EventRow[];
    for await (const e of eventsInRange(fetch, ctx.s, key, { to: count }, PAGE)) {
      digest.count++;
      await write(eventLine(e));
    }
    if (digest.count !== count) {
      throw new DaichoError("STORE_CORRUPT", "the ledger has fewer events than its head says", {
        path: `tenant ${tenant}`,
      });
    }
    await writeNodes(client, ctx.s, key, treeSize, write, tenant);
    await client.query("COMMIT");
    // The trailer seals the digest of everything before it; it is not part of it.
    if (!out.write(digest.trailer())) await once(out, "drain");
    out.end();
    await once(out, "finish");
    const fd = await open(partial, "r");
    await fd.sync();
    await fd.close();
    await rename(partial, file);
    return {
      file,
      ledgerId: row.ledger_id,
      count,
      head,
      treeSize,
      checkpoints: checkpoints.length,
    };
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    await rm(partial, { force: true });
    throw pgError(e, `tenant ${tenant} (backup)`);
  } finally {
    client.release();
  }
}

/** Stream the tree's nodes in post-order (a dense key range), checking none is missing. */
async function writeNodes(
  client: pg.PoolClient,
  s: string,
  key: string,
  treeSize: number,
  write: (line: string) => Promise<void>,
  tenant: string,
): Promise<void> {
  const total = nodeCount(treeSize);
  const ids = nodesInPostOrder(treeSize);
  for (let from = 0; from < total; from += PAGE) {
    const to = Math.min(from + PAGE, total);
    const r = await client.query({
      text: `SELECT ord, hash FROM ${s}.tree_nodes WHERE ledger_key = $1 AND ord >= $2 AND ord < $3 ORDER BY ord`,
      values: [key, from, to],
      rowMode: "array",
    });
    const rows = r.rows as [string, Buffer][];
    if (rows.length !== to - from) {
      throw new DaichoError("STORE_CORRUPT", "tree nodes are missing", {
        path: `tenant ${tenant}`,
      });
    }
    for (const [ord, hash] of rows) {
      const id = ids.next().value as { level: number; index: number };
      if (postOrder(id) !== Number(ord) || hash.length !== 32) {
        throw new DaichoError("STORE_CORRUPT", `tree node ${ord} is missing or damaged`, {
          path: `tenant ${tenant}`,
        });
      }
      await write(nodeLine({ ...id, hash }));
    }
  }
}
