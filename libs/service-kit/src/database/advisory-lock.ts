import pg from "pg";

/** First half of the two-int advisory lock key, so these locks never collide with other users of hashtext keys. */
const LOCK_NAMESPACE = 0x4d494752; // "MIGR"

/**
 * Runs `fn` holding a session advisory lock keyed on the schema name, on a connection of its own.
 * A second process migrating the same schema waits here and then finds nothing left to apply.
 */
export async function withSchemaLock<T>(
  databaseUrl: string,
  schema: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1, hashtext($2))", [LOCK_NAMESPACE, schema]);
    try {
      return await fn(client);
    } finally {
      // Closing the session releases the lock too, so a failed unlock must not hide fn's outcome.
      await client
        .query("SELECT pg_advisory_unlock($1, hashtext($2))", [LOCK_NAMESPACE, schema])
        .catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}
