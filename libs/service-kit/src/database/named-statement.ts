import type { SqlClient } from "../events/sql-client.js";

/** `:name`, but not the second colon of a `::cast` nor a digit run such as `00:00`. */
const PLACEHOLDER = /(?<![:\w]):([A-Za-z_]\w*)/g;

/** A statement written with `:name` placeholders, numbered `$1`, `$2`... once, when it is built. */
export interface NamedStatement<P extends object> {
  /** The SQL with positional placeholders, as the driver (and pgbench) takes it. */
  readonly sql: string;
  /** Which name each position holds: `names[0]` is `$1`. */
  readonly names: readonly string[];
  /** The positional values of `params`; a name the statement uses but `params` lacks throws. */
  values(params: P): unknown[];
  /** Runs it with `params`: `db.$queryRawUnsafe(sql, ...values(params))`. */
  query<Row>(db: SqlClient, params: P): Promise<Row[]>;
}

/**
 * Names instead of a dozen positions, with no cost per call beyond picking the values: build it at
 * module load. A name may appear many times and gets one position. Do not write `:word` inside a
 * string literal of the statement.
 */
export function namedStatement<P extends object>(text: string): NamedStatement<P> {
  const names: string[] = [];
  const sql = text.replace(PLACEHOLDER, (_, name: string) => {
    const known = names.indexOf(name);
    return `$${known < 0 ? names.push(name) : known + 1}`;
  });
  const values = (params: P) =>
    names.map((name) => {
      const value = (params as Record<string, unknown>)[name];
      if (value === undefined) throw new Error(`SQL parameter :${name} has no value`);
      return value;
    });
  return {
    sql,
    names,
    values,
    query: <Row>(db: SqlClient, params: P) => db.$queryRawUnsafe<Row[]>(sql, ...values(params)),
  };
}
