/**
 * What a database error means for the caller, whichever way it arrived: through Prisma's client
 * (a `P....` code, the adapter's error under `meta.driverAdapterError.cause` with Postgres'
 * SQLSTATE as `originalCode`, or a `kind` for the ones it names), as the adapter's own
 * `DriverAdapterError` (a conflict found at COMMIT: its `cause` is that same object), or straight
 * from node-postgres (the SQLSTATE as `code`). `undefined` for anything that is not one of these: a real 500.
 */
export type DatabaseFailure =
  | { status: 503; detail: string; retryAfterSeconds: number; reason: string }
  | { status: 422; detail: string; reason: string };

/**
 * Work that would succeed if sent again: two transactions touched the same rows at once and
 * Postgres aborted one. The caller is told to retry (503 + Retry-After); its first attempt changed
 * nothing, since the whole transaction rolled back.
 */
const CONFLICT_SQLSTATES: Record<string, string> = {
  "40001": "serialization failure",
  "40P01": "deadlock",
  "55P03": "lock not available",
};
/** The database could not take the work just now: it will, shortly. */
const UNAVAILABLE_SQLSTATES: Record<string, string> = {
  "57014": "statement timeout",
  "53300": "too many connections",
  "57P01": "server shutting down",
  "57P02": "server crashed",
  "57P03": "server starting",
};
const UNAVAILABLE_KINDS: Record<string, string> = {
  TooManyConnections: "too many connections",
  DatabaseNotReachable: "database not reachable",
  ConnectionClosed: "connection closed",
  SocketTimeout: "socket timeout",
};
const UNAVAILABLE_PRISMA_CODES: Record<string, string> = {
  P1001: "database not reachable",
  P1002: "database timed out",
  P1017: "connection closed",
  P2024: "no pooled connection in time",
  // "Unable to start a transaction in the given time" and "expired transaction".
  P2028: "transaction timed out",
};
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPIPE"]);

/**
 * A value validation let through that Postgres still refused. The request's own checks should
 * catch these first (and name the field); this is the last line, so the caller still gets a 422
 * and never a 500. Fixed messages: Postgres' own would name indexes and columns.
 */
const UNSTORABLE_SQLSTATES: Record<string, string> = {
  "22021": "The request holds text the database cannot store (NUL or invalid characters)",
  "22P05": "The request holds text the database cannot store (NUL or invalid characters)",
  "54000": "A value in the request is too large to store",
  "22001": "A value in the request is too long to store",
  "22003": "A number in the request is out of range",
  "22008": "A date in the request is out of range",
  "22P02": "A value in the request has the wrong format",
};
const UNSTORABLE_KINDS: Record<string, string> = {
  LengthMismatch: "A value in the request is too long to store",
  ValueOutOfRange: "A number in the request is out of range",
  InvalidInputValue: "A value in the request has the wrong format",
};

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  severity?: unknown;
  kind?: unknown;
  cause?: ErrorShape;
  meta?: { driverAdapterError?: { cause?: AdapterCause } };
}
interface AdapterCause {
  kind?: string;
  originalCode?: string;
  code?: string;
}

export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const shape = error as ErrorShape;
  // Prisma wraps the adapter's error, except at COMMIT: there the adapter's own error arrives.
  const cause =
    shape.meta?.driverAdapterError?.cause ??
    (typeof shape.cause?.kind === "string" ? (shape.cause as AdapterCause) : undefined);
  const sqlState =
    cause?.originalCode ?? cause?.code ?? sqlStateOf(shape) ?? sqlStateOf(shape.cause);
  const kind = cause?.kind;
  const prismaCode = typeof shape.code === "string" ? shape.code : undefined;

  const conflict =
    (sqlState && CONFLICT_SQLSTATES[sqlState]) ||
    (kind === "TransactionWriteConflict" && "serialization failure or deadlock") ||
    (prismaCode === "P2034" && "serialization failure or deadlock");
  if (conflict) {
    return {
      status: 503,
      detail: "The request collided with a concurrent change; retry it",
      retryAfterSeconds: 1,
      reason: conflict,
    };
  }
  const unavailable =
    (sqlState &&
      (UNAVAILABLE_SQLSTATES[sqlState] ?? (sqlState.startsWith("08") && "connection exception"))) ||
    (kind && UNAVAILABLE_KINDS[kind]) ||
    (prismaCode && UNAVAILABLE_PRISMA_CODES[prismaCode]) ||
    networkFailure(shape);
  if (unavailable) {
    return {
      status: 503,
      detail: "The database is busy or unreachable; retry the request shortly",
      retryAfterSeconds: 2,
      reason: unavailable,
    };
  }
  const unstorable =
    (sqlState && UNSTORABLE_SQLSTATES[sqlState]) || (kind && UNSTORABLE_KINDS[kind]);
  if (unstorable) return { status: 422, detail: unstorable, reason: sqlState ?? kind ?? "" };
  return undefined;
}

/** A five-character SQLSTATE from node-postgres' own error (it also carries `severity`). */
function sqlStateOf(error: ErrorShape | undefined): string | undefined {
  if (!error || typeof error.code !== "string" || typeof error.severity !== "string")
    return undefined;
  return /^[0-9A-Z]{5}$/.test(error.code) ? error.code : undefined;
}

/** node-postgres failing to reach the server (or a pool giving up waiting for a connection). */
function networkFailure(error: ErrorShape): string | undefined {
  let current: ErrorShape | undefined = error;
  for (let depth = 0; current && depth < 5; depth++, current = current.cause) {
    if (typeof current.code === "string" && NETWORK_CODES.has(current.code)) return current.code;
    if (
      typeof current.message === "string" &&
      /timeout exceeded when trying to connect|Connection terminated/.test(current.message)
    ) {
      return "connection lost";
    }
  }
  return undefined;
}
