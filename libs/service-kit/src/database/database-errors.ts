/**
 * What a database error means, whichever way it arrived. The one place that reads error shapes:
 * the HTTP error handler answers from it, and the event consumer retries what it calls
 * transient.
 *
 * Shapes seen for real through Prisma 7 + @prisma/adapter-pg, and from node-postgres directly
 * (tests: `libs/service-kit/test/http/database-errors.test.ts`,
 * `services/attendance/test/transient-errors.test.ts`):
 * - Prisma wraps the adapter's error: a `P....` code with the adapter's cause under
 *   `meta.driverAdapterError.cause` (`kind`, and Postgres' SQLSTATE as `originalCode`);
 * - a conflict found at COMMIT arrives as the adapter's own `DriverAdapterError`, whose `cause`
 *   is that same object;
 * - node-postgres gives the SQLSTATE as `code`, a socket error's `code` (ECONNREFUSED), or, for
 *   a connection it lost, only a message ("Connection terminated unexpectedly").
 */
export type DatabaseFailure =
  | { status: 503; detail: string; retryAfterSeconds: number; reason: string }
  | { status: 422; detail: string; reason: string };

/**
 * Two transactions touched the same rows at once and Postgres aborted one: sent again, the work
 * succeeds. Its first attempt changed nothing, since the whole transaction rolled back.
 */
const CONFLICT_CODES: Record<string, string> = {
  "40001": "serialization failure",
  "40P01": "deadlock",
  "55P03": "lock not available",
  P2034: "serialization failure or deadlock",
};
const CONFLICT_KINDS: Record<string, string> = {
  TransactionWriteConflict: "serialization failure or deadlock",
};

/** The database, or the way to it, could not take the work just now: it will, shortly. */
const UNAVAILABLE_CODES: Record<string, string> = {
  "57014": "statement timeout",
  "57P01": "server shutting down",
  "57P02": "server crashed",
  "57P03": "server starting",
  "53000": "insufficient resources",
  "53100": "disk full",
  "53200": "out of memory",
  "53300": "too many connections",
  P1001: "database not reachable",
  P1002: "database timed out",
  P1008: "operation timed out",
  P1017: "connection closed",
  P2024: "no pooled connection in time",
  // "Unable to start a transaction in the given time" and "expired transaction".
  P2028: "transaction timed out",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ECONNABORTED: "connection aborted",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection broken",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENETDOWN: "network down",
  EAI_AGAIN: "name lookup failed",
  ENOTFOUND: "host not found",
};
const UNAVAILABLE_KINDS: Record<string, string> = {
  TooManyConnections: "too many connections",
  DatabaseNotReachable: "database not reachable",
  ConnectionClosed: "connection closed",
  SocketTimeout: "socket timeout",
};
/** node-postgres' own errors for a lost or unobtainable connection carry no code, only these. */
const CONNECTION_LOST_MESSAGES = [
  "Connection terminated",
  "connection error and is not queryable",
  "Client was closed and is not queryable",
  "timeout exceeded when trying to connect",
  "Can't reach database server",
];

/**
 * A value validation let through that Postgres still refused. The request's own checks should
 * catch these first (and name the field); this is the last line, so the caller still gets a 422
 * and never a 500. Fixed messages: Postgres' own would name indexes and columns.
 */
const UNSTORABLE_CODES: Record<string, string> = {
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

/** `undefined` for anything that is none of these: a real bug, a 500. */
export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  const facts = causes(error).map(factsOf);
  const conflict = conflictIn(facts);
  if (conflict) {
    return {
      status: 503,
      detail: "The request collided with a concurrent change; retry it",
      retryAfterSeconds: 1,
      reason: conflict,
    };
  }
  const unavailable = firstMatch(facts, unavailableReason);
  if (unavailable) {
    return {
      status: 503,
      detail: "The database is busy or unreachable; retry the request shortly",
      retryAfterSeconds: 2,
      reason: unavailable,
    };
  }
  const unstorable = firstMatch(facts, (f) => {
    const code = f.codes.find((c) => Object.hasOwn(UNSTORABLE_CODES, c));
    if (code) return code;
    return f.kind !== undefined && Object.hasOwn(UNSTORABLE_KINDS, f.kind) ? f.kind : undefined;
  });
  if (unstorable) {
    const detail = UNSTORABLE_CODES[unstorable] ?? UNSTORABLE_KINDS[unstorable] ?? "";
    return { status: 422, detail, reason: unstorable };
  }
  return undefined;
}

/**
 * Whether Postgres undid the work because it collided with another transaction (a deadlock, a
 * serialization failure, a lock not available): its transaction changed nothing, and the same work
 * sent again is expected to pass.
 */
export function isConflictError(error: unknown): boolean {
  return conflictIn(causes(error).map(factsOf)) !== undefined;
}

function conflictIn(facts: ErrorFacts[]): string | undefined {
  return firstMatch(facts, (f) => lookup(CONFLICT_CODES, f.codes) ?? at(CONFLICT_KINDS, f.kind));
}

/**
 * Whether `error` says the database (or the way to it) failed, rather than the work itself: the
 * same work is expected to succeed once the database is back or the conflicting transaction
 * ended. The event consumer retries these forever and dead-letters nothing for them.
 */
export function isTransientError(error: unknown): boolean {
  return classifyDatabaseError(error)?.status === 503;
}

interface ErrorFacts {
  /** Every code the error carries: Prisma's, the SQLSTATE (`code`/`originalCode`), a socket's. */
  codes: string[];
  kind: string | undefined;
  message: string | undefined;
}

function factsOf(error: object): ErrorFacts {
  const e = error as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown };
  return {
    codes: [e.code, e.originalCode].filter((c): c is string => typeof c === "string"),
    kind: typeof e.kind === "string" ? e.kind : undefined,
    message: typeof e.message === "string" ? e.message : undefined,
  };
}

function unavailableReason(f: ErrorFacts): string | undefined {
  const byCode = lookup(UNAVAILABLE_CODES, f.codes);
  if (byCode) return byCode;
  if (f.codes.some((code) => /^08[0-9A-Z]{3}$/.test(code))) return "connection exception";
  const byKind = at(UNAVAILABLE_KINDS, f.kind);
  if (byKind) return byKind;
  const message = f.message;
  if (message && CONNECTION_LOST_MESSAGES.some((m) => message.includes(m)))
    return "connection lost";
  return undefined;
}

function lookup(table: Record<string, string>, codes: string[]): string | undefined {
  for (const code of codes) if (Object.hasOwn(table, code)) return table[code];
  return undefined;
}

function at(table: Record<string, string>, key: string | undefined): string | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

function firstMatch(
  facts: ErrorFacts[],
  reason: (f: ErrorFacts) => string | undefined,
): string | undefined {
  for (const f of facts) {
    const found = reason(f);
    if (found) return found;
  }
  return undefined;
}

/** The error and everything it wraps: `cause`, Prisma's adapter error, AggregateError's list. */
function causes(error: unknown, depth = 0): object[] {
  if (typeof error !== "object" || error === null || depth > 5) return [];
  const e = error as {
    cause?: unknown;
    errors?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  const nested: unknown[] = [e.cause, e.meta?.driverAdapterError];
  if (Array.isArray(e.errors)) nested.push(...e.errors);
  return [error, ...nested.flatMap((n) => causes(n, depth + 1))];
}
