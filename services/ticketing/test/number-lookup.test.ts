import { ConcertCancelled } from "@concert/contracts";
import { eventually, publishEvent, startForFile } from "@concert/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { startTestTicketing } from "./helper.js";

// Issue 9, item 10: a number lookup gave scanners the QR data and the buyer's details.
const { service: ticketing, infra } = startForFile(startTestTicketing);
let admin: string;
let scanner: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin");
  scanner = ticketing.tokenFor("scanner");
});

const call: typeof ticketing.call = (...args) => ticketing.call(...args);
const lookUp = (number: string, token: string) =>
  call("GET", `/api/tickets/number/${number}`, token);

async function soldTicket(concertId: string) {
  const created = await call("POST", `/api/tickets/create/${concertId}`, admin);
  expect(created.statusCode).toBe(201);
  const sold = await call("POST", `/api/tickets/${created.json().id}/mark-sold`, admin, {
    buyer_name: "Ada Buyer",
    buyer_email: "ada@example.com",
    buyer_phone: "+44 20 7946 0000",
  });
  expect(sold.statusCode).toBe(200);
  return sold.json() as { id: string; ticket_number: string; concert_id: string };
}

describe("looking a ticket up by its number", () => {
  it("gives a scanner only what the gate needs: no QR data, no buyer, no owner, no price", async () => {
    const concert = await ticketing.concert();
    const ticket = await soldTicket(concert.concert_id);

    const found = await lookUp(ticket.ticket_number.replace("-", "").toLowerCase(), scanner);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({
      id: ticket.id,
      ticket_number: ticket.ticket_number,
      concert_id: concert.concert_id,
      status: "sold",
      admissible: true,
    });
    expect(found.body).not.toMatch(/Ada|ada@example\.com|7946|"sig"|qr_/);
  });

  it("keeps the whole ticket, the seed's shape, for an admin", async () => {
    const concert = await ticketing.concert();
    const ticket = await soldTicket(concert.concert_id);
    const found = await lookUp(ticket.ticket_number, admin);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({
      id: ticket.id,
      ticket_number: ticket.ticket_number,
      status: "sold",
      buyer_name: "Ada Buyer",
      buyer_email: "ada@example.com",
      buyer_phone: "+44 20 7946 0000",
      qr_data: expect.stringContaining('"sig"'),
      qr_code_data: expect.any(String),
      owner_id: null,
      price: 25,
    });
  });

  it("tells a scanner a ticket is not admissible when unsold or its concert is cancelled; 403 for a viewer", async () => {
    const concert = await ticketing.concert();
    const unsold = await call("POST", `/api/tickets/create/${concert.concert_id}`, admin);
    const sold = await soldTicket(concert.concert_id);
    expect((await lookUp(unsold.json().ticket_number, scanner)).json()).toMatchObject({
      status: "created",
      admissible: false,
    });
    expect((await lookUp(sold.ticket_number, ticketing.tokenFor("viewer"))).statusCode).toBe(403);

    await publishEvent(ticketing.infra.nats, infra.subjectPrefix, ConcertCancelled, {
      ...concert,
      version: 2,
      status: "cancelled",
    });
    await eventually(() =>
      ticketing.infra.prisma.concert.findFirst({
        where: { id: concert.concert_id, status: "cancelled" },
      }),
    );
    expect((await lookUp(sold.ticket_number, scanner)).json()).toMatchObject({
      status: "sold",
      admissible: false,
    });
  });
});
