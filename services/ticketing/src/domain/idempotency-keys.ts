import { createHash } from "node:crypto";
import { ConflictError, HttpError, type SqlClient } from "@concert/service-kit";
import type { Tx } from "../app-context.js";
import type { PrismaClient } from "../generated/prisma/client.js";

/** How long a key is remembered: a retry within this time gets the first answer back. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
/** Expired keys removed by each new keyed sale: pruning rides on the writes, no timer needed. */
const PRUNE_BATCH = 100;

/** A request that came with an `Idempotency-Key`: whose key, and what exactly was asked. */
export interface KeyedRequest {
  userId: string;
  key: string;
  /** sha256 of method, path and canonical body (see `requestFingerprint`). */
  fingerprint: string;
}

/** What a command answers: kept with its key, so a retry is answered the same. */
export interface Answer {
  statusCode: number;
  body: unknown;
}

/**
 * Where a command runs. Without a key, `sql` is the kit's pool (each statement its own
 * transaction, no Prisma on the way) and `prisma` opens a transaction for a command that needs
 * two statements in one; with a key, `sql` is the key's transaction and there is no `prisma`.
 */
export interface CommandDb {
  sql: SqlClient;
  prisma?: PrismaClient;
}

/** The same method, path and body give the same fingerprint, whatever the order of the body's keys. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify([method, path, canonical(body)]))
    .digest("hex");
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * Without a key, runs `command` on the pool: a sale is one statement, its own transaction.
 * With a key, runs it in one transaction and answers it at most once per user and key (Stripe's
 * semantics):
 * - a transaction-scoped advisory lock on (user, key), tried without waiting: a second request
 *   with the key while the first is still running is answered 409 at once;
 * - a key already stored (younger than 24 h) with the same fingerprint: its answer is replayed
 *   and nothing runs; with another fingerprint: 422;
 * - otherwise the command runs and its answer is stored in the same transaction, so a crash can
 *   never leave a sale without its key (or a key without its sale). The lock is released at
 *   commit, after the row became visible: whoever takes it next finds the answer.
 * A command that fails (4xx) changed nothing and stores nothing: a retry runs it again.
 */
export async function answerOnce(
  { prisma, sql }: Required<CommandDb>,
  keyed: KeyedRequest | undefined,
  command: (db: CommandDb) => Promise<Answer>,
): Promise<Answer & { replayed: boolean }> {
  if (!keyed) return { ...(await command({ sql, prisma })), replayed: false };
  return prisma.$transaction(async (tx) => {
    const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
      SELECT pg_try_advisory_xact_lock(
               hashtextextended(${`idempotency-key:${keyed.userId}:${keyed.key}`}, 0)) AS locked`;
    if (!lock?.locked) {
      throw new ConflictError(
        "A request with this Idempotency-Key is still in progress; retry once it has finished",
      );
    }
    const [stored] = await tx.$queryRaw<
      { fingerprint: string; status_code: number; response: unknown }[]
    >`
      SELECT fingerprint, status_code, response FROM idempotency_keys
       WHERE user_id = ${keyed.userId}::uuid AND key = ${keyed.key}
         AND created_at > now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})`;
    if (stored) {
      if (stored.fingerprint !== keyed.fingerprint) {
        throw new HttpError(
          422,
          "This Idempotency-Key was already used for a different request (method, path or body); send a new key with a new request",
        );
      }
      return { statusCode: stored.status_code, body: stored.response, replayed: true };
    }
    const answer = await command({ sql: tx });
    // An expired row of the same key is replaced: the key starts a new 24 hours.
    await tx.$executeRaw`
      INSERT INTO idempotency_keys (user_id, key, fingerprint, status_code, response, created_at)
      VALUES (${keyed.userId}::uuid, ${keyed.key}, ${keyed.fingerprint}, ${answer.statusCode},
              ${JSON.stringify(answer.body)}::jsonb, now())
      ON CONFLICT (user_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, status_code = EXCLUDED.status_code,
             response = EXCLUDED.response, created_at = EXCLUDED.created_at`;
    await pruneExpiredKeys(tx);
    return Object.assign({}, answer, { replayed: false });
  });
}

/** Removes up to PRUNE_BATCH expired keys, skipping rows another transaction holds. */
async function pruneExpiredKeys(tx: Tx): Promise<void> {
  await tx.$executeRaw`
    DELETE FROM idempotency_keys WHERE ctid IN (
      SELECT ctid FROM idempotency_keys
       WHERE created_at <= now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})
       LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`;
}
