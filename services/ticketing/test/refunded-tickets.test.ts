import { randomUUID } from "node:crypto";
import { TicketCreated, TicketRefunded, TicketRevoked } from "@concert/contracts";
import { waitUntilHandled } from "@concert/service-kit";
import { eventually, outboxEvents, publishEvent, startForFile } from "@concert/testing";
import { ticketCodeDigest } from "@concert/ticket-codes";
import { beforeAll, describe, expect, it } from "vitest";
import { qrDataOf } from "../src/domain/ticket-view.js";
import { startTestTicketing } from "./helper.js";

const { service: ticketing, infra } = startForFile(startTestTicketing);
let admin: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin");
});

/** A concert of `capacity` tickets at 25, all issued, one of them sold at the box office. */
async function concertWithOneSale(capacity = 3) {
  const concert = await ticketing.concert({ capacity, ticket_price: 25 });
  const created = await ticketing.call("POST", `/api/tickets/create/${concert.concert_id}`, admin, {
    quantity: capacity,
  });
  const sold = (created.json() as { id: string }[])[0]?.id as string;
  const sale = await ticketing.call("POST", `/api/tickets/${sold}/mark-sold`, admin, {
    buyer_name: "Fan",
    buyer_email: "fan@example.com",
    price: 40,
  });
  expect(sale.statusCode).toBe(200);
  return { concertId: concert.concert_id, ticketId: sold };
}

const revoke = (ticketId: string, concertId: string, refundId = randomUUID()) =>
  publishEvent(
    ticketing.infra.nats,
    infra.subjectPrefix,
    TicketRevoked,
    { ticket_id: ticketId, concert_id: concertId, refund_id: refundId },
    { messageId: randomUUID() },
  );

const ticketOf = (id: string) => ticketing.infra.prisma.ticket.findUniqueOrThrow({ where: { id } });

describe("a ticket the gate revoked for a refund", () => {
  it("becomes refunded, its seat goes back on sale, and the sales report shows the refund and its amount", async () => {
    const { concertId, ticketId } = await concertWithOneSale();
    const before = await ticketOf(ticketId);
    const refundId = randomUUID();
    await revoke(ticketId, concertId, refundId);
    await eventually(async () => (await ticketOf(ticketId)).status === "refunded");
    expect((await ticketOf(ticketId)).revision).toBe(before.revision + 1);

    const refunded = (await outboxEvents(ticketing.infra.prisma, TicketRefunded.subject)).filter(
      (row) => row.envelope.payload.ticket_id === ticketId,
    );
    expect(refunded.map((row) => row.envelope.payload)).toEqual([
      expect.objectContaining({
        status: "refunded",
        revision: before.revision + 1,
        refund_id: refundId,
        amount: 40,
        owner_id: before.ownerId,
      }),
    ]);
    const replacements = await ticketing.infra.prisma.ticket.findMany({
      where: { concertId, status: "created", createdAt: { gt: before.createdAt } },
    });
    expect(replacements).toHaveLength(1);
    const created = (await outboxEvents(ticketing.infra.prisma, TicketCreated.subject)).filter(
      (row) => row.envelope.payload.ticket_id === replacements[0]?.id,
    );
    expect(created).toHaveLength(1);
    // The seat's new ticket is announced with its code's digest, as every new ticket is.
    const replacement = replacements[0] as NonNullable<(typeof replacements)[0]>;
    expect(created[0]?.envelope.payload.code_digest).toBe(
      ticketCodeDigest(qrDataOf(replacement, ticketing.keys.ticketCodeSigning)),
    );

    const report = await ticketing.call("GET", `/api/tickets/concert/${concertId}/sales`, admin);
    expect(report.json()).toMatchObject({
      capacity: 3,
      created: 4,
      sold: 0,
      refunded: 1,
      refunded_amount: 40,
      available: 3,
      revenue: 0,
    });
    // The issued count is unchanged: a full concert still takes no new ticket.
    const more = await ticketing.call("POST", `/api/tickets/create/${concertId}`, admin);
    expect(more.statusCode).toBe(409);
  });

  it("sells the returned seat to the next buyer", async () => {
    const { concertId, ticketId } = await concertWithOneSale(1);
    const buyer = await ticketing.registered(`buyer-${randomUUID()}@example.com`);
    const soldOut = await ticketing.call(
      "POST",
      "/api/tickets/purchase",
      ticketing.tokenFor("viewer", buyer),
      {
        concert_id: concertId,
      },
    );
    expect(soldOut.statusCode).toBe(409);
    await revoke(ticketId, concertId);
    await eventually(async () => (await ticketOf(ticketId)).status === "refunded");
    const bought = await ticketing.call(
      "POST",
      "/api/tickets/purchase",
      ticketing.tokenFor("viewer", buyer),
      {
        concert_id: concertId,
      },
    );
    expect(bought.statusCode).toBe(201);
    expect(bought.json()).toMatchObject({ status: "sold", owner_id: buyer.userId });
  });

  it("refunds once when the revocation is delivered again", async () => {
    const { concertId, ticketId } = await concertWithOneSale();
    const refundId = randomUUID();
    await revoke(ticketId, concertId, refundId);
    await revoke(ticketId, concertId, refundId);
    await waitUntilHandled(ticketing.infra.nats, "ticketing", TicketRevoked, infra.subjectPrefix);
    const refunded = (await outboxEvents(ticketing.infra.prisma, TicketRefunded.subject)).filter(
      (row) => row.envelope.payload.ticket_id === ticketId,
    );
    expect(refunded).toHaveLength(1);
    expect(await ticketing.infra.prisma.ticket.count({ where: { concertId } })).toBe(4);
  });

  it("leaves a ticket that was never sold as it is", async () => {
    const concert = await ticketing.concert();
    const created = await ticketing.call(
      "POST",
      `/api/tickets/create/${concert.concert_id}`,
      admin,
    );
    const id = created.json().id as string;
    await revoke(id, concert.concert_id);
    await waitUntilHandled(ticketing.infra.nats, "ticketing", TicketRevoked, infra.subjectPrefix);
    expect((await ticketOf(id)).status).toBe("created");
  });
});
