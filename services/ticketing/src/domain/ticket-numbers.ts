import { HttpError } from "@concert/service-kit";
import { newTicketNumber } from "@concert/ticket-codes";
import type { Tx } from "../app-context.js";
import type { Prisma, Ticket } from "../generated/prisma/client.js";

/** Where new ticket numbers come from: random in production, chosen by a test that forces collisions. */
export type TicketNumberSource = () => string;

/**
 * How many numbers one ticket may draw. With 40 random bits a second collision in a row is already
 * astronomically unlikely; more attempts only matter when the source is broken.
 */
export const TICKET_NUMBER_ATTEMPTS = 5;

type UnnumberedTicket = Omit<Prisma.TicketCreateManyInput, "ticketNumber"> & { id: string };

/**
 * Inserts `tickets`, each under a freshly drawn number. A number already taken (by a stored ticket,
 * a concurrent batch, or another ticket of this batch) is skipped by `ON CONFLICT DO NOTHING`
 * rather than aborting the transaction, and only the skipped tickets draw again, so one collision
 * never fails the batch. After `TICKET_NUMBER_ATTEMPTS` draws a ticket still without a number
 * fails the whole transaction with 503 (nothing is created); the caller may retry.
 * Answers the tickets in the order given.
 */
export async function insertNumberedTickets(
  tx: Tx,
  tickets: readonly UnnumberedTicket[],
  nextNumber: TicketNumberSource = newTicketNumber,
): Promise<Ticket[]> {
  const inserted = new Map<string, Ticket>();
  let waiting = tickets;
  for (let attempt = 1; waiting.length > 0; attempt++) {
    if (attempt > TICKET_NUMBER_ATTEMPTS) {
      throw new HttpError(
        503,
        `Could not give ${waiting.length} of ${tickets.length} ticket(s) a unique ticket number in ${TICKET_NUMBER_ATTEMPTS} attempts; nothing was created, retry`,
        { "retry-after": "1" },
      );
    }
    const rows = await tx.ticket.createManyAndReturn({
      data: waiting.map((ticket) => ({ ...ticket, ticketNumber: nextNumber() })),
      skipDuplicates: true,
    });
    for (const row of rows) inserted.set(row.id, row);
    waiting = waiting.filter((ticket) => !inserted.has(ticket.id));
  }
  return tickets.map((ticket) => inserted.get(ticket.id) as Ticket);
}
