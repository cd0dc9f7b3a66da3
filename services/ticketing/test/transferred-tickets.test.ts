import { randomUUID } from "node:crypto";
import { TicketHandedOver, TicketTransferred } from "@concert/contracts";
import { waitUntilHandled } from "@concert/service-kit";
import { eventually, outboxEvents, publishEvent, startForFile } from "@concert/testing";
import { ticketCodeDigest } from "@concert/ticket-codes";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestTicketing } from "./helper.js";

const { service: ticketing, infra } = startForFile(startTestTicketing);
let admin: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin");
});

const ticketOf = (id: string) => ticketing.infra.prisma.ticket.findUniqueOrThrow({ where: { id } });

/** One ticket sold at the box office to a fresh email, and that buyer's account. */
async function soldToSomeone() {
  const email = `sender-${randomUUID()}@example.com`;
  const concert = await ticketing.concert({ capacity: 2, ticket_price: 25 });
  const created = await ticketing.call("POST", `/api/tickets/create/${concert.concert_id}`, admin, {
    quantity: 1,
  });
  const ticketId = (created.json() as { id: string }[])[0]?.id as string;
  await ticketing.call("POST", `/api/tickets/${ticketId}/mark-sold`, admin, {
    buyer_name: "Fan",
    buyer_email: email,
    price: 40,
  });
  const sender = await ticketing.registered(email);
  await eventually(async () => (await ticketOf(ticketId)).ownerId === sender.userId);
  return { concertId: concert.concert_id, ticketId, sender };
}

const handOver = (ticketId: string, concertId: string, toUserId: string, transferId: string) =>
  publishEvent(
    ticketing.infra.nats,
    infra.subjectPrefix,
    TicketHandedOver,
    {
      transfer_id: transferId,
      ticket_id: ticketId,
      concert_id: concertId,
      to_user_id: toUserId,
      code_version: 2,
    },
    { messageId: randomUUID() },
  );

const mine = async (identity: { userId: string; email: string }) =>
  (
    await ticketing.call("GET", "/api/tickets/mine", ticketing.tokenFor("viewer", identity))
  ).json() as { id: string; ticket_number: string; qr_data: string; status: string }[];

describe("a ticket the gate handed over for a transfer", () => {
  it("leaves the sender's tickets and appears in the recipient's, transferred, with a new number and code", async () => {
    const { concertId, ticketId, sender } = await soldToSomeone();
    const [before] = await mine(sender);
    const recipient = { userId: randomUUID(), email: `to-${randomUUID()}@example.com` };
    const transferId = randomUUID();
    await handOver(ticketId, concertId, recipient.userId, transferId);
    await eventually(async () => (await ticketOf(ticketId)).status === "transferred");

    expect(await mine(sender)).toEqual([]);
    const [after] = await mine(recipient);
    expect(after).toMatchObject({ id: ticketId, status: "transferred" });
    expect(after?.ticket_number).not.toBe(before?.ticket_number);
    expect(after?.qr_data).not.toBe(before?.qr_data);
    const ticket = await ticketOf(ticketId);
    const announced = (await outboxEvents(ticketing.infra.prisma, TicketTransferred.subject))
      .map((row) => row.envelope.payload)
      .filter((p) => p.ticket_id === ticketId);
    expect(announced).toEqual([
      expect.objectContaining({
        transfer_id: transferId,
        from_user_id: sender.userId,
        owner_id: recipient.userId,
        code_version: 2,
        // The gate admits the new code by this digest alone (the old one no longer matches).
        code_digest: ticketCodeDigest(after?.qr_data as string),
        ticket_number: ticket.ticketNumber,
        revision: ticket.revision,
        status: "transferred",
      }),
    ]);
  });

  it("changes nothing more when the handover is delivered again", async () => {
    const { concertId, ticketId } = await soldToSomeone();
    const to = randomUUID();
    const transferId = randomUUID();
    await handOver(ticketId, concertId, to, transferId);
    await eventually(async () => (await ticketOf(ticketId)).status === "transferred");
    const once = await ticketOf(ticketId);
    await handOver(ticketId, concertId, to, transferId);
    await waitUntilHandled(
      ticketing.infra.nats,
      "ticketing",
      TicketHandedOver,
      infra.subjectPrefix,
    );
    expect(await ticketOf(ticketId)).toEqual(once);
    const announced = (
      await outboxEvents(ticketing.infra.prisma, TicketTransferred.subject)
    ).filter((row) => row.envelope.payload.ticket_id === ticketId);
    expect(announced).toHaveLength(1);
  });
});
