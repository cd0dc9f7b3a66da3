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
import { isTransientError } from "../database/database-errors.js";
import { publishDeadLetter } from "./dead-letter.js";
import { type ConsumedEvent, type EventHandler, isProjection } from "./event-handler.js";
import { runProjection } from "./event-projection.js";
import { DEFAULT_RETRY_BACKOFF, type RetryBackoff, retryDelayMs } from "./retry-backoff.js";
import type { SqlClient, TransactionRunner } from "./sql-client.js";
import { sanitizeName, streamNames } from "./streams.js";

export interface EventConsumerOptions<Tx extends SqlClient> {
  /** The consuming service; part of every durable name and dead-letter subject. */
  service: string;
  nats: NatsConnection;
  subjectPrefix: string;
  transaction: TransactionRunner<Tx>;
  /** Runs projections: each batch is one statement, its own transaction. Required with one. */
  db?: SqlClient;
  handlers: ConsumedEvent<Tx>[];
  logger: Logger;
  /**
   * Attempts at a message whose handler fails with a permanent (not transient) error before it goes
   * to the dead-letter stream. Default 5. A transient error never dead-letters.
   */
  maxAttempts?: number;
  /** Time the broker waits for an ack before redelivering. Default 10000 ms. */
  ackWaitMs?: number;
  /** Delay before a failed message is delivered again, growing per attempt. Default 1 s doubling to 60 s. */
  retryBackoff?: RetryBackoff;
  /**
   * Transactions the service's consumers run at once, all event types together (each holds a
   * pooled connection). Default DEFAULT_CONCURRENCY; handlers tolerate reordering by contract.
   */
  concurrency?: number;
}

/**
 * Shared by all of a service's consumers, so together they hold at most this many of its pooled
 * connections (never more than half: service-infrastructure) and HTTP requests keep the rest. 16
 * per consumer once let a burst of events fan out over 5 consumers of 4 services and take the
 * test stack to Postgres' 100 connections (a login answered 503). Throughput comes from batches instead: messages that queue behind busy
 * slots share one transaction (docs/BENCHMARKS.md, "Event lag").
 */
const DEFAULT_CONCURRENCY = 8;

const SKIPPED = "event consumer: already processed, skipped";

/**
 * Messages applied in one transaction at most. Large enough that BEGIN and COMMIT fade next to
 * the work, small enough that a batch holds its connection and row locks only briefly.
 */
const MAX_BATCH = 16;

/** Pulled ahead per consumer: a few batches; few, because their ack-wait clock runs while they wait. */
const PREFETCH = 4 * MAX_BATCH;

/**
 * A projection's consumer runs one statement at a time and begins at most one per this many ms:
 * under load, what arrives meanwhile forms the next batch. A statement's fixed cost (its commit,
 * its plan) is most of a small batch's: 185 µs of Postgres CPU for one event, 25 µs per event for
 * 16 (docs/BENCHMARKS.md, "Projections batch under load"). After a quiet spell the first event
 * goes at once.
 */
const PROJECTION_SPACING_MS = 5;

/** Events in one projection statement at most, and twice that pulled ahead. */
const MAX_PROJECTION_BATCH = 256;

/**
 * A consumer that dies holding a message gives it back after this long: short, because a handler
 * that works longer tells the broker so (`working()`), and only a dead consumer waits it out.
 */
const DEFAULT_ACK_WAIT_MS = 10_000;

/** Permanent-failure counts kept per consumer; past this the oldest is forgotten (it starts over). */
const MAX_TRACKED_FAILURES = 10_000;

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
  private readonly db: SqlClient | undefined;
  private readonly handlers: ConsumedEvent<Tx>[];
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly ackWaitMs: number;
  private readonly retryBackoff: RetryBackoff;
  private readonly concurrency: number;
  private readonly js: JetStreamClient;
  private subscriptions: Subscription[] = [];
  private stopping = false;
  /** Transactions running, over all event types: at most `concurrency`. */
  private running = 0;
  /** Each consumer's "start what waits", asked in turn when a slot frees. */
  private readonly starters: Array<() => void> = [];
  private nextStarter = 0;
  private slotFreed = nextSignal();

  constructor(opts: EventConsumerOptions<Tx>) {
    this.service = opts.service;
    this.nc = opts.nats;
    this.subjectPrefix = opts.subjectPrefix;
    this.transaction = opts.transaction;
    this.db = opts.db;
    this.handlers = opts.handlers;
    const projection = this.handlers.find(isProjection);
    if (projection && !this.db) {
      throw new Error(`EventConsumer: projection of ${projection.event.name} needs the db option`);
    }
    this.logger = opts.logger;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.ackWaitMs = opts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    this.retryBackoff = opts.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    this.concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
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
        max_messages: isProjection(handler) ? 2 * MAX_PROJECTION_BATCH : PREFETCH,
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
      // Unlimited: the broker would drop a message silently at its limit. The consumer decides
      // itself when a message is hopeless (maxAttempts permanent failures) and dead-letters it.
      max_deliver: -1,
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

  /**
   * Pulls messages into `waiting` and starts a transaction for them whenever one of the service's
   * `concurrency` slots is free: all that waited, up to MAX_BATCH, go together. Under little load
   * each message is a batch of its own, as fast as ever; under load, messages that queued behind
   * busy slots share one transaction, so its BEGIN, COMMIT and their socket writes are paid once
   * for all of them (the largest item of a consumer's CPU profile: docs/BENCHMARKS.md). A
   * projection takes one slot at most, spaced (PROJECTION_SPACING_MS), in batches up to
   * MAX_PROJECTION_BATCH.
   */
  private async consumeLoop(
    messages: ConsumerMessages,
    handler: ConsumedEvent<Tx>,
    durable: string,
  ): Promise<void> {
    const failures = new FailureCounts();
    const waiting: JsMsg[] = [];
    let mine = 0;
    const projection = isProjection(handler);
    const maxBatch = projection ? MAX_PROJECTION_BATCH : MAX_BATCH;
    let nextProjectionAt = 0;
    let spacing: NodeJS.Timeout | undefined;
    const startBatches = () => {
      while (this.running < this.concurrency && waiting.length > 0) {
        if (projection) {
          if (mine > 0) return;
          const now = performance.now();
          if (now < nextProjectionAt) {
            spacing ??= setTimeout(() => {
              spacing = undefined;
              startBatches();
            }, nextProjectionAt - now);
            return;
          }
          nextProjectionAt = now + PROJECTION_SPACING_MS;
        }
        const batch = waiting.splice(0, maxBatch);
        this.running++;
        mine++;
        this.processBatch(batch, handler, durable, failures)
          .catch((err: unknown) => {
            // Not reachable by design (every message is answered); the broker redelivers after ack wait.
            this.logger.error(
              { err, consumer: durable, messages: batch.length },
              "event consumer: messages left unacknowledged",
            );
          })
          .finally(() => {
            this.running--;
            mine--;
            this.freeSlot();
          });
      }
    };
    this.starters.push(startBatches);
    try {
      for await (const msg of messages) {
        if (this.stopping) {
          // Pulled but not started: give it straight back so another replica can take it now.
          msg.nak();
          continue;
        }
        waiting.push(msg);
        startBatches();
        // Every slot busy and the next batch full: wait. Their ack-wait clocks run while they wait.
        while (waiting.length >= maxBatch) await this.slotFreed.promise;
      }
      while (waiting.length > 0 || mine > 0) await this.slotFreed.promise;
    } finally {
      clearTimeout(spacing);
      this.starters.splice(this.starters.indexOf(startBatches), 1);
    }
  }

  /** A transaction ended: the consumers, in turn from the one after the last served, fill slots. */
  private freeSlot(): void {
    const count = this.starters.length;
    for (let i = 0; i < count && this.running < this.concurrency; i++) {
      this.nextStarter = (this.nextStarter + 1) % count;
      this.starters[this.nextStarter]?.();
    }
    const freed = this.slotFreed;
    this.slotFreed = nextSignal();
    freed.resolve();
  }

  /**
   * One transaction for every message of the batch: each applied at most once (processed_events),
   * all acked after the commit. If it fails, whatever the cause, each message is tried again in a
   * transaction of its own, so one bad message gets its own verdict and the others go through.
   */
  private async processBatch(
    batch: JsMsg[],
    handler: ConsumedEvent<Tx>,
    durable: string,
    failures: FailureCounts,
  ): Promise<void> {
    const parsed = batch.map((msg) => ({ msg, result: parseEnvelope(msg, handler.event) }));
    const valid = parsed.flatMap(({ msg, result }) =>
      result.ok ? [{ msg, envelope: result.envelope }] : [],
    );
    if (valid.length < 2) {
      for (const msg of batch) await this.process(msg, handler, durable, failures);
      return;
    }
    // Invalid ones go their own way (to the dead-letter stream).
    for (const { msg, result } of parsed) {
      if (!result.ok) await this.process(msg, handler, durable, failures);
    }
    try {
      await this.withProgress(
        valid.map((v) => v.msg),
        () =>
          this.applyBatch(
            handler,
            durable,
            valid.map((v) => v.envelope),
          ),
      );
    } catch (err) {
      this.logger.debug(
        { err, consumer: durable, messages: valid.length },
        "event consumer: batch failed; each message on its own",
      );
      for (const { msg } of valid) await this.process(msg, handler, durable, failures);
      return;
    }
    for (const { msg } of valid) {
      msg.ack();
      failures.forget(msg.info.streamSequence);
    }
  }

  /** Applies each envelope not applied before, all in one transaction; logs the others. */
  private async applyBatch(
    handler: ConsumedEvent<Tx>,
    durable: string,
    envelopes: EventEnvelope[],
  ): Promise<void> {
    const skipped = (envelope: EventEnvelope) =>
      this.logger.debug({ consumer: durable, eventId: envelope.id }, SKIPPED);
    // Postgres writes uuids in lower case, whatever case the envelope used.
    if (isProjection(handler)) {
      const fresh = await runProjection(this.projectionDb(), handler, durable, envelopes);
      for (const envelope of envelopes) {
        if (!fresh.has(envelope.id.toLowerCase())) skipped(envelope);
      }
      return;
    }
    await this.transaction(async (tx) => {
      const fresh = await this.claimOnce(
        tx,
        durable,
        envelopes.map((envelope) => envelope.id),
      );
      for (const envelope of envelopes) {
        // Claimed here and not yet applied: a message delivered twice in one batch runs once.
        if (fresh.delete(envelope.id.toLowerCase())) await handler.handle(envelope, tx);
        else skipped(envelope);
      }
    });
  }

  /** Applies the envelope unless it was before; false: it was. */
  private async applyOne(
    handler: ConsumedEvent<Tx>,
    durable: string,
    envelope: EventEnvelope,
  ): Promise<boolean> {
    if (isProjection(handler)) {
      return (await runProjection(this.projectionDb(), handler, durable, [envelope])).size > 0;
    }
    return this.transaction((tx) => this.applyOnce(tx, handler, durable, envelope));
  }

  private projectionDb(): SqlClient {
    if (!this.db) throw new Error("unreachable: the constructor requires db with a projection");
    return this.db;
  }

  /**
   * The batch's processed_events rows in one statement, not one per message: the ids that were
   * not applied before. Catalog's TicketSold handler is one statement, so this halves a sale's
   * round trips in its consumer (docs/BENCHMARKS.md, "One processed_events insert per batch").
   */
  private async claimOnce(tx: Tx, durable: string, ids: string[]): Promise<Set<string>> {
    const rows = await tx.$queryRawUnsafe<{ event_id: string }[]>(
      `INSERT INTO processed_events (consumer, event_id)
       SELECT $1, id FROM unnest($2::uuid[]) AS id
       ON CONFLICT DO NOTHING RETURNING event_id::text`,
      durable,
      ids,
    );
    return new Set(rows.map((row) => row.event_id));
  }

  /** The handler's effect and the message's processed_events row; false: applied before. */
  private async applyOnce(
    tx: Tx,
    handler: EventHandler<Tx>,
    durable: string,
    envelope: EventEnvelope,
  ): Promise<boolean> {
    const inserted = await tx.$executeRawUnsafe(
      "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2::uuid) ON CONFLICT DO NOTHING",
      durable,
      envelope.id,
    );
    if (inserted === 0) return false;
    await handler.handle(envelope, tx);
    return true;
  }

  private async process(
    msg: JsMsg,
    handler: ConsumedEvent<Tx>,
    durable: string,
    failures: FailureCounts,
  ): Promise<void> {
    const attempt = msg.info.deliveryCount;
    const sequence = msg.info.streamSequence;
    const log = this.logger.child({
      consumer: durable,
      subject: msg.subject,
      deliveryCount: attempt,
    });

    const parsed = parseEnvelope(msg, handler.event);
    if (!parsed.ok) {
      // A malformed message fails the same way on every delivery: retrying only delays the alarm.
      log.error({ error: parsed.error }, "event consumer: invalid message sent to dead letter");
      await this.deadLetter(msg, durable, `invalid message: ${parsed.error}`, log);
      return;
    }
    const envelope = parsed.envelope;

    try {
      const applied = await this.withProgress([msg], () =>
        this.applyOne(handler, durable, envelope),
      );
      msg.ack();
      failures.forget(sequence);
      if (applied) log.debug({ eventId: envelope.id }, "event consumer: handled");
      else log.debug({ eventId: envelope.id }, SKIPPED);
    } catch (err) {
      const retryInMs = retryDelayMs(attempt, this.retryBackoff);
      if (isTransientError(err)) {
        // The database (or the way to it) failed, not the message: wait it out, however long.
        log.warn(
          { err, eventId: envelope.id, retryInMs },
          "event consumer: transient failure; will retry",
        );
        msg.nak(retryInMs);
        return;
      }
      const failed = failures.add(sequence);
      if (failed >= this.maxAttempts) {
        log.error(
          { err, eventId: envelope.id, failedAttempts: failed },
          "event consumer: handler failed on last attempt; sent to dead letter",
        );
        if (await this.deadLetter(msg, durable, errorText(err), log)) failures.forget(sequence);
      } else {
        log.warn(
          { err, eventId: envelope.id, failedAttempts: failed, retryInMs },
          "event consumer: handler failed; will retry",
        );
        msg.nak(retryInMs);
      }
    }
  }

  /**
   * Copies the message to the dead-letter stream, then terminates it. If the copy cannot be stored
   * (broker trouble), the message is not terminated but handed back for a later delivery, so it
   * is never lost between the two. Resolves whether it was dead-lettered.
   */
  private async deadLetter(
    msg: JsMsg,
    durable: string,
    error: string,
    log: Logger,
  ): Promise<boolean> {
    try {
      await this.publishDeadLetter(msg, durable, error);
    } catch (err) {
      const retryInMs = retryDelayMs(msg.info.deliveryCount, this.retryBackoff);
      log.error({ err, retryInMs }, "event consumer: dead-letter publish failed; will retry");
      msg.nak(retryInMs);
      return false;
    }
    terminate(msg);
    return true;
  }

  private publishDeadLetter(msg: JsMsg, durable: string, error: string): Promise<void> {
    return publishDeadLetter({
      nats: this.nc,
      subjectPrefix: this.subjectPrefix,
      service: this.service,
      consumer: durable,
      msg,
      error,
    });
  }

  /** Tells the broker slow handlers are still working, so it does not redeliver mid-transaction. */
  private async withProgress<R>(msgs: JsMsg[], work: () => Promise<R>): Promise<R> {
    const timer = setInterval(
      () => {
        try {
          for (const msg of msgs) msg.working();
        } catch {
          // Connection closed: the broker redelivers after ack wait, and the dedupe absorbs it.
        }
      },
      Math.max(100, Math.floor(this.ackWaitMs / 2)),
    );
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }
}

/**
 * How many times each message (by stream sequence) failed permanently in this process. The
 * broker's delivery count cannot tell these apart from transient failures, which must not count.
 * Kept in memory: a restart or another replica starts a message's count over, which only means
 * a few more attempts before the dead-letter stream.
 */
class FailureCounts {
  private readonly counts = new Map<number, number>();

  add(sequence: number): number {
    const count = (this.counts.get(sequence) ?? 0) + 1;
    this.counts.delete(sequence);
    this.counts.set(sequence, count);
    if (this.counts.size > MAX_TRACKED_FAILURES) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    return count;
  }

  forget(sequence: number): void {
    this.counts.delete(sequence);
  }
}

/** A promise and the function that resolves it (Node 20 has no Promise.withResolvers). */
function nextSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
