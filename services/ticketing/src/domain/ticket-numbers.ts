import type { KeyObject } from "node:crypto";
import { HttpError } from "@concert/service-kit";
import { FIRST_CODE_VERSION, newTicketNumber } from "@concert/ticket-codes";
import type { Tx } from "../app-context.js";
import type { Prisma, Ticket } from "../generated/prisma/client.js";
import { codeDigestOf } from "./ticket-view.js";

/** Where new ticket numbers come from: random in production, chosen by a test that forces collisions. */
export type TicketNumberSource = () => string;

/**
 * How many numbers one ticket may draw. With 40 random bits a second collision in a row is already
 * astronomically unlikely; more attempts only matter when the source is broken.
 */
export const TICKET_NUMBER_ATTEMPTS = 5;

type UnnumberedTicket = Omit<Prisma.TicketCreateManyInput, "ticketNumber" | "codeDigest"> & {
  id: string;
};

/**
 * Inserts `tickets`, each under a freshly drawn number and with its code's digest (signed with
 * `key`: the number is part of the code, so a redrawn number gets its own). A number already taken (by a stored ticket,
 * a concurrent batch, or another ticket of this batch) is skipped by `ON CONFLICT DO NOTHING`
 * rather than aborting the transaction, and only the skipped tickets draw again, so one collision
 * never fails the batch. After `TICKET_NUMBER_ATTEMPTS` draws a ticket still without a number
 * fails the whole transaction with 503 (nothing is created); the caller may retry.
 * Answers the tickets in the order given.
 */
export async function insertNumberedTickets(
  tx: Tx,
  key: KeyObject,
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
      data: waiting.map((ticket) => numbered(ticket, nextNumber(), key)),
      skipDuplicates: true,
    });
    for (const row of rows) inserted.set(row.id, row);
    waiting = waiting.filter((ticket) => !inserted.has(ticket.id));
  }
  return tickets.map((ticket) => inserted.get(ticket.id) as Ticket);
}

/** The ticket under `ticketNumber`, with the digest of the code that number gives it. */
function numbered(ticket: UnnumberedTicket, ticketNumber: string, key: KeyObject) {
  const codeDigest = codeDigestOf(
    {
      ticketId: ticket.id,
      concertId: ticket.concertId,
      ticketNumber,
      codeVersion: ticket.codeVersion ?? FIRST_CODE_VERSION,
    },
    key,
  );
  return Object.assign({}, ticket, { ticketNumber, codeDigest });
}
