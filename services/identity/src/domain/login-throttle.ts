import type { PrismaClient } from "../generated/prisma/client.js";

/** How many failed attempts one key may have, and what happens past that. */
export interface ThrottlePolicy {
  maxFailures: number;
  /** Failures older than the window (counted from the first one in it) stop counting. */
  windowSeconds: number;
  /** The first block; each block in a row doubles it, up to `maxBlockSeconds`. */
  blockSeconds: number;
  maxBlockSeconds: number;
}

export type Reservation = { granted: true } | { granted: false; retryAfterSeconds: number };

/**
 * Reserves one attempt for `key` before the password is checked, in one statement: the row lock
 * of the upsert serialises concurrent attempts, so however many arrive at once, at most
 * `maxFailures` are granted per window. The attempt past the limit starts a block (doubling with
 * each block in a row, capped) and is refused; attempts during a block are refused without
 * counting, so they neither renew nor lengthen it. A window or block long past leaves the row as
 * good as absent (`expires_at`), which is also what the pruning relies on.
 */
export async function reserveAttempt(
  prisma: PrismaClient,
  key: string,
  policy: ThrottlePolicy,
): Promise<Reservation> {
  const window = policy.windowSeconds;
  const [row] = await prisma.$queryRaw<Array<{ refused: boolean; retry_after: number | null }>>`
    INSERT INTO "login_throttles" AS t
      ("key", "attempts", "window_started_at", "blocked_until", "lockouts", "expires_at")
    VALUES (${key}, 1, now(), NULL, 0, now() + make_interval(secs => ${window}::float8))
    ON CONFLICT ("key") DO UPDATE SET
      ("attempts", "window_started_at", "blocked_until", "lockouts", "expires_at") = (
        SELECT n.attempts, n.window_started_at, n.blocked_until, n.lockouts,
               greatest(n.window_started_at, coalesce(n.blocked_until, n.window_started_at))
                 + make_interval(secs => ${window}::float8)
        FROM (
          SELECT
            CASE WHEN s.blocked THEN t."attempts" WHEN s.trips THEN 0 ELSE s.next END AS attempts,
            CASE WHEN s.blocked THEN t."window_started_at"
                 WHEN s.trips OR s.fresh THEN now() ELSE t."window_started_at" END AS window_started_at,
            CASE WHEN s.trips
                 THEN now() + make_interval(secs => least(
                   ${policy.blockSeconds}::float8 * power(2, s.lockouts),
                   ${policy.maxBlockSeconds}::float8))
                 ELSE t."blocked_until" END AS blocked_until,
            CASE WHEN s.trips THEN s.lockouts + 1 ELSE t."lockouts" END AS lockouts
          FROM (
            SELECT b.*, (NOT b.blocked AND b.next > ${policy.maxFailures}::int) AS trips
            FROM (
              SELECT
                coalesce(t."blocked_until" > now(), false) AS blocked,
                t."window_started_at" <= now() - make_interval(secs => ${window}::float8) AS fresh,
                CASE WHEN t."window_started_at" <= now() - make_interval(secs => ${window}::float8)
                     THEN 0 ELSE t."attempts" END + 1 AS next,
                -- Blocks in a row: forgotten once a whole window passed since the last one ended.
                CASE WHEN t."blocked_until" IS NULL
                       OR t."blocked_until" < now() - make_interval(secs => ${window}::float8)
                     THEN 0 ELSE t."lockouts" END AS lockouts
            ) b
          ) s
        ) n
      )
    RETURNING coalesce(t."blocked_until" > now(), false) AS refused,
              -- Less a millisecond: blocked_until is stored to the millisecond and may round up.
              ceil(extract(epoch FROM t."blocked_until" - now()) - 0.001)::int AS retry_after`;
  if (!row?.refused) return { granted: true };
  return { granted: false, retryAfterSeconds: Math.max(1, row.retry_after ?? 1) };
}

/**
 * Gives back the slot a successful attempt reserved and forgets the blocks in a row. Earlier
 * failures are forgiven by time only: clearing them on success would reopen the budget for
 * guesses still in flight, and the limit must hold under any concurrency.
 */
export async function releaseAttempt(prisma: PrismaClient, key: string): Promise<void> {
  await prisma.$executeRaw`
    UPDATE "login_throttles" SET "attempts" = greatest("attempts" - 1, 0), "lockouts" = 0
    WHERE "key" = ${key}`;
}

// Bounded, so one login never pays for a long backlog; every attempt prunes, so rows never pile up.
const PRUNE_BATCH = 100;

/** Deletes rows that say nothing an absent row would not (their window and block long over). */
export async function pruneThrottles(prisma: PrismaClient): Promise<number> {
  return prisma.$executeRaw`
    DELETE FROM "login_throttles" WHERE "key" IN (
      SELECT "key" FROM "login_throttles" WHERE "expires_at" < now()
      ORDER BY "expires_at" LIMIT ${PRUNE_BATCH}
      FOR UPDATE SKIP LOCKED)
      AND "expires_at" < now()`;
}
