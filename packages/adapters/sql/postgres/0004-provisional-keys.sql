-- Daichō PostgreSQL schema daicho: migration 4 of 9, provisional data keys (created for a batch not yet committed).
-- Generated from packages/adapters/src/postgres/schema.ts (pnpm sql:postgres); do not edit.
-- Apply the files in order: psql -v ON_ERROR_STOP=1 -f <file> (or run daicho migrate).
-- Each file is one transaction; applied twice or out of order it fails with SQLSTATE
-- DA005 and changes nothing.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('daicho.migrate.daicho'));
-- Refuse unless the schema is at version 3.
DO $guard$
DECLARE
  at_version integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO at_version FROM "daicho".schema_migrations;
  IF at_version <> 3 THEN
    RAISE EXCEPTION 'Daicho schema daicho is at version %, this script migrates it from version 3', at_version
      USING ERRCODE = 'DA005', DETAIL = at_version::text;
  END IF;
END $guard$;

ALTER TABLE "daicho".subject_keys ADD COLUMN provisional boolean NOT NULL DEFAULT false;

INSERT INTO "daicho".schema_migrations (version, name) VALUES (4, 'provisional data keys (created for a batch not yet committed)');
COMMIT;
