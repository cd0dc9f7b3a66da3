import { randomUUID } from "node:crypto";
import { TicketSold } from "@concert/contracts";
import {
  deadlocksOnceIdle,
  deadlocksSoFar,
  rawSession,
  someoneWaitsOn,
  startTestInfra,
  type TestInfra,
} from "@concert/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTicketing, type TestTicketing } from "./helper.js";

let infra: TestInfra;
let replicas: TestTicketing[];
let observer: pg.Client;

// One sale statement at a time per replica: every sale that arrives while it runs waits for the
// next one, which sells for all of them together (sale-batcher.ts). Two replicas, as two
// ticketing processes behind the gateway.
beforeAll(async () => {
  infra = await startTestInfra();
  const settings = { SALES_AT_ONCE: "1" };
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
 * The sold tickets, each with its TicketSold events and when the transaction that wrote them
 * began (the outbox row's `created_at`, the transaction's `now()` to the microsecond: tickets sold
 * by one statement share it).
 */
async function soldRowsOf(ticketIds: string[]) {
  const { rows } = await observer.query<{
    id: string;
    sold_in: string | null;
    events: { payload: Record<string, unknown> }[];
  }>(
    `SELECT t.id,
            (SELECT max(o.created_at)::text FROM ticketing.outbox_events o
              WHERE o.subject = $2 AND o.envelope -> 'payload' ->> 'ticket_id' = t.id::text) AS sold_in,
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
      // The single sale's answer: "is sold" when it read the sold row, "was sold concurrently"
      // when it waited for the row while another statement sold it.
      expect(refused.json().detail).toMatch(
        /^Ticket (is sold; only a created|was sold concurrently)/,
      );
    }
    expect(responses.slice(20, 30).map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(responses[30]?.statusCode).toBe(409);
    expect(responses[31]?.statusCode).toBe(404);

    const rows = await soldRowsOf([twice.id, sold.id]);
    for (const row of rows) expect(row.events).toHaveLength(1);
  });

  it("hands 30 buyers of two concerts, asking at once, a different ticket each until sold out, each with its event", async () => {
    const [small, large] = [await issued(8), await issued(40)];
    const concertOf = async (ticketId: string) =>
      (await observer.query("SELECT concert_id FROM ticketing.tickets WHERE id = $1", [ticketId]))
        .rows[0].concert_id as string;
    const smallConcert = await concertOf((small[0] as { id: string }).id);
    const largeConcert = await concertOf((large[0] as { id: string }).id);
    const buyers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0
          ? ticketing().registered(`buyer-${i}-${randomUUID()}@example.com`)
          : Promise.resolve({
              userId: randomUUID(),
              email: `anon-${i}-${randomUUID()}@example.com`,
            }),
      ),
    );
    // Buyers 0–14 want the small concert (8 tickets), 15–29 the large one.
    const responses = await Promise.all(
      buyers.map((buyer, i) =>
        ticketing().call(
          "POST",
          "/api/tickets/purchase",
          ticketing().tokenFor("viewer", { ...buyer, role: "viewer", accessVersion: 1 }),
          { concert_id: i < 15 ? smallConcert : largeConcert },
        ),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.slice(0, 15).filter((s) => s === 201)).toHaveLength(8);
    for (const soldOut of responses.slice(0, 15).filter((r) => r.statusCode !== 201)) {
      expect(soldOut.statusCode).toBe(409);
      expect(soldOut.json().detail).toBe("Sold out: no tickets left for this concert");
    }
    expect(statuses.slice(15)).toEqual(Array(15).fill(201));

    const sold = responses
      .map((r, i) => ({ answer: r.json(), buyer: buyers[i] }))
      .filter((_, i) => statuses[i] === 201);
    expect(new Set(sold.map(({ answer }) => answer.id)).size).toBe(23);
    const rows = new Map(
      (await soldRowsOf(sold.map(({ answer }) => answer.id))).map((row) => [row.id, row]),
    );
    for (const { answer, buyer } of sold) {
      expect(answer).toMatchObject({
        status: "sold",
        owner_id: buyer?.userId,
        buyer_email: buyer?.email.toLowerCase(),
      });
      const events = rows.get(answer.id)?.events ?? [];
      expect(events).toHaveLength(1);
      expect(events[0]?.payload).toMatchObject({
        ticket_id: answer.id,
        ticket_number: answer.ticket_number,
        owner_id: buyer?.userId,
        revision: 2,
      });
    }
    // The small concert's 8 tickets went to 8 of its buyers: none skipped, none twice.
    const smallSold = sold
      .filter(({ answer }) => answer.concert_id === smallConcert)
      .map(({ answer }) => answer.id)
      .sort();
    expect(smallSold).toEqual(small.map((t) => t.id).sort());
    // At least one statement sold more than one ticket.
    expect(new Set([...rows.values()].map((row) => row.sold_in)).size).toBeLessThan(23);
  });

  it("sells each ticket once when the box office and buyers sell one concert at once", async () => {
    const tickets = await issued(20);
    const concert = (
      await observer.query("SELECT concert_id FROM ticketing.tickets WHERE id = $1", [
        tickets[0]?.id,
      ])
    ).rows[0].concert_id as string;
    const desk = tickets
      .slice(0, 10)
      .map((ticket) => sell(ticket.id, { buyer_name: "Desk", buyer_email: "desk@example.com" }));
    const online = Array.from({ length: 15 }, () =>
      ticketing().call(
        "POST",
        "/api/tickets/purchase",
        ticketing().tokenFor("viewer", {
          userId: randomUUID(),
          email: `online-${randomUUID()}@example.com`,
          role: "viewer",
          accessVersion: 1,
        }),
        { concert_id: concert },
      ),
    );
    const responses = await Promise.all([...desk, ...online]);
    const soldIds = responses
      .filter((r) => r.statusCode === 200 || r.statusCode === 201)
      .map((r) => r.json().id);
    expect(soldIds).toHaveLength(20);
    expect(new Set(soldIds).size).toBe(20);
    expect(responses.every((r) => [200, 201, 409].includes(r.statusCode))).toBe(true);
    const rows = await soldRowsOf(tickets.map((t) => t.id));
    for (const row of rows) expect(row.events).toHaveLength(1);
  });

  it("sells the rest of a batch at once while other work holds one of its tickets", async () => {
    const [held, first, ...rest] = await issued(5);
    const holders = [await rawSession(infra.databaseUrl), await rawSession(infra.databaseUrl)];
    try {
      for (const [i, ticket] of [held, first].entries()) {
        await holders[i]?.query("BEGIN");
        await holders[i]?.query("SELECT 1 FROM ticketing.tickets WHERE id = $1 FOR UPDATE", [
          ticket?.id,
        ]);
      }
      const body = { buyer_name: "Desk", buyer_email: "desk@example.com" };
      // The one statement at a time waits for `first`; the next sales queue behind it as one batch.
      const firstSale = sell(first?.id as string, body);
      await someoneWaitsOn(observer, (holders[1] as { pid: number }).pid);
      const heldSale = sell(held?.id as string, body);
      const restSales = rest.map((ticket) => sell(ticket.id, body));
      // Nothing outside the batcher shows its queue: the four requests reach it within a few turns
      // of the event loop, so 300 ms lets all of them queue before the statement frees up (one
      // arriving after that would run alone, `held` then blocking the only statement).
      await new Promise((resolve) => setTimeout(resolve, 300));
      await holders[1]?.query("ROLLBACK");
      expect((await firstSale).statusCode).toBe(200);

      // `held` is still held: the batch sells the others without waiting for it.
      const answered = await Promise.race([
        Promise.all(restSales),
        new Promise((resolve) => setTimeout(() => resolve("still waiting"), 10_000)),
      ]);
      expect(answered).not.toBe("still waiting");
      expect((answered as { statusCode: number }[]).map((r) => r.statusCode)).toEqual([
        200, 200, 200,
      ]);
      const soldIn = (await soldRowsOf(rest.map((t) => t.id))).map((row) => row.sold_in);
      expect(new Set(soldIn).size).toBe(1);

      // Its own sale waited alone for it, and sells it once it is let go.
      await holders[0]?.query("ROLLBACK");
      expect((await heldSale).statusCode).toBe(200);
    } finally {
      for (const holder of holders) await holder.end().catch(() => {});
    }
  });

  it("never deadlocks when two replicas sell the same tickets in opposite orders, and sells each once", async () => {
    const before = await deadlocksSoFar(observer);
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
    // Last in this file: it stops the replicas. A deadlock would not show in the answers (the
    // undone batch's sales run alone), only in Postgres' count.
    for (const replica of replicas) await replica.close();
    replicas = [];
    expect(await deadlocksOnceIdle(observer)).toBe(before);
  }, 120_000);
});
