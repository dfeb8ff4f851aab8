import { existsSync } from "node:fs";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { DaichoError, type Ledger, openLedger, type Store } from "@daicho/core";
import { catchUp, type LedgerTree, readOnlyTree, type TreeStore } from "@daicho/core/merkle";
import type { Args, OptionSpecs } from "./args";

/** Options of the commands that open a PostgreSQL tenant only (backup, restore). */
export const POSTGRES_LEDGER_OPTIONS: OptionSpecs = {
  tenant: {
    type: "string",
    value: "T",
    help: "PostgreSQL only: the tenant whose ledger to open (default `default`)",
  },
  schema: { type: "string", value: "S", help: "PostgreSQL only: the schema (default `daicho`)" },
};

/** Options every command that opens a SQLite or PostgreSQL ledger accepts (spread them in). */
export const LEDGER_OPTIONS: OptionSpecs = {
  ...POSTGRES_LEDGER_OPTIONS,
  tree: {
    type: "string",
    value: "FILE",
    help: "SQLite only: the file holding the Merkle tree, checkpoints and subject map, when the host keeps them apart from the events (default: the ledger's own file)",
  },
};

/**
 * Where a ledger lives: a SQLite file path (the default), or a PostgreSQL URL
 * (`postgres://…` / `postgresql://…`) with the tenant whose ledger to open (default
 * `default`, as `postgresStore` uses) and the schema (default `daicho`).
 */
export interface LedgerLocation {
  readonly location: string | undefined;
  readonly tenant?: string;
  readonly schema?: string;
  /** SQLite only: the file of the tree store, when it is not the ledger's own file. */
  readonly tree?: string;
}

/** The ledger location named by a command line: `location` (default the first argument), `--tenant`, `--schema`. */
export function ledgerLocation(args: Args, location = args.positional[0]): LedgerLocation {
  const tenant = args.options.get("tenant");
  const schema = args.options.get("schema");
  const tree = args.options.get("tree");
  return {
    location,
    ...(tenant === undefined ? {} : { tenant }),
    ...(schema === undefined ? {} : { schema }),
    ...(tree === undefined ? {} : { tree }),
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
  if (loc.tree !== undefined && isPostgresUrl(loc.location)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "--tree applies to SQLite files only; a PostgreSQL tenant's tree lives beside its events",
      { path: "--tree" },
    );
  }
  return { ...loc, location: loc.location };
}

/**
 * The SQLite file of `loc`'s tree store: `--tree`, else the ledger's own file. A `--tree`
 * file opened for reading must exist (only `daicho checkpoint`, writing, creates one).
 */
function treeFile(loc: LedgerLocation & { location: string }, write = false): string {
  if (loc.tree === undefined) return loc.location;
  if (!write && !existsSync(loc.tree))
    throw new DaichoError(
      "NOT_FOUND",
      `the tree file ${loc.tree} does not exist: give the file \`daicho checkpoint --tree\` wrote, or leave out --tree to read the tree in the ledger's file`,
      { path: "--tree" },
    );
  return loc.tree;
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

/** A ledger with its tree store exactly as stored (not caught up); `close` releases both. */
export interface OpenedStoredTree {
  readonly ledger: Ledger;
  readonly treeStore: TreeStore;
  close(): Promise<void>;
}

/**
 * Open an existing ledger and its stored Merkle tree read-only, as stored, for `verify`
 * to check node by node (nothing is caught up or written). A SQLite ledger and its tree
 * share one read-only connection.
 */
export async function openStoredTree(
  where: LedgerLocation | string | undefined,
): Promise<OpenedStoredTree> {
  const loc = resolve(where);
  if (!isPostgresUrl(loc.location)) {
    const ledger = await openExistingLedger(loc);
    const treeStore = sqliteTreeStore(treeFile(loc), { readonly: true });
    return {
      ledger,
      treeStore,
      close: async () => {
        await treeStore.close();
        await ledger.close();
      },
    };
  }
  const { openPostgres } = await postgres();
  const tenant = loc.tenant ?? "default";
  const db = await openPostgres({
    connectionString: loc.location,
    readonly: true,
    maxConnections: 3,
    ...(loc.schema === undefined ? {} : { schema: loc.schema }),
  });
  try {
    const ledger = await openStored(db.store(tenant), `tenant ${tenant}`);
    const treeStore = db.treeStore(tenant);
    return {
      ledger,
      treeStore,
      close: async () => {
        await treeStore.close();
        await ledger.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** A ledger with its Merkle tree caught up with its events; `close` releases both. */
export interface OpenedLedgerTree {
  readonly ledger: Ledger;
  readonly tree: LedgerTree;
  close(): Promise<void>;
}

/** How `openLedgerTree` opens the tree. */
export interface TreeOpenOptions {
  /**
   * Operator commands that store a checkpoint (`daicho checkpoint`): open the tree for
   * writing and bring the stored tree up to date. Default false: auditor commands never
   * write to the evidence.
   */
  readonly write?: boolean;
  /** Called while events beyond the stored tree are hashed into it (done, total). */
  readonly onCatchUp?: (done: number, total: number) => void;
}

/**
 * Open an existing ledger together with its Merkle tree, caught up with the events.
 * Unless `write` is set, the ledger and its stored tree are opened read-only (a SQLite
 * file by the evidence rule of `sqliteStore`'s `readonly`, PostgreSQL with read-only
 * connections) and any events beyond the stored tree are added in memory for this run
 * only (`readOnlyTree`), so the evidence is never written. With `write` (operator side),
 * the stored tree is extended in place.
 */
export async function openLedgerTree(
  where: LedgerLocation | string | undefined,
  options: TreeOpenOptions = {},
): Promise<OpenedLedgerTree> {
  const loc = resolve(where);
  const write = options.write === true;
  if (!isPostgresUrl(loc.location)) {
    // The events are read as evidence either way; only the tree store differs.
    const ledger = await openExistingLedger(loc);
    try {
      const base = sqliteTreeStore(treeFile(loc, write), { readonly: !write });
      const treeStore = write ? base : await readOnlyTree(base);
      return await withCaughtUpTree(ledger, treeStore, options, async () => {});
    } catch (e) {
      await ledger.close();
      throw e;
    }
  }
  const { openPostgres } = await postgres();
  const tenant = loc.tenant ?? "default";
  const db = await openPostgres({
    connectionString: loc.location,
    readonly: !write,
    maxConnections: 3,
    ...(loc.schema === undefined ? {} : { schema: loc.schema }),
  });
  try {
    const ledger = await openStored(db.store(tenant), `tenant ${tenant}`);
    const base = db.treeStore(tenant);
    const treeStore = write ? base : await readOnlyTree(base);
    return await withCaughtUpTree(ledger, treeStore, options, () => db.close());
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** `store` with its `read` reporting how many events it has yielded. */
function counted(store: Store, onCount: (n: number) => void): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "read") {
        return async function* (range?: Parameters<Store["read"]>[0]) {
          let n = 0;
          for await (const e of target.read(range)) {
            yield e;
            if (++n % 1000 === 0) onCount(n);
          }
          onCount(n);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function withCaughtUpTree(
  ledger: Ledger,
  treeStore: TreeStore,
  options: TreeOpenOptions,
  release: () => Promise<void>,
): Promise<OpenedLedgerTree> {
  const close = async () => {
    await treeStore.close();
    await ledger.close();
    await release();
  };
  try {
    const onCatchUp = options.onCatchUp;
    let events: Store = ledger.store;
    let reporting = true;
    if (onCatchUp !== undefined) {
      const missing = ((await ledger.head())?.seq ?? -1) + 1 - (await treeStore.size());
      if (missing > 0)
        events = counted(ledger.store, (n) => {
          if (reporting) onCatchUp(n, missing);
        });
    }
    const tree = await catchUp(treeStore, events);
    reporting = false;
    return { ledger, tree, close };
  } catch (e) {
    await close();
    throw e;
  }
}
