-- Daichō PostgreSQL schema daicho: migration 6 of 9, durable subject map, versioned by checkpoint size (per tenant).
-- Generated from packages/adapters/src/postgres/schema.ts (pnpm sql:postgres); do not edit.
-- Apply the files in order: psql -v ON_ERROR_STOP=1 -f <file> (or run daicho migrate).
-- Each file is one transaction; applied twice or out of order it fails with SQLSTATE
-- DA005 and changes nothing.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('daicho.migrate.daicho'));
-- Refuse unless the schema is at version 5.
DO $guard$
DECLARE
  at_version integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO at_version FROM "daicho".schema_migrations;
  IF at_version <> 5 THEN
    RAISE EXCEPTION 'Daicho schema daicho is at version %, this script migrates it from version 5', at_version
      USING ERRCODE = 'DA005', DETAIL = at_version::text;
  END IF;
END $guard$;

CREATE TABLE "daicho".map_versions (
  ledger_key  bigint NOT NULL,
  version     bigint NOT NULL CHECK (version >= 0),
  CONSTRAINT map_versions_pkey PRIMARY KEY (ledger_key, version)
);

CREATE TABLE "daicho".map_records (
  ledger_key  bigint NOT NULL,
  path        bytea NOT NULL,
  version     bigint NOT NULL,
  record      bytea NOT NULL,
  CONSTRAINT map_records_pkey PRIMARY KEY (ledger_key, path, version)
);
CREATE INDEX map_records_by_version ON "daicho".map_records (ledger_key, version, path);

CREATE FUNCTION "daicho".put_map_version(
  p_key bigint, p_version bigint, p_path bytea[], p_record bytea[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  latest bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('daicho.map', p_key));
  SELECT max(version) INTO latest FROM "daicho".map_versions WHERE ledger_key = p_key;
  IF latest IS NOT NULL AND latest >= p_version THEN
    RAISE EXCEPTION 'the subject map already has a version at or beyond this one' USING ERRCODE = 'DA010', DETAIL = latest::text;
  END IF;
  INSERT INTO "daicho".map_records (ledger_key, path, version, record)
  SELECT p_key, u.path, p_version, u.record FROM unnest(p_path, p_record) AS u(path, record);
  INSERT INTO "daicho".map_versions (ledger_key, version) VALUES (p_key, p_version);
END
$fn$;

INSERT INTO "daicho".schema_migrations (version, name) VALUES (6, 'durable subject map, versioned by checkpoint size (per tenant)');
COMMIT;
