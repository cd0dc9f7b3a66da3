import { TicketCreated } from "@concert/contracts";
import { HttpError } from "@concert/service-kit";
import { outboxEvents, startForFile } from "@concert/testing";
import { newTicketNumber, ticketCodeDigest } from "@concert/ticket-codes";
import { beforeAll, describe, expect, it } from "vitest";
import { createTickets } from "../src/domain/create-tickets.js";
import { TICKET_NUMBER_ATTEMPTS } from "../src/domain/ticket-numbers.js";
import { qrDataOf } from "../src/domain/ticket-view.js";
import { startTestTicketing } from "./helper.js";

const { service: ticketing } = startForFile(startTestTicketing);
let admin: string;

beforeAll(() => {
  admin = ticketing.tokenFor("admin");
});

/** Numbers from `first`, in order, then random ones: a generator that collides on purpose. */
function numbersStartingWith(first: string[]) {
  const queue = [...first];
  return () => queue.shift() ?? newTicketNumber();
}

async function issuedTickets(concertId: string, quantity: number): Promise<string[]> {
  const response = await ticketing.call("POST", `/api/tickets/batch/create/${concertId}`, admin, {
    quantity,
  });
  expect(response.statusCode).toBe(201);
  return response.json().ticket_numbers;
}

const concertRow = (id: string) =>
  ticketing.infra.prisma.concert.findUniqueOrThrow({ where: { id } });

describe("ticket numbers that collide", () => {
  it("draws a new number for each ticket whose number is taken, and the batch succeeds whole", async () => {
    const concert = await ticketing.concert({ capacity: 100 });
    const taken = await issuedTickets(concert.concert_id, 5);
    const createdBefore = (await outboxEvents(ticketing.infra.prisma, TicketCreated.subject))
      .length;

    // Every taken number, and one number twice within the batch itself.
    const twice = newTicketNumber();
    const tickets = await createTickets(
      ticketing.infra.prisma,
      ticketing.keys.ticketCodeSigning,
      concert.concert_id,
      20,
      undefined,
      numbersStartingWith([...taken, twice, twice]),
    );

    expect(tickets).toHaveLength(20);
    const numbers = tickets.map((ticket) => ticket.ticketNumber);
    expect(new Set(numbers).size).toBe(20);
    for (const number of taken) expect(numbers).not.toContain(number);
    expect(numbers).toContain(twice);
    // Each digest is of the code under the number the ticket ended with, not a number it lost.
    for (const ticket of tickets) {
      expect(ticket.codeDigest).toBe(
        ticketCodeDigest(qrDataOf(ticket, ticketing.keys.ticketCodeSigning)),
      );
    }
    expect(
      await ticketing.infra.prisma.ticket.count({ where: { concertId: concert.concert_id } }),
    ).toBe(25);
    expect((await concertRow(concert.concert_id)).ticketsIssued).toBe(25);
    const created = await outboxEvents(ticketing.infra.prisma, TicketCreated.subject);
    expect(created.length - createdBefore).toBe(20);
  });

  it("answers 503 with a detail and creates nothing when no free number is found in the attempts allowed", async () => {
    const concert = await ticketing.concert({ capacity: 100 });
    const [taken] = await issuedTickets(concert.concert_id, 1);
    let draws = 0;
    const alwaysTaken = () => {
      draws++;
      return taken as string;
    };

    const failure = await createTickets(
      ticketing.infra.prisma,
      ticketing.keys.ticketCodeSigning,
      concert.concert_id,
      3,
      undefined,
      alwaysTaken,
    ).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(HttpError);
    expect(failure).toMatchObject({ statusCode: 503 });
    expect((failure as HttpError).detail).toMatch(/unique ticket number.*nothing was created/);
    expect(draws).toBe(3 * TICKET_NUMBER_ATTEMPTS);
    expect(
      await ticketing.infra.prisma.ticket.count({ where: { concertId: concert.concert_id } }),
    ).toBe(1);
    expect((await concertRow(concert.concert_id)).ticketsIssued).toBe(1);
  });
});
