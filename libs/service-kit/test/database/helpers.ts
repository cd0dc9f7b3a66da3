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
