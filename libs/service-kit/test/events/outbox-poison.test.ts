import { randomUUID } from "node:crypto";
import { startForFile } from "@concert/testing";
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { OutboxRelay, outboxBacklog, recordEvent, streamNames } from "../../src/events/index.js";
import {
  captureLogs,
  countInStream,
  openEventTestBed,
  PgSqlClient,
  pgTransactionRunner,
  probeEvent,
  waitFor,
} from "./support.js";

const ProbeHealthy = probeEvent("ProbeHealthy", "healthy");

describe("outbox relay with poison rows", () => {
  const { service: bed, infra } = startForFile((run) =>
    openEventTestBed(run, { name: "outbox-poison-test", poolSize: 4 }),
  );
  let serviceUrl: string;
  let pool: pg.Pool;
  let nc: NatsConnection;
  beforeAll(() => {
    ({ serviceUrl, pool, nc } = bed);
  });

  /** Rows the broker refuses whatever the attempt, written as a buggy producer would. */
  async function insertPoison(count: number) {
    const maxPayload = nc.info?.max_payload ?? 1_048_576;
    const rows = Array.from({ length: count }, (_, i) => {
      // Most: a subject no stream captures (the server answers "no responders"); one with a
      // space (the client refuses it); one over the server's max_payload.
      const subject = i === 0 ? "evt.bad subject" : i === 1 ? "evt.probe.big" : "nowhere.lost";
      const envelope = i === 1 ? { pad: "x".repeat(maxPayload + 1) } : { poison: i };
      return { id: randomUUID(), subject, envelope: JSON.stringify(envelope) };
    });
    await pool.query(
      `INSERT INTO outbox_events (id, subject, envelope, created_at)
       SELECT id, subject, envelope, now() - interval '1 minute'
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS r(id, subject, envelope)`,
      [rows.map((r) => r.id), rows.map((r) => r.subject), rows.map((r) => r.envelope)],
    );
    return rows.map((r) => r.id);
  }

  it("parks 100 poison rows after their last attempt while the good rows behind them flow", async () => {
    const maxAttempts = 3;
    const poison = await insertPoison(100);
    const logs = captureLogs();
    const relay = new OutboxRelay({
      databaseUrl: serviceUrl,
      nats: () => nc,
      subjectPrefix: infra.subjectPrefix,
      logger: logs.logger,
      batchSize: 100,
      retryDelayMs: 100,
      pollIntervalMs: 100,
      maxAttempts,
      attemptBackoffMs: 50,
    });
    await relay.start();
    const transaction = pgTransactionRunner(pool);
    const subject = `${infra.subjectPrefix}${ProbeHealthy.subject}`;
    const stream = streamNames(infra.subjectPrefix).events;
    const good = 20;
    try {
      for (let i = 0; i < good; i++)
        await transaction((tx) =>
          recordEvent(tx, ProbeHealthy, { probe_id: randomUUID(), note: `good ${i}` }),
        );
      // All 100 poison rows are older than the good ones: without skipping them, every batch
      // would be the same 100 failures and the good rows would never be taken.
      await waitFor(
        "the good events in the stream",
        async () => (await countInStream(nc, stream, subject)) === good,
        20_000,
      );
      await waitFor(
        "every poison row parked",
        async () => {
          const { rows } = await pool.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM outbox_events WHERE parked_at IS NOT NULL",
          );
          return rows[0]?.n === poison.length;
        },
        30_000,
      );
      const { rows } = await pool.query<{
        attempts: number;
        published: boolean;
        error: string | null;
      }>(
        `SELECT attempts, published_at IS NOT NULL AS published, last_error AS error
           FROM outbox_events WHERE id = ANY($1::uuid[])`,
        [poison],
      );
      expect(rows).toHaveLength(100);
      for (const row of rows) {
        expect(row).toMatchObject({ attempts: maxAttempts, published: false });
        expect(row.error).toBeTruthy();
      }
      const errors = new Set(rows.map((r) => r.error));
      expect(errors.size).toBeGreaterThanOrEqual(3);
      const client = await pool.connect();
      try {
        expect(await outboxBacklog(new PgSqlClient(client))).toEqual({
          unpublished: 0,
          oldest_unpublished_seconds: 0,
          parked: 100,
        });
      } finally {
        client.release();
      }
      expect(
        logs.lines.some((l) => l.msg === "outbox relay: rows parked after their last attempt"),
      ).toBe(true);
      // Parked rows are left alone: no further attempts.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { rows: after } = await pool.query<{ max: number }>(
        "SELECT max(attempts)::int AS max FROM outbox_events WHERE id = ANY($1::uuid[])",
        [poison],
      );
      expect(after[0]?.max).toBe(maxAttempts);
    } finally {
      await relay.stop();
    }
  }, 60_000);
});
