/**
 * Key store schema: a file of its own, never the ledger's file, so a backup
 * of the log never carries keys. `PRAGMA user_version` records the last migration.
 */
export const KEY_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE daicho_kek_check (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    kek_id  TEXT NOT NULL,
    check_value BLOB NOT NULL
  ) STRICT;
  CREATE TABLE daicho_data_keys (
    key_id     TEXT PRIMARY KEY,
    subject    TEXT NOT NULL UNIQUE,
    kek_id     TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE daicho_key_tombstones (
    subject   TEXT PRIMARY KEY,
    key_ids   TEXT NOT NULL,
    erased_at TEXT NOT NULL
  ) STRICT;
  `,
  // 2: provisional keys (created for a batch not yet committed; docs/erasure.md).
  `
  ALTER TABLE daicho_data_keys ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0;
  `,
];
