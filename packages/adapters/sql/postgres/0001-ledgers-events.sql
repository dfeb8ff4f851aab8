-- Daichō PostgreSQL schema daicho: migration 1 of 9, ledgers, events, subjects, append function, append-only guard.
-- Generated from packages/adapters/src/postgres/schema.ts (pnpm sql:postgres); do not edit.
-- Apply the files in order: psql -v ON_ERROR_STOP=1 -f <file> (or run daicho migrate).
-- Each file is one transaction; applied twice or out of order it fails with SQLSTATE
-- DA005 and changes nothing.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('daicho.migrate.daicho'));
-- Create the schema unless a DBA made it already (then CREATE on the database is not needed).
DO $create$ BEGIN
  IF to_regnamespace('"daicho"') IS NULL THEN
    CREATE SCHEMA "daicho";
  END IF;
END $create$;
CREATE TABLE IF NOT EXISTS "daicho".schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
-- Refuse unless the schema is at version 0.
DO $guard$
DECLARE
  at_version integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO at_version FROM "daicho".schema_migrations;
  IF at_version <> 0 THEN
    RAISE EXCEPTION 'Daicho schema daicho is at version %, this script migrates it from version 0', at_version
      USING ERRCODE = 'DA005', DETAIL = at_version::text;
  END IF;
END $guard$;

CREATE TABLE "daicho".ledgers (
  tenant            text PRIMARY KEY,
  ledger_key        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  ledger_id         text NOT NULL,
  created_at        text NOT NULL,
  envelope_version  integer NOT NULL,
  head_seq          bigint NOT NULL DEFAULT -1,
  head_hash         text
);

CREATE TABLE "daicho".events (
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

CREATE TABLE "daicho".event_subjects (
  ledger_key  bigint NOT NULL,
  subject     text NOT NULL,
  seq         bigint NOT NULL,
  CONSTRAINT event_subjects_pkey PRIMARY KEY (ledger_key, subject, seq)
);

CREATE FUNCTION "daicho".append_events(
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
  SELECT head_seq, head_hash INTO h_seq, h_hash FROM "daicho".ledgers WHERE ledger_key = p_key FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ledger is not initialised' USING ERRCODE = 'DA002';
  END IF;
  IF h_seq <> p_expected_seq OR h_hash IS DISTINCT FROM p_expected_hash THEN
    RAISE EXCEPTION 'the ledger head moved since it was read' USING ERRCODE = 'DA001', DETAIL = h_seq::text;
  END IF;
  IF n IS NULL OR n = 0 THEN
    RETURN;
  END IF;
  INSERT INTO "daicho".events (ledger_key, seq, id, type, recorded_at, subjects, prev_hash, hash, body)
  SELECT p_key, u.seq, u.id, u.type, u.recorded_at, string_to_array(u.subjects, ' '), u.prev_hash, u.hash, u.body
  FROM unnest(p_seq, p_id, p_type, p_recorded_at, p_subjects, p_prev_hash, p_hash, p_body)
    AS u(seq, id, type, recorded_at, subjects, prev_hash, hash, body);
  INSERT INTO "daicho".event_subjects (ledger_key, subject, seq)
  SELECT p_key, s.subject, u.seq
  FROM unnest(p_seq, p_subjects) AS u(seq, subjects)
  CROSS JOIN LATERAL unnest(string_to_array(u.subjects, ' ')) AS s(subject);
  UPDATE "daicho".ledgers SET head_seq = p_seq[n], head_hash = p_hash[n] WHERE ledger_key = p_key;
END
$fn$;

-- Events are append-only. Only erasing a whole tenant (which sets daicho.erasing for its
-- transaction) may delete them. This guards against mistakes, not against a superuser:
-- the hash chain and checkpoints are what detect tampering.
CREATE FUNCTION "daicho".forbid_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('daicho.erasing', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'Daicho ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'DA003';
END
$fn$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON "daicho".events
  FOR EACH ROW EXECUTE FUNCTION "daicho".forbid_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON "daicho".events
  FOR EACH STATEMENT EXECUTE FUNCTION "daicho".forbid_change();
CREATE TRIGGER event_subjects_append_only BEFORE UPDATE OR DELETE ON "daicho".event_subjects
  FOR EACH ROW EXECUTE FUNCTION "daicho".forbid_change();
CREATE TRIGGER event_subjects_no_truncate BEFORE TRUNCATE ON "daicho".event_subjects
  FOR EACH STATEMENT EXECUTE FUNCTION "daicho".forbid_change();

INSERT INTO "daicho".schema_migrations (version, name) VALUES (1, 'ledgers, events, subjects, append function, append-only guard');
COMMIT;
