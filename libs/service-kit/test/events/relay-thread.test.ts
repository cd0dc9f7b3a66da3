import { randomUUID } from "node:crypto";
import type { Worker } from "node:worker_threads";
import { startForFile } from "@concert/testing";
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { recordEvent, streamNames, wakeAfterCommit } from "../../src/events/index.js";
import { RelayThread } from "../../src/events/relay-thread.js";
import {
  captureLogs,
  countInStream,
  openEventTestBed,
  PgPrismaLike,
  probeEvent,
  waitFor,
} from "./support.js";

const ProbeThreaded = probeEvent("ProbeThreaded", "threaded");
const ProbeRestarted = probeEvent("ProbeRestarted", "restarted");

describe("outbox relay thread", () => {
  const { service: bed, infra } = startForFile((run) =>
    openEventTestBed(run, { name: "relay-thread-test", poolSize: 4 }),
  );
  let serviceUrl: string;
  let pool: pg.Pool;
  let nc: NatsConnection;
  beforeAll(() => {
    ({ serviceUrl, pool, nc } = bed);
  });

  function newThread(logs = captureLogs()) {
    // The thread logs at its service's level, to stdout: its debug lines would flood the run.
    logs.logger.level = "warn";
    return new RelayThread({
      service: "relay-thread-test",
      databaseUrl: serviceUrl,
      natsServers: infra.natsUrl,
      subjectPrefix: infra.subjectPrefix,
      passSpacingMs: 5,
      logger: logs.logger,
      restartDelayMs: 100,
    });
  }

  async function published(id: string): Promise<boolean> {
    const { rows } = await pool.query<{ published: boolean }>(
      "SELECT published_at IS NOT NULL AS published FROM outbox_events WHERE id = $1",
      [id],
    );
    return rows[0]?.published === true;
  }

  it("publishes what a commit woke it for from its own thread, with its own connections, and marks it", async () => {
    const relay = newThread();
    await relay.start();
    const db = wakeAfterCommit(new PgPrismaLike(pool), (ids) => relay.wake(ids));
    const subject = `${infra.subjectPrefix}${ProbeThreaded.subject}`;
    try {
      const committedAt = Date.now();
      const envelope = await db.$transaction((tx) =>
        recordEvent(tx, ProbeThreaded, { probe_id: randomUUID(), note: "from a thread" }),
      );
      await waitFor(
        "the event in the stream",
        async () =>
          (await countInStream(nc, streamNames(infra.subjectPrefix).events, subject)) === 1,
      );
      // Well under the poll's grace: the wake-up crossed to the thread, not a poll.
      expect(Date.now() - committedAt).toBeLessThan(1_000);
      await waitFor("published_at to be set", () => published(envelope.id));
      const { rows } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
        ["relay-thread-test outbox relay"],
      );
      expect(rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await relay.stop();
    }
  });

  it("starts a thread that died again, and publishes what was committed while it was gone", async () => {
    const logs = captureLogs();
    const relay = newThread(logs);
    await relay.start();
    const db = wakeAfterCommit(new PgPrismaLike(pool), (ids) => relay.wake(ids));
    const subject = `${infra.subjectPrefix}${ProbeRestarted.subject}`;
    try {
      const thread = (relay as unknown as { worker: Worker }).worker;
      const gone = new Promise((resolve) => thread.once("exit", resolve));
      await thread.terminate();
      await gone;
      // Its wake-up reaches no thread: only the next thread's first look can publish it.
      const envelope = await db.$transaction((tx) =>
        recordEvent(tx, ProbeRestarted, { probe_id: randomUUID(), note: "while gone" }),
      );
      await waitFor(
        "the event in the stream",
        async () =>
          (await countInStream(nc, streamNames(infra.subjectPrefix).events, subject)) === 1,
      );
      await waitFor("published_at to be set", () => published(envelope.id));
      expect(logs.lines.map((line) => line.msg)).toContain(
        "outbox relay thread ended; starting it again",
      );
    } finally {
      await relay.stop();
    }
  });

  it("stops: the thread ends, and a wake-up after stop is ignored", async () => {
    const relay = newThread();
    await relay.start();
    const thread = (relay as unknown as { worker: Worker }).worker;
    const exited = new Promise<number>((resolve) => thread.once("exit", resolve));
    await relay.stop();
    expect(await exited).toBe(0);
    expect(() => relay.wake([randomUUID()])).not.toThrow();
  });
});
