import { DaichoError } from "@daicho/core";

/** One numbered schema change: `sql` with `{s}` standing for the quoted schema name. */
export interface Migration {
  /** Names its SQL file (`0001-<slug>.sql`). */
  readonly slug: string;
  /** Recorded in `schema_migrations.name`. */
  readonly name: string;
  readonly sql: string;
}

/**
 * A tenant's copy can be fenced (`ledgers.fenced_at`): moving it to another server
 * (tenant-move.ts) fences the source before the backup is taken, and from that commit on
 * `append_events` (and the COPY path, which reads the same row under the same lock)
 * refuses with DA006, and the key tables refuse writes for the tenant, so nothing the
 * moved copy lacks can land on the old one. Erasing the whole tenant still may.
 */
const FENCE_MIGRATION: Migration = {
  slug: "tenant-fence",
  name: "tenant fence (a tenant moved to another server refuses writes here)",
  sql: `
ALTER TABLE {s}.ledgers ADD COLUMN fenced_at text;

CREATE OR REPLACE FUNCTION {s}.append_events(
  p_key bigint, p_expected_seq bigint, p_expected_hash text,
  p_seq bigint[], p_id text[], p_type text[], p_recorded_at text[], p_subjects text[],
  p_prev_hash text[], p_hash text[], p_body text[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  h_seq bigint;
  h_hash text;
  h_fenced text;
  n integer := cardinality(p_seq);
BEGIN
  -- An acknowledged append must be durable: never commit it asynchronously.
  IF current_setting('synchronous_commit') = 'off' THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  SELECT head_seq, head_hash, fenced_at INTO h_seq, h_hash, h_fenced FROM {s}.ledgers WHERE ledger_key = p_key FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ledger is not initialised' USING ERRCODE = 'DA002';
  END IF;
  IF h_fenced IS NOT NULL THEN
    RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006', DETAIL = h_fenced;
  END IF;
  IF h_seq <> p_expected_seq OR h_hash IS DISTINCT FROM p_expected_hash THEN
    RAISE EXCEPTION 'the ledger head moved since it was read' USING ERRCODE = 'DA001', DETAIL = h_seq::text;
  END IF;
  IF n IS NULL OR n = 0 THEN
    RETURN;
  END IF;
  INSERT INTO {s}.events (ledger_key, seq, id, type, recorded_at, subjects, prev_hash, hash, body)
  SELECT p_key, u.seq, u.id, u.type, u.recorded_at, string_to_array(u.subjects, ' '), u.prev_hash, u.hash, u.body
  FROM unnest(p_seq, p_id, p_type, p_recorded_at, p_subjects, p_prev_hash, p_hash, p_body)
    AS u(seq, id, type, recorded_at, subjects, prev_hash, hash, body);
  INSERT INTO {s}.event_subjects (ledger_key, subject, seq)
  SELECT p_key, s.subject, u.seq
  FROM unnest(p_seq, p_subjects) AS u(seq, subjects)
  CROSS JOIN LATERAL unnest(string_to_array(u.subjects, ' ')) AS s(subject);
  UPDATE {s}.ledgers SET head_seq = p_seq[n], head_hash = p_hash[n] WHERE ledger_key = p_key;
END
$fn$;

-- Key writes for a fenced tenant are refused. FOR SHARE queues behind the fencing UPDATE
-- (and it behind us), so a key write either lands before the fence or sees it.
CREATE FUNCTION {s}.forbid_fenced_keys() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  t text := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant ELSE NEW.tenant END;
BEGIN
  IF current_setting('daicho.erasing', true) IS DISTINCT FROM 'on'
     AND EXISTS (SELECT 1 FROM {s}.ledgers WHERE tenant = t AND fenced_at IS NOT NULL FOR SHARE) THEN
    RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;

CREATE TRIGGER subject_keys_fence BEFORE INSERT OR UPDATE OR DELETE ON {s}.subject_keys
  FOR EACH ROW EXECUTE FUNCTION {s}.forbid_fenced_keys();
CREATE TRIGGER key_tombstones_fence BEFORE INSERT OR UPDATE OR DELETE ON {s}.key_tombstones
  FOR EACH ROW EXECUTE FUNCTION {s}.forbid_fenced_keys();
CREATE TRIGGER kek_checks_fence BEFORE INSERT OR UPDATE OR DELETE ON {s}.kek_checks
  FOR EACH ROW EXECUTE FUNCTION {s}.forbid_fenced_keys();
`,
};

/**
 * Migration 7 fenced appends and key writes; this fences the rest of a moved tenant's old
 * copy: tree growth (`append_tree`), checkpoints and subject-map versions refuse with
 * DA006 too. Each writer already serialises on a lock of its own (the tenant's
 * `tree_state` row, the map's advisory lock), so rather than queue them behind the
 * ledgers row that appends lock, the fencing UPDATE takes those locks (trigger
 * `ledgers_fence_drains`): it waits for a tree or map write in flight, and a writer that
 * gets its lock after the fence commits reads the fence (a fresh snapshot per statement)
 * and refuses. Checkpoint writes have no lock of their own and are rare: they read the
 * ledgers row `FOR SHARE`, unconditionally, so they queue behind the fencing UPDATE or it
 * behind them. Erasing the whole tenant (daicho.erasing) still may delete everything.
 */
const FENCE_TREE_MIGRATION: Migration = {
  slug: "tenant-fence-tree",
  name: "tenant fence for tree, checkpoint and subject-map writes",
  sql: `
CREATE OR REPLACE FUNCTION {s}.append_tree(
  p_key bigint, p_expected bigint, p_new bigint, p_ord bigint[], p_hash bytea[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  cur bigint;
BEGIN
  INSERT INTO {s}.tree_state (ledger_key, size) VALUES (p_key, 0) ON CONFLICT (ledger_key) DO NOTHING;
  SELECT size INTO cur FROM {s}.tree_state WHERE ledger_key = p_key FOR UPDATE;
  -- Read after the size lock, which the fencing UPDATE takes too (ledgers_fence_drains).
  IF EXISTS (SELECT 1 FROM {s}.ledgers WHERE ledger_key = p_key AND fenced_at IS NOT NULL) THEN
    RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006';
  END IF;
  IF cur <> p_expected THEN
    RAISE EXCEPTION 'the tree grew since it was read' USING ERRCODE = 'DA004', DETAIL = cur::text;
  END IF;
  INSERT INTO {s}.tree_nodes (ledger_key, ord, hash)
  SELECT p_key, u.ord, u.hash FROM unnest(p_ord, p_hash) AS u(ord, hash)
  ON CONFLICT (ledger_key, ord) DO UPDATE SET hash = excluded.hash;
  UPDATE {s}.tree_state SET size = p_new WHERE ledger_key = p_key;
END
$fn$;

CREATE OR REPLACE FUNCTION {s}.put_map_version(
  p_key bigint, p_version bigint, p_path bytea[], p_record bytea[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  latest bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.map', p_key));
  -- Read after the map lock, which the fencing UPDATE takes too (ledgers_fence_drains).
  IF EXISTS (SELECT 1 FROM {s}.ledgers WHERE ledger_key = p_key AND fenced_at IS NOT NULL) THEN
    RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006';
  END IF;
  SELECT max(version) INTO latest FROM {s}.map_versions WHERE ledger_key = p_key;
  IF latest IS NOT NULL AND latest >= p_version THEN
    RAISE EXCEPTION 'the subject map already has a version at or beyond this one' USING ERRCODE = 'DA010', DETAIL = latest::text;
  END IF;
  INSERT INTO {s}.map_records (ledger_key, path, version, record)
  SELECT p_key, u.path, p_version, u.record FROM unnest(p_path, p_record) AS u(path, record);
  INSERT INTO {s}.map_versions (ledger_key, version) VALUES (p_key, p_version);
END
$fn$;

-- Fencing a tenant waits for its tree and map writers in flight: it takes their locks
-- (creating the size row if the tree has none yet, so a first tree write queues too).
CREATE FUNCTION {s}.fence_drains_writers() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO {s}.tree_state (ledger_key, size) VALUES (NEW.ledger_key, 0) ON CONFLICT (ledger_key) DO NOTHING;
  PERFORM 1 FROM {s}.tree_state WHERE ledger_key = NEW.ledger_key FOR UPDATE;
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.map', NEW.ledger_key));
  RETURN NEW;
END
$fn$;

CREATE TRIGGER ledgers_fence_drains AFTER UPDATE OF fenced_at ON {s}.ledgers
  FOR EACH ROW WHEN (NEW.fenced_at IS NOT NULL AND OLD.fenced_at IS NULL)
  EXECUTE FUNCTION {s}.fence_drains_writers();

-- Checkpoint writes for a fenced tenant are refused. The row lock is taken whatever the
-- fence says (a FOR SHARE filtered by the fence would lock nothing while it is unset).
CREATE FUNCTION {s}.forbid_fenced_checkpoints() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  k bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.ledger_key ELSE NEW.ledger_key END;
  f text;
BEGIN
  IF current_setting('daicho.erasing', true) IS DISTINCT FROM 'on' THEN
    SELECT fenced_at INTO f FROM {s}.ledgers WHERE ledger_key = k FOR SHARE;
    IF f IS NOT NULL THEN
      RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;

CREATE TRIGGER checkpoints_fence BEFORE INSERT OR UPDATE OR DELETE ON {s}.checkpoints
  FOR EACH ROW EXECUTE FUNCTION {s}.forbid_fenced_checkpoints();
`,
};

/**
 * Migration 7's key-table trigger read the fence `FOR SHARE` filtered by the fence, which
 * locks nothing while the tenant is unfenced: a key write that passed the check before the
 * fencing UPDATE could commit after it, and so after the move's backup. Now the fence and
 * key writes serialise on a per-tenant advisory lock (`daicho.fence:<schema>:<tenant>`),
 * not on the ledgers row, so key writes never queue behind appends: a key write at READ
 * COMMITTED takes it shared, then reads `fenced_at` in a fresh statement snapshot; the
 * fencing UPDATE takes it exclusive (trigger `ledgers_fence_drains`). A key write in
 * flight therefore commits before the fence does, and one that comes later waits for the
 * fence to commit, then sees it and refuses with DA006. A key write at REPEATABLE READ or
 * SERIALIZABLE reads with its transaction snapshot, which may predate the fence, so it
 * locks the ledgers row `FOR SHARE` instead: it waits for a fence (or an append) in
 * flight, and PostgreSQL fails it with 40001 (retryable) if the row changed after its
 * snapshot. (A transaction that writes keys and then appends can deadlock with a fence;
 * PostgreSQL then aborts one of them with 40P01, retryable. The key store never does.)
 */
const KEY_FENCE_MIGRATION: Migration = {
  slug: "key-fence-lock",
  name: "key writes and the tenant fence serialise on a per-tenant advisory lock",
  sql: `
CREATE OR REPLACE FUNCTION {s}.forbid_fenced_keys() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  t text := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant ELSE NEW.tenant END;
  f text;
BEGIN
  IF current_setting('daicho.erasing', true) IS DISTINCT FROM 'on' THEN
    IF current_setting('transaction_isolation') = 'read committed' THEN
      PERFORM pg_advisory_xact_lock_shared(hashtextextended('daicho.fence:' || TG_TABLE_SCHEMA || ':' || t, 0));
      -- A new statement, so a new snapshot: it sees a fence that committed while we waited.
      SELECT fenced_at INTO f FROM {s}.ledgers WHERE tenant = t;
    ELSE
      -- The transaction snapshot may predate the fence: lock the row (40001 if it changed since).
      SELECT fenced_at INTO f FROM {s}.ledgers WHERE tenant = t FOR SHARE;
    END IF;
    IF f IS NOT NULL THEN
      RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;

-- Fencing a tenant also waits for its key writes in flight, and holds later ones off
-- until it commits (they then see it).
CREATE OR REPLACE FUNCTION {s}.fence_drains_writers() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO {s}.tree_state (ledger_key, size) VALUES (NEW.ledger_key, 0) ON CONFLICT (ledger_key) DO NOTHING;
  PERFORM 1 FROM {s}.tree_state WHERE ledger_key = NEW.ledger_key FOR UPDATE;
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.map', NEW.ledger_key));
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.fence:' || TG_TABLE_SCHEMA || ':' || NEW.tenant, 0));
  RETURN NEW;
END
$fn$;
`,
};

/**
 * PostgreSQL schema, as numbered migrations. Opening a database runs none of them: they
 * are applied by `daicho migrate`, `migratePostgres`, `openPostgres({ migrate: true })`
 * (development and tests) or a DBA running the committed SQL files, all of which execute
 * the same script per migration (migration-sql.ts).
 * Every object lives in one schema (default `daicho`); `{s}` is replaced by its quoted
 * name. One database holds many ledgers: each tenant has a row in `ledgers` (its own
 * chain head, metadata and integer `ledger_key`), and every other table is keyed by
 * `ledger_key` first, so one tenant can be exported, erased or partitioned out at once.
 *
 * Appends go through `append_events`, one statement and one round trip: it locks the
 * tenant's head row (`SELECT … FOR UPDATE`), compares it with the head the writer sealed
 * onto, inserts the batch with `unnest` and moves the head, all in the caller's
 * transaction. Concurrent writers to one tenant queue on that row lock, so the chain stays
 * one line; the primary key on (ledger_key, seq) would refuse a fork even if it did not.
 *
 * The list only grows: a released migration is never edited (the committed SQL files in
 * `packages/adapters/sql/postgres/` and their test hold it still).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    slug: "ledgers-events",
    name: "ledgers, events, subjects, append function, append-only guard",
    sql: `
CREATE TABLE {s}.ledgers (
  tenant            text PRIMARY KEY,
  ledger_key        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  ledger_id         text NOT NULL,
  created_at        text NOT NULL,
  envelope_version  integer NOT NULL,
  head_seq          bigint NOT NULL DEFAULT -1,
  head_hash         text
);

CREATE TABLE {s}.events (
  ledger_key   bigint NOT NULL,
  seq          bigint NOT NULL,
  id           text NOT NULL,
  type         text NOT NULL,
  recorded_at  text NOT NULL,
  subjects     text[] NOT NULL,
  prev_hash    text NOT NULL,
  hash         text NOT NULL,
  body         text NOT NULL,
  CONSTRAINT events_pkey PRIMARY KEY (ledger_key, seq),
  CONSTRAINT events_id_unique UNIQUE (ledger_key, id)
);

CREATE TABLE {s}.event_subjects (
  ledger_key  bigint NOT NULL,
  subject     text NOT NULL,
  seq         bigint NOT NULL,
  CONSTRAINT event_subjects_pkey PRIMARY KEY (ledger_key, subject, seq)
);

CREATE FUNCTION {s}.append_events(
  p_key bigint, p_expected_seq bigint, p_expected_hash text,
  p_seq bigint[], p_id text[], p_type text[], p_recorded_at text[], p_subjects text[],
  p_prev_hash text[], p_hash text[], p_body text[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  h_seq bigint;
  h_hash text;
  n integer := cardinality(p_seq);
BEGIN
  -- An acknowledged append must be durable: never commit it asynchronously.
  IF current_setting('synchronous_commit') = 'off' THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  SELECT head_seq, head_hash INTO h_seq, h_hash FROM {s}.ledgers WHERE ledger_key = p_key FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ledger is not initialised' USING ERRCODE = 'DA002';
  END IF;
  IF h_seq <> p_expected_seq OR h_hash IS DISTINCT FROM p_expected_hash THEN
    RAISE EXCEPTION 'the ledger head moved since it was read' USING ERRCODE = 'DA001', DETAIL = h_seq::text;
  END IF;
  IF n IS NULL OR n = 0 THEN
    RETURN;
  END IF;
  INSERT INTO {s}.events (ledger_key, seq, id, type, recorded_at, subjects, prev_hash, hash, body)
  SELECT p_key, u.seq, u.id, u.type, u.recorded_at, string_to_array(u.subjects, ' '), u.prev_hash, u.hash, u.body
  FROM unnest(p_seq, p_id, p_type, p_recorded_at, p_subjects, p_prev_hash, p_hash, p_body)
    AS u(seq, id, type, recorded_at, subjects, prev_hash, hash, body);
  INSERT INTO {s}.event_subjects (ledger_key, subject, seq)
  SELECT p_key, s.subject, u.seq
  FROM unnest(p_seq, p_subjects) AS u(seq, subjects)
  CROSS JOIN LATERAL unnest(string_to_array(u.subjects, ' ')) AS s(subject);
  UPDATE {s}.ledgers SET head_seq = p_seq[n], head_hash = p_hash[n] WHERE ledger_key = p_key;
END
$fn$;

-- Events are append-only. Only erasing a whole tenant (which sets daicho.erasing for its
-- transaction) may delete them. This guards against mistakes, not against a superuser:
-- the hash chain and checkpoints are what detect tampering.
CREATE FUNCTION {s}.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('daicho.erasing', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'Daicho ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'DA003';
END
$fn$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {s}.events
  FOR EACH ROW EXECUTE FUNCTION {s}.forbid_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {s}.events
  FOR EACH STATEMENT EXECUTE FUNCTION {s}.forbid_change();
CREATE TRIGGER event_subjects_append_only BEFORE UPDATE OR DELETE ON {s}.event_subjects
  FOR EACH ROW EXECUTE FUNCTION {s}.forbid_change();
CREATE TRIGGER event_subjects_no_truncate BEFORE TRUNCATE ON {s}.event_subjects
  FOR EACH STATEMENT EXECUTE FUNCTION {s}.forbid_change();
`,
  },
  {
    slug: "key-store",
    name: "key store for crypto-shredding (per tenant, apart from events)",
    sql: `
CREATE TABLE {s}.kek_checks (
  tenant       text PRIMARY KEY,
  kek_id       text NOT NULL,
  check_value  bytea NOT NULL
);

CREATE TABLE {s}.subject_keys (
  tenant      text NOT NULL,
  subject     text NOT NULL,
  key_id      text NOT NULL,
  kek_id      text NOT NULL,
  wrapped     bytea NOT NULL,
  created_at  text NOT NULL,
  ord         bigint GENERATED ALWAYS AS IDENTITY,
  CONSTRAINT subject_keys_pkey PRIMARY KEY (tenant, subject, key_id)
);

CREATE TABLE {s}.key_tombstones (
  tenant     text NOT NULL,
  subject    text NOT NULL,
  key_ids    text[] NOT NULL,
  erased_at  text NOT NULL,
  CONSTRAINT key_tombstones_pkey PRIMARY KEY (tenant, subject)
);
`,
  },
  {
    slug: "merkle-tree",
    name: "Merkle tree nodes, tree size, checkpoints (per tenant)",
    // Nodes are keyed by their post-order number (tree-position.ts): the nodes of the tree
    // of size n are exactly ord < 2n − popcount(n), in the order a tree built leaf by leaf
    // completes them. The size lives in its own row, apart from the ledgers row that
    // appends lock, so tree updates never queue behind (or hold up) event appends.
    sql: `
CREATE TABLE {s}.tree_state (
  ledger_key  bigint PRIMARY KEY,
  size        bigint NOT NULL CHECK (size >= 0)
);

CREATE TABLE {s}.tree_nodes (
  ledger_key  bigint NOT NULL,
  ord         bigint NOT NULL,
  hash        bytea NOT NULL CHECK (octet_length(hash) = 32),
  CONSTRAINT tree_nodes_pkey PRIMARY KEY (ledger_key, ord)
);

CREATE TABLE {s}.checkpoints (
  ledger_key  bigint NOT NULL,
  size        bigint NOT NULL,
  note        text NOT NULL,
  created_at  text NOT NULL,
  CONSTRAINT checkpoints_pkey PRIMARY KEY (ledger_key, size)
);

-- Grow one tenant's tree: lock its size row, compare with the size the writer built on,
-- store the nodes and move the size, all in the caller's transaction (one round trip).
-- Nodes beyond the stored size belong to no tree (a writer that lost a race may have
-- left none, but a restore or repair might), so they are replaced.
CREATE FUNCTION {s}.append_tree(
  p_key bigint, p_expected bigint, p_new bigint, p_ord bigint[], p_hash bytea[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  cur bigint;
BEGIN
  INSERT INTO {s}.tree_state (ledger_key, size) VALUES (p_key, 0) ON CONFLICT (ledger_key) DO NOTHING;
  SELECT size INTO cur FROM {s}.tree_state WHERE ledger_key = p_key FOR UPDATE;
  IF cur <> p_expected THEN
    RAISE EXCEPTION 'the tree grew since it was read' USING ERRCODE = 'DA004', DETAIL = cur::text;
  END IF;
  INSERT INTO {s}.tree_nodes (ledger_key, ord, hash)
  SELECT p_key, u.ord, u.hash FROM unnest(p_ord, p_hash) AS u(ord, hash)
  ON CONFLICT (ledger_key, ord) DO UPDATE SET hash = excluded.hash;
  UPDATE {s}.tree_state SET size = p_new WHERE ledger_key = p_key;
END
$fn$;
`,
  },
  {
    slug: "provisional-keys",
    name: "provisional data keys (created for a batch not yet committed)",
    sql: `
ALTER TABLE {s}.subject_keys ADD COLUMN provisional boolean NOT NULL DEFAULT false;
`,
  },
  {
    slug: "events-by-type",
    name: "index by event type (readByType), over the type column verify checks",
    sql: `
CREATE INDEX events_by_type ON {s}.events (ledger_key, type, seq);
`,
  },
  {
    slug: "subject-map",
    name: "durable subject map, versioned by checkpoint size (per tenant)",
    // Derived data (spec §12.9): records keyed by (position, version) so a read "as of v"
    // is one index seek per position; a version is listed once all its records are in.
    // put_map_version serialises one tenant's map writers on an advisory lock of their
    // own (never the ledgers row appends lock), refuses a version at or below the latest
    // (DA010), and writes records and version in the caller's transaction.
    sql: `
CREATE TABLE {s}.map_versions (
  ledger_key  bigint NOT NULL,
  version     bigint NOT NULL CHECK (version >= 0),
  CONSTRAINT map_versions_pkey PRIMARY KEY (ledger_key, version)
);

CREATE TABLE {s}.map_records (
  ledger_key  bigint NOT NULL,
  path        bytea NOT NULL,
  version     bigint NOT NULL,
  record      bytea NOT NULL,
  CONSTRAINT map_records_pkey PRIMARY KEY (ledger_key, path, version)
);
CREATE INDEX map_records_by_version ON {s}.map_records (ledger_key, version, path);

CREATE FUNCTION {s}.put_map_version(
  p_key bigint, p_version bigint, p_path bytea[], p_record bytea[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  latest bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.map', p_key));
  SELECT max(version) INTO latest FROM {s}.map_versions WHERE ledger_key = p_key;
  IF latest IS NOT NULL AND latest >= p_version THEN
    RAISE EXCEPTION 'the subject map already has a version at or beyond this one' USING ERRCODE = 'DA010', DETAIL = latest::text;
  END IF;
  INSERT INTO {s}.map_records (ledger_key, path, version, record)
  SELECT p_key, u.path, p_version, u.record FROM unnest(p_path, p_record) AS u(path, record);
  INSERT INTO {s}.map_versions (ledger_key, version) VALUES (p_key, p_version);
END
$fn$;
`,
  },
  FENCE_MIGRATION,
  FENCE_TREE_MIGRATION,
  KEY_FENCE_MIGRATION,
];

/**
 * The tables the migrations create, besides `schema_migrations`: what an application role
 * is granted `SELECT, INSERT, UPDATE` on (see `applicationGrants` in migrate.ts). A test
 * holds this list equal to the tables a migrated schema has.
 */
export const TABLES = [
  "ledgers",
  "events",
  "event_subjects",
  "kek_checks",
  "subject_keys",
  "key_tombstones",
  "tree_state",
  "tree_nodes",
  "checkpoints",
  "map_versions",
  "map_records",
] as const;

/**
 * Quote a schema name after checking it is a plain lower-case identifier, so it can be
 * spliced into SQL text safely. Throws `INVALID_ARGUMENT` otherwise.
 */
export function quoteSchema(schema: string): string {
  return quoteName(schema, "schema");
}

/**
 * Quote a schema or role name after checking it is a plain lower-case identifier
 * (`[a-z_][a-z0-9_]{0,62}`). Throws `INVALID_ARGUMENT` naming `what` otherwise.
 */
export function quoteName(name: string, what: "schema" | "role"): string {
  if (typeof name !== "string" || !/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new DaichoError("INVALID_ARGUMENT", `${what} name must match [a-z_][a-z0-9_]{0,62}`, {
      path: what,
    });
  }
  return `"${name}"`;
}
