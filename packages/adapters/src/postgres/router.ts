import {
  type ChainHead,
  DaichoError,
  isDaichoError,
  type LedgerMeta,
  type ReadRange,
  type Store,
  type StoredEvent,
  type StrayIndexRow,
  type SubjectHead,
  type SubjectIndexCount,
  type TypeIndexCount,
} from "@daicho/core";
import type { PostgresDatabase } from "./database";
import type { Placement, TenantDirectory } from "./directory";
import type { PostgresStore } from "./store";

export interface TenantRouterOptions {
  /** The directory (see `TenantDirectory`); migrated and its servers registered beforehand. */
  readonly directory: TenantDirectory;
  /** Every server by its registered name, each an open database (`openPostgres`). */
  readonly servers: Readonly<Record<string, PostgresDatabase>>;
}

/**
 * Tenants spread over several PostgreSQL servers: each tenant's chain lives on exactly one
 * server, the one the directory names, and every store call goes there. Nothing is placed
 * implicitly: a tenant the directory does not know is NOT_FOUND until `place` records it,
 * so a typo or a stale cache can never start a second chain on another server.
 */
export interface TenantRouter {
  /** Record a new tenant on `server` (default: the registered server holding fewest tenants). */
  place(tenant: string, server?: string): Promise<Placement>;
  /** Where the directory says `tenant` lives. */
  locate(tenant: string): Promise<Placement | null>;
  /** The database holding `tenant` now (for its tree and key stores); NOT_FOUND if unplaced. */
  database(tenant: string): Promise<PostgresDatabase>;
  /** A `Store` for `tenant` that follows its placement, also across a move. */
  store(tenant: string): Store;
  readonly directory: TenantDirectory;
  readonly servers: Readonly<Record<string, PostgresDatabase>>;
}

/**
 * Open a router over `servers`, after checking with the directory that every URL reaches
 * the database registered under its name (LEDGER_MISMATCH otherwise: two URLs swapped in a
 * configuration would route tenants to the wrong chains).
 */
export async function openTenantRouter(options: TenantRouterOptions): Promise<TenantRouter> {
  const { directory, servers } = options;
  for (const [name, db] of Object.entries(servers)) await directory.checkServer(name, db.pool);
  const database = async (tenant: string) => {
    const p = await directory.locate(tenant);
    if (p === null)
      throw new DaichoError("NOT_FOUND", "tenant is not in the directory; place it first", {
        path: `tenant ${tenant}`,
      });
    return serverOf(servers, p.server);
  };
  return {
    directory,
    servers,
    locate: (tenant) => directory.locate(tenant),
    database,
    place: async (tenant, server) => {
      const chosen = server ?? (await leastLoaded(directory, servers));
      serverOf(servers, chosen);
      return directory.place(tenant, chosen);
    },
    store: (tenant) => new RoutedStore(directory, servers, tenant),
  };
}

async function leastLoaded(
  directory: TenantDirectory,
  servers: Readonly<Record<string, PostgresDatabase>>,
): Promise<string> {
  const load = await directory.load();
  const names = Object.keys(servers).sort();
  const best = names.sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0))[0];
  if (best === undefined)
    throw new DaichoError("INVALID_ARGUMENT", "the router has no servers", { path: "servers" });
  return best;
}

function serverOf(
  servers: Readonly<Record<string, PostgresDatabase>>,
  name: string,
): PostgresDatabase {
  const db = servers[name];
  if (db === undefined) {
    throw new DaichoError(
      "STORE_UNAVAILABLE",
      `the directory places this tenant on server ${name}, which this router was not given`,
      { path: `server ${name}` },
    );
  }
  return db;
}

/**
 * A tenant's store that looks its placement up (once, then again whenever a server says
 * the tenant is fenced there). An append refused by a fence wrote nothing, so it is
 * retried once on the server the directory names after the move; while the tenant is
 * still moving it is refused with a retryable STORE_UNAVAILABLE.
 */
class RoutedStore implements Store {
  readonly kind = "postgres-routed";
  private placed: { server: string; store: PostgresStore } | undefined;

  constructor(
    private readonly directory: TenantDirectory,
    private readonly servers: Readonly<Record<string, PostgresDatabase>>,
    readonly tenant: string,
  ) {}

  init(meta: LedgerMeta): Promise<LedgerMeta> {
    return this.routed((s) => s.init(meta));
  }
  meta(): Promise<LedgerMeta | null> {
    return this.routed((s) => s.meta());
  }
  head(): Promise<ChainHead | null> {
    return this.routed((s) => s.head());
  }
  append(events: readonly StoredEvent[], expected: ChainHead | null): Promise<void> {
    return this.routed((s) => s.append(events, expected), true);
  }
  async *read(range?: ReadRange): AsyncIterable<StoredEvent> {
    yield* (await this.current()).read(range);
  }
  get(seq: number): Promise<StoredEvent | undefined> {
    return this.routed((s) => s.get(seq));
  }
  subjectHeads(subjects: readonly string[]): Promise<Map<string, SubjectHead>> {
    return this.routed((s) => s.subjectHeads(subjects));
  }
  async *readSubject(subject: string): AsyncIterable<StoredEvent> {
    yield* (await this.current()).readSubject(subject);
  }
  async *subjectIndexCounts(through: number): AsyncIterable<SubjectIndexCount> {
    yield* (await this.current()).subjectIndexCounts(through);
  }
  strayIndexRows(through: number, limit: number): Promise<readonly StrayIndexRow[]> {
    return this.routed((s) => s.strayIndexRows(through, limit));
  }
  readByType(types: readonly string[], fromSeq: number, limit: number) {
    return this.routed((s) => s.readByType(types, fromSeq, limit));
  }
  async *typeIndexCounts(through: number): AsyncIterable<TypeIndexCount> {
    yield* (await this.current()).typeIndexCounts(through);
  }
  async close(): Promise<void> {
    await this.placed?.store.close();
  }

  private async current(refresh = false): Promise<PostgresStore> {
    if (this.placed !== undefined && !refresh) return this.placed.store;
    const p = await this.directory.locate(this.tenant);
    if (p === null)
      throw new DaichoError("NOT_FOUND", "tenant is not in the directory; place it first", {
        path: `tenant ${this.tenant}`,
      });
    if (this.placed?.server !== p.server) {
      this.placed = {
        server: p.server,
        store: serverOf(this.servers, p.server).store(this.tenant),
      };
    }
    return this.placed.store;
  }

  private async routed<A>(f: (s: PostgresStore) => Promise<A>, write = false): Promise<A> {
    const store = await this.current();
    try {
      return await f(store);
    } catch (e) {
      if (!(write && isFenced(e))) throw e;
      const again = await this.current(true);
      if (again === store) throw e; // still moving (or fenced for good): refused, nothing written
      return f(again);
    }
  }
}

function isFenced(e: unknown): boolean {
  return isDaichoError(e, "STORE_UNAVAILABLE") && e.details?.fenced === true;
}
