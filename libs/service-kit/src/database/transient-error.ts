/**
 * Whether `error` says the database (or the way to it) failed, rather than the work itself: the
 * same work is expected to succeed once the database is back or the conflicting transaction ended.
 *
 * Shapes seen for real through Prisma 7 + @prisma/adapter-pg (and from `pg` directly):
 * - server unreachable: P1001, or P2010 with `meta.driverAdapterError.cause.kind` "DatabaseNotReachable"
 *   (ECONNREFUSED / ENOTFOUND underneath);
 * - connection dropped (reset, server gone mid-transaction): P1017, or P2010 with kind "ConnectionClosed";
 *   a plain `Error` from pg ("Connection terminated unexpectedly", "Client has encountered a
 *   connection error and is not queryable") when the rollback of a dead transaction fails;
 * - serialization failure and deadlock: P2010 with kind "TransactionWriteConflict" and
 *   `originalCode` 40001 / 40P01 (P2034 from model queries);
 * - no pooled connection in time: P2028 "Unable to start a transaction in the given time" (P2024
 *   where Prisma's own pool is used); a transaction that outlived its timeout: P2028 too;
 * - server shutting down, starting, out of connections: SQLSTATE 57P01/57P02/57P03, 53300 (kind
 *   "TooManyConnections"), class 08; statement timeout 57014.
 */
export function isTransientError(error: unknown): boolean {
  return causes(error).some(isTransientOne);
}

/** Prisma error codes for "could not talk to the database" and "retry this transaction". */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028", "P2034"]);
/** Driver adapter error kinds of the same nature. */
const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TransactionWriteConflict",
]);
const SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available
  "57014", // query_canceled (statement or lock timeout)
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, recovering)
  "53000", // insufficient_resources
  "53100", // disk_full
  "53200", // out_of_memory
  "53300", // too_many_connections
]);
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
]);
/** pg's own errors carry no code, only these messages. */
const PG_CONNECTION_MESSAGES = [
  "Connection terminated",
  "connection error and is not queryable",
  "Client was closed and is not queryable",
  "timeout exceeded when trying to connect",
  "Connection terminated due to connection timeout",
  "Can't reach database server",
];

function isTransientOne(error: object): boolean {
  const e = error as {
    code?: unknown;
    originalCode?: unknown;
    kind?: unknown;
    message?: unknown;
  };
  for (const code of [e.code, e.originalCode]) {
    if (typeof code !== "string") continue;
    if (PRISMA_CODES.has(code) || SQLSTATES.has(code) || SOCKET_CODES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true; // connection_exception class
  }
  if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
  if (typeof e.message === "string") {
    const message = e.message;
    if (PG_CONNECTION_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/** The error and everything it wraps: `cause`, Prisma's adapter error, AggregateError's list. */
function causes(error: unknown, depth = 0): object[] {
  if (typeof error !== "object" || error === null || depth > 5) return [];
  const e = error as {
    cause?: unknown;
    errors?: unknown;
    meta?: { driverAdapterError?: { cause?: unknown } };
  };
  const nested: unknown[] = [e.cause, e.meta?.driverAdapterError?.cause];
  if (Array.isArray(e.errors)) nested.push(...e.errors);
  return [error, ...nested.flatMap((n) => causes(n, depth + 1))];
}
