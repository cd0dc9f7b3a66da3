export {
  type ApplyMigrationsOptions,
  type ApplyMigrationsResult,
  applyMigrations,
  type MigrationLogger,
} from "./apply-migrations.js";
export { connectionStringForSchema } from "./connection-string.js";
export { diffMigrationSql } from "./diff.js";
export { createPgAdapter, type PgAdapterOptions } from "./pg-adapter.js";
