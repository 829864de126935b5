-- Test only (infra.SchemaMigratorTest, location classpath:db/migration-test/postgres): a version after the baseline
-- that is deliberately NOT idempotent (no IF NOT EXISTS): a second run would fail, so it shows Flyway applies it
-- exactly once.
ALTER TABLE listing_sync ADD COLUMN test_only_note VARCHAR(32);
