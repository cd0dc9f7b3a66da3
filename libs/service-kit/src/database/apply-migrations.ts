import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import type pg from "pg";
import { withSchemaLock } from "./advisory-lock.js";
import { connectionStringForSchema } from "./connection-string.js";
import { findNativeSchemaEngine, findPrismaCli, SCHEMA_ENGINE_ENV } from "./native-engine.js";
import { runWasmMigrationsInWorker } from "./run-wasm-migrations.js";
import { assertSchemaName } from "./schema-name.js";

/** The variable each service's prisma.config.ts reads as `datasource.url` for `prisma migrate deploy`. */
const MIGRATE_URL_ENV = "PRISMA_MIGRATE_URL";

export interface MigrationLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface ApplyMigrationsOptions {
  databaseUrl: string;
  /** The Postgres schema the service owns; `_prisma_migrations` is kept there too. */
  schema: string;
  /** The service's `prisma/` folder: `schema.prisma` and `migrations/`. */
  prismaDir: string;
  logger?: MigrationLogger;
  /** Idempotent SQL of the kit's own tables (the outbox), run after the migrations under the same lock. */
  kitTablesSql?: string;
}

export interface ApplyMigrationsResult {
  engine: "native" | "wasm";
  /** Migration folder names applied by this call, in order; empty when the schema was up to date. */
  applied: string[];
}

/**
 * Brings the service's schema up to date with its migration folders, like `prisma migrate deploy`.
 * Uses the native engine through the prisma CLI where one is installed, the WASM build otherwise;
 * both record `_prisma_migrations` the same way, so a database can move between them.
 */
export async function applyMigrations(
  opts: ApplyMigrationsOptions,
): Promise<ApplyMigrationsResult> {
  const schema = assertSchemaName(opts.schema);
  const prismaDir = resolve(opts.prismaDir);
  const serviceDir = dirname(prismaDir);
  const nativeEngine = findNativeSchemaEngine(serviceDir);
  const engine = nativeEngine ? "native" : "wasm";
  const engineFromEnv = process.env[SCHEMA_ENGINE_ENV];
  if (engineFromEnv && nativeEngine !== resolve(engineFromEnv)) {
    opts.logger?.warn(
      { [SCHEMA_ENGINE_ENV]: engineFromEnv, engine },
      "not a working schema engine, ignored",
    );
  }

  return withSchemaLock(opts.databaseUrl, schema, async (client) => {
    // Inside the lock: concurrent CREATE SCHEMA IF NOT EXISTS can still fail on a unique violation.
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const url = connectionStringForSchema(opts.databaseUrl, schema);
    let applied: string[];
    if (nativeEngine) {
      const before = await appliedMigrations(client, schema);
      await runMigrateDeploy(serviceDir, url, nativeEngine);
      const after = await appliedMigrations(client, schema);
      applied = after.filter((name) => !before.includes(name));
    } else {
      applied = await runWasmMigrationsInWorker({ prismaDir, url, schema });
    }
    if (opts.kitTablesSql) await client.query(opts.kitTablesSql);
    opts.logger?.info(
      { schema, engine, applied },
      applied.length ? "migrations applied" : "schema up to date",
    );
    return { engine, applied };
  });
}

function runMigrateDeploy(serviceDir: string, url: string, enginePath: string): Promise<void> {
  const child = spawn(process.execPath, [findPrismaCli(serviceDir), "migrate", "deploy"], {
    cwd: serviceDir,
    // The engine is named explicitly: the env var may point at generate's placeholder.
    env: { ...process.env, [MIGRATE_URL_ENV]: url, [SCHEMA_ENGINE_ENV]: enginePath },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return new Promise((resolvePromise, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new Error(
            `prisma migrate deploy in ${serviceDir} failed (${signal ?? `exit code ${code}`})`,
          ),
        );
    });
  });
}

async function appliedMigrations(client: pg.Client, schema: string): Promise<string[]> {
  const table = `"${schema}"."_prisma_migrations"`;
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [table]);
  if (!exists.rows[0]?.t) return [];
  const rows = await client.query<{ migration_name: string }>(
    `SELECT migration_name FROM ${table} WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
  return rows.rows.map((row) => row.migration_name);
}
