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
  // Validate before writing: a bad payload must fail the business transaction, not a consumer.
  const validPayload = event.payload.parse(payload) as PayloadOf<E>;
  const envelope: EnvelopeOf<E> = {
    id: opts.id ?? randomUUID(),
    name: event.name,
    version: event.version,
    occurred_at: (opts.occurredAt ?? new Date()).toISOString(),
    payload: validPayload,
  };
  await tx.$executeRawUnsafe(
    "INSERT INTO outbox_events (id, subject, envelope) VALUES ($1::uuid, $2, $3::jsonb)",
    envelope.id,
    event.subject,
    JSON.stringify(envelope),
  );
  // Postgres delivers NOTIFY only at commit (and drops it on rollback): the relay wakes exactly
  // when there is something to publish. executeRaw, because the void result has no column type.
  await tx.$executeRawUnsafe("SELECT pg_notify('outbox_' || current_schema(), '')");
  return envelope;
}
