import { randomUUID } from "node:crypto";
import { startTestInfra, type TestInfra } from "@concert/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventRecorded,
  recordEvent,
  recordEventsWith,
  recordEventWith,
  wakeAfterCommit,
} from "../../src/events/index.js";
import { createSchema, PgPrismaLike, probeEvent, SCHEMA, withSearchPath } from "./support.js";

const ProbeDone = probeEvent("ProbeDone", "done");

/** A state change that happens only when :go is true, recording ProbeDone when it does. */
const DO_IT = recordEventWith<{ effect_id: string; go: boolean }, typeof ProbeDone>(ProbeDone, {
  with: `done AS (
    INSERT INTO effects (event_id) SELECT :effect_id::uuid WHERE :go::boolean RETURNING event_id
  )`,
  when: "done",
  select: "SELECT count(*)::int AS n FROM done",
});

describe("recordEventWith", () => {
  let infra: TestInfra;
  let pool: pg.Pool;
  let db: PgPrismaLike;
  /** Each wake-up: how many outbox rows another connection could see at that moment. */
  const wakes: Promise<number>[] = [];
  /** Each wake-up: the event ids it named. */
  const wokenIds: string[][] = [];
  const committedRows = async () =>
    (await pool.query("SELECT count(*)::int AS n FROM outbox_events")).rows[0].n as number;

  beforeAll(async () => {
    infra = await startTestInfra();
    await createSchema(infra.databaseUrl);
    pool = new pg.Pool({ connectionString: withSearchPath(infra.databaseUrl, SCHEMA), max: 3 });
    db = wakeAfterCommit(new PgPrismaLike(pool), (eventIds) => {
      wakes.push(committedRows());
      wokenIds.push([...eventIds]);
    });
  });
  afterAll(async () => {
    await pool?.end();
    await infra?.stop();
  });

  const outboxRow = async (id: string) =>
    (await pool.query("SELECT subject, envelope FROM outbox_events WHERE id = $1", [id])).rows[0];
  const run = (go: boolean, note: unknown = "hello") =>
    DO_IT.run<{ n: number }>(db, { effect_id: randomUUID(), go }, {
      probe_id: randomUUID(),
      note,
    } as never);

  it("writes the event with the change in one statement, and wakes the relay after it", async () => {
    wakes.length = 0;
    const before = await committedRows();
    const { rows, envelope } = await run(true);
    expect(rows).toEqual([{ n: 1 }]);
    expect(await outboxRow(envelope.id)).toEqual({ subject: ProbeDone.subject, envelope });
    expect(wakes).toHaveLength(1);
    expect(await wakes[0]).toBe(before + 1);
  });

  it("writes no event when the change did not happen", async () => {
    const { rows, envelope } = await run(false);
    expect(rows).toEqual([{ n: 0 }]);
    expect(await outboxRow(envelope.id)).toBeUndefined();
  });

  it("in a transaction, wakes the relay once after the commit (never before it), with every id it recorded, and not at all after a rollback", async () => {
    wakes.length = 0;
    wokenIds.length = 0;
    const before = await committedRows();
    const recorded: string[] = [];
    await db.$transaction(async (tx) => {
      const { envelope } = await DO_IT.run(
        tx,
        { effect_id: randomUUID(), go: true },
        {
          probe_id: randomUUID(),
          note: "in a transaction",
        },
      );
      const another = await recordEvent(tx, ProbeDone, {
        probe_id: randomUUID(),
        note: "and another",
      });
      recorded.push(envelope.id, another.id);
      expect(wakes).toHaveLength(0);
    });
    // One wake-up, as the transaction returned, and it saw both rows committed.
    expect(wakes).toHaveLength(1);
    expect(await wakes[0]).toBe(before + 2);
    expect(wokenIds).toEqual([recorded]);

    await expect(
      db.$transaction(async (tx) => {
        await recordEvent(tx, ProbeDone, { probe_id: randomUUID(), note: "rolled back" });
        throw new Error("business rule failed");
      }),
    ).rejects.toThrow("business rule failed");
    expect(wakes).toHaveLength(1);
  });

  it("wakes the relay once with every id of a transaction that recorded 150,000 events", async () => {
    wokenIds.length = 0;
    const ids = Array.from({ length: 150_000 }, () => randomUUID());
    await db.$transaction(async (tx) => {
      eventRecorded(tx, ids.slice(0, 1));
      eventRecorded(tx, ids.slice(1));
    });
    expect(wokenIds).toHaveLength(1);
    expect(wokenIds[0]).toEqual(ids);
  });

  it("refuses an invalid payload before touching the database", async () => {
    const before = (await pool.query("SELECT count(*)::int AS n FROM effects")).rows[0];
    await expect(run(true, 42)).rejects.toThrow();
    expect((await pool.query("SELECT count(*)::int AS n FROM effects")).rows[0]).toEqual(before);
  });
});

/** The change of each item whose :go is true, recording ProbeDone for each. */
const DO_SOME = recordEventsWith<{ effect_ids: string[]; go: boolean[] }, typeof ProbeDone>(
  ProbeDone,
  {
    with: `batch AS (
    SELECT * FROM unnest(:effect_ids::uuid[], :go::boolean[]) WITH ORDINALITY AS b(effect_id, go, ordinal)
  ),
  done AS (INSERT INTO effects (event_id) SELECT effect_id FROM batch WHERE go RETURNING event_id),
  changed AS (SELECT b.ordinal FROM batch b JOIN done d ON d.event_id = b.effect_id)`,
    when: "changed",
    select: "SELECT ordinal::int FROM changed ORDER BY ordinal",
  },
);

/** As DO_SOME, with each event's note filled from its changed row. */
const DO_SOME_NOTED = recordEventsWith<
  { effect_ids: string[]; go: boolean[] },
  typeof ProbeDone,
  "note"
>(ProbeDone, {
  with: `batch AS (
    SELECT * FROM unnest(:effect_ids::uuid[], :go::boolean[]) WITH ORDINALITY AS b(effect_id, go, ordinal)
  ),
  done AS (INSERT INTO effects (event_id) SELECT effect_id FROM batch WHERE go RETURNING event_id),
  changed AS (SELECT b.ordinal, 'row of ' || b.effect_id AS row_note
                FROM batch b JOIN done d ON d.event_id = b.effect_id)`,
  when: "changed",
  fromRow: { note: "changed.row_note" },
  select: "SELECT ordinal::int FROM changed ORDER BY ordinal",
});

describe("recordEventsWith", () => {
  let infra: TestInfra;
  let pool: pg.Pool;
  let db: PgPrismaLike;
  const wokenIds: string[][] = [];

  beforeAll(async () => {
    infra = await startTestInfra();
    await createSchema(infra.databaseUrl);
    pool = new pg.Pool({ connectionString: withSearchPath(infra.databaseUrl, SCHEMA), max: 3 });
    db = wakeAfterCommit(new PgPrismaLike(pool), (eventIds) => wokenIds.push([...eventIds]));
  });
  afterAll(async () => {
    await pool?.end();
    await infra?.stop();
  });

  const outboxIds = async (ids: string[]) =>
    (
      await pool.query("SELECT id FROM outbox_events WHERE id = ANY($1::uuid[]) ORDER BY id", [ids])
    ).rows.map((row) => row.id as string);
  const items = (notes: unknown[], occurredAt?: Date) =>
    notes.map((note) => ({ payload: { probe_id: randomUUID(), note } as never, occurredAt }));

  it("writes the event of each item that changed, and only those, in one statement", async () => {
    wokenIds.length = 0;
    const at = new Date("2026-11-29T12:00:00.000Z");
    const { rows, envelopes } = await DO_SOME.run<{ ordinal: number }>(
      db,
      { effect_ids: [randomUUID(), randomUUID(), randomUUID()], go: [true, false, true] },
      items(["first", "second", "third"], at),
    );
    expect(rows).toEqual([{ ordinal: 1 }, { ordinal: 3 }]);
    expect(envelopes.map((e) => e.payload.note)).toEqual(["first", "second", "third"]);
    expect(envelopes.every((e) => e.occurred_at === at.toISOString())).toBe(true);
    const ids = envelopes.map((e) => e.id);
    expect(await outboxIds(ids)).toEqual([ids[0], ids[2]].sort());
    const stored = await pool.query("SELECT envelope FROM outbox_events WHERE id = $1", [ids[2]]);
    expect(stored.rows[0].envelope).toEqual(envelopes[2]);
    expect(wokenIds).toEqual([ids]);
  });

  it("refuses an invalid payload of any item before touching the database", async () => {
    const effect = randomUUID();
    await expect(
      DO_SOME.run(db, { effect_ids: [effect, randomUUID()], go: [true, true] }, items(["ok", 42])),
    ).rejects.toThrow();
    expect(
      (await pool.query("SELECT count(*)::int AS n FROM effects WHERE event_id = $1", [effect]))
        .rows[0],
    ).toEqual({ n: 0 });
  });

  it("fills each event's row fields from its own changed row", async () => {
    const effects = [randomUUID(), randomUUID(), randomUUID()];
    const { envelopes } = await DO_SOME_NOTED.run(
      db,
      { effect_ids: effects, go: [false, true, true] },
      effects.map(() => ({ payload: { probe_id: randomUUID() } })),
    );
    const stored = await pool.query(
      "SELECT id, envelope FROM outbox_events WHERE id = ANY($1::uuid[])",
      [envelopes.map((e) => e.id)],
    );
    const notes = Object.fromEntries(stored.rows.map((row) => [row.id, row.envelope.payload]));
    expect(notes).toEqual({
      [envelopes[1]?.id as string]: {
        probe_id: envelopes[1]?.payload.probe_id,
        note: `row of ${effects[1]}`,
      },
      [envelopes[2]?.id as string]: {
        probe_id: envelopes[2]?.payload.probe_id,
        note: `row of ${effects[2]}`,
      },
    });
  });
});
