import { type KeyObject, randomUUID } from "node:crypto";
import { ConcertStatus, TicketCreated } from "@concert/contracts";
import { ConflictError, NotFoundError, recordEvents } from "@concert/service-kit";
import type { PrismaClient, Ticket } from "../generated/prisma/client.js";
import { insertNumberedTickets, type TicketNumberSource } from "./ticket-numbers.js";
import { toTicketSnapshot } from "./ticket-view.js";

/**
 * Issues `quantity` tickets in one transaction, each at `price` (the concert's ticket price when
 * not given). The concert's issued count is raised with a conditional UPDATE, so concurrent
 * batches can never together pass the capacity; a concert without capacity has no limit.
 * A ticket number already taken is drawn again for that ticket alone (see insertNumberedTickets).
 * `key` signs each code once, for the digest its TicketCreated carries.
 */
export async function createTickets(
  prisma: PrismaClient,
  key: KeyObject,
  concertId: string,
  quantity: number,
  price?: number | null,
  nextNumber?: TicketNumberSource,
): Promise<Ticket[]> {
  return prisma.$transaction(async (tx) => {
    const reserved = await tx.$queryRaw<{ ticket_price: string | null }[]>`
      UPDATE concerts SET tickets_issued = tickets_issued + ${quantity}
       WHERE id = ${concertId}::uuid AND status = ${ConcertStatus.enum.scheduled}::text
         AND (capacity IS NULL OR tickets_issued + ${quantity} <= capacity)
      RETURNING ticket_price::text`;
    const concert = reserved[0];
    if (!concert) throw await refusal(tx, concertId);
    const tickets = await insertNumberedTickets(
      tx,
      key,
      Array.from({ length: quantity }, () => ({
        id: randomUUID(),
        concertId,
        price: price ?? concert.ticket_price,
      })),
      nextNumber,
    );
    await recordEvents(tx, TicketCreated, tickets.map(toTicketSnapshot));
    return tickets;
  });
}

/** Why no ticket could be issued: the 404 or 409 to answer. */
async function refusal(
  tx: Pick<PrismaClient, "concert">,
  concertId: string,
): Promise<NotFoundError | ConflictError> {
  const concert = await tx.concert.findUnique({ where: { id: concertId } });
  if (!concert) return new NotFoundError("Concert not found");
  if (concert.status !== ConcertStatus.enum.scheduled)
    return new ConflictError(`Concert is ${concert.status}`);
  const left = (concert.capacity ?? 0) - concert.ticketsIssued;
  return new ConflictError(
    `Capacity exceeded: ${left} of ${concert.capacity} tickets left to create`,
  );
}
