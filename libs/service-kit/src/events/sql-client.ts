/**
 * The slice of a Prisma interactive-transaction client the event plumbing needs, so the kit works
 * with any service's generated client (and with a thin `pg` adapter in tests).
 */
export interface SqlClient {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/** Runs `work` in one database transaction; services pass `(work) => prisma.$transaction(work)`. */
export type TransactionRunner<Tx extends SqlClient> = <R>(
  work: (tx: Tx) => Promise<R>,
) => Promise<R>;
