/**
 * SQLite schema, version 1. Migrations are numbered and applied in order inside one
 * transaction; `PRAGMA user_version` records the last one applied.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE daicho_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;
  CREATE TABLE daicho_events (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    subjects    TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    body        TEXT NOT NULL
  ) STRICT;
  CREATE TABLE daicho_event_subjects (
    subject TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (subject, seq)
  ) STRICT, WITHOUT ROWID;
  `,
];
