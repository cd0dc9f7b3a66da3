import { randomUUID } from "node:crypto";
import type { EnvelopeOf } from "@concert/contracts";
import { startForFile, startTcpProxy, type TcpProxy } from "@concert/testing";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTransientError } from "../../src/database/index.js";
import {
  connectNats,
  deadLetterSubject,
  durableName,
  EventConsumer,
  type EventHandler,
  ensureStreams,
  handlerFor,
  streamNames,
  type TransactionRunner,
} from "../../src/events/index.js";
import { retryDelayMs } from "../../src/events/retry-backoff.js";
import {
  type CapturedLogs,
  captureLogs,
  countInStream,
  openEventTestBed,
  type PgSqlClient,
  pgTransactionRunner,
  probeEvent,
  waitFor,
} from "./support.js";

const ProbeOutage = probeEvent("ProbeOutage", "outage");
const ProbeBackoff = probeEvent("ProbeBackoff", "backoff");
const ProbeOrphaned = probeEvent("ProbeOrphaned", "orphaned");
const ProbeAbandoned = probeEvent("ProbeAbandoned", "abandoned");
const ProbeUpgraded = probeEvent("ProbeUpgraded", "upgraded");
type Probe = ReturnType<typeof probeEvent>;

describe("retry backoff", () => {
  it("doubles from the base per attempt, stops at the cap, and jitters between half and all of a step", () => {
    const backoff = { baseMs: 1_000, capMs: 60_000 };
    const low = (attempt: number) => retryDelayMs(attempt, backoff, () => 0);
    const high = (attempt: number) => retryDelayMs(attempt, backoff, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(high)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
    expect([1, 2, 7, 1_000].map(low)).toEqual([500, 1_000, 30_000, 30_000]);
  });
});

describe("event consumer retries", () => {
  const { service: bed, infra } = startForFile((run) =>
    openEventTestBed(run, { name: "event-consumer-retries-test", poolSize: 4 }),
  );
  let proxy: TcpProxy;
  let proxiedPool: pg.Pool;
  beforeAll(async () => {
    const postgres = new URL(infra.databaseUrl);
    proxy = await startTcpProxy({
      target: { host: postgres.hostname, port: Number(postgres.port || 5432) },
    });
    proxiedPool = new pg.Pool({ connectionString: proxy.rewrite(bed.serviceUrl), max: 2 });
    proxiedPool.on("error", () => {});
  });
  afterAll(async () => {
    await proxiedPool?.end();
    await proxy?.close();
  });

  function envelopeOf(event: Probe): EnvelopeOf<Probe> {
    return {
      id: randomUUID(),
      name: event.name,
      version: event.version,
      occurred_at: new Date().toISOString(),
      payload: { probe_id: randomUUID(), note: "n" },
    };
  }

  async function publish(event: Probe, body: unknown): Promise<void> {
    await jetstream(bed.nc).publish(
      `${infra.subjectPrefix}${event.subject}`,
      JSON.stringify(body),
      {
        msgID: randomUUID(),
      },
    );
  }

  /** A handler whose effect is one row in `effects`; it records when it was called. */
  function recordingHandler(event: Probe, fail?: () => Error | undefined) {
    const calls: number[] = [];
    const handler = handlerFor(event, async (envelope, tx: PgSqlClient) => {
      calls.push(Date.now());
      const error = fail?.();
      if (error) throw error;
      await tx.$executeRawUnsafe("INSERT INTO effects (event_id) VALUES ($1)", envelope.id);
    });
    return { handler, calls };
  }

  function newConsumer(
    service: string,
    handler: EventHandler<PgSqlClient>,
    logs: CapturedLogs,
    options: {
      transaction?: TransactionRunner<PgSqlClient>;
      ackWaitMs?: number;
      nats?: typeof bed.nc;
    } = {},
  ) {
    return new EventConsumer<PgSqlClient>({
      service,
      nats: options.nats ?? bed.nc,
      subjectPrefix: infra.subjectPrefix,
      transaction: options.transaction ?? pgTransactionRunner(bed.pool),
      handlers: [handler],
      logger: logs.logger,
      maxAttempts: 3,
      ...(options.ackWaitMs !== undefined && { ackWaitMs: options.ackWaitMs }),
      retryBackoff: { baseMs: 50, capMs: 400 },
    });
  }

  async function settled(service: string, event: Probe): Promise<void> {
    const jsm = await jetstreamManager(bed.nc);
    const durable = durableName(service, event, infra.subjectPrefix);
    await waitFor(
      `consumer ${durable} to settle`,
      async () => {
        const info = await jsm.consumers.info(streamNames(infra.subjectPrefix).events, durable);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      20_000,
    );
  }

  async function effectsOf(eventId: string): Promise<number> {
    const { rows } = await bed.pool.query(
      "SELECT count(*)::int AS n FROM effects WHERE event_id = $1",
      [eventId],
    );
    return rows[0]?.n ?? 0;
  }

  const deadLetters = (service: string, event: Probe) =>
    countInStream(
      bed.nc,
      streamNames(infra.subjectPrefix).deadLetters,
      deadLetterSubject(infra.subjectPrefix, service, `${infra.subjectPrefix}${event.subject}`),
    );

  /** Deliveries the broker made to the consumer, redeliveries included. */
  async function deliveries(service: string, event: Probe): Promise<number> {
    const jsm = await jetstreamManager(bed.nc);
    const durable = durableName(service, event, infra.subjectPrefix);
    const info = await jsm.consumers.info(streamNames(infra.subjectPrefix).events, durable);
    return info.delivered.consumer_seq;
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const linesWith = (logs: CapturedLogs, msg: string) => logs.lines.filter((l) => l.msg === msg);

  it("keeps retrying, past maxAttempts, while the database refuses connections, then applies the event once and dead-letters nothing", async () => {
    const logs = captureLogs();
    const { handler } = recordingHandler(ProbeOutage);
    const consumer = newConsumer("outage", handler, logs, {
      transaction: pgTransactionRunner(proxiedPool),
    });
    await consumer.start();
    try {
      await proxy.refuse();
      const envelope = envelopeOf(ProbeOutage);
      await publish(ProbeOutage, envelope);
      // A few seconds of refused connections: many times maxAttempts at this test's backoff.
      await sleep(3_000);
      expect(await deliveries("outage", ProbeOutage)).toBeGreaterThanOrEqual(9);
      await proxy.accept();
      await settled("outage", ProbeOutage);
      expect(await effectsOf(envelope.id)).toBe(1);
      expect(await deadLetters("outage", ProbeOutage)).toBe(0);
      const failure = linesWith(logs, "event consumer: transient failure; will retry")[0];
      expect(failure?.err).toMatchObject({ code: "ECONNREFUSED" });
    } finally {
      await proxy.accept();
      await consumer.stop();
    }
  });

  it("waits longer after each failed attempt", async () => {
    const logs = captureLogs();
    const { handler, calls } = recordingHandler(ProbeBackoff, () => new Error("rejected"));
    const consumer = new EventConsumer<PgSqlClient>({
      service: "backoff",
      nats: bed.nc,
      subjectPrefix: infra.subjectPrefix,
      transaction: pgTransactionRunner(bed.pool),
      handlers: [handler],
      logger: logs.logger,
      maxAttempts: 4,
      ackWaitMs: 5_000,
      retryBackoff: { baseMs: 200, capMs: 800 },
    });
    await consumer.start();
    try {
      await publish(ProbeBackoff, envelopeOf(ProbeBackoff));
      await waitFor(
        "a dead letter",
        async () => (await deadLetters("backoff", ProbeBackoff)) === 1,
      );
      expect(calls).toHaveLength(4);
      const gaps = calls.slice(1).map((at, i) => at - (calls[i] ?? at));
      // Steps of 200, 400, 800 ms, each jittered to between half and all of it.
      expect(gaps[0]).toBeGreaterThanOrEqual(100);
      expect(gaps[1]).toBeGreaterThanOrEqual(200);
      expect(gaps[2]).toBeGreaterThanOrEqual(400);
    } finally {
      await consumer.stop();
    }
  });

  it("hands a message back when the dead-letter publish fails, and dead-letters it once the stream is back", async () => {
    const logs = captureLogs();
    const { handler } = recordingHandler(ProbeOrphaned);
    const consumer = newConsumer("orphaned", handler, logs, { ackWaitMs: 1_000 });
    await consumer.start();
    const jsm = await jetstreamManager(bed.nc);
    try {
      // No dead-letter stream: every dead-letter publish is refused by the broker.
      await jsm.streams.delete(streamNames(infra.subjectPrefix).deadLetters);
      const invalid = { ...envelopeOf(ProbeOrphaned), payload: { probe_id: "not-a-uuid" } };
      await publish(ProbeOrphaned, invalid);
      // Longer than any delivery limit the broker used to enforce (maxAttempts + 1) would last.
      await sleep(5_000);
      await ensureStreams(bed.nc, infra.subjectPrefix);
      await settled("orphaned", ProbeOrphaned);
      expect(await deadLetters("orphaned", ProbeOrphaned)).toBe(1);
      expect(
        linesWith(logs, "event consumer: dead-letter publish failed; will retry").length,
      ).toBeGreaterThanOrEqual(5);
    } finally {
      await ensureStreams(bed.nc, infra.subjectPrefix);
      await consumer.stop();
    }
  });

  it("gives a message held by a consumer that died to another after the default ack wait (10 s)", async () => {
    const doomedConnection = await connectNats({ servers: infra.natsUrl, name: "doomed" });
    let taken: (() => void) | undefined;
    const takenOnce = new Promise<void>((resolve) => {
      taken = resolve;
    });
    let release: (() => void) | undefined;
    const hang = new Promise<void>((resolve) => {
      release = resolve;
    });
    // No database work: only the broker's side of a death is measured here.
    const noDatabase: TransactionRunner<PgSqlClient> = (work) =>
      work({ $executeRawUnsafe: async () => 1 } as unknown as PgSqlClient);
    const doomed = newConsumer(
      "abandoned",
      handlerFor(ProbeAbandoned, async () => {
        taken?.();
        await hang;
      }),
      captureLogs(),
      { nats: doomedConnection, transaction: noDatabase },
    );
    await doomed.start();
    const { handler, calls } = recordingHandler(ProbeAbandoned);
    const survivor = newConsumer("abandoned", handler, captureLogs());
    try {
      const envelope = envelopeOf(ProbeAbandoned);
      await publish(ProbeAbandoned, envelope);
      await takenOnce;
      // The process "dies": its connection goes, its message stays unacknowledged.
      await doomedConnection.close();
      const diedAt = Date.now();
      await survivor.start();
      await waitFor("the redelivery", () => calls.length === 1, 30_000);
      const waitedMs = (calls[0] ?? 0) - diedAt;
      expect(waitedMs).toBeGreaterThan(8_000);
      expect(waitedMs).toBeLessThan(20_000);
      await settled("abandoned", ProbeAbandoned);
      expect(await effectsOf(envelope.id)).toBe(1);
    } finally {
      release?.();
      await doomed.stop().catch(() => {});
      await survivor.stop();
    }
  }, 40_000);

  it("lifts the delivery limit of a durable consumer created by an older version", async () => {
    const jsm = await jetstreamManager(bed.nc);
    const stream = streamNames(infra.subjectPrefix).events;
    const durable = durableName("upgraded", ProbeUpgraded, infra.subjectPrefix);
    await jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: `${infra.subjectPrefix}${ProbeUpgraded.subject}`,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(30_000),
      max_deliver: 6,
    });
    const consumer = new EventConsumer<PgSqlClient>({
      service: "upgraded",
      nats: bed.nc,
      subjectPrefix: infra.subjectPrefix,
      transaction: pgTransactionRunner(bed.pool),
      handlers: [recordingHandler(ProbeUpgraded).handler],
      logger: captureLogs().logger,
    });
    await consumer.start();
    try {
      const { config } = await jsm.consumers.info(stream, durable);
      expect(config.max_deliver).toBe(-1);
      expect(config.ack_wait).toBe(nanos(10_000));
    } finally {
      await consumer.stop();
    }
  });

  it("tells transient database errors, as pg raises them, from permanent ones", async () => {
    const attempt = (work: (tx: PgSqlClient) => Promise<unknown>) =>
      pgTransactionRunner(bed.pool)(work).then(
        () => undefined,
        (err: unknown) => err,
      );
    await proxy.refuse();
    const refused = await new pg.Client({ connectionString: proxy.rewrite(bed.serviceUrl) })
      .connect()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    await proxy.accept();
    await bed.pool.query("CREATE TABLE IF NOT EXISTS conflicts (id int PRIMARY KEY, v int)");
    await bed.pool.query("INSERT INTO conflicts VALUES (1, 0), (2, 0) ON CONFLICT DO NOTHING");
    const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
    const crossed = (first: number, second: number) =>
      attempt(async (tx) => {
        await tx.$executeRawUnsafe("UPDATE conflicts SET v = v + 1 WHERE id = $1", first);
        await pause();
        await tx.$executeRawUnsafe("UPDATE conflicts SET v = v + 1 WHERE id = $1", second);
      });
    const deadlock = (await Promise.all([crossed(1, 2), crossed(2, 1)])).find(Boolean);
    const serializable = () =>
      attempt(async (tx) => {
        await tx.$executeRawUnsafe("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
        await tx.$queryRawUnsafe("SELECT sum(v) FROM conflicts");
        await pause();
        await tx.$executeRawUnsafe("UPDATE conflicts SET v = v + 1 WHERE id = 1");
      });
    const serialization = (await Promise.all([serializable(), serializable()])).find(Boolean);
    const duplicate = await attempt((tx) =>
      tx.$executeRawUnsafe("INSERT INTO conflicts VALUES (1, 0)"),
    );

    expect(refused).toMatchObject({ code: "ECONNREFUSED" });
    expect(deadlock).toMatchObject({ code: "40P01" });
    expect(serialization).toMatchObject({ code: "40001" });
    expect(duplicate).toMatchObject({ code: "23505" });
    expect([refused, deadlock, serialization].map(isTransientError)).toEqual([true, true, true]);
    expect(isTransientError(duplicate)).toBe(false);
    expect(isTransientError(new Error("cannot apply"))).toBe(false);
  });
});
