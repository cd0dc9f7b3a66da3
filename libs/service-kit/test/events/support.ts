import { Writable } from "node:stream";
import { defineEvent } from "@concert/contracts";
import type { TestInfra } from "@concert/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import pg from "pg";
import { type Logger, pino } from "pino";
import { z } from "zod";
import {
  connectNats,
  ensureStreams,
  eventTablesSql,
  type SqlClient,
  streamNames,
  type TransactionRunner,
} from "../../src/events/index.js";

export const SCHEMA = "evtest";

/** Test events: one per scenario, so streams and durable consumers never mix scenarios. */
export function probeEvent<Name extends string>(name: Name, verb: string) {
  return defineEvent({
    name,
    version: 1,
    producer: "evtest",
    aggregate: "probe",
    verb,
    payload: z.object({ probe_id: z.uuid(), note: z.string() }),
  });
}

/** The `pg` counterpart of a Prisma interactive-transaction client. */
export class PgSqlClient implements SqlClient {
  constructor(private readonly client: pg.ClientBase | pg.Pool) {}

  async $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number> {
    const result = await this.client.query(query, values);
    return result.rowCount ?? 0;
  }

  async $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> {
    const result = await this.client.query(query, values);
    return result.rows as T;
  }
}

export function pgTransactionRunner(pool: pg.Pool): TransactionRunner<PgSqlClient> {
  return async (work) => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(new PgSqlClient(client));
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK");
      throw err;
    } finally {
      client.release();
    }
  };
}

/**
 * The `pg` counterpart of a service's top-level Prisma client: statements on the pool commit as
 * they return, `$transaction(work)` runs `work` in one transaction. What `wakeAfterCommit` wraps.
 */
export class PgPrismaLike extends PgSqlClient {
  readonly $transaction: TransactionRunner<PgSqlClient>;

  constructor(pool: pg.Pool) {
    super(pool);
    this.$transaction = pgTransactionRunner(pool);
  }
}

/** The URL a service would use: its own schema first on the search_path. */
export function withSearchPath(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

/** Creates the test schema with the outbox tables and a table handlers write their effects to. */
export async function createSchema(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    await client.query(`SET search_path = ${SCHEMA}`);
    await client.query(eventTablesSql(SCHEMA, { inbox: true }));
    await client.query(
      "CREATE TABLE effects (event_id uuid NOT NULL, handled_at timestamptz NOT NULL DEFAULT now())",
    );
  } finally {
    await client.end();
  }
}

export interface CapturedLogs {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
}

/** A real pino logger whose lines land in an array the test can inspect. */
export function captureLogs(): CapturedLogs {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n"))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls `get` until it yields a value, and returns that value. */
export async function eventually<T>(
  what: string,
  get: () => Promise<T | null | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  let value: T | null | undefined;
  await waitFor(
    what,
    async () => {
      value = await get();
      return value !== null && value !== undefined;
    },
    timeoutMs,
  );
  return value as T;
}

export async function countInStream(
  nc: NatsConnection,
  stream: string,
  subject: string,
): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

/** Removes this run's streams from a shared server, so runs do not pile up there. */
export async function deleteStreams(nc: NatsConnection, subjectPrefix: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const names = streamNames(subjectPrefix);
  for (const name of [names.events, names.deadLetters])
    await jsm.streams.delete(name).catch(() => false);
}

/**
 * What the event plumbing tests run against: the test schema with the kit's tables, a pool on it
 * (search_path set as a service's), and a NATS connection with the streams provisioned, to the
 * run's broker or to `natsUrl` (a private one a test may kill).
 */
export async function openEventTestBed(
  infra: TestInfra,
  options: { name: string; poolSize: number; natsUrl?: string },
) {
  await createSchema(infra.databaseUrl);
  const serviceUrl = withSearchPath(infra.databaseUrl, SCHEMA);
  const pool = new pg.Pool({ connectionString: serviceUrl, max: options.poolSize });
  // Dropping the test database at the end terminates a client pool.end() is still closing.
  pool.on("error", () => {});
  const nc = await connectNats({ servers: options.natsUrl ?? infra.natsUrl, name: options.name });
  await ensureStreams(nc, infra.subjectPrefix);
  return {
    serviceUrl,
    pool,
    nc,
    async close() {
      if (!options.natsUrl) await deleteStreams(nc, infra.subjectPrefix);
      await nc.close();
      await pool.end();
    },
  };
}
