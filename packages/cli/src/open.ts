import { sqliteStore } from "@daicho/adapters/sqlite";
import { DaichoError, type Ledger, openLedger } from "@daicho/core";

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
