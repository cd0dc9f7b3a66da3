import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { connectionStringForSchema } from "./connection-string.js";

export interface PgAdapterOptions {
  /** Pool size; node-postgres defaults to 10. */
  max?: number;
}

/**
 * The driver adapter openServiceInfrastructure gives each service's PrismaClient. Its connections'
 * search_path is the service's schema, so raw SQL with unqualified table names resolves there.
 */
export function createPgAdapter(
  databaseUrl: string,
  schema: string,
  opts: PgAdapterOptions = {},
): PrismaPg {
  const connectionString = connectionStringForSchema(databaseUrl, schema);
  return new PrismaPg(
    opts.max === undefined ? { connectionString } : { connectionString, max: opts.max },
    { schema, statementNameGenerator: statementName },
  );
}

const names = new Map<string, string>();
/** Past this many texts something generates SQL dynamically: stop preparing rather than grow. */
const MAX_NAMED_STATEMENTS = 2_000;

/**
 * Names each distinct SQL text, so node-postgres prepares it once per connection and Postgres
 * reuses the plan: the gate's claim statement spent twice as long being planned as running.
 * Prisma's statements are parameterised, so the set of texts stays small.
 */
function statementName(query: { sql: string }): string {
  let name = names.get(query.sql);
  if (!name) {
    // node-postgres sends an empty name as an unnamed (unprepared) statement.
    if (names.size >= MAX_NAMED_STATEMENTS) return "";
    name = `p${createHash("sha1").update(query.sql).digest("hex").slice(0, 20)}`;
    names.set(query.sql, name);
  }
  return name;
}
