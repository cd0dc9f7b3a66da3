import { randomUUID } from "node:crypto";
import type { EventDefinition, EventEnvelope, PayloadOf } from "@concert/contracts";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

export interface PublishOptions {
  /** The event id; reuse one to deliver the same event again. Fresh by default. */
  id?: string;
  /**
   * The broker's dedupe key; the event id by default, as the relay publishes. A fresh one gets a
   * repeated event past the broker, to test that the consumer itself has one effect.
   */
  messageId?: string;
}

/**
 * Publishes an event the way a producing service's relay would (envelope, prefixed subject,
 * event id as message id), so a consumer under test is fed through the real broker.
 */
export async function publishEvent<E extends EventDefinition>(
  nats: NatsConnection,
  subjectPrefix: string,
  event: E,
  payload: PayloadOf<E>,
  options: PublishOptions = {},
): Promise<EventEnvelope<E["name"], PayloadOf<E>>> {
  const id = options.id ?? randomUUID();
  const envelope = {
    id,
    name: event.name,
    version: event.version,
    occurred_at: new Date().toISOString(),
    payload,
  };
  await jetstream(nats).publish(`${subjectPrefix}${event.subject}`, JSON.stringify(envelope), {
    msgID: options.messageId ?? id,
  });
  return envelope;
}

/** Polls until `probe` returns something truthy; consumers are asynchronous by nature. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
