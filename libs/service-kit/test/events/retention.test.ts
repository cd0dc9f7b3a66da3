import { randomUUID } from "node:crypto";
import { startForFile } from "@concert/testing";
import { DiscardPolicy, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ensureStreams,
  eventTablesSql,
  RetentionPruner,
  streamNames,
} from "../../src/events/index.js";
import { captureLogs, openEventTestBed, PgSqlClient, SCHEMA } from "./support.js";

const DAY_MS = 24 * 60 * 60_000;

describe("retention", () => {
  const { service: bed, infra } = startForFile((run) =>
    openEventTestBed(run, { name: "retention-test", poolSize: 2 }),
  );
  let pool: pg.Pool;
  let nc: NatsConnection;
  beforeAll(async () => {
    ({ pool, nc } = bed);
    await pool.query(eventTablesSql(SCHEMA, { inbox: true }));
  });

  it("gives the event stream an age (and optional size) limit and the dead letters a longer one, and brings an existing stream without limits to them", async () => {
    const jsm = await jetstreamManager(nc);
    const names = streamNames(infra.subjectPrefix);
    // The bed created them with the defaults; an older kit's stream had no limits at all.
    const { config: old } = await jsm.streams.info(names.events);
    await jsm.streams.update(names.events, { ...old, max_age: 0 });
    expect((await jsm.streams.info(names.events)).config.max_age).toBe(0);

    const { created } = await ensureStreams(nc, infra.subjectPrefix, {
      eventsMaxAgeDays: 9,
      eventsMaxBytes: 64 * 1024 * 1024,
      deadLettersMaxAgeDays: 40,
    });
    expect(created).toEqual([]);
    const events = (await jsm.streams.info(names.events)).config;
    expect(events).toMatchObject({
      max_age: nanos(9 * DAY_MS),
      max_bytes: 64 * 1024 * 1024,
      discard: DiscardPolicy.New,
      storage: StorageType.File,
    });
    const deadLetters = (await jsm.streams.info(names.deadLetters)).config;
    expect(deadLetters.max_age).toBe(nanos(40 * DAY_MS));

    // Back to the defaults: 30 days, no size limit, dead letters 60 days.
    await ensureStreams(nc, infra.subjectPrefix);
    expect((await jsm.streams.info(names.events)).config).toMatchObject({
      max_age: nanos(30 * DAY_MS),
      max_bytes: -1,
    });
    expect((await jsm.streams.info(names.deadLetters)).config.max_age).toBe(nanos(60 * DAY_MS));
  });

  it("prunes published outbox rows and dedupe rows past their age, in batches, and keeps the recent, the unpublished and the parked", async () => {
    const ago = (ms: number) => new Date(Date.now() - ms);
    const row = (published: Date | null, parked: Date | null, created = ago(3 * DAY_MS)) => [
      randomUUID(),
      created,
      published,
      parked,
    ];
    const old = Array.from({ length: 25 }, () => row(ago(2 * DAY_MS), null));
    const recent = Array.from({ length: 3 }, () => row(ago(60 * 60_000), null));
    const unpublished = [row(null, null)];
    const parked = [row(null, ago(3 * DAY_MS))];
    const all = [...old, ...recent, ...unpublished, ...parked];
    await pool.query(
      `INSERT INTO outbox_events (id, subject, envelope, created_at, published_at, parked_at)
       SELECT id, 'evt.probe', '{}'::jsonb, c, p, k
         FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[]) AS r(id, c, p, k)`,
      [all.map((r) => r[0]), all.map((r) => r[1]), all.map((r) => r[2]), all.map((r) => r[3])],
    );
    const processed = (days: number) => [randomUUID(), ago(days * DAY_MS)] as const;
    const oldDedupe = Array.from({ length: 12 }, () => processed(70));
    const recentDedupe = Array.from({ length: 4 }, () => processed(30));
    const dedupe = [...oldDedupe, ...recentDedupe];
    await pool.query(
      `INSERT INTO processed_events (consumer, event_id, processed_at)
       SELECT 'probe_consumer', id, at FROM unnest($1::uuid[], $2::timestamptz[]) AS r(id, at)`,
      [dedupe.map((d) => d[0]), dedupe.map((d) => d[1])],
    );

    const client = await pool.connect();
    try {
      const pruner = new RetentionPruner({
        db: new PgSqlClient(client),
        policy: { outboxHours: 24, processedDays: 67 },
        logger: captureLogs().logger,
        batchSize: 7,
      });
      expect(await pruner.pruneOnce()).toEqual({ outbox: 25, processed: 12 });
      const { rows: left } = await client.query<{ id: string }>("SELECT id FROM outbox_events");
      expect(left.map((r) => r.id).sort()).toEqual(
        [...recent, ...unpublished, ...parked].map((r) => r[0]).sort(),
      );
      const { rows: kept } = await client.query<{ id: string }>(
        "SELECT event_id AS id FROM processed_events",
      );
      expect(kept.map((r) => r.id).sort()).toEqual(recentDedupe.map((d) => d[0]).sort());
      expect(await pruner.pruneOnce()).toEqual({ outbox: 0, processed: 0 });
    } finally {
      client.release();
    }
  });

  it("brings an outbox made by an older kit up to date, and applying the DDL again changes nothing", async () => {
    const schema = "evtest_oldkit";
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query(`CREATE TABLE ${schema}.outbox_events (
      id uuid PRIMARY KEY, subject text NOT NULL, envelope jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz)`);
    await pool.query(
      `CREATE INDEX outbox_events_unpublished_idx ON ${schema}.outbox_events (created_at) WHERE published_at IS NULL`,
    );
    await pool.query(
      `INSERT INTO ${schema}.outbox_events (id, subject, envelope) VALUES ($1, 'evt.x', '{}')`,
      [randomUUID()],
    );
    for (let i = 0; i < 2; i++) await pool.query(eventTablesSql(schema, { inbox: true }));
    const { rows } = await pool.query<{ attempts: number; parked_at: Date | null }>(
      `SELECT attempts, parked_at, next_attempt_at, last_error FROM ${schema}.outbox_events`,
    );
    expect(rows).toEqual([
      { attempts: 0, parked_at: null, next_attempt_at: null, last_error: null },
    ]);
    const { rows: indexes } = await pool.query<{ name: string }>(
      "SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 ORDER BY 1",
      [schema],
    );
    expect(indexes.map((r) => r.name)).toEqual([
      "outbox_events_parked_idx",
      "outbox_events_pending_idx",
      "outbox_events_pkey",
      "outbox_events_published_idx",
      "processed_events_pkey",
      "processed_events_processed_at_idx",
    ]);
  });
});
