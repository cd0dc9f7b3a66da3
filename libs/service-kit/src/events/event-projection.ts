import type { EnvelopeOf, EventDefinition, PayloadOf } from "@concert/contracts";
import type { SqlClient } from "./sql-client.js";

/** One value each event gives the batch: its Postgres type, and how to read it off the event. */
export interface ProjectionColumn<E extends EventDefinition> {
  /** A Postgres type name (`uuid`, `timestamptz`, `int`, `text`...): the batch travels as `type[]`. */
  type: string;
  /** Most columns are payload fields; the envelope is there for the rest (`occurred_at`). */
  of(payload: PayloadOf<E>, envelope: EnvelopeOf<E>): unknown;
}

/**
 * An event applied to a read model by one set-based statement, for a whole batch at once: the
 * batch's `processed_events` rows and its effect in one statement, which is its own transaction.
 * Where an EventHandler costs a transaction (BEGIN, the claim, its statements, COMMIT), this costs
 * one round trip per batch: for copies of another service's facts (catalog's sold tickets,
 * attendance's gate tickets) that consume every sale (docs/BENCHMARKS.md, "Read models in one
 * statement"). Work that needs more than one statement, or records events, stays an EventHandler.
 */
export interface EventProjection<E extends EventDefinition = EventDefinition> {
  event: E;
  /** `$1` the consumer, `$2` the event ids, then one array per column. */
  readonly statement: string;
  /** The statement's parameters after the first: the ids, then each column's values. */
  parameters(envelopes: readonly EnvelopeOf<E>[]): unknown[][];
}

const RESERVED = new Set(["event_id"]);

/**
 * `apply` is one data-modifying statement (INSERT ... ON CONFLICT, UPDATE ... FROM) that reads the
 * batch's events not applied before from `fresh`: `event_id` and the columns, one row per event.
 * Two events of a batch touching one row (ON CONFLICT DO UPDATE cannot touch a row twice) fail the
 * statement; the consumer then applies each on its own, so write `apply` for one event per row.
 *
 * Each event id counts once, however often the batch holds it, and is applied only if no earlier
 * delivery was: its `processed_events` row is inserted in the same statement (`claimed`).
 */
export function projectionFor<E extends EventDefinition>(
  event: E,
  spec: { columns: Record<string, ProjectionColumn<E>>; apply: string },
): EventProjection<E> {
  const names = Object.keys(spec.columns);
  const reserved = names.find((name) => RESERVED.has(name));
  if (reserved) throw new Error(`projection of ${event.name}: column ${reserved} is reserved`);
  const columns = names.map((name) => spec.columns[name] as ProjectionColumn<E>);
  const arrays = columns.map((column, i) => `$${i + 3}::${column.type}[]`);
  const statement = `
WITH batch AS (
  SELECT DISTINCT ON (event_id) * FROM unnest($2::uuid[]${arrays.map((a) => `, ${a}`).join("")})
    AS b(event_id${names.map((n) => `, ${n}`).join("")})
), claimed AS (
  INSERT INTO processed_events (consumer, event_id) SELECT $1, event_id FROM batch
  ON CONFLICT DO NOTHING RETURNING event_id
), fresh AS MATERIALIZED (
  SELECT batch.* FROM batch JOIN claimed USING (event_id)
), applied AS (
${spec.apply.trim()}
)
SELECT event_id::text FROM claimed`;
  return {
    event,
    statement,
    parameters: (envelopes) => [
      envelopes.map((envelope) => envelope.id),
      ...columns.map((column) =>
        envelopes.map((envelope) => column.of(envelope.payload, envelope)),
      ),
    ],
  };
}

/** Applies the envelopes not applied before; resolves the ids it applied, in lower case. */
export async function runProjection<E extends EventDefinition>(
  db: SqlClient,
  projection: EventProjection<E>,
  consumer: string,
  envelopes: readonly EnvelopeOf<E>[],
): Promise<Set<string>> {
  const rows = await db.$queryRawUnsafe<{ event_id: string }[]>(
    projection.statement,
    consumer,
    ...projection.parameters(envelopes),
  );
  return new Set(rows.map((row) => row.event_id));
}
