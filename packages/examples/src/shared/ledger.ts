/**
 * How every example opens its ledger: events in one SQLite file, per-subject data keys in
 * another (never the ledger's: backups of the log must not carry keys), a Merkle tree in
 * the ledger file for checkpoints, and the views kept live by a projector.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { sqliteKeyStore } from "@daicho/adapters/sqlite-keys";
import { type Kek, type Ledger, openLedger } from "@daicho/core";
import { type LedgerTree, withTree } from "@daicho/core/merkle";
import { Projector } from "@daicho/core/views";

export interface ExampleLedger {
  readonly ledger: Ledger;
  readonly projector: Projector;
  readonly tree: LedgerTree;
  /** The ledger file, for `daicho verify` and friends. */
  readonly path: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly ledgerId?: string;
  /** Clock for `recordedAt` and key creation; scenarios that replay history pass their own. */
  readonly clock?: () => Date;
  /** The key-encryption key. In production it comes from your KMS; here a fresh random one. */
  readonly kek?: Kek;
}

/**
 * Open (or create) a ledger under `dir`: `ledger.db` for events and the Merkle tree,
 * `keys/keys.db` for the data keys, wrapped under `kek`. The projector has folded every
 * event already recorded and follows new appends; the tree follows them too.
 */
export async function openExampleLedger(
  dir: string,
  options: OpenOptions = {},
): Promise<ExampleLedger> {
  mkdirSync(join(dir, "keys"), { recursive: true });
  const path = join(dir, "ledger.db");
  const keyStore = sqliteKeyStore(join(dir, "keys", "keys.db"), { synchronous: "normal" });
  const ledger = await openLedger({
    store: sqliteStore(path, { synchronous: "normal" }),
    ledgerId: options.ledgerId ?? "crm.example.com/ledger",
    clock: options.clock,
    keys: {
      store: keyStore,
      kek: options.kek ?? { id: "kek-example", key: new Uint8Array(randomBytes(32)) },
    },
  });
  const treeStore = sqliteTreeStore(path);
  const { tree, detach } = await withTree(ledger, treeStore);
  const projector = await Projector.start({ ledger });
  return {
    ledger,
    projector,
    tree,
    path,
    close: async () => {
      projector.stop();
      detach();
      await tree.catchUp();
      await treeStore.close();
      await keyStore.close();
      await ledger.close();
    },
  };
}
