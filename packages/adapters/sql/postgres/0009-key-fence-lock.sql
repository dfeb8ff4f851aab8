-- Daichō PostgreSQL schema daicho: migration 9 of 9, key writes and the tenant fence serialise on a per-tenant advisory lock.
-- Generated from packages/adapters/src/postgres/schema.ts (pnpm sql:postgres); do not edit.
-- Apply the files in order: psql -v ON_ERROR_STOP=1 -f <file> (or run daicho migrate).
-- Each file is one transaction; applied twice or out of order it fails with SQLSTATE
-- DA005 and changes nothing.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('daicho.migrate.daicho'));
-- Refuse unless the schema is at version 8.
DO $guard$
DECLARE
  at_version integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO at_version FROM "daicho".schema_migrations;
  IF at_version <> 8 THEN
    RAISE EXCEPTION 'Daicho schema daicho is at version %, this script migrates it from version 8', at_version
      USING ERRCODE = 'DA005', DETAIL = at_version::text;
  END IF;
END $guard$;

CREATE OR REPLACE FUNCTION "daicho".forbid_fenced_keys() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  t text := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant ELSE NEW.tenant END;
  f text;
BEGIN
  IF current_setting('daicho.erasing', true) IS DISTINCT FROM 'on' THEN
    IF current_setting('transaction_isolation') = 'read committed' THEN
      PERFORM pg_advisory_xact_lock_shared(hashtextextended('daicho.fence:' || TG_TABLE_SCHEMA || ':' || t, 0));
      -- A new statement, so a new snapshot: it sees a fence that committed while we waited.
      SELECT fenced_at INTO f FROM "daicho".ledgers WHERE tenant = t;
    ELSE
      -- The transaction snapshot may predate the fence: lock the row (40001 if it changed since).
      SELECT fenced_at INTO f FROM "daicho".ledgers WHERE tenant = t FOR SHARE;
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
CREATE OR REPLACE FUNCTION "daicho".fence_drains_writers() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO "daicho".tree_state (ledger_key, size) VALUES (NEW.ledger_key, 0) ON CONFLICT (ledger_key) DO NOTHING;
  PERFORM 1 FROM "daicho".tree_state WHERE ledger_key = NEW.ledger_key FOR UPDATE;
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.map', NEW.ledger_key));
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.fence:' || TG_TABLE_SCHEMA || ':' || NEW.tenant, 0));
  RETURN NEW;
END
$fn$;

INSERT INTO "daicho".schema_migrations (version, name) VALUES (9, 'key writes and the tenant fence serialise on a per-tenant advisory lock');
COMMIT;
