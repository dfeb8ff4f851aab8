/**
 * The subject map's tables (spec §12.9), versioned by checkpoint size: a version is
 * listed in `daicho_map_versions` once all its records are stored (one transaction),
 * either whole as one row of `daicho_map_tail` (recent versions) or, once the tail is
 * merged, in `daicho_map_records`, keyed by (position, version) so "as of v" is one
 * index seek per position; the second index serves `verify`, which reads one version at
 * a time. `IF NOT EXISTS` because the tree store creates them too when the tree lives in
 * a file of its own.
 */
export const MAP_TABLES = `
  CREATE TABLE IF NOT EXISTS daicho_map_versions (
    version INTEGER PRIMARY KEY
  ) STRICT;
  CREATE TABLE IF NOT EXISTS daicho_map_records (
    path    BLOB NOT NULL,
    version INTEGER NOT NULL,
    record  BLOB NOT NULL,
    PRIMARY KEY (path, version)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS daicho_map_records_by_version ON daicho_map_records (version, path);
  CREATE TABLE IF NOT EXISTS daicho_map_tail (
    version INTEGER PRIMARY KEY,
    records BLOB NOT NULL
  ) STRICT;
`;

/**
 * SQLite schema, version 4. Migrations are numbered and applied in order inside one
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
  // 3: the durable subject map (spec §12.9), derived data beside the tree, so a new
  // process extends the map from the previous checkpoint instead of rebuilding it.
  MAP_TABLES,
  // 4: the map's tail (versions kept whole, one row each, until merged into the indexed
  // records table): a checkpoint writes one sequential row instead of a random page per
  // record. Files that ran migration 3 with this release's MAP_TABLES already have it.
  MAP_TABLES,
];

/**
 * The first schema version a read-only open accepts: later migrations add only indexes,
 * which every query can do without (a file written by an older release stays readable as
 * evidence, only slower to read by type).
 */
export const READABLE_VERSION = 1;
