-- Daichō PostgreSQL schema daicho: migration 2 of 9, key store for crypto-shredding (per tenant, apart from events).
-- Generated from packages/adapters/src/postgres/schema.ts (pnpm sql:postgres); do not edit.
-- Apply the files in order: psql -v ON_ERROR_STOP=1 -f <file> (or run daicho migrate).
-- Each file is one transaction; applied twice or out of order it fails with SQLSTATE
-- DA005 and changes nothing.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('daicho.migrate.daicho'));
-- Refuse unless the schema is at version 1.
DO $guard$
DECLARE
  at_version integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO at_version FROM "daicho".schema_migrations;
  IF at_version <> 1 THEN
    RAISE EXCEPTION 'Daicho schema daicho is at version %, this script migrates it from version 1', at_version
      USING ERRCODE = 'DA005', DETAIL = at_version::text;
  END IF;
END $guard$;

CREATE TABLE "daicho".kek_checks (
  tenant       text PRIMARY KEY,
  kek_id       text NOT NULL,
  check_value  bytea NOT NULL
);

CREATE TABLE "daicho".subject_keys (
  tenant      text NOT NULL,
  subject     text NOT NULL,
  key_id      text NOT NULL,
  kek_id      text NOT NULL,
  wrapped     bytea NOT NULL,
  created_at  text NOT NULL,
  ord         bigint GENERATED ALWAYS AS IDENTITY,
  CONSTRAINT subject_keys_pkey PRIMARY KEY (tenant, subject, key_id)
);

CREATE TABLE "daicho".key_tombstones (
  tenant     text NOT NULL,
  subject    text NOT NULL,
  key_ids    text[] NOT NULL,
  erased_at  text NOT NULL,
  CONSTRAINT key_tombstones_pkey PRIMARY KEY (tenant, subject)
);

INSERT INTO "daicho".schema_migrations (version, name) VALUES (2, 'key store for crypto-shredding (per tenant, apart from events)');
COMMIT;
