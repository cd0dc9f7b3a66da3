import { z } from "zod";

/**
 * One integration event type: a past-tense name, an integer version and the NATS subject derived
 * from producer, aggregate and verb (`evt.<producer>.<aggregate>.<verb>.v<version>`).
 */
export interface EventDefinition<
  Name extends string = string,
  Payload extends z.ZodType = z.ZodType,
> {
  readonly name: Name;
  readonly version: number;
  readonly subject: string;
  readonly payload: Payload;
  /** Validates a whole envelope of this event (what travels on the wire). */
  readonly envelope: z.ZodType<EventEnvelope<Name, z.infer<Payload>>>;
}

export interface EventEnvelope<Name extends string = string, P = unknown> {
  id: string;
  name: Name;
  version: number;
  occurred_at: string;
  payload: P;
}

export type PayloadOf<E extends EventDefinition> = z.infer<E["payload"]>;
export type EnvelopeOf<E extends EventDefinition> = EventEnvelope<E["name"], PayloadOf<E>>;

export function defineEvent<Name extends string, Payload extends z.ZodType>(spec: {
  name: Name;
  version: number;
  producer: string;
  aggregate: string;
  verb: string;
  payload: Payload;
}): EventDefinition<Name, Payload> {
  const subject = `evt.${spec.producer}.${spec.aggregate}.${spec.verb}.v${spec.version}`;
  const envelope = z.object({
    id: z.uuid(),
    name: z.literal(spec.name),
    version: z.literal(spec.version),
    occurred_at: z.iso.datetime({ offset: true }),
    payload: spec.payload,
  }) as unknown as z.ZodType<EventEnvelope<Name, z.infer<Payload>>>;
  return { name: spec.name, version: spec.version, subject, payload: spec.payload, envelope };
}
