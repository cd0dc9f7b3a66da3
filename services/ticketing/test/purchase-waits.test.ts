import { randomUUID } from "node:crypto";
import { rawSession, someoneWaitsOn, startForFile, type TestInfra } from "@concert/testing";
import type pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startTestTicketing, type TestTicketing } from "./helper.js";

// Ticketing twice on one database: without a per-buyer limit (a purchase runs on the pool) and
// with one (a purchase runs in a transaction of its own).
async function startBoth(infra: TestInfra) {
  const plain = await startTestTicketing(infra);
  const limited = await startTestTicketing(infra, { MAX_TICKETS_PER_BUYER: "5" });
  return {
    plain,
    limited,
    close: async () => {
      await plain.close();
      await limited.close();
    },
  };
}

const { service: both, infra } = startForFile(startBoth);

/** Raw sessions standing for other work on the tickets; rolled back and closed after each test. */
let sessions: pg.Client[] = [];
afterEach(async () => {
  for (const session of sessions) await session.end();
  sessions = [];
});

async function session() {
  const client = await rawSession(infra.databaseUrl);
  sessions.push(client);
  return client;
}

/** A concert with two tickets, in sale order. */
async function twoTickets(ticketing: TestTicketing) {
  const concert = await ticketing.concert({ capacity: 2 });
  const created = await ticketing.call(
    "POST",
    `/api/tickets/create/${concert.concert_id}`,
    ticketing.tokenFor("admin"),
    { quantity: 2 },
  );
  expect(created.statusCode).toBe(201);
  const observer = await session();
  const { rows } = await observer.query(
    `SELECT id FROM ticketing.tickets WHERE concert_id = $1 ORDER BY created_at, ticket_number`,
    [concert.concert_id],
  );
  return {
    concertId: concert.concert_id,
    first: rows[0].id as string,
    second: rows[1].id as string,
  };
}

// The cycle this guards against: a purchase's `SKIP LOCKED` steps onto a ticket sold after its
// snapshot and keeps that ticket locked; if the same transaction then waits for a held ticket
// earlier in sale order, whoever holds that one and next needs the stale one (another waiting
// purchase did) closes a deadlock. Here raw sessions make it happen on cue: `first` is held,
// `second` is sold between the purchase's snapshot and its step onto it (the purchase waits on its
// concert's lock meanwhile), and the holder of `first` then asks for `second`.
describe.each([
  { path: "on the pool", instance: "plain", key: undefined },
  { path: "in an Idempotency-Key's transaction", instance: "plain", key: "k" },
  { path: "in the per-buyer limit's transaction", instance: "limited", key: undefined },
] as const)("a purchase that finds every ticket held, $path", ({ instance, key }) => {
  it("waits without holding the ticket it skipped, and gets the held one once it is let go", async () => {
    const ticketing = both[instance];
    const { concertId, first, second } = await twoTickets(ticketing);
    const [holder, seller, canceller, observer] = [
      await session(),
      await session(),
      await session(),
      await session(),
    ];
    // The holder's own check finds a deadlock long before the purchase's (1 s), so a cycle
    // fails the holder's statement below rather than the purchase.
    await holder.query("SET deadlock_timeout = '50ms'");
    await holder.query("BEGIN");
    await holder.query("SELECT 1 FROM ticketing.tickets WHERE id = $1 FOR UPDATE", [first]);
    await seller.query("BEGIN");
    await seller.query("UPDATE ticketing.tickets SET status = 'sold' WHERE id = $1", [second]);
    await canceller.query("BEGIN");
    await canceller.query("SELECT 1 FROM ticketing.concerts WHERE id = $1 FOR UPDATE", [concertId]);

    const buyer = { userId: randomUUID(), email: `b-${randomUUID()}@example.com` };
    const purchase = ticketing.app.inject({
      method: "POST",
      url: "/api/tickets/purchase",
      payload: { concert_id: concertId },
      headers: {
        authorization: `Bearer ${ticketing.tokenFor("viewer", { ...buyer, role: "viewer", accessVersion: 1 })}`,
        ...(key && { "idempotency-key": `${key}-${randomUUID()}` }),
      },
    });
    await someoneWaitsOn(observer, canceller.pid);
    await seller.query("COMMIT");
    await canceller.query("ROLLBACK");
    await someoneWaitsOn(observer, holder.pid);

    await expect(
      holder.query("SELECT 1 FROM ticketing.tickets WHERE id = $1 FOR UPDATE", [second]),
    ).resolves.toMatchObject({ rowCount: 1 });
    await holder.query("ROLLBACK");
    const answer = await purchase;
    expect(answer.statusCode).toBe(201);
    expect(answer.json()).toMatchObject({ id: first, status: "sold" });
  });
});
