import type { EnvelopeOf, EventDefinition } from "@concert/contracts";
import type { EventProjection } from "./event-projection.js";
import type { SqlClient } from "./sql-client.js";

/**
 * Applies one event type inside the consumer's transaction: `tx` commits together with the record
 * that this event was processed, which is what makes redelivery harmless.
 */
export interface EventHandler<Tx extends SqlClient, E extends EventDefinition = EventDefinition> {
  event: E;
  handle(envelope: EnvelopeOf<E>, tx: Tx): Promise<void>;
}

/** Ties `handle`'s envelope type to `event`, so a handler cannot be paired with the wrong event. */
export function handlerFor<Tx extends SqlClient, E extends EventDefinition>(
  event: E,
  handle: (envelope: EnvelopeOf<E>, tx: Tx) => Promise<void>,
): EventHandler<Tx, E> {
  return { event, handle };
}

/** What a service consumes an event with: a handler in a transaction, or a one-statement projection. */
export type ConsumedEvent<Tx extends SqlClient> = EventHandler<Tx> | EventProjection;

export function isProjection<Tx extends SqlClient>(
  consumed: ConsumedEvent<Tx>,
): consumed is EventProjection {
  return "statement" in consumed;
}
