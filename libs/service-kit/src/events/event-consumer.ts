import type { EventDefinition, EventEnvelope } from "@concert/contracts";
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { publishDeadLetter } from "./dead-letter.js";
import type { EventHandler } from "./event-handler.js";
import type { SqlClient, TransactionRunner } from "./sql-client.js";
import { sanitizeName, streamNames } from "./streams.js";

export interface EventConsumerOptions<Tx extends SqlClient> {
  /** The consuming service; part of every durable name and dead-letter subject. */
  service: string;
  nats: NatsConnection;
  subjectPrefix: string;
  transaction: TransactionRunner<Tx>;
  handlers: EventHandler<Tx>[];
  logger: Logger;
  /** Handler attempts before a message goes to the dead-letter stream. Default 5. */
  maxDeliver?: number;
  /** Time the broker waits for an ack before redelivering. Default 30000 ms. */
  ackWaitMs?: number;
  /** Delay before a message whose handler threw is delivered again. Default 1000 ms. */
  retryDelayMs?: number;
  /** Messages of one consumer handled at once. Default 4; handlers tolerate reordering by contract. */
  concurrency?: number;
}

/** Pulled ahead per handler slot; small, because their ack-wait clock runs while they wait. */
const PREFETCH_PER_SLOT = 4;

/** The durable consumer name, also the `processed_events.consumer` value. */
export function durableName(
  service: string,
  event: EventDefinition,
  subjectPrefix: string,
): string {
  return sanitizeName(`${subjectPrefix}${service}_${event.name}_v${event.version}`);
}

/**
 * Messages of `service`'s consumer of `event` not handled yet: not delivered, or delivered and not
 * acknowledged. Zero means every message published before the call was handled (or dead-lettered).
 */
export async function consumerBacklog(
  nats: NatsConnection,
  service: string,
  event: EventDefinition,
  subjectPrefix: string,
): Promise<number> {
  const jsm = await jetstreamManager(nats);
  const durable = durableName(service, event, subjectPrefix);
  const info = await jsm.consumers.info(streamNames(subjectPrefix).events, durable);
  return info.num_pending + info.num_ack_pending;
}

/** Resolves once consumerBacklog is zero (a test's "every event sent so far was handled"). */
export async function waitUntilHandled(
  nats: NatsConnection,
  service: string,
  event: EventDefinition,
  subjectPrefix: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await consumerBacklog(nats, service, event, subjectPrefix)) > 0) {
    if (Date.now() > deadline) throw new Error(`${event.name} not handled within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Subscription {
  messages: ConsumerMessages;
  loop: Promise<void>;
}

/**
 * Feeds each handler from its own durable pull consumer (server 2.9 allows one filter subject per
 * consumer). Every message is applied at most once per consumer: its id is inserted into
 * `processed_events` in the same transaction as the handler's effect, and the message is acked only
 * after that transaction commits.
 */
export class EventConsumer<Tx extends SqlClient> {
  private readonly service: string;
  private readonly nc: NatsConnection;
  private readonly subjectPrefix: string;
  private readonly transaction: TransactionRunner<Tx>;
  private readonly handlers: EventHandler<Tx>[];
  private readonly logger: Logger;
  private readonly maxDeliver: number;
  private readonly ackWaitMs: number;
  private readonly retryDelayMs: number;
  private readonly concurrency: number;
  private readonly js: JetStreamClient;
  private subscriptions: Subscription[] = [];
  private stopping = false;

  constructor(opts: EventConsumerOptions<Tx>) {
    this.service = opts.service;
    this.nc = opts.nats;
    this.subjectPrefix = opts.subjectPrefix;
    this.transaction = opts.transaction;
    this.handlers = opts.handlers;
    this.logger = opts.logger;
    this.maxDeliver = opts.maxDeliver ?? 5;
    this.ackWaitMs = opts.ackWaitMs ?? 30_000;
    this.retryDelayMs = opts.retryDelayMs ?? 1_000;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.js = jetstream(this.nc);
  }

  /** Creates (or confirms) every durable consumer, then starts consuming. Streams must exist (`ensureStreams`). */
  async start(): Promise<void> {
    if (this.subscriptions.length > 0) throw new Error("EventConsumer already started");
    const jsm = await jetstreamManager(this.nc);
    const stream = streamNames(this.subjectPrefix).events;
    for (const handler of this.handlers) {
      const durable = durableName(this.service, handler.event, this.subjectPrefix);
      await this.ensureConsumer(jsm, stream, durable, handler.event);
      const consumer = await this.js.consumers.get(stream, durable);
      const messages = await consumer.consume({
        max_messages: PREFETCH_PER_SLOT * this.concurrency,
      });
      const loop = this.consumeLoop(messages, handler, durable);
      this.subscriptions.push({ messages, loop });
    }
  }

  /** Stops pulling, lets the message being handled finish, and hands back the ones not started. */
  async stop(): Promise<void> {
    this.stopping = true;
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subscriptions.map((s) => s.messages.close()));
    await Promise.all(subscriptions.map((s) => s.loop));
  }

  private async ensureConsumer(
    jsm: JetStreamManager,
    stream: string,
    durable: string,
    event: EventDefinition,
  ): Promise<void> {
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      filter_subject: `${this.subjectPrefix}${event.subject}`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.ackWaitMs),
      // One spare delivery beyond ours: if the process dies during the last attempt, the message
      // comes back once more and can still reach the dead-letter stream instead of vanishing.
      max_deliver: this.maxDeliver + 1,
    };
    // Creating a durable with an identical config is a no-op on the server, so replicas starting
    // together are fine; a changed config (new ack wait, say) is applied as an update.
    try {
      await jsm.consumers.add(stream, config);
    } catch (err) {
      const existing = await jsm.consumers.info(stream, durable).catch(() => undefined);
      if (!existing) throw err;
      await jsm.consumers.update(stream, durable, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
      });
    }
  }

  private async consumeLoop(
    messages: ConsumerMessages,
    handler: EventHandler<Tx>,
    durable: string,
  ): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for await (const msg of messages) {
      if (this.stopping) {
        // Pulled but not started: give it straight back so another replica can take it now.
        msg.nak();
        continue;
      }
      const task: Promise<void> = this.process(msg, handler, durable)
        .catch((err: unknown) => {
          // Only reachable when even dead-lettering failed; the broker redelivers after ack wait.
          this.logger.error(
            { err, consumer: durable, subject: msg.subject },
            "event consumer: message left unacknowledged",
          );
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= this.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  private async process(msg: JsMsg, handler: EventHandler<Tx>, durable: string): Promise<void> {
    const log = this.logger.child({
      consumer: durable,
      subject: msg.subject,
      deliveryCount: msg.info.deliveryCount,
    });

    const parsed = parseEnvelope(msg, handler.event);
    if (!parsed.ok) {
      // A malformed message fails the same way on every delivery: retrying only delays the alarm.
      log.error({ error: parsed.error }, "event consumer: invalid message sent to dead letter");
      await this.deadLetter(msg, durable, `invalid message: ${parsed.error}`);
      terminate(msg);
      return;
    }
    const envelope = parsed.envelope;

    try {
      const applied = await this.withProgress(msg, () =>
        this.transaction(async (tx) => {
          const inserted = await tx.$executeRawUnsafe(
            "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2::uuid) ON CONFLICT DO NOTHING",
            durable,
            envelope.id,
          );
          if (inserted === 0) return false;
          await handler.handle(envelope, tx);
          return true;
        }),
      );
      msg.ack();
      if (applied) log.debug({ eventId: envelope.id }, "event consumer: handled");
      else log.debug({ eventId: envelope.id }, "event consumer: already processed, skipped");
    } catch (err) {
      if (msg.info.deliveryCount >= this.maxDeliver) {
        log.error(
          { err, eventId: envelope.id },
          "event consumer: handler failed on last attempt; sent to dead letter",
        );
        await this.deadLetter(msg, durable, err instanceof Error ? err.message : String(err));
        terminate(msg);
      } else {
        log.warn(
          { err, eventId: envelope.id, retryInMs: this.retryDelayMs },
          "event consumer: handler failed; will retry",
        );
        msg.nak(this.retryDelayMs);
      }
    }
  }

  private deadLetter(msg: JsMsg, durable: string, error: string): Promise<void> {
    return publishDeadLetter({
      js: this.js,
      subjectPrefix: this.subjectPrefix,
      service: this.service,
      consumer: durable,
      msg,
      error,
    });
  }

  /** Tells the broker a slow handler is still working, so it does not redeliver mid-transaction. */
  private async withProgress<R>(msg: JsMsg, work: () => Promise<R>): Promise<R> {
    const timer = setInterval(() => msg.working(), Math.max(100, Math.floor(this.ackWaitMs / 2)));
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }
}

/**
 * Tells the broker never to redeliver. No reason text: nats-server 2.9 only understands a bare
 * "+TERM" and silently ignores "+TERM <reason>", which would bring the message back after ack wait.
 */
function terminate(msg: JsMsg): void {
  msg.term();
}

type ParseResult = { ok: true; envelope: EventEnvelope } | { ok: false; error: string };

function parseEnvelope(msg: JsMsg, event: EventDefinition): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(msg.string());
  } catch (err) {
    return { ok: false, error: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const result = event.envelope.safeParse(json);
  if (!result.success) return { ok: false, error: result.error.message };
  return { ok: true, envelope: result.data };
}
