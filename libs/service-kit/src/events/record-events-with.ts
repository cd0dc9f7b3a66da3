import type { EnvelopeOf, EventDefinition, PayloadOf } from "@concert/contracts";
import { type NamedStatement, namedStatement } from "../database/named-statement.js";
import { eventRecorded } from "./outbox-wake.js";
import { buildEnvelope } from "./record-event.js";
import { envelopeWithRowFields, type RowFields, withoutRowFields } from "./row-fields.js";
import type { SqlClient } from "./sql-client.js";

/** The values recordEventsWith adds to a statement's own. */
interface OutboxBatchParams {
  outbox_ids: string[];
  outbox_subject: string;
  outbox_envelopes: string[];
}

/** One item's event: its payload (without the fields the row fills) and when it happened (default: now). */
export interface BatchEvent<E extends EventDefinition, K extends keyof PayloadOf<E> = never> {
  payload: Omit<PayloadOf<E>, K>;
  occurredAt?: Date;
}

/** A caller's statement that changes many rows and records one event per changed row. */
export interface RecordingBatchStatement<
  P extends object,
  E extends EventDefinition,
  K extends keyof PayloadOf<E> = never,
> {
  readonly event: E;
  readonly statement: NamedStatement<P & OutboxBatchParams>;
  /**
   * Builds (and validates) one event per item, then runs the statement: one round trip. The
   * event of `items[i]` is written only if `when` holds a row with `ordinal` i + 1.
   */
  run<Row>(
    db: SqlClient,
    params: P,
    items: BatchEvent<E, K>[],
  ): Promise<{ rows: Row[]; envelopes: EnvelopeOf<E>[] }>;
}

/**
 * recordEventWith for a statement that handles a batch: many state changes and their events in
 * one statement (one implicit transaction), each event committed if and only if its change is.
 *
 * The caller's statement works on a batch whose items are numbered from 1 (`unnest(...) WITH
 * ORDINALITY`); `when` names the CTE whose rows are the changes that happened, each with an
 * `ordinal` column saying which item it is. The event of item i is `items[i - 1]`'s. The
 * statement may read the CTE `outbox_batch (id, envelope, ordinal)`. The relay is woken with every
 * event id of the batch after the statement: an id that was not written claims nothing. `fromRow`
 * fills payload fields from `when`'s row, as in recordEventWith.
 */
export function recordEventsWith<
  P extends object,
  E extends EventDefinition,
  K extends keyof PayloadOf<E> & string = never,
>(
  event: E,
  parts: { with: string; when: string; select: string; fromRow?: RowFields<K> },
): RecordingBatchStatement<P, E, K> {
  const fromRow: RowFields<string> = parts.fromRow ?? {};
  const known = withoutRowFields(event, fromRow);
  const statement = namedStatement<P & OutboxBatchParams>(`
WITH outbox_batch AS (
  SELECT * FROM unnest(:outbox_ids::uuid[], :outbox_envelopes::jsonb[])
           WITH ORDINALITY AS e(id, envelope, ordinal)
),
${parts.with},
outbox_written AS (
  INSERT INTO outbox_events (id, subject, envelope)
  SELECT e.id, :outbox_subject::text, ${envelopeWithRowFields("e.envelope", fromRow)}
    FROM ${parts.when} JOIN outbox_batch e ON e.ordinal = ${parts.when}.ordinal
  RETURNING 1
)
${parts.select}`);
  return {
    event,
    statement,
    async run<Row>(db: SqlClient, params: P, items: BatchEvent<E, K>[]) {
      // Validated before the statement: a bad payload fails the batch before any change.
      const envelopes = items.map(({ payload, occurredAt }) =>
        buildEnvelope(known, payload as PayloadOf<E>, { occurredAt }),
      );
      const ids = envelopes.map((envelope) => envelope.id);
      // No property added to an object a spread began: ~1 µs each on Node 20 (docs/DECISIONS.md).
      const rows = await statement.query<Row>(db, {
        outbox_ids: ids,
        outbox_subject: event.subject,
        outbox_envelopes: envelopes.map((envelope) => JSON.stringify(envelope)),
        ...params,
      });
      eventRecorded(db, ids);
      return { rows, envelopes };
    },
  };
}
