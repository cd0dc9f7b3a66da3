import type { SqlClient } from "./sql-client.js";

/** What waits in a service's outbox: shown in `/readyz` (README "Health and readiness"). */
export interface OutboxBacklog {
  /**
   * Rows not marked published and not parked: waiting for the broker, in backoff, or published by
   * a woken pass in the last `markEveryMs` and not marked yet.
   */
  unpublished: number;
  /** Age of the oldest of those, in seconds; 0 when there is none. */
  oldest_unpublished_seconds: number;
  /** Rows given up on after their last attempt, waiting for an operator. */
  parked: number;
}

export async function outboxBacklog(db: SqlClient): Promise<OutboxBacklog> {
  const [row] = await db.$queryRawUnsafe<
    { unpublished: number; oldest: number | null; parked: number }[]
  >(
    `SELECT
       (SELECT count(*)::int FROM outbox_events WHERE published_at IS NULL AND parked_at IS NULL) AS unpublished,
       (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox_events
         WHERE published_at IS NULL AND parked_at IS NULL) AS oldest,
       (SELECT count(*)::int FROM outbox_events WHERE parked_at IS NOT NULL) AS parked`,
  );
  return {
    unpublished: row?.unpublished ?? 0,
    oldest_unpublished_seconds: Math.max(0, Math.round((row?.oldest ?? 0) * 10) / 10),
    parked: row?.parked ?? 0,
  };
}
