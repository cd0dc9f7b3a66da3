import { randomUUID } from "node:crypto";
import type { EnvelopeOf, EventDefinition, PayloadOf } from "@concert/contracts";
import { type NamedStatement, namedStatement } from "../database/named-statement.js";
import { eventRecorded } from "./outbox-wake.js";
import { envelopeWithRowFields, type RowFields, withoutRowFields } from "./row-fields.js";
import type { SqlClient } from "./sql-client.js";

export interface RecordEventOptions {
  /** Defaults to a fresh UUID; pass one to make the recording itself idempotent upstream. */
  id?: string;
  occurredAt?: Date;
}

/**
 * The envelope of one event, validated but not written. A bad payload throws here, before any
 * state changes.
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
 * the state change that caused it commits. The relay publishes it afterwards: the service's own
 * relay is woken in-process once the transaction commits (see wakeAfterCommit).
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
  await tx.$executeRawUnsafe(
    `INSERT INTO outbox_events (id, subject, envelope)
     SELECT e.id, $1::text, e.envelope FROM unnest($2::uuid[], $3::jsonb[]) AS e(id, envelope)`,
    event.subject,
    envelopes.map((envelope) => envelope.id),
    envelopes.map((envelope) => JSON.stringify(envelope)),
  );
  eventRecorded(
    tx,
    envelopes.map((envelope) => envelope.id),
  );
  return envelopes;
}

/** The values recordEventWith adds to a statement's own. */
interface OutboxParams {
  outbox_id: string;
  outbox_subject: string;
  outbox_envelope: string;
}

/** A caller's statement that also records one event: see recordEventWith. */
export interface RecordingStatement<
  P extends object,
  E extends EventDefinition,
  K extends keyof PayloadOf<E> = never,
> {
  readonly event: E;
  /** The whole statement, for a benchmark or a plan to read; `outbox_*` names are the event's. */
  readonly statement: NamedStatement<P & OutboxParams>;
  /**
   * Builds (and validates) the event, then runs the statement: one round trip. The payload
   * fields the statement fills from the changed row (`fromRow`) are not passed.
   */
  run<Row>(
    db: SqlClient,
    params: P,
    payload: Omit<PayloadOf<E>, K>,
    opts?: RecordEventOptions,
  ): Promise<{ rows: Row[]; envelope: EnvelopeOf<E> }>;
}

/**
 * "This statement also records this event": the state change and its event commit together in
 * one statement (one implicit transaction) and one round trip. Build it once, at module load.
 *
 * `with` holds the statement's CTEs (`:name` placeholders), `when` names the one whose single row
 * means the change happened (no row: no event), and `select` is the final query. The relay is
 * woken after every run on an autocommit client, whether or not the change happened: the caller's
 * `select` need not say, and a wake that finds nothing costs one empty drain, coalesced with the
 * others under load.
 *
 * `fromRow` is for an event whose payload holds what only the change knows (RowFields): payload
 * field → SQL expression over `when`'s row. Node validates every other field before the statement.
 */
export function recordEventWith<
  P extends object,
  E extends EventDefinition,
  K extends keyof PayloadOf<E> & string = never,
>(
  event: E,
  parts: { with: string; when: string; select: string; fromRow?: RowFields<K> },
): RecordingStatement<P, E, K> {
  const fromRow: RowFields<string> = parts.fromRow ?? {};
  const envelope = envelopeWithRowFields(":outbox_envelope::jsonb", fromRow);
  const statement = namedStatement<P & OutboxParams>(`
WITH ${parts.with},
outbox_written AS (
  INSERT INTO outbox_events (id, subject, envelope)
  SELECT :outbox_id::uuid, :outbox_subject::text, ${envelope} FROM ${parts.when}
  RETURNING 1
)
${parts.select}`);
  const known = withoutRowFields(event, fromRow);
  return {
    event,
    statement,
    async run<Row>(
      db: SqlClient,
      params: P,
      payload: Omit<PayloadOf<E>, K>,
      opts: RecordEventOptions = {},
    ) {
      const envelope = buildEnvelope(known, payload as PayloadOf<E>, opts);
      // No property added to an object a spread began: ~1 µs each on Node 20 (docs/DECISIONS.md).
      const rows = await statement.query<Row>(db, {
        outbox_id: envelope.id,
        outbox_subject: event.subject,
        outbox_envelope: JSON.stringify(envelope),
        ...params,
      });
      eventRecorded(db, [envelope.id]);
      return { rows, envelope };
    },
  };
}
