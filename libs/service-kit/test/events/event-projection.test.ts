import { randomUUID } from "node:crypto";
import type { EnvelopeOf, PayloadOf } from "@concert/contracts";
import { startForFile } from "@concert/testing";
import { type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type ConsumedEvent,
  durableName,
  EventConsumer,
  projectionFor,
  streamNames,
} from "../../src/events/index.js";
import {
  captureLogs,
  eventually,
  openEventTestBed,
  PgSqlClient,
  pgTransactionRunner,
  probeEvent,
  waitFor,
} from "./support.js";

const ProbeProjected = probeEvent("ProbeProjected", "projected");
const ProbeTallied = probeEvent("ProbeTallied", "tallied");
const ProbeRefused = probeEvent("ProbeRefused", "refused");
const ProbeBurst = probeEvent("ProbeBurst", "burst");
type Probe = ReturnType<typeof probeEvent>;

const probeColumns = {
  probe_id: { type: "uuid", of: (payload: PayloadOf<Probe>) => payload.probe_id },
  note: { type: "text", of: (payload: PayloadOf<Probe>) => payload.note },
};

describe("event projections: a batch of events in one statement", () => {
  const { service: bed, infra } = startForFile((run) =>
    openEventTestBed(run, { name: "event-projection-test", poolSize: 4 }),
  );
  let pool: pg.Pool;
  let nc: NatsConnection;
  let js: JetStreamClient;
  beforeAll(async () => {
    ({ pool, nc } = bed);
    js = jetstream(nc);
    await pool.query(
      `CREATE TABLE projected (probe_id uuid PRIMARY KEY, note text NOT NULL CHECK (note <> 'poison'),
                               event_id uuid NOT NULL, started_at timestamptz)`,
    );
    await pool.query("CREATE TABLE tallies (probe_id uuid PRIMARY KEY, n int NOT NULL)");
  });

  function envelopeOf(event: Probe, payload = { probe_id: randomUUID(), note: "n" }) {
    return {
      id: randomUUID(),
      name: event.name,
      version: event.version,
      occurred_at: new Date().toISOString(),
      payload,
    };
  }

  async function publish(event: Probe, body: unknown): Promise<void> {
    await js.publish(`${infra.subjectPrefix}${event.subject}`, JSON.stringify(body), {
      msgID: randomUUID(),
    });
  }

  /** Into `projected`, one row per event; a note "poison" breaks its CHECK. */
  const projectedOf = (event: Probe) =>
    projectionFor(event, {
      columns: probeColumns,
      apply: `INSERT INTO projected (probe_id, note, event_id)
              SELECT probe_id, note, event_id FROM fresh`,
    });

  function newConsumer(service: string, handler: ConsumedEvent<PgSqlClient>, concurrency = 1) {
    const logs = captureLogs();
    const consumer = new EventConsumer<PgSqlClient>({
      service,
      nats: nc,
      subjectPrefix: infra.subjectPrefix,
      transaction: pgTransactionRunner(pool),
      db: new PgSqlClient(pool),
      handlers: [handler],
      logger: logs.logger,
      concurrency,
      maxAttempts: 2,
      ackWaitMs: 2_000,
      retryBackoff: { baseMs: 50, capMs: 100 },
    });
    return { consumer, logs };
  }

  async function waitUntilSettled(service: string, event: Probe, deliveries: number) {
    const jsm = await jetstreamManager(nc);
    const durable = durableName(service, event, infra.subjectPrefix);
    await waitFor(`consumer ${durable} to settle`, async () => {
      const info = await jsm.consumers.info(streamNames(infra.subjectPrefix).events, durable);
      return (
        info.num_pending === 0 &&
        info.num_ack_pending === 0 &&
        info.delivered.consumer_seq >= deliveries
      );
    });
  }

  it("applies a backlog in few statements, each event once: not those applied before, a repeated one once, an upper-case id once", async () => {
    const envelopes = Array.from({ length: 60 }, () => envelopeOf(ProbeProjected));
    const appliedBefore = envelopes.slice(0, 5);
    await pool.query(
      "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[])",
      [
        durableName("projecting", ProbeProjected, infra.subjectPrefix),
        appliedBefore.map((e) => e.id),
      ],
    );
    const shouted = envelopes[30] as EnvelopeOf<Probe>;
    for (const envelope of envelopes) {
      await publish(
        ProbeProjected,
        envelope === shouted ? { ...envelope, id: envelope.id.toUpperCase() } : envelope,
      );
    }
    for (const envelope of envelopes.slice(10, 20)) await publish(ProbeProjected, envelope);
    const { consumer } = newConsumer("projecting", projectedOf(ProbeProjected));
    await consumer.start();
    try {
      await waitUntilSettled("projecting", ProbeProjected, 70);
      const { rows } = await pool.query<{ event_id: string; xid: string }>(
        "SELECT event_id::text, xmin::text AS xid FROM projected WHERE event_id = ANY($1::uuid[])",
        [envelopes.map((e) => e.id)],
      );
      const applied = envelopes.slice(5).map((e) => e.id);
      expect(rows.map((r) => r.event_id).sort()).toEqual([...applied].sort());
      // Each statement is one transaction: rows that share a transaction came in one batch.
      expect(new Set(rows.map((r) => r.xid)).size).toBeLessThan(applied.length / 2);
      const { rows: claimed } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM processed_events WHERE consumer = $1",
        [durableName("projecting", ProbeProjected, infra.subjectPrefix)],
      );
      expect(claimed[0]?.n).toBe(60);
    } finally {
      await consumer.stop();
    }
  });

  it("runs one statement at a time even with slots free, so a burst shares a few statements", async () => {
    const envelopes = Array.from({ length: 300 }, () => envelopeOf(ProbeBurst));
    await Promise.all(envelopes.map((envelope) => publish(ProbeBurst, envelope)));
    // Each statement takes 20 ms and notes when it began.
    const slow = projectionFor(ProbeBurst, {
      columns: probeColumns,
      apply: `INSERT INTO projected (probe_id, note, event_id, started_at)
              SELECT probe_id, note, event_id, statement_timestamp() FROM fresh, pg_sleep(0.02)`,
    });
    // Eight slots: a handler would use them all at once.
    const { consumer } = newConsumer("bursting", slow, 8);
    await consumer.start();
    try {
      await waitUntilSettled("bursting", ProbeBurst, 300);
      const { rows } = await pool.query<{ started: number; n: number }>(
        `SELECT extract(epoch FROM started_at) * 1000 AS started, count(*)::int AS n
           FROM projected WHERE event_id = ANY($1::uuid[]) GROUP BY xmin, started_at
          ORDER BY started_at`,
        [envelopes.map((e) => e.id)],
      );
      expect(rows.reduce((sum, row) => sum + row.n, 0)).toBe(300);
      expect(rows.length).toBeLessThan(30);
      // None began before the one before it had ended.
      const gaps = rows.slice(1).map((row, i) => row.started - (rows[i]?.started ?? 0));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20);
    } finally {
      await consumer.stop();
    }
  });

  it("applies each event on its own when two of a batch update one row, so every one counts once", async () => {
    const probeId = randomUUID();
    const envelopes = Array.from({ length: 12 }, () =>
      envelopeOf(ProbeTallied, { probe_id: probeId, note: "n" }),
    );
    for (const envelope of envelopes) await publish(ProbeTallied, envelope);
    // ON CONFLICT DO UPDATE cannot touch one row twice in a statement: the batch fails.
    const tally = projectionFor(ProbeTallied, {
      columns: probeColumns,
      apply: `INSERT INTO tallies AS t (probe_id, n) SELECT probe_id, 1 FROM fresh
              ON CONFLICT (probe_id) DO UPDATE SET n = t.n + 1`,
    });
    const { consumer, logs } = newConsumer("tallying", tally);
    await consumer.start();
    try {
      await waitUntilSettled("tallying", ProbeTallied, 12);
      const n = await eventually("the tally", async () => {
        const { rows } = await pool.query<{ n: number }>(
          "SELECT n FROM tallies WHERE probe_id = $1",
          [probeId],
        );
        return rows[0]?.n;
      });
      expect(n).toBe(12);
      expect(logs.lines.some((line) => String(line.msg).includes("each message on its own"))).toBe(
        true,
      );
    } finally {
      await consumer.stop();
    }
  });

  it("dead-letters an event its statement refuses, with no processed_events row, and applies the rest of its batch", async () => {
    const good = Array.from({ length: 9 }, () => envelopeOf(ProbeRefused));
    const poisoned = envelopeOf(ProbeRefused, { probe_id: randomUUID(), note: "poison" });
    const backlog = [...good.slice(0, 4), poisoned, ...good.slice(4)];
    for (const envelope of backlog) await publish(ProbeRefused, envelope);
    const { consumer } = newConsumer("refusing", projectedOf(ProbeRefused));
    await consumer.start();
    try {
      const jsm = await jetstreamManager(nc);
      const names = streamNames(infra.subjectPrefix);
      await eventually("the poisoned event's dead letter", async () => {
        const info = await jsm.streams.info(names.deadLetters).catch(() => null);
        return info && info.state.messages > 0 ? info : null;
      });
      await waitUntilSettled("refusing", ProbeRefused, 10);
      const { rows } = await pool.query<{ event_id: string }>(
        "SELECT event_id::text FROM projected WHERE event_id = ANY($1::uuid[])",
        [backlog.map((e) => e.id)],
      );
      expect(rows.map((r) => r.event_id).sort()).toEqual(good.map((e) => e.id).sort());
      const { rows: claimed } = await pool.query(
        "SELECT 1 FROM processed_events WHERE event_id = $1",
        [poisoned.id],
      );
      expect(claimed).toHaveLength(0);
    } finally {
      await consumer.stop();
    }
  });

  it("refuses a projection without the db to run it on", () => {
    expect(
      () =>
        new EventConsumer<PgSqlClient>({
          service: "no-db",
          nats: nc,
          subjectPrefix: infra.subjectPrefix,
          transaction: pgTransactionRunner(pool),
          handlers: [projectedOf(ProbeProjected)],
          logger: captureLogs().logger,
        }),
    ).toThrow(/needs the db option/);
  });

  it("refuses a column named event_id, which the batch itself carries", () => {
    expect(() =>
      projectionFor(ProbeProjected, {
        columns: { event_id: { type: "uuid", of: (_, { id }) => id } },
        apply: "INSERT INTO projected SELECT * FROM fresh",
      }),
    ).toThrow(/reserved/);
  });
});
