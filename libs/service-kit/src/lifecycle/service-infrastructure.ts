import type { NatsConnection } from "@nats-io/transport-node";
import type { PrismaPg } from "@prisma/adapter-pg";
import type { Logger } from "pino";
import { applyMigrations } from "../database/apply-migrations.js";
import { connectionStringForSchema } from "../database/connection-string.js";
import { createPgAdapter } from "../database/pg-adapter.js";
import { EventConsumer } from "../events/event-consumer.js";
import type { EventHandler } from "../events/event-handler.js";
import { eventTablesSql } from "../events/event-tables.js";
import { connectNats } from "../events/nats-connection.js";
import { OutboxRelay } from "../events/outbox-relay.js";
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
  NATS_URL: string;
  NATS_SUBJECT_PREFIX: string;
}

export interface InfrastructureOptions<P extends PrismaLike> {
  config: InfrastructureConfig;
  logger: Logger;
  /** The service's `prisma/` folder (schema.prisma + migrations/). */
  prismaDir: string;
  /** `(options) => new PrismaClient(options)`: the kit chooses the adapter and pool limits. */
  createPrisma: (options: PrismaOptions) => P;
  /** Events this service consumes; each gets a durable consumer of its own. */
  handlers?: EventHandler<TransactionClientOf<P>>[];
  poolSize?: number;
}

export interface ServiceInfrastructure<P extends PrismaLike> {
  prisma: P;
  nats: NatsConnection;
  readiness: Record<string, ReadinessCheck>;
  /** In the order they must close: consumers, then the relay's last flush, then connections. */
  resources: Closeable[];
  close(): Promise<void>;
}

/**
 * Everything a service opens before it serves: its schema migrated, Prisma on that schema, NATS
 * with the streams provisioned, the outbox relay and the event consumers. `main` and the tests
 * both start a service through here, so what is tested is what runs.
 */
export async function openServiceInfrastructure<P extends PrismaLike>(
  options: InfrastructureOptions<P>,
): Promise<ServiceInfrastructure<P>> {
  const { config, logger } = options;
  await applyMigrations({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    prismaDir: options.prismaDir,
    logger,
    kitTablesSql: eventTablesSql(config.databaseSchema, {
      inbox: Boolean(options.handlers?.length),
    }),
  });
  const prisma = options.createPrisma({
    adapter: createPgAdapter(config.databaseUrl, config.databaseSchema, {
      max: options.poolSize ?? 20,
    }),
    transactionOptions: TRANSACTION_OPTIONS,
  });
  const nats = await connectNats({ servers: config.NATS_URL, name: config.service });
  await ensureStreams(nats, config.NATS_SUBJECT_PREFIX);

  const relay = new OutboxRelay({
    databaseUrl: connectionStringForSchema(config.databaseUrl, config.databaseSchema),
    schema: config.databaseSchema,
    nats: () => nats,
    subjectPrefix: config.NATS_SUBJECT_PREFIX,
    logger: logger.child({ component: "outbox-relay" }),
  });
  await relay.start();

  const resources: Closeable[] = [];
  if (options.handlers?.length) {
    const transaction: TransactionRunner<TransactionClientOf<P>> = (work) =>
      prisma.$transaction(work);
    const consumer = new EventConsumer<TransactionClientOf<P>>({
      service: config.service,
      nats,
      subjectPrefix: config.NATS_SUBJECT_PREFIX,
      transaction,
      handlers: options.handlers,
      logger: logger.child({ component: "event-consumer" }),
    });
    await consumer.start();
    resources.push({ name: "event-consumer", close: () => consumer.stop() });
  }
  resources.push(
    { name: "outbox-relay", close: () => relay.stop() },
    { name: "nats", close: () => nats.drain() },
    { name: "prisma", close: () => prisma.$disconnect() },
  );

  return {
    prisma,
    nats,
    readiness: {
      database: async () => {
        await prisma.$queryRawUnsafe("SELECT 1");
      },
      nats: async () => {
        if (nats.isClosed()) throw new Error("connection closed");
        await withTimeout(nats.flush(), 1_000, "no answer from NATS");
      },
    },
    resources,
    async close() {
      for (const resource of resources) await resource.close();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
