import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { connectionStringForSchema } from "./connection-string.js";
import { statementName } from "./statement-names.js";

export interface PgAdapterOptions {
  /** Pool size; node-postgres defaults to 10. */
  max?: number;
  /** Shown in `pg_stat_activity`, so an operator sees which service holds a connection. */
  applicationName?: string;
}

/**
 * The connections of one service: their search_path is the service's schema, so raw SQL with
 * unqualified table names resolves there. Prisma (createPgAdapter) and the kit's raw statements
 * (SqlPool) share one pool, so one limit bounds what the service holds.
 */
export function createPgPool(
  databaseUrl: string,
  schema: string,
  opts: PgAdapterOptions = {},
): pg.Pool {
  const connectionString = connectionStringForSchema(databaseUrl, schema);
  return new pg.Pool({
    connectionString,
    ...(opts.max !== undefined && { max: opts.max }),
    ...(opts.applicationName !== undefined && { application_name: opts.applicationName }),
  });
}

/**
 * The driver adapter openServiceInfrastructure gives each service's PrismaClient, on the
 * service's pool (or, given a URL, on a pool of its own that it closes when disposed).
 */
export function createPgAdapter(
  poolOrUrl: pg.Pool | string,
  schema: string,
  opts: PgAdapterOptions = {},
): PrismaPg {
  const own = typeof poolOrUrl === "string";
  const pool = own ? createPgPool(poolOrUrl, schema, opts) : poolOrUrl;
  return new PrismaPg(pool, {
    schema,
    disposeExternalPool: own,
    statementNameGenerator: (query) => statementName(query.sql),
  });
}
