-- Daichō PostgreSQL schema daicho: migration 3 of 9, Merkle tree nodes, tree size, checkpoints (per tenant).
-- Generated from packages/adapters/src/postgres/schema.ts (pnpm sql:postgres); do not edit.
-- Apply the files in order: psql -v ON_ERROR_STOP=1 -f <file> (or run daicho migrate).
-- Each file is one transaction; applied twice or out of order it fails with SQLSTATE
-- DA005 and changes nothing.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('daicho.migrate.daicho'));
-- Refuse unless the schema is at version 2.
DO $guard$
DECLARE
  at_version integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO at_version FROM "daicho".schema_migrations;
  IF at_version <> 2 THEN
    RAISE EXCEPTION 'Daicho schema daicho is at version %, this script migrates it from version 2', at_version
      USING ERRCODE = 'DA005', DETAIL = at_version::text;
  END IF;
END $guard$;

CREATE TABLE "daicho".tree_state (
  ledger_key  bigint PRIMARY KEY,
  size        bigint NOT NULL CHECK (size >= 0)
);

CREATE TABLE "daicho".tree_nodes (
  ledger_key  bigint NOT NULL,
  ord         bigint NOT NULL,
  hash        bytea NOT NULL CHECK (octet_length(hash) = 32),
  CONSTRAINT tree_nodes_pkey PRIMARY KEY (ledger_key, ord)
);

CREATE TABLE "daicho".checkpoints (
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
CREATE FUNCTION "daicho".append_tree(
  p_key bigint, p_expected bigint, p_new bigint, p_ord bigint[], p_hash bytea[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  cur bigint;
BEGIN
  INSERT INTO "daicho".tree_state (ledger_key, size) VALUES (p_key, 0) ON CONFLICT (ledger_key) DO NOTHING;
  SELECT size INTO cur FROM "daicho".tree_state WHERE ledger_key = p_key FOR UPDATE;
  IF cur <> p_expected THEN
    RAISE EXCEPTION 'the tree grew since it was read' USING ERRCODE = 'DA004', DETAIL = cur::text;
  END IF;
  INSERT INTO "daicho".tree_nodes (ledger_key, ord, hash)
  SELECT p_key, u.ord, u.hash FROM unnest(p_ord, p_hash) AS u(ord, hash)
  ON CONFLICT (ledger_key, ord) DO UPDATE SET hash = excluded.hash;
  UPDATE "daicho".tree_state SET size = p_new WHERE ledger_key = p_key;
END
$fn$;

INSERT INTO "daicho".schema_migrations (version, name) VALUES (3, 'Merkle tree nodes, tree size, checkpoints (per tenant)');
COMMIT;
