import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

/** `prisma/` folders of the fixture services: schema "fixture" (two migrations) and schema "second" (one). */
export const fixturePrismaDir = join(fixturesDir, "fixture-service", "prisma");
export const secondPrismaDir = join(fixturesDir, "second-service", "prisma");

export async function query<T extends pg.QueryResultRow>(
  databaseUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Schemas holding a table of that name, sorted. */
export async function schemasWithTable(databaseUrl: string, table: string): Promise<string[]> {
  const rows = await query<{ table_schema: string }>(
    databaseUrl,
    "SELECT table_schema FROM information_schema.tables WHERE table_name = $1 ORDER BY table_schema",
    [table],
  );
  return rows.map((row) => row.table_schema);
}

/** Columns, enum types and indexes of a schema, without Prisma's history table: what a migration changes. */
export async function schemaShape(databaseUrl: string, schema: string) {
  return {
    columns: await query(
      databaseUrl,
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = $1 AND table_name <> '_prisma_migrations'
        ORDER BY table_name, column_name`,
      [schema],
    ),
    types: await query(
      databaseUrl,
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 GROUP BY t.typname ORDER BY t.typname`,
      [schema],
    ),
    indexes: await query(
      databaseUrl,
      `SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = $1 AND tablename <> '_prisma_migrations' ORDER BY indexname`,
      [schema],
    ),
  };
}
