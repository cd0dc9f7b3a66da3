import { randomUUID } from "node:crypto";
import { startTestInfra, type TestInfra } from "@concert/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordEventWith } from "../../src/events/index.js";
import { createSchema, PgSqlClient, probeEvent, SCHEMA, withSearchPath } from "./support.js";

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
  let client: pg.Client;
  const notified: string[] = [];

  beforeAll(async () => {
    infra = await startTestInfra();
    await createSchema(infra.databaseUrl);
    client = new pg.Client({ connectionString: withSearchPath(infra.databaseUrl, SCHEMA) });
    await client.connect();
    client.on("notification", (message) => notified.push(message.channel));
    await client.query(`LISTEN outbox_${SCHEMA}`);
  });
  afterAll(async () => {
    await client?.end();
    await infra?.stop();
  });

  const outboxRow = async (id: string) =>
    (await client.query("SELECT subject, envelope FROM outbox_events WHERE id = $1", [id])).rows[0];
  const run = (go: boolean, note: unknown = "hello") =>
    DO_IT.run<{ n: number }>(new PgSqlClient(client), { effect_id: randomUUID(), go }, {
      probe_id: randomUUID(),
      note,
    } as never);

  it("writes the event with the change in one statement, and wakes the relay", async () => {
    const { rows, envelope } = await run(true);
    expect(rows).toEqual([{ n: 1 }]);
    expect(await outboxRow(envelope.id)).toEqual({ subject: ProbeDone.subject, envelope });
    await expect.poll(() => notified.length).toBeGreaterThan(0);
  });

  it("writes no event when the change did not happen", async () => {
    notified.length = 0;
    const { rows, envelope } = await run(false);
    expect(rows).toEqual([{ n: 0 }]);
    expect(await outboxRow(envelope.id)).toBeUndefined();
    await client.query("SELECT 1"); // a notification would have arrived before this answer
    expect(notified).toEqual([]);
  });

  it("refuses an invalid payload before touching the database", async () => {
    const before = (await client.query("SELECT count(*)::int AS n FROM effects")).rows[0];
    await expect(run(true, 42)).rejects.toThrow();
    expect((await client.query("SELECT count(*)::int AS n FROM effects")).rows[0]).toEqual(before);
  });
});
