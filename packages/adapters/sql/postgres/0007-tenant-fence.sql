-- Daichō PostgreSQL schema daicho: migration 7 of 9, tenant fence (a tenant moved to another server refuses writes here).
-- Generated from packages/adapters/src/postgres/schema.ts (pnpm sql:postgres); do not edit.
-- Apply the files in order: psql -v ON_ERROR_STOP=1 -f <file> (or run daicho migrate).
-- Each file is one transaction; applied twice or out of order it fails with SQLSTATE
-- DA005 and changes nothing.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('daicho.migrate.daicho'));
-- Refuse unless the schema is at version 6.
DO $guard$
DECLARE
  at_version integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO at_version FROM "daicho".schema_migrations;
  IF at_version <> 6 THEN
    RAISE EXCEPTION 'Daicho schema daicho is at version %, this script migrates it from version 6', at_version
      USING ERRCODE = 'DA005', DETAIL = at_version::text;
  END IF;
END $guard$;

ALTER TABLE "daicho".ledgers ADD COLUMN fenced_at text;

CREATE OR REPLACE FUNCTION "daicho".append_events(
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
  SELECT head_seq, head_hash, fenced_at INTO h_seq, h_hash, h_fenced FROM "daicho".ledgers WHERE ledger_key = p_key FOR UPDATE;
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

-- Key writes for a fenced tenant are refused. FOR SHARE queues behind the fencing UPDATE
-- (and it behind us), so a key write either lands before the fence or sees it.
CREATE FUNCTION "daicho".forbid_fenced_keys() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  t text := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant ELSE NEW.tenant END;
BEGIN
  IF current_setting('daicho.erasing', true) IS DISTINCT FROM 'on'
     AND EXISTS (SELECT 1 FROM "daicho".ledgers WHERE tenant = t AND fenced_at IS NOT NULL FOR SHARE) THEN
    RAISE EXCEPTION 'this copy of the tenant is fenced (moved to another server)' USING ERRCODE = 'DA006';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;

CREATE TRIGGER subject_keys_fence BEFORE INSERT OR UPDATE OR DELETE ON "daicho".subject_keys
  FOR EACH ROW EXECUTE FUNCTION "daicho".forbid_fenced_keys();
CREATE TRIGGER key_tombstones_fence BEFORE INSERT OR UPDATE OR DELETE ON "daicho".key_tombstones
  FOR EACH ROW EXECUTE FUNCTION "daicho".forbid_fenced_keys();
CREATE TRIGGER kek_checks_fence BEFORE INSERT OR UPDATE OR DELETE ON "daicho".kek_checks
  FOR EACH ROW EXECUTE FUNCTION "daicho".forbid_fenced_keys();

INSERT INTO "daicho".schema_migrations (version, name) VALUES (7, 'tenant fence (a tenant moved to another server refuses writes here)');
COMMIT;
