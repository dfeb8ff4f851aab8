-- Daichō PostgreSQL schema daicho: migration 8 of 9, tenant fence for tree, checkpoint and subject-map writes.
-- Generated from packages/adapters/src/postgres/schema.ts (pnpm sql:postgres); do not edit.
-- Apply the files in order: psql -v ON_ERROR_STOP=1 -f <file> (or run daicho migrate).
-- Each file is one transaction; applied twice or out of order it fails with SQLSTATE
-- DA005 and changes nothing.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('daicho.migrate.daicho'));
-- Refuse unless the schema is at version 7.
DO $guard$
DECLARE
  at_version integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO at_version FROM "daicho".schema_migrations;
  IF at_version <> 7 THEN
    RAISE EXCEPTION 'Daicho schema daicho is at version %, this script migrates it from version 7', at_version
      USING ERRCODE = 'DA005', DETAIL = at_version::text;
  END IF;
END $guard$;

CREATE OR REPLACE FUNCTION "daicho".append_tree(
  p_key bigint, p_expected bigint, p_new bigint, p_ord bigint[], p_hash bytea[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  cur bigint;
BEGIN
  INSERT INTO "daicho".tree_state (ledger_key, size) VALUES (p_key, 0) ON CONFLICT (ledger_key) DO NOTHING;
  SELECT size INTO cur FROM "daicho".tree_state WHERE ledger_key = p_key FOR UPDATE;
  -- Read after the size lock, which the fencing UPDATE takes too (ledgers_fence_drains).
  IF EXISTS (SELECT 1 FROM "daicho".ledgers WHERE ledger_key = p_key AND fenced_at IS NOT NULL) THEN
    RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006';
  END IF;
  IF cur <> p_expected THEN
    RAISE EXCEPTION 'the tree grew since it was read' USING ERRCODE = 'DA004', DETAIL = cur::text;
  END IF;
  INSERT INTO "daicho".tree_nodes (ledger_key, ord, hash)
  SELECT p_key, u.ord, u.hash FROM unnest(p_ord, p_hash) AS u(ord, hash)
  ON CONFLICT (ledger_key, ord) DO UPDATE SET hash = excluded.hash;
  UPDATE "daicho".tree_state SET size = p_new WHERE ledger_key = p_key;
END
$fn$;

CREATE OR REPLACE FUNCTION "daicho".put_map_version(
  p_key bigint, p_version bigint, p_path bytea[], p_record bytea[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  latest bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.map', p_key));
  -- Read after the map lock, which the fencing UPDATE takes too (ledgers_fence_drains).
  IF EXISTS (SELECT 1 FROM "daicho".ledgers WHERE ledger_key = p_key AND fenced_at IS NOT NULL) THEN
    RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006';
  END IF;
  SELECT max(version) INTO latest FROM "daicho".map_versions WHERE ledger_key = p_key;
  IF latest IS NOT NULL AND latest >= p_version THEN
    RAISE EXCEPTION 'the subject map already has a version at or beyond this one' USING ERRCODE = 'DA010', DETAIL = latest::text;
  END IF;
  INSERT INTO "daicho".map_records (ledger_key, path, version, record)
  SELECT p_key, u.path, p_version, u.record FROM unnest(p_path, p_record) AS u(path, record);
  INSERT INTO "daicho".map_versions (ledger_key, version) VALUES (p_key, p_version);
END
$fn$;

-- Fencing a tenant waits for its tree and map writers in flight: it takes their locks
-- (creating the size row if the tree has none yet, so a first tree write queues too).
CREATE FUNCTION "daicho".fence_drains_writers() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO "daicho".tree_state (ledger_key, size) VALUES (NEW.ledger_key, 0) ON CONFLICT (ledger_key) DO NOTHING;
  PERFORM 1 FROM "daicho".tree_state WHERE ledger_key = NEW.ledger_key FOR UPDATE;
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.map', NEW.ledger_key));
  RETURN NEW;
END
$fn$;

CREATE TRIGGER ledgers_fence_drains AFTER UPDATE OF fenced_at ON "daicho".ledgers
  FOR EACH ROW WHEN (NEW.fenced_at IS NOT NULL AND OLD.fenced_at IS NULL)
  EXECUTE FUNCTION "daicho".fence_drains_writers();

-- Checkpoint writes for a fenced tenant are refused. The row lock is taken whatever the
-- fence says (a FOR SHARE filtered by the fence would lock nothing while it is unset).
CREATE FUNCTION "daicho".forbid_fenced_checkpoints() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  k bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.ledger_key ELSE NEW.ledger_key END;
  f text;
BEGIN
  IF current_setting('daicho.erasing', true) IS DISTINCT FROM 'on' THEN
    SELECT fenced_at INTO f FROM "daicho".ledgers WHERE ledger_key = k FOR SHARE;
    IF f IS NOT NULL THEN
      RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006';
    END IF;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;

CREATE TRIGGER checkpoints_fence BEFORE INSERT OR UPDATE OR DELETE ON "daicho".checkpoints
  FOR EACH ROW EXECUTE FUNCTION "daicho".forbid_fenced_checkpoints();

INSERT INTO "daicho".schema_migrations (version, name) VALUES (8, 'tenant fence for tree, checkpoint and subject-map writes');
COMMIT;
