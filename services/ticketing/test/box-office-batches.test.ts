import { randomUUID } from "node:crypto";
import { TicketSold } from "@concert/contracts";
import { eventually, startTestInfra, type TestInfra } from "@concert/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTicketing, type TestTicketing } from "./helper.js";

let infra: TestInfra;
let replicas: TestTicketing[];
let observer: pg.Client;

// One sale statement at a time per replica: every box-office sale that arrives while it runs
// waits for the next one, which sells for all of them together (box-office-batcher.ts). Two
// replicas, as two ticketing processes behind the gateway.
beforeAll(async () => {
  infra = await startTestInfra();
  const settings = { BOX_OFFICE_SALES_AT_ONCE: "1" };
  replicas = [await startTestTicketing(infra, settings), await startTestTicketing(infra, settings)];
  observer = new pg.Client({ connectionString: infra.databaseUrl });
  await observer.connect();
});
afterAll(async () => {
  for (const replica of replicas ?? []) await replica.close();
  await observer?.end();
  await infra?.stop();
});

const ticketing = () => replicas[0] as TestTicketing;
const sell = (ticketId: string, body: object, replica = 0) =>
  (replicas[replica] as TestTicketing).call(
    "POST",
    `/api/tickets/${ticketId}/mark-sold`,
    ticketing().tokenFor("admin"),
    body,
  );

async function issued(quantity: number, overrides = {}): Promise<{ id: string }[]> {
  const concert = await ticketing().concert({ capacity: quantity, ...overrides });
  const created = await ticketing().call(
    "POST",
    `/api/tickets/create/${concert.concert_id}`,
    ticketing().tokenFor("admin"),
    { quantity },
  );
  expect(created.statusCode).toBe(201);
  return created.json();
}

/**
 * The sold rows of these tickets, each with when its transaction began (`updated_at` is the sale's
 * `now()`: tickets sold by one statement share it) and its TicketSold events.
 */
async function soldRowsOf(ticketIds: string[]) {
  const { rows } = await observer.query<{
    id: string;
    sold_in: string;
    events: { payload: Record<string, unknown> }[];
  }>(
    `SELECT t.id, t.updated_at::text AS sold_in,
            (SELECT coalesce(jsonb_agg(o.envelope), '[]') FROM ticketing.outbox_events o
              WHERE o.subject = $2 AND o.envelope -> 'payload' ->> 'ticket_id' = t.id::text) AS events
       FROM ticketing.tickets t
      WHERE t.id = ANY($1::uuid[])`,
    [ticketIds, TicketSold.subject],
  );
  return rows;
}

describe("box-office sales that arrive together are made together", () => {
  it("sells 30 tickets of two concerts asked at once in fewer statements than sales, each with its own values and event", async () => {
    const tickets = [
      ...(await issued(15, { ticket_price: 20 })),
      ...(await issued(15, { ticket_price: null })),
    ];
    const buyer = await ticketing().registered(`desk-${randomUUID()}@example.com`);
    const bodies = tickets.map((_, i) => ({
      buyer_name: `Buyer ${i}`,
      // Every third buyer has an account, which then owns the ticket.
      buyer_email: i % 3 === 0 ? buyer.email.toUpperCase() : `walk-in-${i}@example.com`,
      buyer_phone: i % 2 === 0 ? `+49 ${i}` : undefined,
      price: i % 4 === 0 ? 40 + i : undefined,
    }));

    const responses = await Promise.all(
      tickets.map((ticket, i) => sell(ticket.id, bodies[i] as object)),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(30).fill(200));
    const answers = responses.map((r) => r.json());
    const rows = new Map((await soldRowsOf(tickets.map((t) => t.id))).map((row) => [row.id, row]));
    answers.forEach((answer, i) => {
      const body = bodies[i] as (typeof bodies)[number];
      const price = body.price ?? (i < 15 ? 20 : null);
      const owner = i % 3 === 0 ? buyer.userId : null;
      expect(answer).toMatchObject({
        id: tickets[i]?.id,
        status: "sold",
        buyer_name: body.buyer_name,
        buyer_email: body.buyer_email.toLowerCase(),
        buyer_phone: body.buyer_phone ?? null,
        price,
        owner_id: owner,
      });
      const events = rows.get(answer.id)?.events ?? [];
      expect(events).toHaveLength(1);
      expect(events[0]?.payload).toMatchObject({
        ticket_id: answer.id,
        ticket_number: answer.ticket_number,
        owner_id: owner,
        price,
        revision: 2,
        buyer_email: body.buyer_email.toLowerCase(),
      });
    });
    // At least one statement sold more than one ticket.
    expect(new Set([...rows.values()].map((row) => row.sold_in)).size).toBeLessThan(30);
  });

  it("sells a ticket asked 20 times among other sales exactly once, and answers each refusal as a single sale does", async () => {
    const [twice, ...rest] = await issued(11);
    const [sold] = await issued(1);
    if (!twice || !sold) throw new Error("no ticket");
    expect(
      (await sell(sold.id, { buyer_name: "First", buyer_email: "f@example.com" })).statusCode,
    ).toBe(200);
    const unknown = randomUUID();
    const asks = [
      ...Array.from({ length: 20 }, (_, i) => ({ id: twice.id, name: `Twice ${i}` })),
      ...rest.map((ticket) => ({ id: ticket.id, name: "Other" })),
      { id: sold.id, name: "Late" },
      { id: unknown, name: "Nobody" },
    ];

    const responses = await Promise.all(
      asks.map(({ id, name }) => sell(id, { buyer_name: name, buyer_email: "b@example.com" })),
    );
    const ofTwice = responses.slice(0, 20);
    expect(ofTwice.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const refused of ofTwice.filter((r) => r.statusCode !== 200)) {
      expect(refused.statusCode).toBe(409);
      expect(refused.json().detail).toBe("Ticket is sold; only a created ticket can be sold");
    }
    expect(responses.slice(20, 30).map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(responses[30]?.statusCode).toBe(409);
    expect(responses[31]?.statusCode).toBe(404);

    const rows = await soldRowsOf([twice.id, sold.id]);
    for (const row of rows) expect(row.events).toHaveLength(1);
  });

  it("never deadlocks when two replicas sell the same tickets in opposite orders, and sells each once", async () => {
    const deadlocks = async () =>
      (
        await observer.query(
          "SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()",
        )
      ).rows[0].n as number;
    const before = await deadlocks();
    for (let round = 0; round < 10; round++) {
      // Two concerts, so the batches lock concerts as well as tickets.
      const tickets = [...(await issued(10)), ...(await issued(10))];
      const sales = [tickets, [...tickets].reverse()].flatMap((order, replica) =>
        order.map((ticket) =>
          sell(ticket.id, { buyer_name: `R${replica}`, buyer_email: "r@example.com" }, replica),
        ),
      );
      const statuses = (await Promise.all(sales)).map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 200)).toHaveLength(20);
      expect(statuses.filter((status) => status === 409)).toHaveLength(20);
    }
    // A deadlock would not show in the answers (the undone batch's sales run alone), only in
    // Postgres' count, which a backend reports when it exits: stop the replicas' connections first.
    for (const replica of replicas) await replica.close();
    replicas = [];
    await eventually(async () => {
      const { rows } = await observer.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
      return rows[0].n === 0;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await observer.query("SELECT pg_stat_clear_snapshot()");
    expect(await deadlocks()).toBe(before);
  }, 120_000);
});
