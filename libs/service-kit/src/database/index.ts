export {
  type ApplyMigrationsOptions,
  type ApplyMigrationsResult,
  applyMigrations,
  type MigrationLogger,
} from "./apply-migrations.js";
export { connectionStringForSchema } from "./connection-string.js";
export {
  classifyDatabaseError,
  type DatabaseFailure,
  isConflictError,
  isTransientError,
} from "./database-errors.js";
export { diffMigrationSql } from "./diff.js";
export {
  DOWN_MIGRATION_FILE,
  type MigrationState,
  type MigrationTarget,
  migrationHistory,
  rollbackLastMigration,
} from "./migration-history.js";
export { type NamedStatement, namedStatement } from "./named-statement.js";
export { createPgAdapter, createPgPool, type PgAdapterOptions } from "./pg-adapter.js";
export { SqlPool } from "./sql-pool.js";
export {
  type BatchWork,
  StatementBatcher,
  type StatementBatcherOptions,
} from "./statement-batcher.js";
export { isUniqueViolation } from "./unique-violation.js";
