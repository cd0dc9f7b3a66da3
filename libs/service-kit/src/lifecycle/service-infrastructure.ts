import type { NatsConnection } from "@nats-io/transport-node";
import type { PrismaPg } from "@prisma/adapter-pg";
import type { Logger } from "pino";
import { processedEventsRetentionDays } from "../config/retention-config.js";
import { applyMigrations } from "../database/apply-migrations.js";
import { connectionStringForSchema } from "../database/connection-string.js";
import { createPgAdapter, createPgPool } from "../database/pg-adapter.js";
import { SqlPool } from "../database/sql-pool.js";
import { BrokerLink } from "../events/broker-link.js";
import { EventConsumer } from "../events/event-consumer.js";
import type { ConsumedEvent } from "../events/event-handler.js";
import { eventTablesSql } from "../events/event-tables.js";
import { outboxBacklog } from "../events/outbox-backlog.js";
import { OutboxRelay } from "../events/outbox-relay.js";
import { wakeAfterCommit, wakeOnRecord } from "../events/outbox-wake.js";
import { RetentionPruner } from "../events/retention-pruner.js";
import type { SqlClient, TransactionRunner } from "../events/sql-client.js";
import { ensureStreams } from "../events/streams.js";
import type { ReadinessCheck } from "../http/health-routes.js";
import type { Closeable } from "./run-service.js";

/** The part of a generated PrismaClient the kit relies on. */
export interface PrismaLike extends SqlClient {
  $disconnect(): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: each generated client types its own transaction client
  $transaction<R>(work: (tx: any) => Promise<R>): Promise<R>;
}

/** The interactive-transaction client of a generated PrismaClient (its `Prisma.TransactionClient`). */
export type TransactionClientOf<P extends PrismaLike> = P extends {
  $transaction<R>(work: (tx: infer Tx) => Promise<R>, ...rest: never[]): Promise<R>;
}
  ? Tx extends SqlClient
    ? Tx
    : never
  : never;

export interface PrismaOptions {
  adapter: PrismaPg;
  transactionOptions: { maxWait: number; timeout: number };
}

/**
 * Under a burst (a sale opening, a gate rush) transactions queue for a pooled connection; Prisma's
 * default 2 s wait would turn that queue into errors, so waiting is allowed to last longer.
 */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

export interface InfrastructureConfig {
  service: string;
  databaseUrl: string;
  databaseSchema: string;
  DATABASE_POOL_SIZE: number;
  OUTBOX_PASS_SPACING_MS: number;
  NATS_URL: string;
  NATS_SUBJECT_PREFIX: string;
  EVENTS_MAX_AGE_DAYS: number;
  EVENTS_MAX_BYTES: number;
  DEAD_LETTERS_MAX_AGE_DAYS: number;
  OUTBOX_RETENTION_HOURS: number;
  PROCESSED_EVENTS_RETENTION_DAYS?: number | undefined;
}

export interface InfrastructureOptions<P extends PrismaLike> {
  config: InfrastructureConfig;
  logger: Logger;
  /** The service's `prisma/` folder (schema.prisma + migrations/). */
  prismaDir: string;
  /** `(options) => new PrismaClient(options)`: the kit chooses the adapter and pool limits. */
  createPrisma: (options: PrismaOptions) => P;
  /** Events this service consumes; each gets a durable consumer of its own. */
  handlers?: ConsumedEvent<TransactionClientOf<P>>[];
}

export interface ServiceInfrastructure<P extends PrismaLike> {
  prisma: P;
  /** Raw statements outside a transaction, on Prisma's pool without Prisma (see SqlPool). */
  sql: SqlPool;
  /** The broker connection; throws while the service has never reached NATS (see `broker`). */
  readonly nats: NatsConnection;
  /** Whether NATS is connected and set up (streams, consumers). */
  broker: BrokerLink;
  readiness: Record<string, ReadinessCheck>;
  /** In the order they must close: consumers, then the relay's last flush, then connections. */
  resources: Closeable[];
  close(): Promise<void>;
}

/**
 * Everything a service opens before it serves: its schema migrated, Prisma on that schema, NATS
 * with the streams provisioned and the event consumers (at once if the broker answers, else as
 * soon as it does), the outbox relay and the retention pruner. `main` and the tests both start a
 * service through here, so what is tested is what runs.
 */
export async function openServiceInfrastructure<P extends PrismaLike>(
  options: InfrastructureOptions<P>,
): Promise<ServiceInfrastructure<P>> {
  const { config, logger } = options;
  const prefix = config.NATS_SUBJECT_PREFIX;
  await applyMigrations({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    prismaDir: options.prismaDir,
    logger,
    kitTablesSql: eventTablesSql(config.databaseSchema, {
      inbox: Boolean(options.handlers?.length),
    }),
  });
  const relay = new OutboxRelay({
    databaseUrl: connectionStringForSchema(config.databaseUrl, config.databaseSchema),
    nats: () => broker.current(),
    subjectPrefix: prefix,
    logger: logger.child({ component: "outbox-relay" }),
    applicationName: `${config.service} outbox relay`,
    passSpacingMs: config.OUTBOX_PASS_SPACING_MS,
  });
  const pool = createPgPool(config.databaseUrl, config.databaseSchema, {
    max: config.DATABASE_POOL_SIZE,
    applicationName: config.service,
  });
  // A pooled connection Postgres closed while idle: the pool drops it and opens another.
  pool.on("error", (err) => logger.warn({ err }, "idle database connection failed"));
  // Every command, consumer and route gets these clients: each commit that recorded an event
  // wakes the relay, with nothing for a service to remember.
  const prisma = wakeAfterCommit(
    options.createPrisma({
      adapter: createPgAdapter(pool, config.databaseSchema),
      transactionOptions: TRANSACTION_OPTIONS,
    }),
    (eventIds) => relay.wake(eventIds),
  );
  const sql = wakeOnRecord(new SqlPool(pool), (eventIds) => relay.wake(eventIds));
  const closeDatabase = async () => {
    await prisma.$disconnect();
    await pool.end();
  };
  const resources: Closeable[] = [];
  const transaction: TransactionRunner<TransactionClientOf<P>> = (work) =>
    prisma.$transaction(work);
  let consumer: EventConsumer<TransactionClientOf<P>> | undefined;

  /**
   * Once connected, and after every reconnect: the streams provisioned (and brought to their
   * limits), then the consumers started. A reconnect to a server that lost its state finds the
   * stream gone and recreates it; the durable consumers went with it, so they start afresh.
   */
  const onConnected = async (nc: NatsConnection) => {
    const { created } = await ensureStreams(nc, prefix, {
      eventsMaxAgeDays: config.EVENTS_MAX_AGE_DAYS,
      eventsMaxBytes: config.EVENTS_MAX_BYTES,
      deadLettersMaxAgeDays: config.DEAD_LETTERS_MAX_AGE_DAYS,
    });
    if (!options.handlers?.length || (consumer && created.length === 0)) return;
    await consumer?.stop();
    consumer = undefined;
    const fresh = new EventConsumer<TransactionClientOf<P>>({
      service: config.service,
      nats: nc,
      subjectPrefix: prefix,
      transaction,
      db: sql,
      handlers: options.handlers,
      concurrency: consumerTransactions(config.DATABASE_POOL_SIZE),
      logger: logger.child({ component: "event-consumer" }),
    });
    try {
      await fresh.start();
    } catch (err) {
      await fresh.stop().catch(() => undefined);
      throw err;
    }
    consumer = fresh;
  };
  const broker = new BrokerLink({
    servers: config.NATS_URL,
    name: config.service,
    logger: logger.child({ component: "nats" }),
    onConnected,
  });
  // With the broker up, this returns connected, streams and consumers in place; without it, at
  // once, still connecting in the background.
  await broker.start();

  try {
    await relay.start();
  } catch (err) {
    await broker.close();
    await closeDatabase();
    throw err;
  }

  const pruner = new RetentionPruner({
    db: prisma,
    policy: {
      outboxHours: config.OUTBOX_RETENTION_HOURS,
      ...(options.handlers?.length && { processedDays: processedEventsRetentionDays(config) }),
    },
    logger: logger.child({ component: "retention" }),
  });
  pruner.start();

  resources.push(
    {
      name: "event-consumer",
      close: async () => {
        await broker.stopConnecting();
        await consumer?.stop();
      },
    },
    { name: "retention", close: () => pruner.stop() },
    { name: "outbox-relay", close: () => relay.stop() },
    { name: "nats", close: () => broker.close() },
    { name: "database", close: closeDatabase },
  );

  return {
    prisma,
    sql,
    get nats() {
      return broker.connection();
    },
    broker,
    readiness: {
      database: async () => {
        await sql.$queryRawUnsafe("SELECT 1");
      },
      // Without NATS a service still serves from its database (the gate admits, sales record
      // their events in the outbox): degraded, not unready.
      nats: async () => {
        const state = broker.state();
        if (!state.ready) return { degraded: state.reason ?? "unavailable" };
        try {
          await withTimeout(broker.connection().flush(), 1_000, "no answer from NATS");
        } catch (err) {
          return { degraded: err instanceof Error ? err.message : String(err) };
        }
      },
      outbox: async () => ({ info: { ...(await outboxBacklog(sql)) } }),
    },
    resources,
    async close() {
      for (const resource of resources) await resource.close();
    },
  };
}

/**
 * The transactions a service's consumers may hold at once: 8, and never more than half its pool,
 * so a burst of events leaves connections for requests.
 */
function consumerTransactions(poolSize: number): number {
  return Math.max(1, Math.min(8, Math.floor(poolSize / 2)));
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
