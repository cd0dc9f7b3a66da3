import { randomUUID } from "node:crypto";
import { TicketSold } from "@concert/contracts";
import { outboxEvents, startForFile } from "@concert/testing";
import { ticketCodeDigest } from "@concert/ticket-codes";
import { describe, expect, it } from "vitest";
import { startTestTicketing } from "./helper.js";

// A sale is one statement that also writes TicketSold, and part of its payload comes from the sold
// row (which ticket, its owner, revision and price): the stored envelope must still be exactly
// what the contract accepts and match the ticket the sale answered.
const { service: ticketing } = startForFile(startTestTicketing);

async function soldEvent(ticketId: string) {
  const events = await outboxEvents(ticketing.infra.prisma, TicketSold.subject);
  const found = events.filter((row) => row.envelope.payload.ticket_id === ticketId);
  expect(found).toHaveLength(1);
  return TicketSold.envelope.parse(found[0]?.envelope);
}

describe("TicketSold written by the sale statements", () => {
  it("purchase: the contract's envelope, with the sold ticket's fields and the buyer's account", async () => {
    const concert = await ticketing.concert({ capacity: 3, ticket_price: 12.5 });
    const admin = ticketing.tokenFor("admin");
    const created = await ticketing.call(
      "POST",
      `/api/tickets/batch/create/${concert.concert_id}`,
      admin,
      { quantity: 3 },
    );
    expect(created.statusCode).toBe(201);
    const buyer = await ticketing.registered(`sale-events-${randomUUID()}@example.com`);
    const token = ticketing.tokenFor("viewer", buyer);
    const answer = await ticketing.call("POST", "/api/tickets/purchase", token, {
      concert_id: concert.concert_id,
    });
    expect(answer.statusCode).toBe(201);
    const ticket = answer.json();
    expect(ticket.buyer_name).toBe("Registered Buyer");
    expect(ticket.qr_code_data.length).toBeGreaterThan(100);
    const { payload } = await soldEvent(ticket.id);
    expect(payload).toEqual({
      ticket_id: ticket.id,
      concert_id: concert.concert_id,
      ticket_number: ticket.ticket_number,
      status: "sold",
      code_version: 1,
      code_digest: ticketCodeDigest(ticket.qr_data),
      revision: 2,
      owner_id: buyer.userId,
      price: 12.5,
      buyer_email: buyer.email.toLowerCase(),
      sold_at: ticket.sold_at,
    });
  });

  it("mark-sold: the contract's envelope, the box office's price and the owner found by email", async () => {
    const concert = await ticketing.concert({ capacity: 2, ticket_price: null });
    const admin = ticketing.tokenFor("admin");
    const created = await ticketing.call(
      "POST",
      `/api/tickets/create/${concert.concert_id}`,
      admin,
      { quantity: 2 },
    );
    const [first, second] = created.json() as { id: string }[];
    const buyer = await ticketing.registered(`box-office-${randomUUID()}@example.com`);
    const sale = await ticketing.call("POST", `/api/tickets/${first?.id}/mark-sold`, admin, {
      buyer_name: "At The Desk",
      buyer_email: buyer.email,
      price: 30,
    });
    expect(sale.statusCode).toBe(200);
    const ticket = sale.json();
    expect(ticket.owner_id).toBe(buyer.userId);
    const { payload } = await soldEvent(ticket.id);
    expect(payload).toMatchObject({
      owner_id: buyer.userId,
      price: 30,
      revision: 2,
      code_digest: ticketCodeDigest(ticket.qr_data),
    });

    // No price anywhere: null in the ticket and in the event.
    const unpriced = await ticketing.call("POST", `/api/tickets/${second?.id}/mark-sold`, admin, {
      buyer_name: "Nobody Yet",
      buyer_email: `unknown-${randomUUID()}@example.com`,
    });
    expect(unpriced.statusCode).toBe(200);
    expect((await soldEvent(second?.id as string)).payload).toMatchObject({
      price: null,
      owner_id: null,
    });
  });
});
