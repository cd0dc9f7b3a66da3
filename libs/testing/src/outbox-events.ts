/** Anything that runs raw SQL on a service's schema: its Prisma client or a transaction client. */
interface RawQuery {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface OutboxRow {
  id: string;
  subject: string;
  envelope: { id: string; name: string; payload: Record<string, unknown> };
  created_at: Date;
  published_at: Date | null;
}

/**
 * The service's outbox (the kit's table, no Prisma model), oldest first: what its commands
 * announced. `subject` narrows to one event type.
 */
export function outboxEvents(db: RawQuery, subject?: string): Promise<OutboxRow[]> {
  return db.$queryRawUnsafe<OutboxRow[]>(
    `SELECT id, subject, envelope, created_at, published_at FROM outbox_events
      WHERE $1::text IS NULL OR subject = $1::text ORDER BY created_at, id`,
    subject ?? null,
  );
}

/** Whether the service's consumers applied the event (its inbox holds the id). */
export async function eventProcessed(db: RawQuery, eventId: string): Promise<boolean> {
  const rows = await db.$queryRawUnsafe<unknown[]>(
    "SELECT 1 FROM processed_events WHERE event_id = $1::uuid",
    eventId,
  );
  return rows.length > 0;
}
