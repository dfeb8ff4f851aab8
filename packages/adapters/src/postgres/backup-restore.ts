import {
  type ChainHead,
  DaichoError,
  genesisHash,
  isDaichoError,
  type StoredEvent,
  type VerifyReport,
  verifyEvents,
} from "@daicho/core";
import type { Node } from "@daicho/core/merkle";
import type pg from "pg";
import { PAGE } from "./backup";
import { type BackupHeader, type BackupItem, openBackup } from "./backup-file";
import { planTrust, type RestoreTrust, TreeRecompute, type TrustPlan } from "./backup-trust";
import { pgError } from "./errors";
import { type EventRow, eventsInRange } from "./read";
import { assertTenant, type PgContext } from "./store";
import { postOrder } from "./tree-position";

export interface RestoreOptions extends RestoreTrust {
  /**
   * A head you trust from elsewhere (a head an auditor recorded): the restored chain must
   * reach it and hold exactly this event at its sequence number. A backup that stops
   * short of it or disagrees with it is refused. Prefer a signed checkpoint
   * (`verifierKeys` and/or `checkpoint`), which covers every event up to its size.
   */
  readonly expectHead?: ChainHead;
}

/** What a restore accepted. */
export interface RestoreResult {
  readonly count: number;
  readonly head: ChainHead | null;
  readonly treeSize: number;
  readonly checkpoints: number;
  /** The checkpoint the copy was verified against (null when none was asked for). */
  readonly verifiedAgainst: TrustPlan["anchor"];
}

/**
 * Restore a backup file as tenant `tenant`, which must not exist yet. The copy is
 * verified twice before it is accepted: first the file (shape, trailer digest, every
 * event hash and link from the genesis of its ledger id, the header's head, the optional
 * `expectHead`, the stored tree against the tree recomputed from the events, and every
 * checkpoint's root against the recomputed root at its size), then — inside the restoring
 * transaction — the rows as PostgreSQL holds them, read back and verified again. With
 * `verifierKeys` and/or `checkpoint` (see `RestoreTrust`) the copy must reproduce the
 * root of that signed checkpoint, whose signature is checked first. Only if everything
 * passes is the transaction committed; otherwise nothing is written and
 * `BACKUP_INVALID` says why. The restored tree is the one recomputed from the restored
 * events, so it never holds a node the events do not produce.
 */
export async function restoreTenant(
  ctx: PgContext,
  tenant: string,
  file: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  assertTenant(tenant);
  await ctx.ready;
  const { expectHead } = options;
  // 1. The file on its own.
  const first = await openBackup(file);
  const plan = planTrust(first.header, first.checkpoints, options);
  const genesis = genesisHash(first.header.ledgerId);
  const fileTree = new TreeRecompute(plan.sizes, first.header.treeSize);
  const fileSeen = tap(first.body, fileTree, expectHead);
  const fileReport = await verifyEvents(fileSeen.events, genesis, verifyOptions(expectHead));
  acceptReport(fileReport, first.header, expectHead, fileSeen.hashAt(), "backup file");
  if (!fileTree.nodesMatch())
    throw new DaichoError("BACKUP_INVALID", "backup file: its tree is not the events' tree");
  fileTree.accept(plan, "backup file");

  // 2. Load it in one transaction, verify what PostgreSQL holds, then commit.
  const client = await ctx.pool.connect().catch((e: unknown) => {
    throw pgError(e, `tenant ${tenant} (restore)`);
  });
  try {
    await client.query("BEGIN");
    const second = await openBackup(file);
    const { header } = second;
    const plan2 = planTrust(header, second.checkpoints, options); // the file may have changed
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
        { path: `tenant ${tenant}` },
      );
    }
    const loaded = await load(client, ctx.s, key, second.body, plan2, header.treeSize);
    const fetch = async (q: pg.QueryConfig) =>
      (await client.query({ ...q, rowMode: "array" })).rows as EventRow[];
    const dbTree = new TreeRecompute(plan2.sizes, header.treeSize);
    const dbSeen = tap(eventsInRange(fetch, ctx.s, key, {}, PAGE), dbTree, expectHead);
    const dbReport = await verifyEvents(dbSeen.events, genesis, verifyOptions(expectHead));
    acceptReport(dbReport, header, expectHead, dbSeen.hashAt(), "restored rows");
    dbTree.accept(plan2, "restored rows");
    if (dbTree.nodeDigest() !== loaded.nodeDigest)
      throw new DaichoError("BACKUP_INVALID", "restored rows: the tree written is not theirs");
    for (const c of second.checkpoints) {
      await client.query(
        `INSERT INTO ${ctx.s}.checkpoints (ledger_key, size, note, created_at) VALUES ($1, $2, $3, $4)`,
        [key, c.size, c.note, c.createdAt],
      );
    }
    await client.query("COMMIT");
    return {
      count: header.count,
      head: header.head,
      treeSize: header.treeSize,
      checkpoints: second.checkpoints.length,
      verifiedAgainst: plan2.anchor,
    };
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw isDaichoError(e) ? e : pgError(e, `tenant ${tenant} (restore)`);
  } finally {
    client.release();
  }
}

/**
 * Insert the file's events in batches and, after each batch, the tree nodes recomputed
 * from them; the file's own nodes are only compared (by digest). Returns the digest of the
 * nodes written so the read-back can confirm they are the restored events' tree.
 */
async function load(
  client: pg.PoolClient,
  s: string,
  key: string,
  body: AsyncIterable<BackupItem>,
  plan: TrustPlan,
  treeSize: number,
): Promise<{ nodeDigest: string }> {
  let batch: StoredEvent[] = [];
  let nodes: Node[] = [];
  let head: ChainHead | null = null;
  const tree = new TreeRecompute(plan.sizes, treeSize, (n) => nodes.push(n));
  const flush = async () => {
    if (batch.length > 0) {
      await appendVia(client, s, key, batch, head);
      const last = batch[batch.length - 1] as StoredEvent;
      head = { seq: last.seq, hash: last.hash };
      batch = [];
    }
    if (nodes.length > 0) {
      await client.query(
        `INSERT INTO ${s}.tree_nodes (ledger_key, ord, hash) SELECT $1, u.ord, u.hash FROM unnest($2::bigint[], $3::bytea[]) AS u(ord, hash)`,
        [key, nodes.map(postOrder), nodes.map((n) => Buffer.from(n.hash))],
      );
      nodes = [];
    }
  };
  for await (const item of body) {
    if (item.kind === "node") {
      tree.storedNode(item.node);
      continue;
    }
    batch.push(item.event);
    try {
      tree.leaf(item.event); // the chain is checked on read-back, before commit
    } catch (e) {
      throw isDaichoError(e, "BACKUP_INVALID")
        ? e
        : new DaichoError("BACKUP_INVALID", "backup file: an event hash is malformed", {
            path: `seq ${item.event.seq}`,
          });
    }
    if (batch.length >= PAGE) await flush();
  }
  await flush();
  if (!tree.nodesMatch())
    throw new DaichoError("BACKUP_INVALID", "backup file: its tree is not the events' tree");
  if (treeSize > 0) {
    await client.query(`INSERT INTO ${s}.tree_state (ledger_key, size) VALUES ($1, $2)`, [
      key,
      treeSize,
    ]);
  }
  return { nodeDigest: tree.nodeDigest() };
}

/**
 * Pass a backup's events through to the verifier. Each event is added to the recomputed
 * tree only after the verifier asked for the next one, i.e. after it passed the chain
 * checks; stored nodes are fed to the tree's comparison. Remembers the hash at the
 * trusted head's sequence number.
 */
function tap(
  items: AsyncIterable<BackupItem | StoredEvent>,
  tree: TreeRecompute,
  expectHead: ChainHead | undefined,
) {
  let hashAt: string | undefined;
  async function* pass(): AsyncIterable<StoredEvent> {
    for await (const item of items) {
      if ("kind" in item && item.kind === "node") {
        tree.storedNode(item.node);
        continue;
      }
      const e = "kind" in item ? item.event : item;
      if (e.seq === expectHead?.seq) hashAt = e.hash;
      yield e;
      tree.leaf(e);
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
