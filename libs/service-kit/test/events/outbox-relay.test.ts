import { randomUUID } from "node:crypto";
import { startForFile } from "@concert/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { SqlPool } from "../../src/database/index.js";
import {
  ensureStreams,
  OutboxRelay,
  recordEvent,
  recordEvents,
  streamNames,
  wakeAfterCommit,
  wakeOnRecord,
} from "../../src/events/index.js";
import {
  type CapturedLogs,
  captureLogs,
  countInStream,
  deleteStreams,
  openEventTestBed,
  PgPrismaLike,
  PgSqlClient,
  pgTransactionRunner,
  probeEvent,
  waitFor,
} from "./support.js";

const ProbePublished = probeEvent("ProbePublished", "published");
const ProbeRaced = probeEvent("ProbeRaced", "raced");
const ProbeOrphaned = probeEvent("ProbeOrphaned", "orphaned");
const ProbeDirect = probeEvent("ProbeDirect", "direct");
const ProbeSpaced = probeEvent("ProbeSpaced", "spaced");
const ProbeNamed = probeEvent("ProbeNamed", "named");
const ProbeWindow = probeEvent("ProbeWindow", "window");
const ProbeInFlight = probeEvent("ProbeInFlight", "in-flight");
const ProbeMarked = probeEvent("ProbeMarked", "marked");
const ProbeLastMark = probeEvent("ProbeLastMark", "last-mark");

describe("outbox relay", () => {
  const { service: bed, infra } = startForFile((run) =>
    openEventTestBed(run, { name: "outbox-relay-test", poolSize: 4 }),
  );
  let serviceUrl: string;
  let pool: pg.Pool;
  let nc: NatsConnection;
  beforeAll(() => {
    ({ serviceUrl, pool, nc } = bed);
  });

  function newRelay(
    opts: {
      batchSize?: number;
      pollIntervalMs?: number;
      passSpacingMs?: number;
      pollGraceMs?: number;
      markEveryMs?: number;
      logs?: CapturedLogs;
    } = {},
  ) {
    return new OutboxRelay({
      databaseUrl: serviceUrl,
      nats: () => nc,
      subjectPrefix: infra.subjectPrefix,
      logger: (opts.logs ?? captureLogs()).logger,
      batchSize: opts.batchSize ?? 100,
      pollIntervalMs: opts.pollIntervalMs ?? 1_000,
      retryDelayMs: 100,
      ...(opts.passSpacingMs !== undefined && { passSpacingMs: opts.passSpacingMs }),
      ...(opts.pollGraceMs !== undefined && { pollGraceMs: opts.pollGraceMs }),
      ...(opts.markEveryMs !== undefined && { markEveryMs: opts.markEveryMs }),
    });
  }

  it("publishes an event shortly after its transaction commits, with Nats-Msg-Id = event id, and marks it published; a rolled-back event is never published", async () => {
    // A poll far beyond the test and no NOTIFY anywhere: only the in-process wake after the
    // commit can carry the event in time.
    const relay = newRelay({ pollIntervalMs: 60_000 });
    await relay.start();
    const db = wakeAfterCommit(new PgPrismaLike(pool), (eventIds) => relay.wake(eventIds));
    const transaction = db.$transaction;
    const subject = `${infra.subjectPrefix}${ProbePublished.subject}`;
    try {
      const rolledBackId = randomUUID();
      await expect(
        transaction(async (tx) => {
          await recordEvent(
            tx,
            ProbePublished,
            { probe_id: randomUUID(), note: "never" },
            { id: rolledBackId },
          );
          throw new Error("business rule failed");
        }),
      ).rejects.toThrow("business rule failed");

      const committedAt = Date.now();
      const envelope = await transaction((tx) =>
        recordEvent(tx, ProbePublished, { probe_id: randomUUID(), note: "hello" }),
      );

      await waitFor(
        "the event in the stream",
        async () =>
          (await countInStream(nc, streamNames(infra.subjectPrefix).events, subject)) === 1,
      );
      expect(Date.now() - committedAt).toBeLessThan(1_000);

      const jsm = await jetstreamManager(nc);
      const stored = await jsm.streams.getMessage(streamNames(infra.subjectPrefix).events, {
        last_by_subj: subject,
      });
      expect(stored?.header.get("Nats-Msg-Id")).toBe(envelope.id);
      expect(stored?.json()).toEqual(envelope);

      await waitFor("published_at to be set", async () => {
        const { rows } = await pool.query("SELECT published_at FROM outbox_events WHERE id = $1", [
          envelope.id,
        ]);
        return rows[0]?.published_at instanceof Date;
      });

      // Give the relay a moment to (wrongly) publish the rolled-back event.
      await new Promise((r) => setTimeout(r, 300));
      expect(await countInStream(nc, streamNames(infra.subjectPrefix).events, subject)).toBe(1);
      const { rows } = await pool.query(
        "SELECT count(*)::int AS n FROM outbox_events WHERE id = $1",
        [rolledBackId],
      );
      expect(rows[0]?.n).toBe(0);
    } finally {
      await relay.stop();
    }
  });

  function publishedBy(logs: CapturedLogs): number {
    return logs.lines
      .filter((l) => l.msg === "outbox relay: published")
      .reduce((sum, l) => sum + Number(l.count), 0);
  }

  it("two relays draining the same outbox publish every event exactly once", async () => {
    const total = 300;
    const transaction = pgTransactionRunner(pool);
    const subject = `${infra.subjectPrefix}${ProbeRaced.subject}`;
    // Count raw publishes too: the stream's msgID dedupe would hide a double publish.
    const sub = nc.subscribe(subject);
    let published = 0;
    const counting = (async () => {
      for await (const _ of sub) published++;
    })();

    for (let i = 0; i < total; i += 50) {
      await transaction(async (tx) => {
        for (let j = 0; j < 50; j++)
          await recordEvent(tx, ProbeRaced, { probe_id: randomUUID(), note: `${i + j}` });
      });
    }

    const relayLogs = [captureLogs(), captureLogs()];
    const relays = relayLogs.map((logs) => newRelay({ batchSize: 10, logs }));
    await Promise.all(relays.map((r) => r.start()));
    try {
      await waitFor("every event published", async () => {
        const { rows } = await pool.query(
          "SELECT count(*)::int AS n FROM outbox_events WHERE subject = $1 AND published_at IS NULL",
          [ProbeRaced.subject],
        );
        return rows[0]?.n === 0;
      });
      await nc.flush();
      expect(await countInStream(nc, streamNames(infra.subjectPrefix).events, subject)).toBe(total);
      expect(published).toBe(total);
      // Both took part, so the exactly-once above was tested under real contention.
      for (const logs of relayLogs) expect(publishedBy(logs)).toBeGreaterThan(0);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
      sub.unsubscribe();
      await counting;
    }
  });

  it("publishes at once an event recorded by a statement on the kit's SqlPool (its own transaction)", async () => {
    // The gate's claim runs on SqlPool, outside Prisma: it must wake the relay as Prisma's
    // commits do, or every admission would wait for the poll.
    const relay = newRelay({ pollIntervalMs: 60_000 });
    await relay.start();
    const sql = wakeOnRecord(new SqlPool(pool), (eventIds) => relay.wake(eventIds));
    const subject = `${infra.subjectPrefix}${ProbeDirect.subject}`;
    try {
      const committedAt = Date.now();
      await recordEvents(sql, ProbeDirect, [{ probe_id: randomUUID(), note: "direct" }]);
      await waitFor(
        "the event in the stream",
        async () =>
          (await countInStream(nc, streamNames(infra.subjectPrefix).events, subject)) === 1,
      );
      expect(Date.now() - committedAt).toBeLessThan(1_000);
    } finally {
      await relay.stop();
    }
  });

  it("claims by id the rows a commit's wake-up names; a row it does not name waits for a look at every row due", async () => {
    // A wake-up's pass looks up its own rows by primary key instead of walking the pending index
    // (docs/BENCHMARKS.md, "The relay claims what it was told").
    const relay = newRelay({ pollIntervalMs: 60_000 });
    await relay.start();
    const sql = wakeOnRecord(new SqlPool(pool), (eventIds) => relay.wake(eventIds));
    const subject = `${infra.subjectPrefix}${ProbeNamed.subject}`;
    const inStream = () => countInStream(nc, streamNames(infra.subjectPrefix).events, subject);
    const publishedAt = async (id: string) =>
      (await pool.query("SELECT published_at FROM outbox_events WHERE id = $1", [id])).rows[0]
        ?.published_at;
    try {
      // Let the start's look pass, so only a wake-up can find what follows.
      await new Promise((r) => setTimeout(r, 300));
      const unnamed = await recordEvent(new PgSqlClient(pool), ProbeNamed, {
        probe_id: randomUUID(),
        note: "written where nothing wakes the relay",
      });
      const named = await recordEvent(sql, ProbeNamed, { probe_id: randomUUID(), note: "woken" });
      await waitFor("the woken event in the stream", async () => (await inStream()) === 1);
      await waitFor("its row marked", async () => (await publishedAt(named.id)) instanceof Date);
      await new Promise((r) => setTimeout(r, 200));
      expect(await inStream()).toBe(1);
      expect(await publishedAt(unnamed.id)).toBeNull();

      // A wake-up without ids looks for every row due.
      relay.wake();
      await waitFor("both events in the stream", async () => (await inStream()) === 2);
      await waitFor(
        "both rows marked",
        async () => (await publishedAt(unnamed.id)) instanceof Date,
      );
    } finally {
      await relay.stop();
    }
  });

  it("starts a drain for a wake-up that came while every drain was ending, so no wake-up is lost", async () => {
    // The window is a few microtasks wide: after a drain's last look, before it leaves the set
    // of running drains. It is held open here by wrapping the relay's drain loop (an internal)
    // so that both drains end their loops before either leaves. A wake-up without ids then finds
    // every drain busy and starts none; the poll is far beyond the test, and skips while a look
    // is pending anyway. Only a drain that an ending one starts again can publish the row.
    const relay = newRelay({ pollIntervalMs: 60_000 });
    const internals = relay as unknown as { runDrains: () => Promise<void> };
    const drainLoop = internals.runDrains;
    let holding = false;
    let loopsEnded = 0;
    let bothEnded!: () => void;
    const bothLoopsEnded = new Promise<void>((resolve) => {
      bothEnded = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    internals.runDrains = async () => {
      await drainLoop.call(relay);
      if (!holding) return;
      if (++loopsEnded === 2) bothEnded();
      await released;
    };
    await relay.start();
    const sql = wakeOnRecord(new SqlPool(pool), (eventIds) => relay.wake(eventIds));
    const subject = `${infra.subjectPrefix}${ProbeWindow.subject}`;
    const inStream = () => countInStream(nc, streamNames(infra.subjectPrefix).events, subject);
    try {
      // Let the start's look pass, so the two drains below are the only ones.
      await new Promise((r) => setTimeout(r, 300));
      holding = true;
      // Two commits, two wake-ups: the first drain stays in the set while it is held, so the
      // second wake-up starts a second drain, whichever of them publishes which row.
      await Promise.all([
        recordEvent(sql, ProbeWindow, { probe_id: randomUUID(), note: "first" }),
        recordEvent(sql, ProbeWindow, { probe_id: randomUUID(), note: "second" }),
      ]);
      await bothLoopsEnded;
      expect(await inStream()).toBe(2);
      // Written where nothing wakes the relay, then a wake-up without ids, inside the window.
      await recordEvent(new PgSqlClient(pool), ProbeWindow, {
        probe_id: randomUUID(),
        note: "woken while every drain was ending",
      });
      relay.wake();
      holding = false;
      release();
      await waitFor("the third event in the stream", async () => (await inStream()) === 3);
    } finally {
      release();
      await relay.stop();
    }
  });

  it("under a stream of commits, wake-ups share passes no closer than passSpacingMs", async () => {
    // 40 commits one after another, each waking the relay: unspaced, most start a pass of their
    // own (one claim, mark and commit each); spaced, a pass carries what committed since the last.
    const logs = captureLogs();
    const spacing = 150;
    const relay = newRelay({ pollIntervalMs: 60_000, passSpacingMs: spacing, logs });
    await relay.start();
    const sql = wakeOnRecord(new SqlPool(pool), (eventIds) => relay.wake(eventIds));
    const subject = `${infra.subjectPrefix}${ProbeSpaced.subject}`;
    try {
      const started = performance.now();
      for (let i = 0; i < 40; i++) {
        await recordEvents(sql, ProbeSpaced, [{ probe_id: randomUUID(), note: `${i}` }]);
      }
      await waitFor(
        "every event in the stream",
        async () =>
          (await countInStream(nc, streamNames(infra.subjectPrefix).events, subject)) === 40,
      );
      const elapsed = performance.now() - started;
      // Its drains finished and logged: what each pass published is in the logs.
      await relay.stop();
      const passes = logs.lines.filter((l) => l.msg === "outbox relay: published").length;
      expect(publishedBy(logs)).toBe(40);
      // Passes begin at least `spacing` apart: the first at once, the last after the last commit.
      expect(passes).toBeLessThanOrEqual(Math.floor(elapsed / spacing) + 2);
    } finally {
      await relay.stop();
    }
  });

  it("publishes a row no wake-up announced (another process wrote it, then stopped) from its poll, once older than the grace", async () => {
    const grace = 800;
    const relay = newRelay({ pollIntervalMs: 100, pollGraceMs: grace });
    await relay.start();
    const subject = `${infra.subjectPrefix}${ProbeOrphaned.subject}`;
    try {
      // Let the start's drain pass, so only the poll can find the row.
      await new Promise((r) => setTimeout(r, 300));
      // A plain autocommit statement on a client the kit never wrapped: nothing wakes the relay.
      const envelope = await recordEvent(new PgSqlClient(pool), ProbeOrphaned, {
        probe_id: randomUUID(),
        note: "left behind",
      });
      const writtenAt = Date.now();
      const inStream = () => countInStream(nc, streamNames(infra.subjectPrefix).events, subject);
      // Younger than the grace, a row may be on its way out with its own process's pass: left.
      await new Promise((r) => setTimeout(r, grace / 2));
      expect(await inStream()).toBe(0);
      await waitFor("the event in the stream", async () => (await inStream()) === 1, 3_000);
      // The grace and the poll's interval bound it, plus one drain.
      expect(Date.now() - writtenAt).toBeLessThan(grace + 1_000);
      await waitFor("published_at to be set", async () => {
        const { rows: marked } = await pool.query(
          "SELECT published_at FROM outbox_events WHERE id = $1",
          [envelope.id],
        );
        return marked[0]?.published_at instanceof Date;
      });
    } finally {
      await relay.stop();
    }
  });

  it("a look at every row due leaves the rows a woken pass is publishing: each goes out once", async () => {
    // A woken pass holds no lock on its rows (docs/BENCHMARKS.md, "Woken rows marked together"):
    // only its process's own bookkeeping keeps that process's look from taking them. The pass is
    // held inside its publish (an internal wrapped) while a wake-up without ids runs the look.
    const relay = newRelay({ pollIntervalMs: 60_000 });
    const internals = relay as unknown as {
      publishRows: (...args: unknown[]) => Promise<PromiseSettledResult<unknown>[]>;
    };
    const publishRows = internals.publishRows;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = false;
    let held!: () => void;
    const heldNow = new Promise<void>((resolve) => {
      held = resolve;
    });
    internals.publishRows = async (...args: unknown[]) => {
      if (holding) {
        holding = false;
        held();
        await released;
      }
      return publishRows.apply(relay, args);
    };
    await relay.start();
    const sql = wakeOnRecord(new SqlPool(pool), (eventIds) => relay.wake(eventIds));
    const subject = `${infra.subjectPrefix}${ProbeInFlight.subject}`;
    // Raw publishes: the stream's msgID dedupe would hide a second one.
    const sub = nc.subscribe(subject);
    let published = 0;
    const counting = (async () => {
      for await (const _ of sub) published++;
    })();
    try {
      // Let the start's look pass, so the woken pass below is the first to publish.
      await new Promise((r) => setTimeout(r, 300));
      holding = true;
      await recordEvent(sql, ProbeInFlight, { probe_id: randomUUID(), note: "in flight" });
      await heldNow;
      relay.wake();
      // The look runs on the second drain meanwhile; it must find nothing it may take.
      await new Promise((r) => setTimeout(r, 300));
      await nc.flush();
      expect(published).toBe(0);
      release();
      await waitFor("the event published", async () => {
        await nc.flush();
        return published === 1;
      });
      await new Promise((r) => setTimeout(r, 300));
      await nc.flush();
      expect(published).toBe(1);
    } finally {
      release();
      await relay.stop();
      sub.unsubscribe();
      await counting;
    }
  });

  it("marks what its passes published together, at most markEveryMs after, and the rest when it stops", async () => {
    // One mark for many passes is what takes a commit per pass off Postgres.
    const markEvery = 400;
    const logs = captureLogs();
    const relay = newRelay({
      pollIntervalMs: 60_000,
      passSpacingMs: 0,
      markEveryMs: markEvery,
      logs,
    });
    await relay.start();
    const sql = wakeOnRecord(new SqlPool(pool), (eventIds) => relay.wake(eventIds));
    const subject = `${infra.subjectPrefix}${ProbeMarked.subject}`;
    const marks = async () => {
      const { rows } = await pool.query<{ marks: number; unmarked: number }>(
        `SELECT count(DISTINCT published_at)::int AS marks,
                count(*) FILTER (WHERE published_at IS NULL)::int AS unmarked
           FROM outbox_events WHERE subject = $1`,
        [ProbeMarked.subject],
      );
      return rows[0] ?? { marks: 0, unmarked: 0 };
    };
    try {
      await new Promise((r) => setTimeout(r, 300));
      const started = performance.now();
      for (let i = 0; i < 30; i++) {
        await recordEvents(sql, ProbeMarked, [{ probe_id: randomUUID(), note: `${i}` }]);
      }
      await waitFor(
        "every event in the stream",
        async () =>
          (await countInStream(nc, streamNames(infra.subjectPrefix).events, subject)) === 30,
      );
      await waitFor("every row marked", async () => (await marks()).unmarked === 0);
      const elapsed = performance.now() - started;
      const passes = logs.lines.filter((l) => l.msg === "outbox relay: published").length;
      const { marks: statements } = await marks();
      // Each mark statement stamps its rows with one now(): fewer stamps than passes.
      expect(statements).toBeLessThanOrEqual(Math.floor(elapsed / markEvery) + 2);
      expect(statements).toBeLessThan(passes);
    } finally {
      await relay.stop();
    }

    // Published and not marked yet when the relay stops: marked by the stop.
    const lastLogs = captureLogs();
    const last = newRelay({ pollIntervalMs: 60_000, markEveryMs: 60_000, logs: lastLogs });
    await last.start();
    const lastSql = wakeOnRecord(new SqlPool(pool), (eventIds) => last.wake(eventIds));
    const lastSubject = `${infra.subjectPrefix}${ProbeLastMark.subject}`;
    const unmarked = async () =>
      (
        await pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM outbox_events WHERE subject = $1 AND published_at IS NULL",
          [ProbeLastMark.subject],
        )
      ).rows[0]?.n;
    try {
      // Let the start's look pass: it marks what it publishes at once, in its claim's transaction.
      await new Promise((r) => setTimeout(r, 300));
      await recordEvents(lastSql, ProbeLastMark, [
        { probe_id: randomUUID(), note: "one" },
        { probe_id: randomUUID(), note: "two" },
      ]);
      await waitFor(
        "both events in the stream",
        async () =>
          (await countInStream(nc, streamNames(infra.subjectPrefix).events, lastSubject)) === 2,
      );
      expect(await unmarked()).toBe(2);
    } finally {
      await last.stop();
    }
    expect(await unmarked()).toBe(0);
  });

  it("provisions streams idempotently when several services start at once", async () => {
    const prefix = `${infra.subjectPrefix}concurrent.`;
    try {
      await Promise.all(Array.from({ length: 5 }, () => ensureStreams(nc, prefix)));
      await ensureStreams(nc, prefix);
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(streamNames(prefix).events);
      expect(info.config.subjects).toEqual([`${prefix}evt.>`]);
      expect(info.config.duplicate_window).toBe(120_000_000_000);
    } finally {
      await deleteStreams(nc, prefix);
    }
  });
});
