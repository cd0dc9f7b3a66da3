import { randomUUID } from "node:crypto";
import {
  ConcertCancelled,
  ConcertDeleted,
  type EventDefinition,
  type PayloadOf,
  TicketRefunded,
} from "@concert/contracts";
import { waitUntilHandled } from "@concert/service-kit";
import { outboxEvents, startForFile } from "@concert/testing";
import { jetstream } from "@nats-io/jetstream";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestTicketing } from "./helper.js";

const { service: ticketing, infra } = startForFile(startTestTicketing);
let admin: string;
let buyer: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin");
  buyer = ticketing.tokenFor("viewer");
});

const call: typeof ticketing.call = (...args) => ticketing.call(...args);
const prisma = () => ticketing.infra.prisma;

/**
 * Catalog's event as its relay publishes it, with the `occurred_at` catalog's transaction gave it:
 * the moment the concert stopped selling, which may lie before sales ticketing made meanwhile.
 */
async function catalogAnnounces<E extends EventDefinition>(
  event: E,
  payload: PayloadOf<E>,
  occurredAt: Date,
  id: string = randomUUID(),
): Promise<void> {
  const envelope = {
    id,
    name: event.name,
    version: event.version,
    occurred_at: occurredAt.toISOString(),
    payload,
  };
  await jetstream(ticketing.infra.nats).publish(
    `${infra.subjectPrefix}${event.subject}`,
    JSON.stringify(envelope),
    { msgID: randomUUID() },
  );
  await waitUntilHandled(ticketing.infra.nats, "ticketing", event, infra.subjectPrefix);
}

async function ticketsOf(concertId: string, quantity: number): Promise<{ id: string }[]> {
  const response = await call("POST", `/api/tickets/create/${concertId}`, admin, { quantity });
  expect(response.statusCode).toBe(201);
  return response.json();
}

async function purchase(concertId: string): Promise<string> {
  const response = await call("POST", "/api/tickets/purchase", buyer, { concert_id: concertId });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

async function markSold(ticketId: string, price?: number): Promise<string> {
  const response = await call("POST", `/api/tickets/${ticketId}/mark-sold`, admin, {
    buyer_name: "Box Office Buyer",
    buyer_email: "box@example.com",
    ...(price !== undefined && { price }),
  });
  expect(response.statusCode).toBe(200);
  return ticketId;
}

const unsoldTicket = async (concertId: string) =>
  (await prisma().ticket.findFirstOrThrow({ where: { concertId, status: "created" } })).id;

const statusOf = async (id: string) =>
  (await prisma().ticket.findUniqueOrThrow({ where: { id } })).status;

const voidsOf = async (concertId: string) =>
  (await outboxEvents(prisma(), TicketRefunded.subject))
    .map((row) => row.envelope.payload as PayloadOf<typeof TicketRefunded>)
    .filter((payload) => payload.concert_id === concertId);

/** Lets the clock move on, so "before" and "after" a moment are told apart at ms precision. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("sales that raced a cancellation", () => {
  it("voids every sale made after catalog cancelled (refunded, TicketRefunded with the price paid) and keeps the earlier ones", async () => {
    const concert = await ticketing.concert({ capacity: 8, ticket_price: 25 });
    const tickets = await ticketsOf(concert.concert_id, 8);
    const early = [await markSold(tickets[0]?.id as string), await purchase(concert.concert_id)];
    await tick();
    const cancelledAt = new Date();
    await tick();
    // Ticketing has not heard of the cancellation yet: these sales succeed, and must not stand.
    const late = [
      await purchase(concert.concert_id),
      await purchase(concert.concert_id),
      await markSold(await unsoldTicket(concert.concert_id), 40),
    ];

    const cancelled = { ...concert, version: 2, status: "cancelled" as const };
    const eventId = randomUUID();
    await catalogAnnounces(ConcertCancelled, cancelled, cancelledAt, eventId);

    for (const id of early) expect(await statusOf(id)).toBe("sold");
    for (const id of late) expect(await statusOf(id)).toBe("refunded");
    const voids = await voidsOf(concert.concert_id);
    expect(voids.map((v) => v.ticket_id).sort()).toEqual([...late].sort());
    for (const v of voids) {
      expect(v).toMatchObject({ status: "refunded", reason: "concert_cancelled", revision: 3 });
    }
    expect(voids.map((v) => v.amount).sort()).toEqual([25, 25, 40]);
    const refused = await call("POST", "/api/tickets/purchase", buyer, {
      concert_id: concert.concert_id,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({ detail: "Concert is cancelled" });
    const report = await call("GET", `/api/tickets/concert/${concert.concert_id}/sales`, admin);
    expect(report.json()).toMatchObject({ created: 8, sold: 2, refunded: 3, refunded_amount: 90 });

    // The same cancellation again (a redelivery past the broker's dedupe): nothing more happens.
    await catalogAnnounces(ConcertCancelled, cancelled, cancelledAt);
    expect(await voidsOf(concert.concert_id)).toHaveLength(3);
  });

  it("voids a sale made after catalog deleted the concert", async () => {
    const concert = await ticketing.concert({ capacity: 3 });
    await ticketsOf(concert.concert_id, 3);
    const early = await purchase(concert.concert_id);
    await tick();
    const deletedAt = new Date();
    await tick();
    const late = await purchase(concert.concert_id);

    await catalogAnnounces(
      ConcertDeleted,
      { concert_id: concert.concert_id, version: 2 },
      deletedAt,
    );

    expect(await statusOf(early)).toBe("sold");
    expect(await statusOf(late)).toBe("refunded");
    expect((await voidsOf(concert.concert_id)).map((v) => v.ticket_id)).toEqual([late]);
  });

  it("never lets a sale slip past the cancellation while it is applied: 40 purchases racing it, 10 times", async () => {
    for (let round = 0; round < 10; round++) {
      const concert = await ticketing.concert({ capacity: 40 });
      await ticketsOf(concert.concert_id, 40);
      const cancelledAt = new Date();
      const [answers] = await Promise.all([
        Promise.all(
          Array.from({ length: 40 }, () =>
            call("POST", "/api/tickets/purchase", buyer, { concert_id: concert.concert_id }),
          ),
        ),
        catalogAnnounces(
          ConcertCancelled,
          { ...concert, version: 2, status: "cancelled" },
          cancelledAt,
        ),
      ]);
      for (const answer of answers) expect([201, 409]).toContain(answer.statusCode);
      // Every sale still standing was made before the cancellation; every later one was voided.
      const tickets = await prisma().ticket.findMany({
        where: { concertId: concert.concert_id, soldAt: { not: null } },
      });
      expect(tickets).toHaveLength(answers.filter((a) => a.statusCode === 201).length);
      for (const ticket of tickets) {
        const after = (ticket.soldAt as Date) >= cancelledAt;
        expect({ id: ticket.id, status: ticket.status, after }).toEqual({
          id: ticket.id,
          status: after ? "refunded" : "sold",
          after,
        });
      }
      expect(await voidsOf(concert.concert_id)).toHaveLength(
        tickets.filter((ticket) => ticket.status === "refunded").length,
      );
    }
  });
});
