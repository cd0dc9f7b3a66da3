import { randomUUID } from "node:crypto";
import type { EnvelopeOf, EventDefinition, PayloadOf } from "@concert/contracts";
import type { SqlClient } from "./sql-client.js";

export interface RecordEventOptions {
  /** Defaults to a fresh UUID; pass one to make the recording itself idempotent upstream. */
  id?: string;
  occurredAt?: Date;
}

/**
 * Two CTEs that write outbox rows and wake the relay, for a caller's own statement: the state
 * change and its events then cost one round trip and commit together (one statement is one
 * implicit transaction). Write it after a CTE the caller defines:
 *
 *   outbox_rows(id uuid, subject text, envelope jsonb)   one row per event; `envelope` is
 *                                                        JSON.stringify(buildEnvelope(...)),
 *                                                        `id` its id, `subject` the event's
 *
 * and reference `outbox_notified` from the statement's final SELECT (e.g.
 * `(SELECT count(*) FROM outbox_notified)`): a plain SELECT in WITH runs only when referenced,
 * while the INSERT always runs. Rows are written, and the relay notified, only when
 * `outbox_rows` has rows, so select them FROM the CTE whose success they report.
 */
export const OUTBOX_NOTIFY_CTE = `outbox_written AS (
  INSERT INTO outbox_events (id, subject, envelope)
  SELECT id, subject, envelope FROM outbox_rows
  RETURNING 1
),
outbox_notified AS (
  SELECT pg_notify('outbox_' || current_schema(), '') FROM (SELECT 1 FROM outbox_written LIMIT 1) AS w
)`;

/**
 * The envelope of one event, validated but not written: for a caller that writes it itself with
 * OUTBOX_NOTIFY_CTE. A bad payload throws here, before any state changes.
 */
export function buildEnvelope<E extends EventDefinition>(
  event: E,
  payload: PayloadOf<E>,
  opts: RecordEventOptions = {},
): EnvelopeOf<E> {
  return {
    id: opts.id || randomUUID(),
    name: event.name,
    version: event.version,
    occurred_at: (opts.occurredAt ?? new Date()).toISOString(),
    payload: event.payload.parse(payload) as PayloadOf<E>,
  };
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
  const occurredAt = opts.occurredAt ?? new Date();
  // Validate before writing: a bad payload must fail the business transaction, not a consumer.
  const envelopes = payloads.map((payload, i) =>
    buildEnvelope(event, payload, { occurredAt, ...(i === 0 && opts.id && { id: opts.id }) }),
  );
  if (envelopes.length === 0) return envelopes;
  // Postgres delivers NOTIFY only at commit (and drops it on rollback): the relay wakes exactly
  // when there is something to publish. One statement does both, saving a round trip per command.
  await tx.$executeRawUnsafe(
    `WITH outbox_rows AS (
       SELECT e.id, $1::text AS subject, e.envelope FROM unnest($2::uuid[], $3::jsonb[]) AS e(id, envelope)
     ),
     ${OUTBOX_NOTIFY_CTE}
     SELECT count(*) FROM outbox_notified`,
    event.subject,
    envelopes.map((envelope) => envelope.id),
    envelopes.map((envelope) => JSON.stringify(envelope)),
  );
  return envelopes;
}
