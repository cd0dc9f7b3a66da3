import { randomUUID } from "node:crypto";
import type { EnvelopeOf } from "@concert/contracts";
import { startForFile } from "@concert/testing";
import {
  type JetStreamClient,
  jetstream,
  jetstreamManager,
  type StoredMsg,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DeadLetterHeaders,
  deadLetterSubject,
  durableName,
  EventConsumer,
  type EventHandler,
  handlerFor,
  streamNames,
  type TransactionRunner,
} from "../../src/events/index.js";
import {
  type CapturedLogs,
  captureLogs,
  eventually,
  openEventTestBed,
  type PgSqlClient,
  pgTransactionRunner,
  probeEvent,
  waitFor,
} from "./support.js";

const ProbeDuplicated = probeEvent("ProbeDuplicated", "duplicated");
const ProbeRedelivered = probeEvent("ProbeRedelivered", "redelivered");
const ProbePoisoned = probeEvent("ProbePoisoned", "poisoned");
const ProbeMalformed = probeEvent("ProbeMalformed", "malformed");
const ProbeBurst = probeEvent("ProbeBurst", "burst");
const ProbeSharedA = probeEvent("ProbeSharedA", "shared-a");
const ProbeSharedB = probeEvent("ProbeSharedB", "shared-b");
const ProbeRepeated = probeEvent("ProbeRepeated", "repeated");
type Probe = ReturnType<typeof probeEvent>;

describe("event consumer", () => {
  const { service: bed, infra } = startForFile((run) =>
    openEventTestBed(run, { name: "event-consumer-test", poolSize: 4 }),
  );
  let pool: pg.Pool;
  let nc: NatsConnection;
  let js: JetStreamClient;
  beforeAll(() => {
    ({ pool, nc } = bed);
    js = jetstream(nc);
  });

  function envelopeOf(event: Probe, id = randomUUID()): EnvelopeOf<Probe> {
    return {
      id,
      name: event.name,
      version: event.version,
      occurred_at: new Date().toISOString(),
      payload: { probe_id: randomUUID(), note: "n" },
    };
  }

  async function publish(event: Probe, body: unknown, msgID: string = randomUUID()): Promise<void> {
    await js.publish(`${infra.subjectPrefix}${event.subject}`, JSON.stringify(body), { msgID });
  }

  /** A handler whose effect is one row in `effects`, and which counts its calls. */
  function recordingHandler(event: Probe, behaviour: "succeed" | "throw" = "succeed") {
    const calls = { count: 0 };
    const handler = handlerFor(event, async (envelope, tx: PgSqlClient) => {
      calls.count++;
      if (behaviour === "throw") throw new Error(`cannot apply probe ${envelope.payload.probe_id}`);
      await tx.$executeRawUnsafe("INSERT INTO effects (event_id) VALUES ($1)", envelope.id);
    });
    return { handler, calls };
  }

  function newConsumer(
    service: string,
    handler: EventHandler<PgSqlClient>,
    logs: CapturedLogs,
    transaction: TransactionRunner<PgSqlClient> = pgTransactionRunner(pool),
  ) {
    return new EventConsumer<PgSqlClient>({
      service,
      nats: nc,
      subjectPrefix: infra.subjectPrefix,
      transaction,
      handlers: [handler],
      logger: logs.logger,
      maxAttempts: 3,
      ackWaitMs: 2_000,
      retryBackoff: { baseMs: 100, capMs: 400 },
    });
  }

  /** Waits until the consumer made `deliveries` deliveries and nothing is pending or unacknowledged. */
  async function waitUntilSettled(
    service: string,
    event: Probe,
    deliveries: number,
  ): Promise<void> {
    const jsm = await jetstreamManager(nc);
    const stream = streamNames(infra.subjectPrefix).events;
    const durable = durableName(service, event, infra.subjectPrefix);
    await waitFor(`consumer ${durable} to settle`, async () => {
      const info = await jsm.consumers.info(stream, durable);
      return (
        info.num_pending === 0 &&
        info.num_ack_pending === 0 &&
        info.delivered.consumer_seq >= deliveries
      );
    });
  }

  async function effectsOf(eventId: string): Promise<number> {
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM effects WHERE event_id = $1",
      [eventId],
    );
    return rows[0]?.n ?? 0;
  }

  async function deadLetterFor(service: string, event: Probe): Promise<StoredMsg> {
    const jsm = await jetstreamManager(nc);
    const subject = deadLetterSubject(
      infra.subjectPrefix,
      service,
      `${infra.subjectPrefix}${event.subject}`,
    );
    return eventually(`a dead letter on ${subject}`, () =>
      jsm.streams
        .getMessage(streamNames(infra.subjectPrefix).deadLetters, { last_by_subj: subject })
        .catch(() => null),
    );
  }

  it("applies an event published twice under different msgIDs only once", async () => {
    const logs = captureLogs();
    const { handler, calls } = recordingHandler(ProbeDuplicated);
    const consumer = newConsumer("dupes", handler, logs);
    await consumer.start();
    try {
      const envelope = envelopeOf(ProbeDuplicated);
      await publish(ProbeDuplicated, envelope);
      await publish(ProbeDuplicated, envelope);
      await waitUntilSettled("dupes", ProbeDuplicated, 2);
      expect(await effectsOf(envelope.id)).toBe(1);
      expect(calls.count).toBe(1);
      expect(logs.lines.some((l) => l.msg === "event consumer: already processed, skipped")).toBe(
        true,
      );
    } finally {
      await consumer.stop();
    }
  });

  it("applies an event only once when it is redelivered after its effect already committed", async () => {
    const logs = captureLogs();
    const { handler, calls } = recordingHandler(ProbeRedelivered);
    const inner = pgTransactionRunner(pool);
    let commits = 0;
    // Simulates a crash between commit and ack: the first transaction commits, then "fails".
    const commitThenFailOnce: TransactionRunner<PgSqlClient> = async (work) => {
      const result = await inner(work);
      if (++commits === 1) throw new Error("connection lost after commit");
      return result;
    };
    const consumer = newConsumer("redelivery", handler, logs, commitThenFailOnce);
    await consumer.start();
    try {
      const envelope = envelopeOf(ProbeRedelivered);
      await publish(ProbeRedelivered, envelope);
      await waitUntilSettled("redelivery", ProbeRedelivered, 2);
      expect(commits).toBe(2);
      expect(calls.count).toBe(1);
      expect(await effectsOf(envelope.id)).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it("sends an event whose handler always fails to the dead-letter stream after maxAttempts attempts, and logs the error", async () => {
    const logs = captureLogs();
    const { handler, calls } = recordingHandler(ProbePoisoned, "throw");
    const consumer = newConsumer("poisoned", handler, logs);
    await consumer.start();
    try {
      const envelope = envelopeOf(ProbePoisoned);
      await publish(ProbePoisoned, envelope);
      const dead = await deadLetterFor("poisoned", ProbePoisoned);
      expect(calls.count).toBe(3);
      expect(dead.json()).toEqual(envelope);
      expect(dead.header.get(DeadLetterHeaders.Error)).toContain("cannot apply probe");
      expect(dead.header.get(DeadLetterHeaders.OriginalSubject)).toBe(
        `${infra.subjectPrefix}${ProbePoisoned.subject}`,
      );
      expect(dead.header.get(DeadLetterHeaders.DeliveryCount)).toBe("3");
      await waitUntilSettled("poisoned", ProbePoisoned, 3);
      const errors = logs.lines.filter((l) => l.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        eventId: envelope.id,
        err: { message: `cannot apply probe ${envelope.payload.probe_id}` },
      });
      expect(await effectsOf(envelope.id)).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it("sends a message with an invalid payload straight to the dead-letter stream without calling the handler", async () => {
    const logs = captureLogs();
    const { handler, calls } = recordingHandler(ProbeMalformed);
    const consumer = newConsumer("malformed", handler, logs);
    await consumer.start();
    try {
      const invalid = { ...envelopeOf(ProbeMalformed), payload: { probe_id: "not-a-uuid" } };
      await publish(ProbeMalformed, invalid);
      const dead = await deadLetterFor("malformed", ProbeMalformed);
      expect(dead.json()).toEqual(invalid);
      expect(dead.header.get(DeadLetterHeaders.Error)).toContain("invalid message");
      expect(dead.header.get(DeadLetterHeaders.DeliveryCount)).toBe("1");
      expect(calls.count).toBe(0);
      // Terminated, not left to come back after ack wait.
      await waitUntilSettled("malformed", ProbeMalformed, 1);
      expect(
        logs.lines.some(
          (l) => l.level === 50 && l.msg === "event consumer: invalid message sent to dead letter",
        ),
      ).toBe(true);
    } finally {
      await consumer.stop();
    }
  });

  it("applies a backlog of 200 events in shared transactions, each once, and dead-letters the one poisoned among them alone", async () => {
    const logs = captureLogs();
    const transactionOf = new Map<string, string>();
    const envelopes = Array.from({ length: 200 }, () => envelopeOf(ProbeBurst));
    const poisoned = envelopes[57] as EnvelopeOf<Probe>;
    const handler = handlerFor(ProbeBurst, async (envelope, tx: PgSqlClient) => {
      if (envelope.id === poisoned.id) throw new Error("cannot apply the poisoned probe");
      const [row] = await tx.$queryRawUnsafe<{ id: string }[]>("SELECT txid_current()::text AS id");
      transactionOf.set(envelope.id, row?.id ?? "");
      await tx.$executeRawUnsafe("INSERT INTO effects (event_id) VALUES ($1)", envelope.id);
    });
    // Published before the consumer starts: a backlog, as after an outage or under load.
    for (const envelope of envelopes) await publish(ProbeBurst, envelope);
    const consumer = newConsumer("burst", handler, logs);
    await consumer.start();
    try {
      const dead = await deadLetterFor("burst", ProbeBurst);
      expect(dead.json()).toEqual(poisoned);
      await waitUntilSettled("burst", ProbeBurst, 200);
      const { rows } = await pool.query<{ event_id: string; n: number }>(
        "SELECT event_id, count(*)::int AS n FROM effects WHERE event_id = ANY($1::uuid[]) GROUP BY event_id",
        [envelopes.map((e) => e.id)],
      );
      expect(rows).toHaveLength(199);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(rows.some((r) => r.event_id === poisoned.id)).toBe(false);
      // Committed in fewer transactions than events: they were shared.
      const committed = new Set(rows.map((r) => transactionOf.get(r.event_id)));
      expect(committed.size).toBeLessThan(100);
    } finally {
      await consumer.stop();
    }
  });

  it("in shared transactions, skips events applied before and applies an event delivered twice in the backlog once", async () => {
    const logs = captureLogs();
    const calls = new Map<string, number>();
    const transactionOf = new Map<string, string>();
    const handler = handlerFor(ProbeRepeated, async (envelope, tx: PgSqlClient) => {
      calls.set(envelope.id, (calls.get(envelope.id) ?? 0) + 1);
      const [row] = await tx.$queryRawUnsafe<{ id: string }[]>("SELECT txid_current()::text AS id");
      transactionOf.set(envelope.id, row?.id ?? "");
      await tx.$executeRawUnsafe("INSERT INTO effects (event_id) VALUES ($1)", envelope.id);
    });
    const envelopes = Array.from({ length: 40 }, () => envelopeOf(ProbeRepeated));
    // Five were applied before (a redelivery after a crash between commit and ack): their
    // processed_events rows exist, their effects committed with them.
    const appliedBefore = envelopes.slice(0, 5);
    await pool.query(
      "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[])",
      [durableName("repeated", ProbeRepeated, infra.subjectPrefix), appliedBefore.map((e) => e.id)],
    );
    // A backlog with ten events twice (published again under other msgIDs), and one whose id
    // is in upper case, as another publisher may write it: Postgres answers it in lower case.
    const shouted = envelopes[20] as EnvelopeOf<Probe>;
    for (const envelope of envelopes) {
      await publish(
        ProbeRepeated,
        envelope === shouted ? { ...envelope, id: envelope.id.toUpperCase() } : envelope,
      );
    }
    for (const envelope of envelopes.slice(10, 20)) await publish(ProbeRepeated, envelope);
    const consumer = newConsumer("repeated", handler, logs);
    await consumer.start();
    try {
      await waitUntilSettled("repeated", ProbeRepeated, 50);
      for (const envelope of appliedBefore) expect(calls.get(envelope.id)).toBeUndefined();
      const applied = envelopes.slice(5);
      const counts = applied.map(
        (envelope) => (calls.get(envelope.id) ?? 0) + (calls.get(envelope.id.toUpperCase()) ?? 0),
      );
      expect(counts).toEqual(Array(35).fill(1));
      const { rows } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM effects WHERE event_id = ANY($1::uuid[])",
        [envelopes.map((e) => e.id)],
      );
      expect(rows[0]?.n).toBe(35);
      // They went in shared transactions, so the skips above were a batch's.
      expect(new Set(transactionOf.values()).size).toBeLessThan(35);
    } finally {
      await consumer.stop();
    }
  });

  it("runs at most `concurrency` transactions at once over all event types together, and applies them all", async () => {
    const logs = captureLogs();
    let open = 0;
    let most = 0;
    const slowHandler = (event: Probe) =>
      handlerFor(event, async (envelope, tx: PgSqlClient) => {
        open++;
        most = Math.max(most, open);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await tx.$executeRawUnsafe("INSERT INTO effects (event_id) VALUES ($1)", envelope.id);
        open--;
      });
    const envelopes = [ProbeSharedA, ProbeSharedB].flatMap((event) =>
      Array.from({ length: 30 }, () => ({ event, envelope: envelopeOf(event) })),
    );
    const consumer = new EventConsumer<PgSqlClient>({
      service: "shared",
      nats: nc,
      subjectPrefix: infra.subjectPrefix,
      transaction: pgTransactionRunner(pool),
      handlers: [slowHandler(ProbeSharedA), slowHandler(ProbeSharedB)],
      logger: logs.logger,
      concurrency: 3,
    });
    await consumer.start();
    try {
      // One at a time, so the slots are taken by single messages as they arrive.
      for (const { event, envelope } of envelopes) {
        await publish(event, envelope);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await waitUntilSettled("shared", ProbeSharedA, 30);
      await waitUntilSettled("shared", ProbeSharedB, 30);
      const { rows } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM effects WHERE event_id = ANY($1::uuid[])",
        [envelopes.map((e) => e.envelope.id)],
      );
      expect(rows[0]?.n).toBe(60);
      // Handlers of a batch run one after another in its transaction: open counts transactions.
      expect(most).toBe(3);
    } finally {
      await consumer.stop();
    }
  });
});
