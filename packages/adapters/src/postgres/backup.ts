import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import {
  type ChainHead,
  DaichoError,
  genesisHash,
  isDaichoError,
  type StoredEvent,
  type VerifyReport,
  verifyEvents,
} from "@daicho/core";
import type pg from "pg";
import {
  BACKUP_FORMAT,
  BackupDigest,
  type BackupHeader,
  eventLine,
  openBackup,
} from "./backup-file";
import { pgError } from "./errors";
import { type EventRow, eventsInRange } from "./read";
import { assertTenant, type PgContext } from "./store";

const PAGE = 2000;

export interface BackupResult {
  readonly file: string;
  readonly count: number;
  readonly head: ChainHead | null;
}

/**
 * Online, consistent backup of one tenant's ledger to `file` while writers keep
 * appending. Everything is read in one `REPEATABLE READ, READ ONLY` transaction, so the
 * file holds exactly the ledger as of one instant (metadata, head and every event up to
 * it) and nothing half-written. The file is written to `file.partial`, fsynced, then
 * renamed into place. Keys are not included: they are backed up separately, under the
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
    const r = await client.query<{
      ledger_key: string;
      ledger_id: string;
      created_at: string;
      envelope_version: number;
      head_seq: string;
      head_hash: string | null;
    }>(
      `SELECT ledger_key, ledger_id, created_at, envelope_version, head_seq, head_hash FROM ${ctx.s}.ledgers WHERE tenant = $1`,
      [tenant],
    );
    const row = r.rows[0];
    if (row === undefined)
      throw new DaichoError("NOT_FOUND", "no such tenant", { path: `tenant ${tenant}` });
    const head = row.head_hash === null ? null : { seq: Number(row.head_seq), hash: row.head_hash };
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      tenant,
      ledgerId: row.ledger_id,
      createdAt: row.created_at,
      envelopeVersion: row.envelope_version,
      head,
      count: head === null ? 0 : head.seq + 1,
      takenAt: new Date().toISOString(),
    };
    const out = createWriteStream(partial, { encoding: "utf8" });
    const digest = new BackupDigest();
    const write = async (line: string) => {
      if (!out.write(line)) await once(out, "drain");
    };
    const headerLine = `${JSON.stringify(header)}\n`;
    digest.update(headerLine);
    await write(headerLine);
    const fetch = async (q: pg.QueryConfig) =>
      (await client.query({ ...q, rowMode: "array" })).rows as EventRow[];
    for await (const e of eventsInRange(fetch, ctx.s, row.ledger_key, { to: header.count }, PAGE)) {
      const line = eventLine(e);
      digest.update(line);
      digest.count++;
      await write(line);
    }
    await client.query("COMMIT");
    if (digest.count !== header.count) {
      throw new DaichoError("STORE_CORRUPT", "the ledger has fewer events than its head says", {
        path: `tenant ${tenant}`,
      });
    }
    await write(digest.trailer());
    out.end();
    await once(out, "finish");
    const fd = await open(partial, "r");
    await fd.sync();
    await fd.close();
    await rename(partial, file);
    return { file, count: header.count, head };
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    await rm(partial, { force: true });
    throw pgError(e, `tenant ${tenant} (backup)`);
  } finally {
    client.release();
  }
}

export interface RestoreOptions {
  /**
   * A head you trust from elsewhere (the latest signed checkpoint, or a head an auditor
   * recorded): the restored chain must reach it and hold exactly this event at its
   * sequence number. A backup that stops short of it or disagrees with it is refused.
   */
  readonly expectHead?: ChainHead;
}

/**
 * Restore a backup file as tenant `tenant`, which must not exist yet. The copy is
 * verified twice before it is accepted: first the file (shape, trailer digest, every
 * event hash and link from the genesis of its ledger id, the header's head and the
 * optional `expectHead`), then — inside the restoring transaction — the rows as
 * PostgreSQL holds them, read back and verified again. Only if both pass is the
 * transaction committed; otherwise nothing is written and `BACKUP_INVALID` says why.
 */
export async function restoreTenant(
  ctx: PgContext,
  tenant: string,
  file: string,
  options: RestoreOptions = {},
): Promise<{ count: number; head: ChainHead | null }> {
  assertTenant(tenant);
  await ctx.ready;
  // 1. The file on its own.
  const first = await openBackup(file);
  const genesis = genesisHash(first.header.ledgerId);
  const fileSeen = watchHead(first.events, options.expectHead);
  const fileReport = await verifyEvents(
    fileSeen.events,
    genesis,
    verifyOptions(options.expectHead),
  );
  acceptReport(fileReport, first.header, options.expectHead, fileSeen.hashAt(), "backup file");

  // 2. Load it in one transaction, verify what PostgreSQL holds, then commit.
  const client = await ctx.pool.connect().catch((e: unknown) => {
    throw pgError(e, `tenant ${tenant} (restore)`);
  });
  try {
    await client.query("BEGIN");
    const { header, events } = await openBackup(file);
    const created = await client.query<{ ledger_key: string }>(
      `INSERT INTO ${ctx.s}.ledgers (tenant, ledger_id, created_at, envelope_version) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant) DO NOTHING RETURNING ledger_key`,
      [tenant, header.ledgerId, header.createdAt, header.envelopeVersion],
    );
    const key = created.rows[0]?.ledger_key;
    if (key === undefined) {
      throw new DaichoError(
        "LEDGER_MISMATCH",
        "tenant already exists; restore into a new tenant name",
        {
          path: `tenant ${tenant}`,
        },
      );
    }
    let batch: StoredEvent[] = [];
    let head: ChainHead | null = null;
    const flush = async () => {
      if (batch.length === 0) return;
      await appendVia(client, ctx.s, key, batch, head);
      const last = batch[batch.length - 1] as StoredEvent;
      head = { seq: last.seq, hash: last.hash };
      batch = [];
    };
    for await (const e of events) {
      batch.push(e);
      if (batch.length >= PAGE) await flush();
    }
    await flush();
    const fetch = async (q: pg.QueryConfig) =>
      (await client.query({ ...q, rowMode: "array" })).rows as EventRow[];
    const dbSeen = watchHead(eventsInRange(fetch, ctx.s, key, {}, PAGE), options.expectHead);
    const dbReport = await verifyEvents(dbSeen.events, genesis, verifyOptions(options.expectHead));
    acceptReport(dbReport, header, options.expectHead, dbSeen.hashAt(), "restored rows");
    await client.query("COMMIT");
    return { count: header.count, head: header.head };
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw isDaichoError(e) ? e : pgError(e, `tenant ${tenant} (restore)`);
  } finally {
    client.release();
  }
}

/** Pass events through, remembering the stored hash at the trusted head's sequence number. */
function watchHead(events: AsyncIterable<StoredEvent>, expectHead: ChainHead | undefined) {
  let hashAt: string | undefined;
  async function* pass(): AsyncIterable<StoredEvent> {
    for await (const e of events) {
      if (e.seq === expectHead?.seq) hashAt = e.hash;
      yield e;
    }
  }
  return { events: pass(), hashAt: () => hashAt };
}

function verifyOptions(expectHead: ChainHead | undefined) {
  return expectHead === undefined ? {} : { expectHead };
}

/** Accept a verification only if it passed and ends exactly where the header (and caller) say. */
function acceptReport(
  report: VerifyReport,
  header: BackupHeader,
  expectHead: ChainHead | undefined,
  hashAtExpected: string | undefined,
  what: string,
): void {
  if (!report.ok) {
    throw new DaichoError(
      "BACKUP_INVALID",
      `${what} fails verification: ${report.failure.kind} (${report.failure.reason})`,
      {
        path: `seq ${report.failure.seq}`,
        details: { kind: report.failure.kind },
      },
    );
  }
  const headerHead = header.head;
  if (report.count !== header.count || report.headHash !== (headerHead?.hash ?? null)) {
    throw new DaichoError("BACKUP_INVALID", `${what} does not end at the head its header records`, {
      details: { count: report.count, expectedCount: header.count },
    });
  }
  if (expectHead !== undefined && hashAtExpected !== expectHead.hash) {
    // The verified chain is internally consistent, but it is not the ledger the caller
    // trusts: it holds another event at that position, or stops before it.
    throw new DaichoError("BACKUP_INVALID", `${what} does not end at the trusted head`, {
      path: `seq ${expectHead.seq}`,
    });
  }
}

async function appendVia(
  client: pg.PoolClient,
  s: string,
  key: string,
  events: readonly StoredEvent[],
  head: ChainHead | null,
) {
  await client.query(`SELECT ${s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, [
    key,
    head === null ? -1 : head.seq,
    head === null ? null : head.hash,
    events.map((e) => e.seq),
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => e.recordedAt),
    events.map((e) => e.subjects.join(" ")),
    events.map((e) => e.prevHash),
    events.map((e) => e.hash),
    events.map((e) => e.body),
  ]);
}
