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

export type Reservation =
  | { outcome: "granted" }
  | { outcome: "refused"; retryAfterSeconds: number }
  /** The budget is taken by attempts still being checked: their verdicts decide, so ask again. */
  | { outcome: "wait" };

// A password check ends within a second; a reservation this old belongs to a process that died
// between reserving and settling, and must not make others wait.
const IN_FLIGHT_STALE_SECONDS = 15;

/**
 * Reserves one attempt for `key` before the password is checked, in one statement: the row lock
 * of the upsert serialises concurrent attempts, so however many arrive at once, at most
 * `maxFailures` are granted per window. Past the limit, what happens depends on why it is full:
 * - only by failures: the attempt starts a block (doubling with each block in a row, capped) and
 *   is refused; attempts during a block are refused without counting, so they neither renew nor
 *   lengthen it;
 * - also by attempts still in flight: the attempt is told to wait, since those may succeed and
 *   give their slots back. A burst of good logins (a box office behind one address, many gate
 *   devices on one shared account) then goes through in turns instead of tripping a block.
 * A window or block long past leaves the row as good as absent (`expires_at`), which is also what
 * the pruning relies on.
 */
export async function reserveAttempt(
  prisma: PrismaClient,
  key: string,
  policy: ThrottlePolicy,
): Promise<Reservation> {
  const window = policy.windowSeconds;
  const [row] = await prisma.$queryRaw<
    Array<{ refused: boolean; granted: boolean; retry_after: number | null }>
  >`
    INSERT INTO "login_throttles" AS t
      ("key", "attempts", "window_started_at", "blocked_until", "lockouts", "expires_at",
       "in_flight", "last_reserved_at", "last_granted")
    VALUES (${key}, 1, now(), NULL, 0, now() + make_interval(secs => ${window}::float8),
            1, now(), true)
    ON CONFLICT ("key") DO UPDATE SET
      ("attempts", "window_started_at", "blocked_until", "lockouts", "expires_at",
       "in_flight", "last_reserved_at", "last_granted") = (
        SELECT n.attempts, n.window_started_at, n.blocked_until, n.lockouts,
               greatest(n.window_started_at, coalesce(n.blocked_until, n.window_started_at))
                 + make_interval(secs => ${window}::float8),
               n.in_flight, n.last_reserved_at, n.granted
        FROM (
          SELECT
            CASE WHEN s.blocked OR s.waits THEN t."attempts" WHEN s.trips THEN 0
                 ELSE s.next END AS attempts,
            CASE WHEN s.blocked OR s.waits THEN t."window_started_at"
                 WHEN s.trips OR s.fresh THEN now() ELSE t."window_started_at" END AS window_started_at,
            CASE WHEN s.trips
                 THEN now() + make_interval(secs => least(
                   ${policy.blockSeconds}::float8 * power(2, s.lockouts),
                   ${policy.maxBlockSeconds}::float8))
                 ELSE t."blocked_until" END AS blocked_until,
            CASE WHEN s.trips THEN s.lockouts + 1 ELSE t."lockouts" END AS lockouts,
            CASE WHEN s.granted THEN s.live_in_flight + 1 ELSE t."in_flight" END AS in_flight,
            CASE WHEN s.granted THEN now() ELSE t."last_reserved_at" END AS last_reserved_at,
            s.granted
          FROM (
            SELECT b.*,
                   (NOT b.blocked AND b.next > ${policy.maxFailures}::int AND b.live_in_flight = 0) AS trips,
                   (NOT b.blocked AND b.next > ${policy.maxFailures}::int AND b.live_in_flight > 0) AS waits,
                   (NOT b.blocked AND b.next <= ${policy.maxFailures}::int) AS granted
            FROM (
              SELECT
                coalesce(t."blocked_until" > now(), false) AS blocked,
                t."window_started_at" <= now() - make_interval(secs => ${window}::float8) AS fresh,
                CASE WHEN t."window_started_at" <= now() - make_interval(secs => ${window}::float8)
                     THEN 0 ELSE t."attempts" END + 1 AS next,
                CASE WHEN t."last_reserved_at" > now() - make_interval(secs => ${IN_FLIGHT_STALE_SECONDS}::float8)
                     THEN t."in_flight" ELSE 0 END AS live_in_flight,
                -- Blocks in a row: forgotten once a whole window passed since the last one ended.
                CASE WHEN t."blocked_until" IS NULL
                       OR t."blocked_until" < now() - make_interval(secs => ${window}::float8)
                     THEN 0 ELSE t."lockouts" END AS lockouts
            ) b
          ) s
        ) n
      )
    RETURNING coalesce(t."blocked_until" > now(), false) AS refused,
              t."last_granted" AS granted,
              -- Less a millisecond: blocked_until is stored to the millisecond and may round up.
              ceil(extract(epoch FROM t."blocked_until" - now()) - 0.001)::int AS retry_after`;
  if (row?.granted) return { outcome: "granted" };
  if (!row?.refused) return { outcome: "wait" };
  return { outcome: "refused", retryAfterSeconds: Math.max(1, row.retry_after ?? 1) };
}

// How long an attempt waits for the ones in flight before it gives up with a 429: enough for a
// queue of checks several deep at production bcrypt costs.
const WAIT_FOR_TURN_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `reserveAttempt`, asked again (with a short jittered pause) while the budget is held by attempts
 * still being checked. Ends granted, refused by a block, or `busy` when its turn never came.
 */
export async function reserveInTurn(
  prisma: PrismaClient,
  key: string,
  policy: ThrottlePolicy,
): Promise<Exclude<Reservation, { outcome: "wait" }> | { outcome: "busy" }> {
  const giveUpAt = Date.now() + WAIT_FOR_TURN_MS;
  for (;;) {
    const reservation = await reserveAttempt(prisma, key, policy);
    if (reservation.outcome !== "wait") return reservation;
    if (Date.now() >= giveUpAt) return { outcome: "busy" };
    await sleep(20 + Math.random() * 40);
  }
}

/**
 * Settles a granted attempt. A success gives its slot back and forgets the blocks in a row; a
 * failure keeps its slot as a counted failure. Earlier failures are forgiven by time only:
 * clearing them on success would reopen the budget for guesses still in flight, and the limit
 * must hold under any concurrency.
 */
export async function settleAttempt(
  prisma: PrismaClient,
  key: string,
  verdict: "succeeded" | "failed",
): Promise<void> {
  if (verdict === "succeeded") {
    await prisma.$executeRaw`
      UPDATE "login_throttles"
      SET "attempts" = greatest("attempts" - 1, 0), "lockouts" = 0,
          "in_flight" = greatest("in_flight" - 1, 0)
      WHERE "key" = ${key}`;
  } else {
    await prisma.$executeRaw`
      UPDATE "login_throttles" SET "in_flight" = greatest("in_flight" - 1, 0) WHERE "key" = ${key}`;
  }
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
