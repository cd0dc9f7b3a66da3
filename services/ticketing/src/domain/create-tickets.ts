import { type KeyObject, randomUUID } from "node:crypto";
import { ConcertStatus, TicketCreated } from "@concert/contracts";
import { ConflictError, NotFoundError, recordEvents } from "@concert/service-kit";
import type { PrismaClient, Ticket } from "../generated/prisma/client.js";
import { insertNumberedTickets, type TicketNumberSource } from "./ticket-numbers.js";
import { toTicketSnapshot } from "./ticket-view.js";

/**
 * Issues `quantity` tickets in one transaction, each at `price` (the concert's ticket price when
 * not given), after reserving their place in the concert's capacity (reserveCapacity). A concert
 * without capacity has no limit. A ticket number already taken is drawn again for that ticket
 * alone (see insertNumberedTickets). `key` signs each code once, for the digest its TicketCreated
 * carries.
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
    const concert = await reserveCapacity(tx, concertId, quantity);
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

/**
 * Raises the concert's issued count by `quantity`, or throws why it cannot (404, 409). The
 * concert's row is read locked and the answer decided on that one state: concurrent batches wait
 * on the lock, so together they never pass the capacity, and a refusal describes the row it was
 * decided on. (Reserving with a conditional UPDATE and asking why in a second statement could
 * answer a concert that reached ticketing in between as "Capacity exceeded" with all its room.)
 */
async function reserveCapacity(
  tx: Pick<PrismaClient, "$queryRaw" | "$executeRaw">,
  concertId: string,
  quantity: number,
): Promise<{ ticket_price: string | null }> {
  const [concert] = await tx.$queryRaw<
    {
      status: string;
      capacity: number | null;
      tickets_issued: number;
      ticket_price: string | null;
    }[]
  >`
    SELECT status, capacity, tickets_issued, ticket_price::text
      FROM concerts WHERE id = ${concertId}::uuid FOR UPDATE`;
  if (!concert) throw new NotFoundError("Concert not found");
  if (concert.status !== ConcertStatus.enum.scheduled) {
    throw new ConflictError(`Concert is ${concert.status}`);
  }
  if (concert.capacity !== null && concert.tickets_issued + quantity > concert.capacity) {
    const left = concert.capacity - concert.tickets_issued;
    throw new ConflictError(
      `Capacity exceeded: ${left} of ${concert.capacity} tickets left to create`,
    );
  }
  await tx.$executeRaw`
    UPDATE concerts SET tickets_issued = tickets_issued + ${quantity}
     WHERE id = ${concertId}::uuid`;
  return concert;
}
