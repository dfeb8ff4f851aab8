import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { DaichoError, type Ledger, openLedger, type Store } from "@daicho/core";
import { catchUp, type LedgerTree, readOnlyTree, type TreeStore } from "@daicho/core/merkle";
import type { Args } from "./args";

/** Options every command that opens a ledger accepts (add them to its `parseArgs` list). */
export const LEDGER_OPTIONS = ["tenant", "schema"] as const;

/**
 * Where a ledger lives: a SQLite file path (the default), or a PostgreSQL URL
 * (`postgres://…` / `postgresql://…`) with the tenant whose ledger to open (default
 * `default`, as `postgresStore` uses) and the schema (default `daicho`).
 */
export interface LedgerLocation {
  readonly location: string | undefined;
  readonly tenant?: string;
  readonly schema?: string;
}

/** The ledger location named by a command line: `location` (default the first argument), `--tenant`, `--schema`. */
export function ledgerLocation(args: Args, location = args.positional[0]): LedgerLocation {
  const tenant = args.options.get("tenant");
  const schema = args.options.get("schema");
  return {
    location,
    ...(tenant === undefined ? {} : { tenant }),
    ...(schema === undefined ? {} : { schema }),
  };
}

/** True for a `postgres://` or `postgresql://` URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

function resolve(
  where: LedgerLocation | string | undefined,
): LedgerLocation & { location: string } {
  const loc = typeof where === "object" ? where : { location: where };
  if (loc.location === undefined) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "name the ledger: a SQLite file (`daicho verify ledger.db`) or a PostgreSQL URL with --tenant",
    );
  }
  if (!isPostgresUrl(loc.location) && (loc.tenant !== undefined || loc.schema !== undefined)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "--tenant and --schema apply to PostgreSQL URLs only; a SQLite file holds one ledger",
      { path: loc.tenant !== undefined ? "--tenant" : "--schema" },
    );
  }
  return { ...loc, location: loc.location };
}

/** Open the ledger on `store`, which must already hold one (the CLI never creates ledgers). */
async function openStored(store: Store, what: string): Promise<Ledger> {
  try {
    if ((await store.meta()) === null)
      throw new DaichoError("NOT_FOUND", `there is no ledger in ${what}`, { path: what });
    return await openLedger({ store });
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** The PostgreSQL adapter, loaded only when a URL asks for it. */
const postgres = () => import("@daicho/adapters/postgres");

/**
 * Open an existing ledger for reading: a SQLite file read-only, or one tenant of a
 * PostgreSQL database read-only (no migrations; every connection refuses writes, so it
 * works against a read replica or a `SELECT`-only role). Closing the ledger releases
 * the file or the connections.
 */
export async function openExistingLedger(
  where: LedgerLocation | string | undefined,
): Promise<Ledger> {
  const loc = resolve(where);
  if (!isPostgresUrl(loc.location)) {
    return openStored(sqliteStore(loc.location, { readonly: true }), loc.location);
  }
  const { postgresStore } = await postgres();
  const tenant = loc.tenant ?? "default";
  const store = postgresStore({
    connectionString: loc.location,
    tenant,
    readonly: true,
    maxConnections: 2,
    ...(loc.schema === undefined ? {} : { schema: loc.schema }),
  });
  return openStored(store, `tenant ${tenant}`);
}

/** A ledger with its Merkle tree caught up with its events; `close` releases both. */
export interface OpenedLedgerTree {
  readonly ledger: Ledger;
  readonly tree: LedgerTree;
  close(): Promise<void>;
}

/**
 * Open an existing ledger together with its Merkle tree, caught up with the events.
 * SQLite: the events read-only and the tree in tables of the same file, written as it
 * catches up (the tree is derived data, so writing it never changes what the ledger
 * records). PostgreSQL: unless `write` is set (commands that store a checkpoint), the
 * database is opened read-only and the tree is read from it, with any events beyond the
 * stored tree added in memory for this run only.
 */
export async function openLedgerTree(
  where: LedgerLocation | string | undefined,
  options: { readonly write?: boolean } = {},
): Promise<OpenedLedgerTree> {
  const loc = resolve(where);
  if (!isPostgresUrl(loc.location)) {
    const ledger = await openExistingLedger(loc);
    return withCaughtUpTree(ledger, sqliteTreeStore(loc.location), async () => {});
  }
  const { openPostgres } = await postgres();
  const tenant = loc.tenant ?? "default";
  const db = await openPostgres({
    connectionString: loc.location,
    readonly: options.write !== true,
    maxConnections: 3,
    ...(loc.schema === undefined ? {} : { schema: loc.schema }),
  });
  try {
    const ledger = await openStored(db.store(tenant), `tenant ${tenant}`);
    const base = db.treeStore(tenant);
    const treeStore = options.write === true ? base : await readOnlyTree(base);
    return await withCaughtUpTree(ledger, treeStore, () => db.close());
  } catch (e) {
    await db.close();
    throw e;
  }
}

async function withCaughtUpTree(
  ledger: Ledger,
  treeStore: TreeStore,
  release: () => Promise<void>,
): Promise<OpenedLedgerTree> {
  const close = async () => {
    await treeStore.close();
    await ledger.close();
    await release();
  };
  try {
    const tree = await catchUp(treeStore, ledger.store);
    return { ledger, tree, close };
  } catch (e) {
    await close();
    throw e;
  }
}
