import { randomUUID } from "node:crypto";
import { ConcertStatus, TicketCreated } from "@concert/contracts";
import { ConflictError, NotFoundError, recordEvents } from "@concert/service-kit";
import { newTicketNumber } from "@concert/ticket-codes";
import type { PrismaClient, Ticket } from "../generated/prisma/client.js";
import { toTicketSnapshot } from "./ticket-view.js";

/**
 * Issues `quantity` tickets in one transaction. The concert's issued count is raised with a
 * conditional UPDATE, so concurrent batches can never together pass the capacity.
 */
export async function createTickets(
  prisma: PrismaClient,
  concertId: string,
  quantity: number,
): Promise<Ticket[]> {
  return prisma.$transaction(async (tx) => {
    const reserved = await tx.$executeRaw`
      UPDATE concerts SET tickets_issued = tickets_issued + ${quantity}
       WHERE id = ${concertId}::uuid AND status = ${ConcertStatus.enum.scheduled}::text AND tickets_issued + ${quantity} <= capacity`;
    if (reserved === 0) {
      const concert = await tx.concert.findUnique({ where: { id: concertId } });
      if (!concert) throw new NotFoundError("Concert not found");
      if (concert.status === ConcertStatus.enum.cancelled)
        throw new ConflictError("Concert is cancelled");
      const left = concert.capacity - concert.ticketsIssued;
      throw new ConflictError(
        `Capacity exceeded: ${left} of ${concert.capacity} tickets left to create`,
      );
    }
    const tickets = await tx.ticket.createManyAndReturn({
      data: Array.from({ length: quantity }, () => ({
        id: randomUUID(),
        concertId,
        ticketNumber: newTicketNumber(),
      })),
    });
    await recordEvents(tx, TicketCreated, tickets.map(toTicketSnapshot));
    return tickets;
  });
}
