import { randomUUID } from "node:crypto";
import { type NatsServerProcess, startForFile, startNatsServerProcess } from "@concert/testing";
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { OutboxRelay, recordEvent, streamNames } from "../../src/events/index.js";
import {
  captureLogs,
  countInStream,
  openEventTestBed,
  pgTransactionRunner,
  probeEvent,
  waitFor,
} from "./support.js";

const ProbeDelayed = probeEvent("ProbeDelayed", "delayed");

describe("outbox relay during a NATS outage", () => {
  // A private broker: this test kills it, which the shared one must never be.
  const { service: bed, infra } = startForFile(async (run) => {
    const nats = await startNatsServerProcess();
    const opened = await openEventTestBed(run, {
      name: "outbox-outage-test",
      poolSize: 2,
      natsUrl: nats.url,
    });
    return {
      ...opened,
      nats,
      async close() {
        await opened.close();
        await nats.dispose();
      },
    };
  });
  let nats: NatsServerProcess;
  let serviceUrl: string;
  let pool: pg.Pool;
  let nc: NatsConnection;
  beforeAll(() => {
    ({ nats, serviceUrl, pool, nc } = bed);
  });

  it("delivers events recorded while NATS is down once it is back, and loses none", async () => {
    const logs = captureLogs();
    const relay = new OutboxRelay({
      databaseUrl: serviceUrl,
      nats: () => nc,
      subjectPrefix: infra.subjectPrefix,
      logger: logs.logger,
      retryDelayMs: 100,
      publishTimeoutMs: 500,
      maxAttempts: 2,
      attemptBackoffMs: 10,
    });
    await relay.start();
    const transaction = pgTransactionRunner(pool);
    const subject = `${infra.subjectPrefix}${ProbeDelayed.subject}`;
    const stream = streamNames(infra.subjectPrefix).events;
    try {
      await transaction((tx) =>
        recordEvent(tx, ProbeDelayed, { probe_id: randomUUID(), note: "before" }),
      );
      await waitFor(
        "the first event",
        async () => (await countInStream(nc, stream, subject)) === 1,
      );

      await nats.stop();
      const during = 5;
      for (let i = 0; i < during; i++) {
        await transaction((tx) =>
          recordEvent(tx, ProbeDelayed, { probe_id: randomUUID(), note: `during ${i}` }),
        );
      }
      await waitFor("a failed publish attempt to be recorded", async () => {
        const { rows } = await pool.query(
          "SELECT count(*)::int AS n FROM outbox_events WHERE last_error IS NOT NULL",
        );
        return (rows[0]?.n ?? 0) > 0;
      });
      // Let several attempts fail: an outage must not use up a row's attempts, nor park it.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const { rows: waiting } = await pool.query(
        `SELECT count(*)::int AS n, max(attempts)::int AS attempts,
                count(parked_at)::int AS parked
           FROM outbox_events WHERE published_at IS NULL`,
      );
      expect(waiting[0]).toEqual({ n: during, attempts: 0, parked: 0 });

      await nats.start();
      await waitFor(
        "the events recorded during the outage",
        async () => {
          const { rows } = await pool.query(
            "SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL",
          );
          return rows[0]?.n === 0;
        },
        15_000,
      );
      expect(await countInStream(nc, stream, subject)).toBe(1 + during);
      expect(logs.lines.some((l) => l.msg === "outbox relay: broker unavailable; will retry")).toBe(
        true,
      );
    } finally {
      await relay.stop();
    }
  });
});
