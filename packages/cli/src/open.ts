import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { DaichoError, type Ledger, openLedger } from "@daicho/core";
import { catchUp, type LedgerTree } from "@daicho/core/merkle";

/**
 * Open an existing ledger file for reading. Only SQLite files for now; other stores are
 * opened by URL scheme as their adapters arrive.
 */
export async function openExistingLedger(location: string | undefined): Promise<Ledger> {
  if (location === undefined) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "name the ledger file, e.g. `daicho verify ledger.db`",
    );
  }
  const store = sqliteStore(location, { readonly: true });
  try {
    return await openLedger({ store });
  } catch (e) {
    await store.close();
    throw e;
  }
}

/**
 * Open an existing ledger file read-only together with its Merkle tree (tree tables in
 * the same file, created on first use), caught up with the events. The tree is derived
 * data, so writing it never changes what the ledger records.
 */
export async function openLedgerTree(
  location: string | undefined,
): Promise<{ ledger: Ledger; tree: LedgerTree; close(): Promise<void> }> {
  const ledger = await openExistingLedger(location);
  const treeStore = sqliteTreeStore(location as string);
  try {
    const tree = await catchUp(treeStore, ledger.store);
    return {
      ledger,
      tree,
      close: async () => {
        await treeStore.close();
        await ledger.close();
      },
    };
  } catch (e) {
    await treeStore.close();
    await ledger.close();
    throw e;
  }
}
