import type pg from "pg";
import type { SqlClient } from "../events/sql-client.js";
import { statementName } from "./statement-names.js";

/**
 * Raw SQL outside a transaction, straight through node-postgres: the kit's way for a service's
 * hot statements (a gate scan is one statement). Every statement is prepared by name once per
 * connection, as Prisma's are, on the same pool. Against `prisma.$queryRawUnsafe` it skips
 * Prisma's request pipeline, its argument and result conversion and the driver adapter, which
 * were about 12% of attendance's CPU per scan. Rows come as node-postgres types them: timestamps
 * as `Date`, `int4` as number, `int8` and `numeric` as string.
 *
 * It is a SqlClient, so a NamedStatement or the kit's event statements run on it unchanged; work
 * that needs a transaction still goes through `prisma.$transaction`.
 */
export class SqlPool implements SqlClient {
  constructor(readonly pool: pg.Pool) {}

  async $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> {
    return (await this.run(query, values)).rows as T;
  }

  async $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number> {
    return (await this.run(query, values)).rowCount ?? 0;
  }

  private run(text: string, values: unknown[]): Promise<pg.QueryResult> {
    return this.pool.query({ name: statementName(text), text, values });
  }
}
