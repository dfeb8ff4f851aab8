-- Privileges of the Daichō application role daicho_app on schema daicho.
-- Generated from packages/adapters/src/postgres/migration-sql.ts (pnpm sql:postgres); do not edit.
-- Run as the schema's owner after the migration files; replace daicho_app with your role.
GRANT USAGE ON SCHEMA "daicho" TO "daicho_app";
GRANT SELECT ON "daicho".schema_migrations TO "daicho_app";
GRANT SELECT, INSERT, UPDATE ON "daicho".ledgers, "daicho".events, "daicho".event_subjects, "daicho".kek_checks, "daicho".subject_keys, "daicho".key_tombstones, "daicho".tree_state, "daicho".tree_nodes, "daicho".checkpoints, "daicho".map_versions, "daicho".map_records TO "daicho_app";
-- Crypto-shredding: erasing a subject deletes its wrapped data keys.
GRANT DELETE ON "daicho".subject_keys TO "daicho_app";
GRANT EXECUTE ON FUNCTION "daicho".append_events(bigint, bigint, text, bigint[], text[], text[], text[], text[], text[], text[], text[]) TO "daicho_app";
GRANT EXECUTE ON FUNCTION "daicho".append_tree(bigint, bigint, bigint, bigint[], bytea[]) TO "daicho_app";
GRANT EXECUTE ON FUNCTION "daicho".put_map_version(bigint, bigint, bytea[], bytea[]) TO "daicho_app";
