import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { withSchemaLock } from "./advisory-lock.js";
import { assertSchemaName } from "./schema-name.js";

/** Prisma's down migration, next to its up migration (`migration.sql`). */
export const DOWN_MIGRATION_FILE = "down.sql";

export interface MigrationState {
  name: string;
  status: "applied" | "pending" | "rolled back" | "failed";
  appliedAt: Date | null;
  /** Whether a `down.sql` lets `rollbackLastMigration` undo it. */
  reversible: boolean;
}

export interface MigrationTarget {
  databaseUrl: string;
  /** The Postgres schema the service owns; `_prisma_migrations` is kept there too. */
  schema: string;
  /** The service's `prisma/` folder. */
  prismaDir: string;
}

interface HistoryRow {
  id: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Every migration folder and what the database did with it, oldest first, as `alembic history`
 * shows it. A migration applied again after a rollback has two rows; the newest decides.
 */
export async function migrationHistory(target: MigrationTarget): Promise<MigrationState[]> {
  const schema = assertSchemaName(target.schema);
  const client = new pg.Client({ connectionString: target.databaseUrl });
  await client.connect();
  try {
    const rows = await historyRows(client, schema);
    return migrationFolders(target.prismaDir).map((name) => {
      const row = rows.filter((r) => r.migration_name === name).at(-1);
      const status = !row
        ? "pending"
        : row.rolled_back_at
          ? "rolled back"
          : row.finished_at
            ? "applied"
            : "failed";
      return {
        name,
        status,
        appliedAt: row?.finished_at ?? null,
        reversible: existsSync(
          join(resolve(target.prismaDir), "migrations", name, DOWN_MIGRATION_FILE),
        ),
      };
    });
  } finally {
    await client.end();
  }
}

/**
 * Undoes the newest applied migration, as `alembic downgrade -1` does: runs its `down.sql` and
 * marks its row rolled back in the same transaction, under the schema's migration lock, so the
 * next deploy applies it again. Returns its name, or null when nothing is applied.
 */
export async function rollbackLastMigration(target: MigrationTarget): Promise<string | null> {
  const schema = assertSchemaName(target.schema);
  return withSchemaLock(target.databaseUrl, schema, async (client) => {
    const applied = (await historyRows(client, schema)).filter(
      (row) => row.finished_at && !row.rolled_back_at,
    );
    const last = applied.at(-1);
    if (!last) return null;
    if (applied.length === 1) {
      // Prisma refuses to migrate a schema that has tables (the kit's outbox) but no applied
      // migration, so the base migration stays: removing a service's data is DROP SCHEMA.
      throw new Error(
        `${last.migration_name} is the schema's first migration and is not rolled back; ` +
          `to remove the service's data entirely, DROP SCHEMA "${schema}" CASCADE`,
      );
    }
    const downFile = join(
      resolve(target.prismaDir),
      "migrations",
      last.migration_name,
      DOWN_MIGRATION_FILE,
    );
    if (!existsSync(downFile)) {
      throw new Error(
        `${last.migration_name} has no ${DOWN_MIGRATION_FILE}: it cannot be rolled back`,
      );
    }
    await client.query("BEGIN");
    try {
      await client.query(`SET LOCAL search_path TO "${schema}"`);
      await client.query(readFileSync(downFile, "utf8"));
      await client.query(
        `UPDATE "${schema}"._prisma_migrations SET rolled_back_at = now() WHERE id = $1`,
        [last.id],
      );
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
    return last.migration_name;
  });
}

function migrationFolders(prismaDir: string): string[] {
  const dir = join(resolve(prismaDir), "migrations");
  return existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
}

async function historyRows(client: pg.ClientBase, schema: string): Promise<HistoryRow[]> {
  const table = `"${schema}"."_prisma_migrations"`;
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [table]);
  if (!exists.rows[0]?.t) return [];
  const result = await client.query<HistoryRow>(
    `SELECT id, migration_name, finished_at, rolled_back_at FROM ${table}
      ORDER BY migration_name, started_at`,
  );
  return result.rows;
}
