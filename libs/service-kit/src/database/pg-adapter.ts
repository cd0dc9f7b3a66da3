import { PrismaPg } from "@prisma/adapter-pg";
import { connectionStringForSchema } from "./connection-string.js";

export interface PgAdapterOptions {
  /** Pool size; node-postgres defaults to 10. */
  max?: number;
}

/**
 * The driver adapter a service hands to its generated PrismaClient:
 * `new PrismaClient({ adapter: createPgAdapter(url, "catalog") })`.
 * Raw SQL with unqualified table names resolves in the service's schema.
 */
export function createPgAdapter(
  databaseUrl: string,
  schema: string,
  opts: PgAdapterOptions = {},
): PrismaPg {
  const connectionString = connectionStringForSchema(databaseUrl, schema);
  return new PrismaPg(
    opts.max === undefined ? { connectionString } : { connectionString, max: opts.max },
    { schema },
  );
}
