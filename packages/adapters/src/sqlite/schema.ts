/**
 * SQLite schema, version 2. Migrations are numbered and applied in order inside one
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
  // 2: the index by event type (`Store.readByType`), over the `type` column that `verify`
  // checks against every hashed body; SQLite keeps it in each append's transaction.
  `
  CREATE INDEX daicho_events_by_type ON daicho_events (type, seq);
  `,
];

/**
 * The first schema version a read-only open accepts: later migrations add only indexes,
 * which every query can do without (a file written by an older release stays readable as
 * evidence, only slower to read by type).
 */
export const READABLE_VERSION = 1;
