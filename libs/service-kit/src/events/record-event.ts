import { randomUUID } from "node:crypto";
import type { EnvelopeOf, EventDefinition, PayloadOf } from "@concert/contracts";
import type { SqlClient } from "./sql-client.js";

export interface RecordEventOptions {
  /** Defaults to a fresh UUID; pass one to make the recording itself idempotent upstream. */
  id?: string;
  occurredAt?: Date;
}

/**
 * Writes `event` to the outbox inside the caller's transaction, so the event exists if and only if
 * the state change that caused it commits. The relay publishes it afterwards.
 */
export async function recordEvent<E extends EventDefinition>(
  tx: SqlClient,
  event: E,
  payload: PayloadOf<E>,
  opts: RecordEventOptions = {},
): Promise<EnvelopeOf<E>> {
  const [envelope] = await recordEvents(tx, event, [payload], opts);
  return envelope as EnvelopeOf<E>;
}

/**
 * Writes many events of one type in one statement: a batch of ten thousand tickets is one round
 * trip to the outbox, not ten thousand.
 */
export async function recordEvents<E extends EventDefinition>(
  tx: SqlClient,
  event: E,
  payloads: PayloadOf<E>[],
  opts: { occurredAt?: Date; id?: string } = {},
): Promise<EnvelopeOf<E>[]> {
  const occurredAt = (opts.occurredAt ?? new Date()).toISOString();
  // Validate before writing: a bad payload must fail the business transaction, not a consumer.
  const envelopes = payloads.map(
    (payload, i): EnvelopeOf<E> => ({
      id: (i === 0 && opts.id) || randomUUID(),
      name: event.name,
      version: event.version,
      occurred_at: occurredAt,
      payload: event.payload.parse(payload) as PayloadOf<E>,
    }),
  );
  if (envelopes.length === 0) return envelopes;
  // Postgres delivers NOTIFY only at commit (and drops it on rollback): the relay wakes exactly
  // when there is something to publish. One statement does both, saving a round trip per command.
  await tx.$executeRawUnsafe(
    `WITH written AS (
       INSERT INTO outbox_events (id, subject, envelope)
       SELECT id, $1, envelope FROM unnest($2::uuid[], $3::jsonb[]) AS e(id, envelope)
       RETURNING 1)
     SELECT pg_notify('outbox_' || current_schema(), '') FROM (SELECT 1 FROM written LIMIT 1) AS w`,
    event.subject,
    envelopes.map((envelope) => envelope.id),
    envelopes.map((envelope) => JSON.stringify(envelope)),
  );
  return envelopes;
}
